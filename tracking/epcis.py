"""A shipment's history as a GS1 EPCIS 2.0 ``EPCISDocument`` in JSON-LD, for any EPCIS tool.

Each timeline entry of the shipment (notes excepted: they are only free text)
becomes one ``ObjectEvent`` about the shipment, in the order the events happened.

Identifiers (``<site>`` is ``SITE_URL``; the platform has no GS1 company prefix):

- the shipment, in ``epcList``: its public tracking page, ``<site>/track/<tracking number>/``
  (the same URL as the consignment note's QR code);
- a place, in ``readPoint``: ``<site>/epcis/locations/<UN/LOCODE>``, or
  ``<site>/epcis/locations/id/<id>`` for a place without one; an event with
  coordinates but no place reads ``geo:<lat>,<lon>`` (RFC 5870); without either,
  no ``readPoint``;
- ``eventID``: ``urn:uuid:`` + a UUID 5 of ``<site>/epcis/events/<timeline entry id>``,
  the same on every export;
- the platform's own terms live under ``<site>/epcis/``: business steps in
  ``bizstep/``, dispositions in ``disp/``, and the extension fields ``la:code``
  (the platform's event code) and ``la:reason`` (an exception's reason) in ``ns/``.

The mapping, Core Business Vocabulary 2.0 wherever a term fits (bare names
are CBV; ``bizstep/…`` and ``disp/…`` are the platform's):

=====================  =======  ===========================  ==========================
code                   action   bizStep                      disposition
=====================  =======  ===========================  ==========================
booked                 ADD      commissioning                active
picked_up              OBSERVE  accepting                    in_transit
departed_origin        OBSERVE  departing                    in_transit
arrived_stop           OBSERVE  arriving                     in_transit
departed_stop          OBSERVE  departing                    in_transit
arrived_border         OBSERVE  arriving                     in_transit
export_cleared         OBSERVE  bizstep/customs_clearance    disp/export_cleared
crossed_border         OBSERVE  bizstep/border_crossing      in_transit
import_cleared         OBSERVE  bizstep/customs_clearance    disp/import_cleared
arrived_destination    OBSERVE  arriving                     in_transit
out_for_delivery       OBSERVE  departing                    in_transit
delivered              OBSERVE  accepting                    disp/delivered
cancelled              DELETE   decommissioning              inactive
handover               OBSERVE  bizstep/handover             container_closed (seals
                                                             intact), container_open
                                                             (not), else in_transit
exception              OBSERVE  holding (customs hold),      in_transit; persistent
                                else bizstep/exception       disposition set (below)
exception_resolved     OBSERVE  bizstep/exception_resolved   in_transit; persistent
                                                             disposition unset
=====================  =======  ===========================  ==========================

Why: *booked* is when the consignment gets its identifier, CBV's ``commissioning``
(an instance identifier associated with an object; ``active``, with ``ADD``);
*picked up* and *delivered* are changes of possession with a signature, CBV's
``accepting``; CBV has no customs clearance, border crossing, relay handover nor
delivered state, so those are the platform's. An exception's condition lasts
until resolved, which is what EPCIS 2.0's ``persistentDisposition`` says: set at
the exception, unset at its resolution (all of them when the resolution names
no reason): damage is CBV's ``damaged``, a customs hold ``disp/customs_hold``,
the others ``disp/<reason>`` (``delay``, ``border_congestion``, ``breakdown``,
``temperature``, ``other``).

Nothing private goes out: no remarks, receiver names, declaration numbers,
seal numbers, photos or prices. Readers are the member that placed the order,
the carrier of its trip and alliance staff (see ``tracking.api.epcis``).
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from orders.notes import tracking_url
from tracking.codes import Code, Reason
from tracking.models import TimelineEntry

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
OBSERVE, ADD, DELETE = "OBSERVE", "ADD", "DELETE"
# Marks the platform's own vocabulary below; resolved against <site>/epcis/ at export.
OWN = "own:"


@dataclass(frozen=True)
class Mapping:
    action: str
    biz_step: str
    disposition: str


IN_TRANSIT = "in_transit"
MAPPING: dict[str, Mapping] = {
    Code.BOOKED: Mapping(ADD, "commissioning", "active"),
    Code.PICKED_UP: Mapping(OBSERVE, "accepting", IN_TRANSIT),
    Code.DEPARTED_ORIGIN: Mapping(OBSERVE, "departing", IN_TRANSIT),
    Code.ARRIVED_STOP: Mapping(OBSERVE, "arriving", IN_TRANSIT),
    Code.DEPARTED_STOP: Mapping(OBSERVE, "departing", IN_TRANSIT),
    Code.ARRIVED_BORDER: Mapping(OBSERVE, "arriving", IN_TRANSIT),
    Code.EXPORT_CLEARED: Mapping(
        OBSERVE, OWN + "bizstep/customs_clearance", OWN + "disp/export_cleared"
    ),
    Code.CROSSED_BORDER: Mapping(OBSERVE, OWN + "bizstep/border_crossing", IN_TRANSIT),
    Code.IMPORT_CLEARED: Mapping(
        OBSERVE, OWN + "bizstep/customs_clearance", OWN + "disp/import_cleared"
    ),
    Code.ARRIVED_DESTINATION: Mapping(OBSERVE, "arriving", IN_TRANSIT),
    Code.OUT_FOR_DELIVERY: Mapping(OBSERVE, "departing", IN_TRANSIT),
    Code.DELIVERED: Mapping(OBSERVE, "accepting", OWN + "disp/delivered"),
    Code.CANCELLED: Mapping(DELETE, "decommissioning", "inactive"),
    Code.HANDOVER: Mapping(OBSERVE, OWN + "bizstep/handover", IN_TRANSIT),
    Code.EXCEPTION: Mapping(OBSERVE, OWN + "bizstep/exception", IN_TRANSIT),
    Code.EXCEPTION_RESOLVED: Mapping(OBSERVE, OWN + "bizstep/exception_resolved", IN_TRANSIT),
}
# Codes that are not exported: a note is nothing but its (private) free text.
NOT_EXPORTED = frozenset({Code.NOTE})
# The condition an open exception leaves on the shipment, as a persistent disposition.
EXCEPTION_DISPOSITION = {
    Reason.DAMAGE: "damaged",
    Reason.CUSTOMS_HOLD: OWN + "disp/customs_hold",
    Reason.DELAY: OWN + "disp/delay",
    Reason.BORDER_CONGESTION: OWN + "disp/border_congestion",
    Reason.BREAKDOWN: OWN + "disp/breakdown",
    Reason.TEMPERATURE: OWN + "disp/temperature",
    Reason.OTHER: OWN + "disp/other",
}


def vocabulary_base() -> str:
    return settings.SITE_URL.rstrip("/") + "/epcis/"


def utc_offset(minutes: int) -> str:
    """``eventTimeZoneOffset``: 420 → "+07:00", -330 → "-05:30"."""
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _read_point(event, base: str) -> dict | None:
    location = event.location
    if location is not None:
        key = location.unlocode or f"id/{location.pk}"
        return {"id": f"{base}locations/{key}"}
    if event.latitude is not None and event.longitude is not None:
        return {"id": f"geo:{event.latitude.normalize():f},{event.longitude.normalize():f}"}
    return None


def _resolve(term: str, base: str) -> str:
    return base + term[len(OWN) :] if term.startswith(OWN) else term


def _object_event(entry: TimelineEntry, *, epc: str, base: str, open_conditions: set) -> dict:
    event = entry.event
    mapping = MAPPING[entry.code]
    disposition = mapping.disposition
    biz_step = mapping.biz_step
    persistent = None
    if entry.code == Code.HANDOVER and event.seals_intact is not None:
        disposition = "container_closed" if event.seals_intact else "container_open"
    if entry.code == Code.EXCEPTION:
        if event.reason == Reason.CUSTOMS_HOLD:
            biz_step = "holding"
        if event.reason == Reason.DAMAGE:
            disposition = "damaged"
        condition = EXCEPTION_DISPOSITION.get(event.reason, EXCEPTION_DISPOSITION[Reason.OTHER])
        open_conditions.add(condition)
        persistent = {"set": [_resolve(condition, base)]}
    elif entry.code == Code.EXCEPTION_RESOLVED:
        if event.reason:
            closed = {EXCEPTION_DISPOSITION.get(event.reason, EXCEPTION_DISPOSITION[Reason.OTHER])}
        else:
            closed = set(open_conditions)
        open_conditions.difference_update(closed)
        if closed:
            persistent = {"unset": sorted(_resolve(term, base) for term in closed)}

    zone = dt.timezone(dt.timedelta(minutes=event.utc_offset_minutes))
    body = {
        "type": "ObjectEvent",
        "eventID": "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}events/{entry.pk}")),
        "eventTime": event.occurred_at.astimezone(zone).isoformat(),
        "eventTimeZoneOffset": utc_offset(event.utc_offset_minutes),
        "recordTime": _iso(event.received_at),
        "epcList": [epc],
        "action": mapping.action,
        "bizStep": _resolve(biz_step, base),
        "disposition": _resolve(disposition, base),
    }
    if persistent:
        body["persistentDisposition"] = persistent
    read_point = _read_point(event, base)
    if read_point:
        body["readPoint"] = read_point
    body["la:code"] = entry.code
    if event.reason:
        body["la:reason"] = event.reason
    return body


def epcis_document(
    *,
    tracking_number: str,
    entries: Iterable[TimelineEntry],
    created_at: dt.datetime | None = None,
) -> dict:
    """The EPCIS 2.0 document of one shipment from its timeline entries, oldest first.

    ``entries`` come with ``event`` and ``event__location`` loaded (see
    ``tracking.selectors.epcis_entries``); notes are left out here too.
    """
    base = vocabulary_base()
    epc = tracking_url(tracking_number)
    open_conditions: set[str] = set()
    events = [
        _object_event(entry, epc=epc, base=base, open_conditions=open_conditions)
        for entry in entries
        if entry.code not in NOT_EXPORTED and entry.code in MAPPING
    ]
    return {
        "@context": [EPCIS_CONTEXT, {"la": f"{base}ns/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _iso(created_at or timezone.now()),
        "epcisBody": {"eventList": events},
    }
