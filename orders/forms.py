"""Portal forms of orders: they read what people type and hand it to the services.

The services hold the rules (weights above zero, HS code formats, dates, routes);
these forms only parse input and put the services' errors back on the fields they
name: ``ready_date`` on the ready date, ``cargo_lines.<n>.<field>`` on the n-th
cargo line the person sent, anything else above the form.
"""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from alliance.constants import ALLIANCE_COUNTRIES
from orders.models import CargoLine, Order
from orders.money import Currency
from orders.services import CARGO_FIELDS, MAX_CARGO_LINES, ORDER_FIELDS
from orders.splitting import Cargo
from scheduling import selectors as scheduling_selectors
from scheduling.forms import LocationChoiceField
from scheduling.models import ServiceKind

CARGO_PREFIX = "cargo"
DATE_WIDGET = {"type": "date"}


def _places():
    return scheduling_selectors.locations().order_by("country", "name")


def country_choices(*keep: str):
    """China and ASEAN first and only, plus any country an existing order already names."""
    wanted = set(ALLIANCE_COUNTRIES) | {code for code in keep if code}
    return [("", _("Choose a country"))] + [
        (code, name) for code, name in countries if code in wanted
    ]


def _with_blank(choices, label):
    return [("", label), *choices]


def _order_field(name: str, **kwargs):
    """The form field of an order's model field: same label, length and choices."""
    return Order._meta.get_field(name).formfield(**kwargs)


def _cargo_field(name: str, **kwargs):
    return CargoLine._meta.get_field(name).formfield(**kwargs)


def tomorrow():
    """The first ready date valid at every origin: in Chongqing, UTC's today is often yesterday."""
    return timezone.localdate() + timedelta(days=1)


def _date_field(label, **kwargs):
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"), **kwargs
    )


def _error_map(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {NON_FIELD_ERRORS: error.messages}


def readable_errors(error: ValidationError) -> list[str]:
    """A service's messages for a place without fields: each cargo line's says which line."""
    readable = []
    for key, messages in _error_map(error).items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "cargo_lines":
            readable += [
                _("Cargo line %(line)s: %(message)s") % {"line": parts[1], "message": message}
                for message in messages
            ]
        else:
            readable += messages
    return readable


# --- The order and its cargo lines --------------------------------------------------------


class RouteForm(forms.Form):
    """Where from, where to, when and which service: what both orders and quotes ask."""

    origin = LocationChoiceField(
        label=_("From"), queryset=_places(), empty_label=_("Choose a place")
    )
    destination = LocationChoiceField(
        label=_("To"), queryset=_places(), empty_label=_("Choose a place")
    )
    ready_date = _date_field(
        _("Ready date"),
        initial=tomorrow,
        help_text=_("The day the goods are ready to load at the origin."),
    )
    service_kind = forms.ChoiceField(
        label=_("Service"), choices=ServiceKind.choices, initial=ServiceKind.LTL
    )


class OrderForm(RouteForm):
    """The order itself: parties, route, date, terms and customs references."""

    customer_reference = _order_field("customer_reference")
    shipper_name = _order_field("shipper_name")
    shipper_address = _order_field("shipper_address", widget=forms.Textarea(attrs={"rows": 2}))
    shipper_country = forms.ChoiceField(label=_("Shipper's country"))
    shipper_contact = _order_field("shipper_contact")
    consignee_name = _order_field("consignee_name")
    consignee_address = _order_field("consignee_address", widget=forms.Textarea(attrs={"rows": 2}))
    consignee_country = forms.ChoiceField(label=_("Consignee's country"))
    consignee_contact = _order_field("consignee_contact")
    incoterm = _order_field("incoterm")
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=_with_blank(Currency.choices, _("Choose a currency")),
        help_text=_("The currency you pay in; the quote shows every currency until you choose."),
    )
    export_declaration = _order_field("export_declaration")
    import_declaration = _order_field("import_declaration")
    notes = _order_field("notes", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        keep = [
            str(self.initial.get(name) or "") for name in ("shipper_country", "consignee_country")
        ]
        for name in ("shipper_country", "consignee_country"):
            self.fields[name].choices = country_choices(*keep)
        self.fields["incoterm"].choices = _with_blank(
            self.fields["incoterm"].choices[1:], _("Choose an Incoterm")
        )

    def order_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in ORDER_FIELDS}


