"""Reading an import file into rows of text cells: CSV (UTF-8, comma or semicolon) or XLSX.

Nothing here knows orders. It checks that the file is one we accept (size,
encoding, header, number of rows) and hands over every non-blank row as
``{column: text}`` with the row number a spreadsheet shows (the header is row 1).
The checks that refuse a whole file come first and are cheap: the size before
anything is read, the row count while rows are read (never more than the limit
plus one is kept), so a file of 100,000 rows costs nothing but its refusal.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orders.imports.exceptions import ImportRefused

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
DELIMITERS = (",", ";")
FIRST_LINE = re.compile(r"[^\r\n]*")
# A workbook is a zip of XML; it may unpack to this many times the upload limit and no more,
# so a small "zip bomb" cannot fill the memory of the web process.
XLSX_UNPACKED_FACTOR = 10


@dataclass(frozen=True)
class Row:
    """One non-blank row of the file, by the number a spreadsheet shows for it."""

    number: int
    cells: dict[str, str]
    stray_cells: bool = False  # text in cells to the right of the last column


def read_rows(file, *, columns: Sequence[str]) -> list[Row]:
    """Every non-blank row of the file, or ImportRefused saying what is wrong with the file."""
    data = _read_limited(file)
    if data.startswith(XLSX_MAGIC):
        records = _xlsx_records(data)
    elif data.startswith(XLS_MAGIC):
        raise ImportRefused(
            _(
                "This is an Excel 97–2003 workbook (.xls), which cannot be read. Save it as an "
                "Excel workbook (.xlsx) or as 'CSV UTF-8' and upload it again."
            )
        )
    else:
        records = _csv_records(data)
    return _rows(records, columns=columns)


def _read_limited(file) -> bytes:
    limit = settings.ORDER_IMPORT_MAX_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise _too_big(size)
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise _too_big(size)
    if not data.strip():
        raise ImportRefused(_("The file is empty."))
    return data


def _too_big(size: int | None) -> ImportRefused:
    limits = {
        "limit": filesizeformat(settings.ORDER_IMPORT_MAX_BYTES),
        "rows": settings.ORDER_IMPORT_MAX_ROWS,
    }
    if size is None:
        message = _(
            "The file is bigger than %(limit)s, the most one import takes (and at most "
            "%(rows)s rows). Split it into smaller files."
        )
    else:
        message = _(
            "The file is %(size)s; one import takes at most %(limit)s and %(rows)s rows. "
            "Split it into smaller files."
        )
        limits["size"] = filesizeformat(size)
    return ImportRefused(message % limits, code="file_too_big")


# --- CSV ----------------------------------------------------------------------


def _csv_records(data: bytes) -> Iterator[list[str]]:
    if data.startswith(UTF16_BOMS):
        raise _not_utf8(_("The file is UTF-16 text."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise _not_utf8(
            _("The file is not UTF-8 text (line %(line)s is the first that is not).")
            % {"line": line}
        ) from error
    if "\x00" in text:
        raise ImportRefused(
            _("The file is not text. Upload a CSV file or an Excel workbook (.xlsx)."),
            code="not_text",
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        yield from reader
    except csv.Error as error:
        raise ImportRefused(
            _("The CSV file cannot be read near line %(line)s (%(problem)s).")
            % {"line": reader.line_num, "problem": error},
            code="bad_csv",
        ) from error


def _not_utf8(problem: str) -> ImportRefused:
    return ImportRefused(
        problem
        + " "
        + _(
            "Save it as 'CSV UTF-8 (comma delimited)' (in Excel: File › Save As) and "
            "upload it again."
        ),
        code="not_utf8",
    )


def _delimiter(text: str) -> str:
    """Comma or semicolon, whichever the header row uses more (Excel in many locales uses ';')."""
    header = FIRST_LINE.match(text)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    return max(DELIMITERS, key=lambda delimiter: counts[delimiter])


# --- XLSX ---------------------------------------------------------------------


def _xlsx_records(data: bytes) -> Iterator[list[str]]:
    unreadable = ImportRefused(
        _(
            "The Excel workbook cannot be read; it may be damaged or protected. Save it again "
            "as .xlsx, or as 'CSV UTF-8', and upload it again."
        ),
        code="bad_xlsx",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise unreadable from error
    if unpacked > settings.ORDER_IMPORT_MAX_BYTES * XLSX_UNPACKED_FACTOR:
        raise _too_big(unpacked)

    import openpyxl  # only imports of workbooks pay for loading it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise unreadable from error
    try:
        if not workbook.worksheets:
            raise unreadable
        # Read-only mode streams the first sheet row by row instead of loading it whole.
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as error:  # malformed XML inside the workbook
                raise unreadable from error
            yield [_cell_text(value) for value in values]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    """A workbook cell as the text a person would have typed into a CSV file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)  # text, int, Decimal


# --- Header and rows --------------------------------------------------------------


def _normalised(name: str) -> str:
    return name.strip().strip("\ufeff").strip().lower()


def _header(record: list[str], columns: Sequence[str]) -> list[str]:
    names = [_normalised(cell) for cell in record]
    while names and not names[-1]:
        names.pop()
    missing = [column for column in columns if column not in names]
    unexpected = [name or _("(a column without a name)") for name in names if name not in columns]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if not (missing or unexpected or repeated):
        return names
    problems = [_("The first row must name the columns of the template.")]
    if missing:
        problems.append(
            ngettext("Missing column: %(names)s.", "Missing columns: %(names)s.", len(missing))
            % {"names": ", ".join(missing)}
        )
    if unexpected:
        problems.append(
            ngettext(
                "Unexpected column: %(names)s.", "Unexpected columns: %(names)s.", len(unexpected)
            )
            % {"names": ", ".join(unexpected)}
        )
    if repeated:
        problems.append(
            ngettext(
                "Column named twice: %(names)s.", "Columns named twice: %(names)s.", len(repeated)
            )
            % {"names": ", ".join(repeated)}
        )
    problems.append(_("Download the template to see the expected columns."))
    raise ImportRefused(" ".join(problems), code="wrong_header")


def _rows(records: Iterator[list[str]], *, columns: Sequence[str]) -> list[Row]:
    limit = settings.ORDER_IMPORT_MAX_ROWS
    names: list[str] | None = None
    rows: list[Row] = []
    for number, record in enumerate(records, start=1):
        if names is None:
            if not any(cell.strip() for cell in record):
                raise ImportRefused(
                    _("The first row of the file is empty; it must name the columns."),
                    code="wrong_header",
                )
            names = _header(record, columns)
            continue
        if not any(cell.strip() for cell in record):
            continue  # blank rows between or after the data are common in spreadsheets
        if len(rows) == limit:
            raise ImportRefused(
                _(
                    "The file has more than %(limit)s rows; one import takes at most %(limit)s. "
                    "Split it into smaller files."
                )
                % {"limit": limit},
                code="too_many_rows",
            )
        cells = {
            name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(names)
        }
        stray = any(cell.strip() for cell in record[len(names) :])
        rows.append(Row(number=number, cells=cells, stray_cells=stray))
    if names is None:
        raise ImportRefused(_("The file is empty."))
    if not rows:
        raise ImportRefused(_("The file has a header row but no orders under it."), code="no_rows")
    return rows
