"""Exception cases, worked out from the applied history so the order of applying cannot matter.

Events reach the workers in any order: a carrier's resolution posted a second after its
exception is applied first when the exception's batch waited for the sweeper (the broker
was down), or when two workers share the load. Rather than opening and closing cases as
events come, each exception, resolution or delay-closing arrival has its subject's cases
worked out again from that subject's applied events in the order they occurred:

- an ``exception`` opens a case for its reason unless one is open already;
- an ``exception_resolved`` closes the open case of its reason (every open case if it
  names none);
- a delay the platform itself raised for a stop closes when the lorry reaches that stop
  or one beyond it, even if the arrival occurred before the delay was raised.

The stored cases are then brought in line with that, and so are the open exceptions of
every shipment whose timeline holds one of the subject's exceptions: a case's reason is
open for a shipment while the case is open and the event that opened it is on the
shipment's timeline (a trip's exception reaches the shipments on board at that point).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Q

from tracking.codes import ARRIVALS, Code, Reason
from tracking.models import ExceptionCase, TrackingEvent

CASE_CODES = (Code.EXCEPTION, Code.EXCEPTION_RESOLVED)


@dataclass
class _Case:
    opened_by: TrackingEvent
    resolved_by: TrackingEvent | None = None
    resolved_at: datetime | None = None

    def close(self, event: TrackingEvent, at: datetime) -> None:
        self.resolved_by, self.resolved_at = event, at


def _closes_when_reached(event: TrackingEvent) -> bool:
    return (
        event.code == Code.EXCEPTION
        and event.reason == Reason.DELAY
        and event.source == TrackingEvent.Source.SYSTEM
        and event.shipment_id is None
        and event.stop_sequence is not None
    )


def _reaches(arrival: TrackingEvent, case: _Case) -> bool:
    return arrival.stop_sequence >= case.opened_by.stop_sequence


def _derive(events: list[TrackingEvent]) -> list[_Case]:
    """The cases a subject's events make, given in (occurred_at, id) order."""
    cases: list[_Case] = []
    open_by_reason: dict[str, _Case] = {}
    arrived: list[TrackingEvent] = []
    for event in events:
        if event.code == Code.EXCEPTION:
            if event.reason in open_by_reason:
                continue  # the same trouble raised again while still open
            case = _Case(event)
            cases.append(case)
            there = _closes_when_reached(event) and next(
                (arrival for arrival in arrived if _reaches(arrival, case)), None
            )
            if there:  # the lorry had already been seen there: moot from the start
                case.close(there, event.occurred_at)
            else:
                open_by_reason[event.reason] = case
        elif event.code == Code.EXCEPTION_RESOLVED:
            reasons = [event.reason] if event.reason else list(open_by_reason)
            for reason in reasons:
                if (case := open_by_reason.pop(reason, None)) is not None:
                    case.close(event, event.occurred_at)
        else:  # an arrival of the trip
            arrived.append(event)
            delay = open_by_reason.get(Reason.DELAY)
            if delay and _closes_when_reached(delay.opened_by) and _reaches(event, delay):
                del open_by_reason[Reason.DELAY]
                delay.close(event, event.occurred_at)
    return cases


def _history(subject: dict, visible: list[int]) -> list[TrackingEvent]:
    """The subject's exception events and, for a trip, its arrivals at a stop: those applied
    before, and those of the running batch applied so far (``visible``)."""
    relevant = Q(code__in=CASE_CODES)
    if subject["shipment_id"] is None:
        relevant |= Q(code__in=ARRIVALS, stop_sequence__isnull=False)
        about = Q(**subject)
    else:  # posted for a shipment, with or without its trip
        about = Q(shipment_id=subject["shipment_id"])
    return list(
        TrackingEvent.objects.filter(about)
        .filter(relevant)
        .filter(Q(applied_at__isnull=False) | Q(pk__in=visible))
        .only(
            "code",
            "reason",
            "source",
            "occurred_at",
            "stop_sequence",
            "trip",
            "shipment",
            "location",
        )
        .order_by("occurred_at", "id")
    )


def _store(subject: dict, derived: list[_Case]) -> None:
    """Make the stored cases the derived ones: drop, close, reopen, then open, in that order,
    so no moment has two open cases of one reason."""
    stored = {case.opened_by_id: case for case in ExceptionCase.objects.filter(**subject)}
    wanted = {case.opened_by.pk: case for case in derived}
    ExceptionCase.objects.filter(
        pk__in=[case.pk for opener, case in stored.items() if opener not in wanted]
    ).delete()
    changed = [
        (stored[opener], case)
        for opener, case in wanted.items()
        if opener in stored
        and (stored[opener].resolved_by_id, stored[opener].resolved_at)
        != (case.resolved_by and case.resolved_by.pk, case.resolved_at)
    ]
    for row, case in sorted(changed, key=lambda pair: pair[1].resolved_at is None):
        row.resolved_by, row.resolved_at = case.resolved_by, case.resolved_at
        row.save(update_fields=["resolved_by", "resolved_at"])
    ExceptionCase.objects.bulk_create(
        [
            ExceptionCase(
                **subject,
                reason=case.opened_by.reason,
                location_id=case.opened_by.location_id,
                opened_at=case.opened_by.occurred_at,
                opened_by=case.opened_by,
                resolved_at=case.resolved_at,
                resolved_by=case.resolved_by,
            )
            for opener, case in wanted.items()
            if opener not in stored
        ]
    )


def _restate(exception_ids: list[int]) -> None:
    """Each shipment's open exceptions, for the shipments these exceptions reached."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE tracking_shipmentstate st
               SET open_exceptions = ARRAY(
                   SELECT c.reason
                     FROM tracking_timelineentry te
                     JOIN tracking_exceptioncase c ON c.opened_by_id = te.event_id
                    WHERE te.shipment_id = st.shipment_id AND c.resolved_at IS NULL
                    GROUP BY c.reason
                    ORDER BY min(c.opened_at), c.reason)
             WHERE st.shipment_id IN (
                   SELECT shipment_id FROM tracking_timelineentry WHERE event_id = ANY(%s))
            """,
            [exception_ids],
        )


def _bears_on_cases(event: TrackingEvent) -> bool:
    if event.code in CASE_CODES:
        return True
    if event.shipment_id is None and event.code in ARRIVALS and event.stop_sequence is not None:
        return ExceptionCase.objects.filter(
            trip_id=event.trip_id,
            reason=Reason.DELAY,
            resolved_at__isnull=True,
            opened_by__source=TrackingEvent.Source.SYSTEM,
        ).exists()  # an arrival matters only with a delay of the platform's to close
    return False


def cases_rework(event: TrackingEvent, *, visible: list[int]) -> None:
    """Bring the cases of the event's subject in line with its history, if the event bears on
    them; ``visible`` are the ids of the running batch's events applied so far and its own."""
    if not _bears_on_cases(event):
        return
    subject = (
        {"trip_id": event.trip_id, "shipment_id": None}
        if event.shipment_id is None
        else {"trip_id": None, "shipment_id": event.shipment_id}
    )
    history = _history(subject, visible)
    _store(subject, _derive(history))
    _restate([e.pk for e in history if e.code == Code.EXCEPTION])
