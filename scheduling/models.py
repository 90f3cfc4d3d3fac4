"""The alliance's network: places lorries call at and the border crossings between them."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

unlocode_validator = RegexValidator(
    r"^[A-Z]{2}[A-Z2-9]{3}$",
    message=_("A UN/LOCODE is the 2-letter country code followed by 3 letters or digits 2–9."),
)


class Location(models.Model):
    """A hub, border gate, warehouse or city on the network."""

    class Kind(models.TextChoices):
        HUB = "hub", _("Hub")
        BORDER_GATE = "border_gate", _("Border gate")
        WAREHOUSE = "warehouse", _("Warehouse")
        CITY = "city", _("City")

    name = models.CharField(_("name"), max_length=120)
    local_name = models.CharField(_("name in local script"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    unlocode = models.CharField(
        _("UN/LOCODE"), max_length=5, blank=True, validators=[unlocode_validator]
    )
    country = CountryField(_("country"))
    timezone = models.CharField(
        _("time zone"), max_length=64, help_text=_("IANA name, e.g. Asia/Bangkok")
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["country", "name"]
        indexes = [models.Index(fields=["country", "name"], name="scheduling_location_name_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["unlocode"],
                condition=~models.Q(unlocode=""),
                name="%(app_label)s_%(class)s_unlocode_unique",
            ),
            models.UniqueConstraint(
                fields=["country", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unlocode or self.country.code})"


class BorderCrossing(models.Model):
    """A pair of gates facing each other across a border, e.g. Youyiguan ↔ Huu Nghi."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    gate_a = models.ForeignKey(
        Location, verbose_name=_("gate on side A"), on_delete=models.PROTECT, related_name="+"
    )
    gate_b = models.ForeignKey(
        Location, verbose_name=_("gate on side B"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("border crossing")
        verbose_name_plural = _("border crossings")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(gate_a=models.F("gate_b")),
                name="%(app_label)s_%(class)s_two_gates",
            ),
        ]

    def __str__(self) -> str:
        return self.name
