"""A notification's title in the reader's language: one place for the wording of every kind.

A notification stores its facts (``kind`` and ``data``) and an English ``title``
(what staff search in the admin). Whoever reads it — a person in the portal, the
recipient of an email, a webhook endpoint — gets the title written afresh from
the facts in their own language. A kind written nowhere here, or a notification
missing a fact its wording needs, is shown with its stored title.
"""

from collections.abc import Callable
from contextlib import nullcontext

from django.utils import translation
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from orders.models import Order
from scheduling.models import BookingEvent
from tracking.codes import Code, Reason

# The language of the stored titles: staff search them, and they stand in for kinds
# this module does not know.
STORED_LANGUAGE = "en"


def _event(data: dict) -> str:
    """A timeline entry: its code's label, the reason's if any, and the place if known."""
    values = {
        "number": data["tracking_number"],
        "status": Code(data["code"]).label,
        "reason": Reason(data["reason"]).label if data["reason"] else "",
        "place": data["place"],
    }
    # Whole sentences rather than pieces glued together, so that each language may
    # order them its own way.
    if values["reason"] and values["place"]:
        # Translators: a shipment's news, e.g. "LA123: Exception (Breakdown) — Lạng Sơn".
        return _("%(number)s: %(status)s (%(reason)s) — %(place)s") % values
    if values["reason"]:
        # Translators: a shipment's news, e.g. "LA123: Exception (Breakdown)".
        return _("%(number)s: %(status)s (%(reason)s)") % values
    if values["place"]:
        # Translators: a shipment's news, e.g. "LA123: Departed origin — Chongqing".
        return _("%(number)s: %(status)s — %(place)s") % values
    # Translators: a shipment's news, e.g. "LA123: Delivered".
    return _("%(number)s: %(status)s") % values


def _eta(data: dict) -> str:
    hours = float(data["hours"])
    # "+3", "-1.5": always signed, with the reader's decimal separator.
    shown = f"{hours:+g}".replace(".", get_format("DECIMAL_SEPARATOR"))
    # Translators: a shipment's estimated arrival moved by some hours, e.g. "LA123: ETA +3 h".
    return _("%(number)s: ETA %(hours)s h") % {"number": data["tracking_number"], "hours": shown}


def _order(data: dict) -> str:
    # Translators: an order's new status, e.g. "ORD-2026-0001: Confirmed".
    return _("%(reference)s: %(status)s") % {
        "reference": data["order"],
        "status": Order.Status(data["status"]).label,
    }


def _booking(data: dict) -> str:
    # Translators: what happened to a shipment's place on a lorry, e.g. "LA123: Moved to
    # another trip".
    return _("%(number)s: %(action)s") % {
        "number": data["tracking_number"],
        "action": BookingEvent.Action(data["action"]).label,
    }


def _endpoint_disabled(data: dict) -> str:
    return _("Webhook endpoint disabled: %(url)s") % {"url": data["url"]}


WORDING: dict[str, Callable[[dict], str]] = {
    "shipment.status_changed": _event,
    "shipment.exception": _event,
    "shipment.exception_resolved": _event,
    "shipment.delayed": _event,
    "shipment.eta_changed": _eta,
    "order.confirmed": _order,
    "order.rejected": _order,
    "order.cancelled": _order,
    "booking.allocated": _booking,
    "booking.waitlisted": _booking,
    "booking.reallocated": _booking,
    "booking.trip_cancelled": _booking,
    "webhook.endpoint_disabled": _endpoint_disabled,
}


def render(kind: str, data, language: str | None = None) -> str | None:
    """The title of a ``kind`` told with ``data``, in ``language`` (None: the active one);
    None when the kind has no wording here or ``data`` lacks a fact it needs."""
    wording = WORDING.get(kind)
    if wording is None or not isinstance(data, dict):
        return None
    with translation.override(language) if language else nullcontext():
        try:
            return wording(data)
        except (KeyError, TypeError, ValueError):
            # Facts missing or not what the wording expects (a code no longer known):
            # the stored title still says what happened.
            return None


def stored_title(kind: str, data: dict) -> str:
    """The English title stored with a new notification; producers call it with the data
    they store, so the stored title and the translated ones say the same."""
    title = render(kind, data, STORED_LANGUAGE)
    if title is None:
        raise ValueError(f"no wording for {kind!r} with the facts given")
    return title


def title_of(notification, language: str | None = None) -> str:
    """The notification's title in ``language`` (None: the active language, a page's reader's),
    else its stored English title."""
    rendered = render(notification.kind, notification.data, language)
    return notification.title if rendered is None else rendered
