"""What members buy: tariffs, orders with their cargo, and the shipments an order becomes."""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from orders.constants import (
    Incoterm,
    PackageType,
    declaration_validator,
    hs_code_validator,
    un_number_validator,
)
from orders.money import Currency
from scheduling.models import ServiceKind


class DateRange(Func):
    """A tariff's validity as a PostgreSQL daterange; an open end runs for ever."""

    function = "DATERANGE"
    template = "%(function)s(%(expressions)s, '[]')"


class Tariff(models.Model):
    """The price of space on one line for one service, in one currency, for a period."""

    line = models.ForeignKey(
        "scheduling.Line", verbose_name=_("line"), on_delete=models.PROTECT, related_name="tariffs"
    )
    service_kind = models.CharField(_("service"), max_length=16, choices=ServiceKind.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    rate_per_kg = models.DecimalField(
        _("rate per chargeable kg"),
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(0)],
    )
    rate_per_m3 = models.DecimalField(
        _("rate per m³"), max_digits=14, decimal_places=4, validators=[MinValueValidator(0)]
    )
    minimum_charge = models.DecimalField(
        _("minimum charge"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    volumetric_factor = models.PositiveIntegerField(
        _("volumetric factor (kg per m³)"), default=333, validators=[MinValueValidator(1)]
    )
    cold_chain_surcharge_pct = models.DecimalField(
        _("cold chain surcharge (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    dangerous_goods_fee = models.DecimalField(
        _("dangerous goods fee"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        ordering = ["line", "service_kind", "currency", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="%(app_label)s_%(class)s_valid_period",
            ),
            models.CheckConstraint(
                condition=Q(rate_per_kg__gte=0)
                & Q(rate_per_m3__gte=0)
                & Q(minimum_charge__gte=0)
                & Q(volumetric_factor__gt=0),
                name="%(app_label)s_%(class)s_rates_not_negative",
            ),
            ExclusionConstraint(
                name="%(app_label)s_%(class)s_one_price_at_a_time",
                expressions=[
                    ("line", RangeOperators.EQUAL),
                    ("service_kind", RangeOperators.EQUAL),
                    ("currency", RangeOperators.EQUAL),
                    (DateRange("valid_from", "valid_until"), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_(
                    "Another tariff for this line, service and currency is in force in this "
                    "period; end it first."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line.code} {self.get_service_kind_display()} {self.currency}"


class Order(models.Model):
    """A member's request to carry goods from one place to another on the regular lines."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        CONFIRMED = "confirmed", _("Confirmed")
        IN_TRANSIT = "in_transit", _("In transit")
        DELIVERED = "delivered", _("Delivered")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED, Status.CANCELLED},
        Status.SUBMITTED: {Status.CONFIRMED, Status.REJECTED},
        Status.CONFIRMED: {
            Status.IN_TRANSIT,
            Status.DELIVERED,
            Status.CANCELLED,
            Status.REJECTED,
        },
        Status.IN_TRANSIT: {Status.DELIVERED},
        Status.DELIVERED: {Status.CLOSED},
        Status.CLOSED: set(),
        Status.CANCELLED: set(),
        Status.REJECTED: set(),
    }
    EDITABLE = (Status.DRAFT,)
    # Before the first pickup: the member may still cancel or amend.
    AMENDABLE = (Status.CONFIRMED,)
    TERMINAL = (Status.CLOSED, Status.CANCELLED, Status.REJECTED)
    # Someone still has to submit, confirm, load or deliver them; in the order they come.
    UNDER_WAY = (Status.DRAFT, Status.SUBMITTED, Status.CONFIRMED, Status.IN_TRANSIT)

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    member = models.ForeignKey(
        "alliance.Member",
        verbose_name=_("placed by"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    customer_reference = models.CharField(_("your reference"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    shipper_name = models.CharField(_("shipper"), max_length=150)
    shipper_address = models.CharField(_("shipper's address"), max_length=300)
    shipper_country = CountryField(_("shipper's country"))
    shipper_contact = models.CharField(_("shipper's contact"), max_length=150, blank=True)
    consignee_name = models.CharField(_("consignee"), max_length=150)
    consignee_address = models.CharField(_("consignee's address"), max_length=300)
    consignee_country = CountryField(_("consignee's country"))
    consignee_contact = models.CharField(_("consignee's contact"), max_length=150, blank=True)
    origin = models.ForeignKey(
        "scheduling.Location", verbose_name=_("origin"), on_delete=models.PROTECT, related_name="+"
    )
    destination = models.ForeignKey(
        "scheduling.Location",
        verbose_name=_("destination"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    ready_date = models.DateField(_("ready date"))
    service_kind = models.CharField(_("service"), max_length=16, choices=ServiceKind.choices)
    incoterm = models.CharField(_("Incoterm"), max_length=3, choices=Incoterm.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    export_declaration = models.CharField(
        _("export declaration number"),
        max_length=40,
        blank=True,
        validators=[declaration_validator],
    )
    import_declaration = models.CharField(
        _("import declaration number"),
        max_length=40,
        blank=True,
        validators=[declaration_validator],
    )
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    price_total = models.DecimalField(
        _("price"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    status_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("purchase of transport", "order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["member", "-created_at", "-id"], name="orders_order_member_idx"),
            models.Index(fields=["status", "-created_at"], name="orders_order_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(origin=F("destination")),
                name="%(app_label)s_%(class)s_goes_somewhere",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def total_kg(self):
        return sum((line.gross_kg for line in self.cargo_lines.all()), 0)

    @property
    def total_m3(self):
        return sum((line.volume_m3 for line in self.cargo_lines.all()), 0)

    @property
    def dangerous_goods(self) -> bool:
        return any(line.dangerous_goods_un for line in self.cargo_lines.all())


class CargoLine(models.Model):
    """One kind of goods in an order: so many packages of this, weighing that."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="cargo_lines")
    position = models.PositiveSmallIntegerField(_("line number"))
    description = models.CharField(_("description of goods"), max_length=200)
    hs_code = models.CharField(_("HS code"), max_length=10, validators=[hs_code_validator])
    package_count = models.PositiveIntegerField(_("packages"), validators=[MinValueValidator(1)])
    package_type = models.CharField(_("package type"), max_length=16, choices=PackageType.choices)
    gross_kg = models.DecimalField(_("gross weight (kg)"), max_digits=10, decimal_places=2)
    volume_m3 = models.DecimalField(_("volume (m³)"), max_digits=8, decimal_places=3)
    declared_value = models.DecimalField(
        _("declared value"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    declared_currency = models.CharField(
        _("currency of the value"), max_length=3, choices=Currency.choices
    )
    dangerous_goods_un = models.CharField(
        _("UN number (dangerous goods)"),
        max_length=6,
        blank=True,
        validators=[un_number_validator],
    )
    temperature_min_c = models.DecimalField(
        _("lowest temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    temperature_max_c = models.DecimalField(
        _("highest temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )

    class Meta:
        verbose_name = _("cargo line")
        verbose_name_plural = _("cargo lines")
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "position"], name="%(app_label)s_%(class)s_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(gross_kg__gt=0) & Q(volume_m3__gt=0) & Q(package_count__gt=0),
                name="%(app_label)s_%(class)s_cargo_positive",
            ),
            models.CheckConstraint(
                condition=Q(temperature_min_c__isnull=True)
                | Q(temperature_max_c__isnull=True)
                | Q(temperature_min_c__lte=F("temperature_max_c")),
                name="%(app_label)s_%(class)s_temperature_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.reference} #{self.position} {self.description}"

    @property
    def temperature_range(self) -> str:
        if self.temperature_min_c is None and self.temperature_max_c is None:
            return ""
        low = "" if self.temperature_min_c is None else f"{self.temperature_min_c:g}"
        high = "" if self.temperature_max_c is None else f"{self.temperature_max_c:g}"
        return f"{low}–{high} °C"


class OrderEvent(models.Model):
    """The order's history: every change of status or amendment, by whom and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(
        _("previous status"), max_length=16, choices=Order.Status.choices, blank=True
    )
    to_status = models.CharField(_("new status"), max_length=16, choices=Order.Status.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order.reference}: {self.from_status or '—'} → {self.to_status}"


class Shipment(models.Model):
    """A physical consignment of an order, on one trip, with its public tracking number."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        PICKED_UP = "picked_up", _("Picked up")
        DEPARTED_ORIGIN = "departed_origin", _("Departed origin")
        ARRIVED_BORDER = "arrived_border", _("Arrived at the border")
        EXPORT_CLEARED = "export_cleared", _("Export cleared")
        CROSSED_BORDER = "crossed_border", _("Crossed the border")
        IMPORT_CLEARED = "import_cleared", _("Import cleared")
        ARRIVED_DESTINATION = "arrived_destination", _("Arrived at destination")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    TERMINAL = (Status.DELIVERED, Status.CANCELLED)
    # Picked up and not yet delivered: the shipments a member watches move.
    ON_THE_WAY = (
        Status.PICKED_UP,
        Status.DEPARTED_ORIGIN,
        Status.ARRIVED_BORDER,
        Status.EXPORT_CLEARED,
        Status.CROSSED_BORDER,
        Status.IMPORT_CLEARED,
        Status.ARRIVED_DESTINATION,
        Status.OUT_FOR_DELIVERY,
    )

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    sequence = models.PositiveSmallIntegerField(_("part"))
    tracking_number = models.CharField(_("tracking number"), max_length=16, unique=True)
    booking = models.OneToOneField(
        "scheduling.Booking",
        verbose_name=_("booking"),
        on_delete=models.PROTECT,
        related_name="shipment",
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.BOOKED
    )
    status_at = models.DateTimeField(_("status since"), default=timezone.now)
    packages = models.PositiveIntegerField(_("packages"))
    weight_kg = models.DecimalField(_("gross weight (kg)"), max_digits=10, decimal_places=2)
    volume_m3 = models.DecimalField(_("volume (m³)"), max_digits=8, decimal_places=3)
    tariff = models.ForeignKey(
        Tariff,
        verbose_name=_("tariff"),
        on_delete=models.PROTECT,
        related_name="shipments",
        null=True,
        blank=True,
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    price_breakdown = models.JSONField(_("price breakdown"), default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["order", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "sequence"], name="%(app_label)s_%(class)s_sequence_unique"
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__gt=0) & Q(volume_m3__gt=0) & Q(packages__gt=0),
                name="%(app_label)s_%(class)s_cargo_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number


class ShipmentItem(models.Model):
    """How many packages of a cargo line travel in a shipment (an order may be split)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="items")
    cargo_line = models.ForeignKey(CargoLine, on_delete=models.PROTECT, related_name="+")
    packages = models.PositiveIntegerField(_("packages"))
    weight_kg = models.DecimalField(_("gross weight (kg)"), max_digits=10, decimal_places=2)
    volume_m3 = models.DecimalField(_("volume (m³)"), max_digits=8, decimal_places=3)

    class Meta:
        verbose_name = _("shipment item")
        verbose_name_plural = _("shipment items")
        ordering = ["shipment", "cargo_line__position"]

    def __str__(self) -> str:
        return f"{self.shipment}: {self.packages} × {self.cargo_line.description}"


class IdempotencyKey(models.Model):
    """A create request remembered by its Idempotency-Key, so a retry never makes a second order.

    ``response_status`` stays null while the first request is still running.
    """

    member = models.ForeignKey(
        "alliance.Member", on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(_("key"), max_length=255)
    scope = models.CharField(_("endpoint"), max_length=60)
    request_hash = models.CharField(_("request fingerprint"), max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "scope", "key"], name="%(app_label)s_%(class)s_unique"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="orders_idem_created_idx")]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.scope}:{self.key}"
