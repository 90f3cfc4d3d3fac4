"""Filters for order pages: money in its currency, status badges, the changes of an amendment."""

from decimal import Decimal, InvalidOperation

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config import l10n
from orders.models import CargoLine, Order, Shipment
from orders.money import MINOR_UNITS, round_money

register = template.Library()

BASIS_LABELS = {
    "weight": gettext_lazy("by chargeable weight"),
    "volume": gettext_lazy("by volume"),
    "minimum": gettext_lazy("minimum charge"),
    "mixed": gettext_lazy("by weight and volume"),
}


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def money(value, currency: str) -> str:
    """12345.5 and "CNY" → "12,345.50 CNY" (12.345,50 CNY in Vietnamese); the dong has no minor
    unit: "12,346 VND". The ISO code, not a symbol: ¥ and $ name several currencies here."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    places = MINOR_UNITS.get(currency, 2)
    if currency in MINOR_UNITS:
        amount = round_money(amount, currency)
    return f"{l10n.format_number(amount, places=places)} {currency}"


@register.filter
def signed_money(value, currency: str) -> str:
    """A difference, always with its sign: "+401.60 CNY", "−120.00 CNY", "0.00 CNY"."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    text = money(abs(amount), currency)
    if amount > 0:
        return f"+{text}"
    if amount < 0:
        return f"−{text}"
    return text


@register.filter
def price_basis(basis: str) -> str:
    return str(BASIS_LABELS.get(basis, basis))


@register.filter
def order_status(status: str):
    """The status as a badge: the word is the cue, the colour only helps."""
    return format_html(
        '<span class="badge status-{}">{}</span>', status, Order.Status(status).label
    )


@register.filter
def shipment_status(status: str):
    return format_html(
        '<span class="badge shipment-{}">{}</span>', status, Shipment.Status(status).label
    )


def _field_label(key: str) -> str:
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "cargo_lines":
        label = CargoLine._meta.get_field(parts[2]).verbose_name
        return _("Cargo line %(line)s, %(field)s") % {"line": parts[1], "field": label}
    try:
        return capfirst(Order._meta.get_field(key).verbose_name)
    except FieldDoesNotExist:
        return key


@register.filter
def amendment_changes(data) -> list[tuple[str, str, str]]:
    """What an amendment changed, as (what, before, after), from the history row's data."""
    changes = (data or {}).get("changes") or {}
    rows = []
    for key, values in changes.items():
        before, after = (list(values) + ["", ""])[:2]
        rows.append((_field_label(key), _plain(before), _plain(after)))
    return rows


def _plain(value) -> str:
    """Quantities without trailing zeros ("1000.00" → "1,000"); other values as they are."""
    amount = _decimal(value)
    if amount is None:
        return str(value)
    return l10n.format_number(amount)


@register.filter
def nonzero(value) -> bool:
    """An amount stored as text ("0", "0.00", "12.50") that is worth showing."""
    return bool(_decimal(value))