class CargoLineForm(forms.Form):
    """One kind of goods: so many packages of this, weighing that."""

    description = _cargo_field("description")
    hs_code = _cargo_field("hs_code", help_text=_("6 to 10 digits, e.g. 871410."))
    package_count = _cargo_field("package_count")
    package_type = _cargo_field("package_type")
    gross_kg = _cargo_field("gross_kg")
    volume_m3 = _cargo_field("volume_m3")
    declared_value = _cargo_field("declared_value")
    declared_currency = _cargo_field("declared_currency")
    dangerous_goods_un = _cargo_field(
        "dangerous_goods_un", help_text=_("Only for dangerous goods, e.g. UN1263.")
    )
    temperature_min_c = _cargo_field("temperature_min_c")
    temperature_max_c = _cargo_field("temperature_max_c")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["package_type"].choices = _with_blank(
            self.fields["package_type"].choices[1:], _("Choose a package type")
        )
        self.fields["declared_currency"].choices = _with_blank(
            Currency.choices, _("Choose a currency")
        )
        for name in ("temperature_min_c", "temperature_max_c"):
            self.fields[name].help_text = _("Cold chain only.")


class BaseCargoFormSet(forms.BaseFormSet):
    def add_non_form_error(self, messages: list[str]) -> None:
        self.non_form_errors()  # cleans the formset first, so the list exists
        self._non_form_errors.extend(messages)


CargoFormSet = forms.formset_factory(
    CargoLineForm,
    formset=BaseCargoFormSet,
    extra=0,
    min_num=1,
    max_num=MAX_CARGO_LINES,
    validate_max=True,
    can_delete=True,
)


def cargo_line_form(index: int) -> CargoLineForm:
    """An empty cargo line for row ``index`` of the formset, as the browser adds one."""
    form = CargoLineForm(
        prefix=f"{CARGO_PREFIX}-{index}", empty_permitted=True, use_required_attribute=False
    )
    CargoFormSet(prefix=CARGO_PREFIX).add_fields(form, index)  # its "remove" box
    return form


def _rows_from(data) -> list[dict]:
    """The cargo lines as typed, for a form re-rendered with one more line (no JavaScript)."""
    try:
        total = min(int(data.get(f"{CARGO_PREFIX}-TOTAL_FORMS", 0)), MAX_CARGO_LINES)
    except ValueError:
        total = 0
    rows = []
    for index in range(total):
        key = f"{CARGO_PREFIX}-{index}-"
        if data.get(f"{key}DELETE"):
            continue
        rows.append({name: data.get(f"{key}{name}", "") for name in CARGO_FIELDS})
    return rows


