"""What happened and where things are: events, each shipment's timeline, positions, forecasts."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracking.codes import Code, Reason


class TrackingEvent(models.Model):
    """One thing that happened, as posted: per trip (fanned out) or per shipment.

    ``external_id`` is the poster's own id of the event; with the posting member
    it is unique, so a retry or a concurrent duplicate finds the stored event.
    ``applied_at`` stays empty until a worker has applied the event; the sweeper
    applies any left behind.
    """

    class Source(models.TextChoices):
        CARRIER_API = "carrier_api", _("Carrier API")
        PORTAL = "portal", _("Portal (dispatcher)")
        STAFF = "staff", _("Alliance staff")
        SYSTEM = "system", _("Platform")

    id = models.BigAutoField(primary_key=True)
    member = models.ForeignKey(
        "alliance.Member",
        verbose_name=_("posted by member"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    external_id = models.CharField(_("event id"), max_length=100)
    code = models.CharField(_("code"), max_length=24, choices=Code.choices)
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices, blank=True)
    occurred_at = models.DateTimeField(_("occurred"))
    utc_offset_minutes = models.SmallIntegerField(_("UTC offset (minutes)"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    trip = models.ForeignKey(
        "scheduling.Trip",
        verbose_name=_("trip"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
    )
    stop_sequence = models.PositiveSmallIntegerField(_("stop"), null=True, blank=True)
    shipment = models.ForeignKey(
        "orders.Shipment",
        verbose_name=_("shipment"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
    )
    location = models.ForeignKey(
        "scheduling.Location",
        verbose_name=_("place"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    declaration_number = models.CharField(_("declaration number"), max_length=40, blank=True)
    receiver_name = models.CharField(_("received by"), max_length=150, blank=True)
    photo = models.FileField(_("proof of delivery"), upload_to="pod/%Y/%m/", blank=True)
    seal_numbers = ArrayField(
        models.CharField(max_length=40), verbose_name=_("seal numbers"), default=list, blank=True
    )
    seals_intact = models.BooleanField(_("seals intact"), null=True, blank=True)
    signed_by = models.CharField(_("signed by"), max_length=150, blank=True)
    remarks = models.TextField(_("remarks"), blank=True, max_length=1000)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["occurred_at", "id"]
        constraints = [
            # Staff post without a member: NULLS NOT DISTINCT keeps their ids unique too.
            models.UniqueConstraint(
                fields=["member", "external_id"],
                name="%(app_label)s_%(class)s_external_id_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(trip__isnull=False) | Q(shipment__isnull=False),
                name="%(app_label)s_%(class)s_about_something",
            ),
        ]
        # Every index is written on every insert, so each must earn its place: the member's,
        # the trip's and the shipment's single-column indexes Django would add are left out
        # (the unique constraint and the two indexes below lead with those columns), and the
        # person and place are indexed only where set (API posts have no person, most
        # events no place): what deleting a user or a place needs, never written in vain.
        indexes = [
            models.Index(fields=["trip", "occurred_at"], name="tracking_event_trip_idx"),
            models.Index(fields=["shipment", "occurred_at"], name="tracking_event_shipment_idx"),
            models.Index(
                fields=["posted_by"],
                name="tracking_event_posted_by_idx",
                condition=Q(posted_by__isnull=False),
            ),
            models.Index(
                fields=["location"],
                name="tracking_event_location_idx",
                condition=Q(location__isnull=False),
            ),
            models.Index(
                fields=["received_at"],
                name="tracking_event_unapplied_idx",
                condition=Q(applied_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class TimelineEntry(models.Model):
    """An event as one shipment lived it: a trip event lands here once per shipment on board.

    ``code`` is the event's meaning for this shipment: the lorry leaving Nanning
    is ``departed_stop`` for cargo on board, ``departed_origin`` for cargo loaded there.
    """

    id = models.BigAutoField(primary_key=True)
    # No index of its own: the timeline index and the unique constraint lead with it.
    shipment = models.ForeignKey(
        "orders.Shipment", on_delete=models.CASCADE, related_name="timeline", db_index=False
    )
    event = models.ForeignKey(TrackingEvent, on_delete=models.CASCADE, related_name="entries")
    code = models.CharField(_("code"), max_length=24, choices=Code.choices)
    occurred_at = models.DateTimeField(_("occurred"))

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["shipment", "occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "event"], name="%(app_label)s_%(class)s_once_per_shipment"
            ),
        ]
        indexes = [
            models.Index(fields=["shipment", "occurred_at"], name="tracking_timeline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.code}"


class ShipmentState(models.Model):
    """Where a shipment stands beyond its status: ETA with its reason, open exceptions."""

    shipment = models.OneToOneField(
        "orders.Shipment", on_delete=models.CASCADE, primary_key=True, related_name="state"
    )
    eta = models.DateTimeField(_("expected arrival"), null=True, blank=True)
    # What moved the ETA off the plan, as parts tracking.eta.describe() puts into words.
    eta_basis = models.JSONField(_("why this ETA"), default=list, blank=True)
    open_exceptions = ArrayField(
        models.CharField(max_length=24, choices=Reason.choices),
        verbose_name=_("open exceptions"),
        default=list,
        blank=True,
    )
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True)
    last_location = models.ForeignKey(
        "scheduling.Location", on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("shipment state")
        verbose_name_plural = _("shipment states")
        indexes = [
            models.Index(fields=["eta"], name="tracking_state_eta_idx"),
            models.Index(
                fields=["shipment"],
                name="tracking_state_exception_idx",
                condition=~Q(open_exceptions=[]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id}: ETA {self.eta}"


class StopForecast(models.Model):
    """When a trip is now expected at a stop still ahead, and why."""

    stop = models.OneToOneField(
        "scheduling.TripStop", on_delete=models.CASCADE, primary_key=True, related_name="forecast"
    )
    expected_arrival = models.DateTimeField(_("expected arrival"))
    expected_departure = models.DateTimeField(_("expected departure"))
    basis = models.JSONField(_("why"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("stop forecast")
        verbose_name_plural = _("stop forecasts")

    def __str__(self) -> str:
        return f"{self.stop_id}: {self.expected_arrival}"


class Position(models.Model):
    """A GPS ping of a trip's lorry, with the reefer's temperature when it has one."""

    id = models.BigAutoField(primary_key=True)
    trip = models.ForeignKey("scheduling.Trip", on_delete=models.CASCADE, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    speed_kmh = models.DecimalField(_("speed (km/h)"), max_digits=5, decimal_places=1, null=True)
    heading = models.PositiveSmallIntegerField(_("heading (°)"), null=True)
    temperature_c = models.DecimalField(
        _("temperature (°C)"), max_digits=4, decimal_places=1, null=True
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["trip", "recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["trip", "recorded_at"], name="%(app_label)s_%(class)s_once_per_instant"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trip_id} {self.recorded_at:%Y-%m-%d %H:%M}"


class ExceptionCase(models.Model):
    """An exception from when it was raised until it was resolved, with who and when.

    Raised on a trip (reaching every shipment on board) or on one shipment; one
    open case per trip or shipment and reason.
    """

    trip = models.ForeignKey(
        "scheduling.Trip", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    shipment = models.ForeignKey(
        "orders.Shipment", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    location = models.ForeignKey(
        "scheduling.Location", on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    opened_at = models.DateTimeField(_("raised"))
    opened_by = models.ForeignKey(
        TrackingEvent, on_delete=models.CASCADE, related_name="opened_cases"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        TrackingEvent,
        on_delete=models.SET_NULL,
        related_name="resolved_cases",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("exception")
        verbose_name_plural = _("exceptions")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["trip", "shipment", "reason"],
                condition=Q(resolved_at__isnull=True),
                nulls_distinct=False,
                name="%(app_label)s_%(class)s_one_open",
            ),
            models.CheckConstraint(
                condition=Q(trip__isnull=False) | Q(shipment__isnull=False),
                name="%(app_label)s_%(class)s_about_something",
            ),
        ]
        indexes = [
            models.Index(
                fields=["opened_at"],
                name="tracking_open_case_idx",
                condition=Q(resolved_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} since {self.opened_at:%Y-%m-%d %H:%M}"


# Notifications live in their own package; their models belong to this app.
from tracking.notifications.models import *  # noqa: E402, F403
from tracking.operations.models import *  # noqa: E402, F403
