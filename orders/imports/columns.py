"""The columns of an import file: names, meaning, an example, and how each cell becomes a value.

One row is one cargo line; the rows that share an ``order_key`` form one order,
and the order columns of those rows must agree (a row may leave them blank).
The conversions here are only the cheap, mechanical ones (text to number, to
date, codes to their canonical case); every business rule is left to
``orders.services``, which checks the values the same way for every channel.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.services import ORDER_FIELDS

TEXT, UPPER, LOWER, LOCATION, DATE, INTEGER, DECIMAL = (
    "text",
    "upper",
    "lower",
    "location",
    "date",
    "integer",
    "decimal",
)
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
INTEGER_PATTERN = re.compile(r"[-+]?\d+")
DECIMAL_PATTERN = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    help: Promise
    example: str = ""
    required: bool = False  # only for typed columns; the services check required text
    field_name: str = ""  # when the service's keyword is not the column's name

    @property
    def field(self) -> str:
        """The keyword of ``orders.services.order_create`` (or of its cargo lines)."""
        return self.field_name or self.name

    @property
    def order_level(self) -> bool:
        return self.field in ORDER_FIELDS


def _example_date() -> str:
    return (timezone.localdate() + timedelta(days=7)).isoformat()


COLUMNS: tuple[Column, ...] = (
    Column(
        "order_key",
        TEXT,
        gettext_lazy(
            "Your own reference for the order (at most 40 characters). Rows with the same key "
            "are the cargo lines of one order."
        ),
        "PO-2026-0142",
        field_name="customer_reference",
    ),
    Column(
        "shipper_name",
        TEXT,
        gettext_lazy("Shipper's company name."),
        "Chongqing Yuxin Motorcycle Parts Co., Ltd.",
    ),
    Column(
        "shipper_address",
        TEXT,
        gettext_lazy("Shipper's address."),
        "18 Tuzhu Road, Shapingba District, Chongqing",
    ),
    Column(
        "shipper_country", UPPER, gettext_lazy("Shipper's country, ISO 3166 code (e.g. CN)."), "CN"
    ),
    Column(
        "shipper_contact",
        TEXT,
        gettext_lazy("Person or phone at the shipper (optional)."),
        "Li Wei +86 23 6300 1234",
    ),
    Column(
        "consignee_name",
        TEXT,
        gettext_lazy("Consignee's company name."),
        "Công ty TNHH Phụ tùng Hà Nội",
    ),
    Column(
        "consignee_address",
        TEXT,
        gettext_lazy("Consignee's address."),
        "25 Nguyễn Văn Linh, Long Biên, Hà Nội",
    ),
    Column(
        "consignee_country",
        UPPER,
        gettext_lazy("Consignee's country, ISO 3166 code (e.g. VN)."),
        "VN",
    ),
    Column(
        "consignee_contact",
        TEXT,
        gettext_lazy("Person or phone at the consignee (optional)."),
        "Nguyễn Thu Hà +84 24 3333 0000",
    ),
    Column(
        "origin",
        LOCATION,
        gettext_lazy(
            "Where the goods are handed over: the place's UN/LOCODE (e.g. CNCKG), or for a "
            "place without one its number in the list of places."
        ),
        "CNCKG",
        required=True,
    ),
    Column(
        "destination",
        LOCATION,
        gettext_lazy("Where the goods go, written like the origin (e.g. VNHAN)."),
        "VNHAN",
        required=True,
    ),
    Column(
        "ready_date",
        DATE,
        gettext_lazy("The day the goods are ready, as YYYY-MM-DD; not in the past."),
        required=True,
    ),
    Column("service_kind", LOWER, gettext_lazy("ftl, ltl or cold_chain."), "LTL"),
    Column("incoterm", UPPER, gettext_lazy("Incoterms 2020 code, e.g. EXW, FCA, DAP, DDP."), "DAP"),
    Column(
        "currency",
        UPPER,
        gettext_lazy("Currency of the price, ISO 4217 code (e.g. CNY, USD, VND)."),
        "CNY",
    ),
    Column(
        "export_declaration",
        TEXT,
        gettext_lazy("Export declaration number, if known (optional)."),
        "",
    ),
    Column(
        "import_declaration",
        TEXT,
        gettext_lazy("Import declaration number, if known (optional)."),
        "",
    ),
    Column(
        "notes",
        TEXT,
        gettext_lazy("Anything the carrier should know (optional)."),
        "Tail-lift needed at delivery",
    ),
    Column(
        "description",
        TEXT,
        gettext_lazy("Description of the goods of this cargo line."),
        "Motorcycle spare parts",
    ),
    Column(
        "hs_code",
        TEXT,
        gettext_lazy("HS code, 6 to 10 digits without dots (keep leading zeros)."),
        "871410",
    ),
    Column("package_count", INTEGER, gettext_lazy("Number of packages."), "10", required=True),
    Column(
        "package_type",
        LOWER,
        gettext_lazy("carton, pallet, crate, drum, bag, roll, bale or piece."),
        "carton",
    ),
    Column(
        "gross_kg",
        DECIMAL,
        gettext_lazy("Gross weight in kg, with a dot for decimals (e.g. 1250.5)."),
        "1000",
        required=True,
    ),
    Column("volume_m3", DECIMAL, gettext_lazy("Volume in m³ (e.g. 4.2)."), "4", required=True),
    Column(
        "declared_value",
        DECIMAL,
        gettext_lazy("Value of the goods for customs."),
        "50000",
        required=True,
    ),
    Column(
        "declared_currency",
        UPPER,
        gettext_lazy("Currency of the declared value (ISO 4217)."),
        "CNY",
    ),
    Column(
        "dangerous_goods_un",
        UPPER,
        gettext_lazy("UN number of dangerous goods, e.g. UN1263 (blank if none)."),
        "",
    ),
    Column(
        "temperature_min_c", DECIMAL, gettext_lazy("Cold chain only: lowest temperature in °C."), ""
    ),
    Column(
        "temperature_max_c",
        DECIMAL,
        gettext_lazy("Cold chain only: highest temperature in °C."),
        "",
    ),
)
NAMES = tuple(column.name for column in COLUMNS)
BY_NAME = {column.name: column for column in COLUMNS}
ORDER_COLUMNS = tuple(column for column in COLUMNS if column.order_level)
CARGO_COLUMNS = tuple(column for column in COLUMNS if not column.order_level)
COLUMN_OF_FIELD = {column.field: column.name for column in COLUMNS}


class CellError(ValueError):
    """A cell that is not even the right kind of value (a word where a number goes)."""


def convert(column: Column, text: str):
    """The value the service takes for this cell; CellError with a message if it cannot be."""
    if not text:
        if column.required:
            raise CellError(_("This cell is empty; the column is required."))
        return None if column.kind in (DATE, INTEGER, DECIMAL) else ""
    if column.kind == UPPER:
        return text.upper()
    if column.kind == LOWER:
        return text.lower()
    if column.kind == DATE:
        return _date(text)
    if column.kind == INTEGER:
        if not INTEGER_PATTERN.fullmatch(text):
            raise CellError(_("Not a whole number: write it like 12."))
        return int(text)
    if column.kind == DECIMAL:
        return _decimal(text)
    return text  # TEXT, and LOCATION, which the caller looks up


def _date(text: str) -> date:
    if DATE_PATTERN.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise CellError(
        _("Not a date: write it as YYYY-MM-DD (e.g. %(example)s).") % {"example": _example_date()}
    )


def _decimal(text: str) -> Decimal:
    if DECIMAL_PATTERN.fullmatch(text):
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
    if "," in text:
        raise CellError(
            _("Write numbers with a dot for decimals and no thousands separator (e.g. 1250.5).")
        )
    raise CellError(_("Not a number: write it like 1250.5."))


# --- The template file ----------------------------------------------------------


def template_rows() -> list[list[str]]:
    """The header and one example: Chongqing → Hanoi, LTL, DAP, in CNY."""
    example = {column.name: column.example for column in COLUMNS}
    example["ready_date"] = _example_date()
    return [list(NAMES), [example[name] for name in NAMES]]


def template_csv() -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese and Vietnamese right."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(template_rows())
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The same as the CSV, as a workbook whose text columns stay text (HS codes keep zeros)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "orders"
    header, example = template_rows()
    sheet.append(header)
    sheet.append(example)
    for index, column in enumerate(COLUMNS, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = max(14, len(column.name) + 2)
        if column.kind not in (INTEGER, DECIMAL):
            # "@" is Excel's text format: what is typed stays as typed (080300, 2026-03-15).
            dimension.number_format = "@"
        sheet.cell(row=1, column=index).font = Font(bold=True)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
