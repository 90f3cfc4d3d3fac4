"""Weekly summary tables, rebuilt from the recorded data by tracking.operations.refresh."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WeeklyFigures(models.Model):
    """One week of one slice of the network: a line, a border gate, a member, or everything.

    ``scope`` says which slice; exactly the matching foreign key is set (none for
    ``network``). Rates are percentages; durations are hours; weeks start on Monday (UTC).
    """

    class Scope(models.TextChoices):
        NETWORK = "network", _("Whole network")
        LINE = "line", _("Line")
        GATE = "gate", _("Border gate")
        MEMBER = "member", _("Member")

    week = models.DateField(_("week"))
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    line = models.ForeignKey(
        "scheduling.Line", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    gate = models.ForeignKey(
        "scheduling.Location", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    member = models.ForeignKey(
        "alliance.Member", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    shipments = models.PositiveIntegerField(_("shipments"), default=0)
    tonnes = models.DecimalField(_("tonnes"), max_digits=14, decimal_places=3, default=0)
    volume_m3 = models.DecimalField(_("m³"), max_digits=14, decimal_places=3, default=0)
    trips = models.PositiveIntegerField(_("trips run"), default=0)
    load_factor_kg = models.DecimalField(
        _("load factor by weight (%)"), max_digits=6, decimal_places=2, null=True
    )
    load_factor_m3 = models.DecimalField(
        _("load factor by volume (%)"), max_digits=6, decimal_places=2, null=True
    )
    on_time_departure = models.DecimalField(
        _("on-time departures (%)"), max_digits=6, decimal_places=2, null=True
    )
    on_time_arrival = models.DecimalField(
        _("on-time arrivals (%)"), max_digits=6, decimal_places=2, null=True
    )
    transit_median_h = models.DecimalField(
        _("transit time, median (h)"), max_digits=8, decimal_places=2, null=True
    )
    transit_p90_h = models.DecimalField(
        _("transit time, p90 (h)"), max_digits=8, decimal_places=2, null=True
    )
    crossings = models.PositiveIntegerField(_("border crossings"), default=0)
    dwell_median_h = models.DecimalField(
        _("border dwell, median (h)"), max_digits=8, decimal_places=2, null=True
    )
    dwell_p90_h = models.DecimalField(
        _("border dwell, p90 (h)"), max_digits=8, decimal_places=2, null=True
    )
    exceptions = models.JSONField(_("exceptions by reason"), default=dict)
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        verbose_name = _("weekly figures")
        verbose_name_plural = _("weekly figures")
        ordering = ["-week", "scope"]
        constraints = [
            models.UniqueConstraint(
                fields=["week", "scope", "line", "gate", "member"],
                nulls_distinct=False,
                name="%(app_label)s_%(class)s_one_per_slice",
            ),
        ]
        indexes = [models.Index(fields=["scope", "week"], name="weekly_scope_week_idx")]

    def __str__(self) -> str:
        return f"{self.week} {self.scope}"


class OperationIndex(models.Model):
    """The alliance's weekly operation index (base week = 100) and its four components."""

    week = models.DateField(_("week"), unique=True)
    value = models.DecimalField(_("index"), max_digits=8, decimal_places=2)
    volume = models.DecimalField(_("volume component"), max_digits=8, decimal_places=2)
    on_time = models.DecimalField(_("on-time component"), max_digits=8, decimal_places=2)
    transit = models.DecimalField(_("transit-time component"), max_digits=8, decimal_places=2)
    dwell = models.DecimalField(_("border-dwell component"), max_digits=8, decimal_places=2)
    base_week = models.DateField(_("base week"))
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        verbose_name = _("operation index")
        verbose_name_plural = _("operation index")
        ordering = ["-week"]

    def __str__(self) -> str:
        return f"{self.week}: {self.value}"
