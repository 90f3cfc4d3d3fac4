"""The operations pages' filters: the period, and for staff a line, a border gate and a country."""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from scheduling.models import Line, Location

PERIODS = (4, 12, 26, 52)
DEFAULT_PERIOD = 12


def _last_weeks(count: int) -> str:
    return gettext("last %(count)s weeks") % {"count": count}


# Read when the choices are shown, in the reader's language (not once, at import).
_last_weeks_lazy = lazy(_last_weeks, str)


class PeriodForm(forms.Form):
    """How many weeks to show; anything unexpected falls back to the default."""

    weeks = forms.TypedChoiceField(
        label=_("Period"),
        choices=[(n, _last_weeks_lazy(n)) for n in PERIODS],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PERIOD,
    )

    def __init__(self, data=None, *, default: int = DEFAULT_PERIOD, **kwargs):
        self.default = default
        super().__init__(data, **kwargs)
        self.fields["weeks"].initial = default

    def value(self, name: str, default=None):
        """The cleaned value, or the default when the field is absent or invalid."""
        if not self.is_bound or not self.is_valid():
            return default
        return self.cleaned_data.get(name) or default

    @property
    def period(self) -> int:
        return self.value("weeks", self.default)


class OperationsFilterForm(PeriodForm):
    """Staff narrow the network figures to a line, a border gate or a country."""

    line = forms.ModelChoiceField(
        label=_("Line"), queryset=Line.objects.order_by("code"), required=False
    )
    gate = forms.ModelChoiceField(
        label=_("Border gate"),
        queryset=Location.objects.filter(kind=Location.Kind.BORDER_GATE).order_by(
            "country", "name"
        ),
        required=False,
    )
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["line"].label_from_instance = lambda line: f"{line.code} — {line.name}"
        self.fields["gate"].label_from_instance = lambda gate: f"{gate.name} ({gate.country})"
        codes = Location.objects.order_by().values_list("country", flat=True).distinct()
        self.fields["country"].choices = [
            ("", _("All countries")),
            *sorted(((code, countries.name(code)) for code in codes), key=lambda c: str(c[1])),
        ]
        self.fields["line"].empty_label = _("All lines")
        self.fields["gate"].empty_label = _("All gates")

    @property
    def chosen_line(self) -> Line | None:
        return self.value("line")

    @property
    def chosen_gate(self) -> Location | None:
        return self.value("gate")

    @property
    def chosen_country(self) -> str:
        return self.value("country", "")