class OrderEntry:
    """The order form and its cargo lines, checked together, told the services' errors.

    ``add_line`` re-renders what was typed with one more empty cargo line, for a
    browser without JavaScript (with it, htmx adds the line in place).
    """

    def __init__(self, data=None, *, order: Order | None = None, add_line: bool = False):
        initial, rows = None, None
        if order is not None:
            initial = {name: getattr(order, name) for name in ORDER_FIELDS}
            for name in ("shipper_country", "consignee_country"):
                initial[name] = str(initial[name])
            rows = [
                {name: getattr(line, name) for name in CARGO_FIELDS}
                for line in order.cargo_lines.all()
            ]
        if add_line and data is not None:
            initial, rows, data = data.dict(), _rows_from(data), None
        self.form = OrderForm(data, initial=initial)
        self.formset = CargoFormSet(data, initial=rows, prefix=CARGO_PREFIX)
        if add_line and len(rows) < MAX_CARGO_LINES:
            self.formset.extra = 1
        self._sent: list[CargoLineForm] = []

    def is_valid(self) -> bool:
        form_valid = self.form.is_valid()
        return self.formset.is_valid() and form_valid

    def order_values(self) -> dict:
        return self.form.order_values()

    def cargo_lines(self) -> list[dict]:
        """The lines to save, in order; empty and removed lines are left out."""
        self._sent = [
            line
            for line in self.formset.forms
            if line.cleaned_data and not line.cleaned_data.get("DELETE")
        ]
        return [{name: line.cleaned_data[name] for name in CARGO_FIELDS} for line in self._sent]

    def add_service_errors(self, error: ValidationError) -> None:
        for key, messages in _error_map(error).items():
            if key.startswith("cargo_lines."):
                _, position, field = (key.split(".", 2) + ["", ""])[:3]
                line = self._line(position)
                if line is not None:
                    line.add_error(field if field in line.fields else None, messages)
                    continue
            if key == "cargo_lines":
                self.formset.add_non_form_error(messages)
            elif key in self.form.fields:
                self.form.add_error(key, messages)
            else:
                self.form.add_error(None, messages)

    def _line(self, position: str) -> CargoLineForm | None:
        if position.isdigit() and 1 <= int(position) <= len(self._sent):
            return self._sent[int(position) - 1]
        return None


# --- Quotes -----------------------------------------------------------------------------


def _positive(value) -> bool:
    return isinstance(value, Decimal | int) and value > 0


def quote_input_from_order(data) -> tuple[dict | None, list[str]]:
    """What a quote needs, from an order form filled in part; or what is still missing.

    Fields not yet valid are left out rather than refused: the quote follows the
    person as they type, and the order form says what is wrong when they save.
    """
    form = OrderForm(data)
    form.is_valid()
    formset = CargoFormSet(data, prefix=CARGO_PREFIX)
    cleaned = form.cleaned_data
    missing = [
        str(form.fields[name].label)
        for name in ("origin", "destination", "ready_date", "service_kind")
        if not cleaned.get(name)
    ]
    cargo, dangerous_goods = [], False
    for position, line in enumerate(formset.forms if formset.is_bound else [], start=1):
        line.is_valid()
        values = getattr(line, "cleaned_data", {})
        if values.get("DELETE"):
            continue
        if values.get("dangerous_goods_un"):
            dangerous_goods = True
        packages, kg, m3 = (values.get(n) for n in ("package_count", "gross_kg", "volume_m3"))
        if _positive(packages) and _positive(kg) and _positive(m3):
            cargo.append(Cargo(key=position, packages=packages, kg=kg, m3=m3))
    if not cargo:
        missing.append(str(_("a cargo line with packages, weight and volume")))
    if missing:
        return None, missing
    return {
        "origin": cleaned["origin"],
        "destination": cleaned["destination"],
        "ready_date": cleaned["ready_date"],
        "service_kind": cleaned["service_kind"],
        "currency": cleaned.get("currency") or "",
        "cargo": cargo,
        "dangerous_goods": dangerous_goods,
    }, []


class QuoteForm(RouteForm):
    """The standalone quote: a route, a date and one consignment, no order needed."""

    package_count = forms.IntegerField(label=_("Packages"), min_value=1, initial=1)
    weight_kg = forms.DecimalField(
        label=_("Gross weight (kg)"), max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    volume_m3 = forms.DecimalField(
        label=_("Volume (m³)"), max_digits=8, decimal_places=3, min_value=Decimal("0.001")
    )
    dangerous_goods = forms.BooleanField(label=_("Dangerous goods"), required=False)
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=_with_blank(Currency.choices, _("Any currency")),
        required=False,
    )

    def quote_input(self) -> dict:
        data = self.cleaned_data
        return {
            "origin": data["origin"],
            "destination": data["destination"],
            "ready_date": data["ready_date"],
            "service_kind": data["service_kind"],
            "currency": data["currency"],
            "dangerous_goods": data["dangerous_goods"],
            "cargo": [
                Cargo(
                    key=1,
                    packages=data["package_count"],
                    kg=data["weight_kg"],
                    m3=data["volume_m3"],
                )
            ],
        }

    def missing(self) -> list[str]:
        """Labels of the fields still empty or wrong, for the quote panel."""
        return [str(self.fields[name].label) for name in self.errors if name in self.fields]


# --- The order list -------------------------------------------------------------------------


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Ours or yours, or part of it."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=_with_blank(Order.Status.choices, _("All statuses")),
        required=False,
    )
    origin = LocationChoiceField(
        label=_("From"), queryset=_places(), required=False, empty_label=_("Anywhere")
    )
    destination = LocationChoiceField(
        label=_("To"), queryset=_places(), required=False, empty_label=_("Anywhere")
    )
    ready_from = _date_field(_("Ready from"), required=False)
    ready_to = _date_field(_("Ready until"), required=False)

    def filter(self, rows: QuerySet[Order]) -> QuerySet[Order]:
        """Narrow an already scoped queryset (from the selectors) to the filters chosen."""
        if not self.is_valid():
            return rows
        data = self.cleaned_data
        if data["q"]:
            rows = rows.filter(
                Q(reference__icontains=data["q"]) | Q(customer_reference__icontains=data["q"])
            )
        if data["status"]:
            rows = rows.filter(status=data["status"])
        if data["origin"]:
            rows = rows.filter(origin=data["origin"])
        if data["destination"]:
            rows = rows.filter(destination=data["destination"])
        if data["ready_from"]:
            rows = rows.filter(ready_date__gte=data["ready_from"])
        if data["ready_to"]:
            rows = rows.filter(ready_date__lte=data["ready_to"])
        return rows


# --- After confirmation: amend and cancel --------------------------------------------------

AMENDABLE_CARGO = ("package_count", "gross_kg", "volume_m3")


class AmendForm(forms.Form):
    """A new ready date and new quantities per cargo line of a confirmed order."""

    ready_date = _date_field(_("Ready date"))

    def __init__(self, *args, order: Order, **kwargs):
        self.lines = list(order.cargo_lines.all())
        initial = {"ready_date": order.ready_date}
        for line in self.lines:
            for name in AMENDABLE_CARGO:
                initial[self.field_name(line.position, name)] = getattr(line, name)
        super().__init__(*args, initial=initial, **kwargs)
        for line in self.lines:
            for name in AMENDABLE_CARGO:
                field = _cargo_field(name)
                field.label = _("%(field)s of line %(line)s") % {
                    "field": field.label,
                    "line": line.position,
                }
                self.fields[self.field_name(line.position, name)] = field

    @staticmethod
    def field_name(position: int, name: str) -> str:
        return f"line_{position}_{name}"

    def rows(self):
        """Each cargo line with its three bound fields, for the template's table."""
        return [
            (line, [self[self.field_name(line.position, name)] for name in AMENDABLE_CARGO])
            for line in self.lines
        ]

    def amendment(self) -> dict:
        return {
            "ready_date": self.cleaned_data["ready_date"],
            "cargo": {
                line.position: {
                    name: self.cleaned_data[self.field_name(line.position, name)]
                    for name in AMENDABLE_CARGO
                }
                for line in self.lines
            },
        }

    def add_service_errors(self, error: ValidationError) -> None:
        for key, messages in _error_map(error).items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "cargo_lines" and parts[1].isdigit():
                name = self.field_name(int(parts[1]), parts[2])
                self.add_error(name if name in self.fields else None, messages)
            elif key in self.fields:
                self.add_error(key, messages)
            else:
                self.add_error(None, messages)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the order's history."),
    )
