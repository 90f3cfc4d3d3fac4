"""Bulk import of orders: every row checked, then all the file's orders saved, or none of them.

1. ``parsing`` reads the file into rows, refusing a bad file as a whole (size,
   encoding, header, number of rows).
2. Rows are grouped into orders by ``order_key``; the order columns of a group
   must agree; cells become values (numbers, dates, places looked up in one query).
3. In one transaction, each order goes through ``orders.services.order_create``:
   the service does every business check, and its errors are mapped back to the
   rows and columns of the file. Each order is tried even after another failed,
   so the report lists every problem of the file at once.
4. When asked, and only when every order was created, each is submitted with
   ``order_submit`` (space booked, price fixed); its refusals (no tariff in the
   currency, a package too big for any lorry) are reported on the order's rows.
5. If anything failed, the whole transaction is rolled back: nothing of the file
   is saved, not even the orders that were fine.
"""

import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from orders import services as order_services
from orders.imports import columns, parsing
from orders.imports.columns import COLUMN_OF_FIELD, LOCATION, LOWER, UPPER, CellError, Column
from orders.imports.exceptions import ImportRefused
from orders.models import Order
from scheduling import allocation
from scheduling.models import Location

logger = logging.getLogger(__name__)

CARGO_KEY = re.compile(r"cargo_lines\.(\d+)\.(\w+)")
COLUMN_POSITION = {name: index for index, name in enumerate(columns.NAMES)}
# Orders that ended this way do not stop a new order from taking the same key.
FINISHED_STATUSES = (Order.Status.CANCELLED, Order.Status.REJECTED)


@dataclass(frozen=True)
class RowError:
    """A problem found in the file: the rows it is on, the column (blank: the whole row/order)."""

    rows: tuple[int, ...]
    column: str
    message: str

    @property
    def row(self) -> int:
        return self.rows[0]

    @property
    def rows_label(self) -> str:
        """The rows for a person: "7", or "2–4, 9" for an order spread over several rows."""
        runs: list[list[int]] = []
        for number in sorted(self.rows):
            if runs and number == runs[-1][1] + 1:
                runs[-1][1] = number
            else:
                runs.append([number, number])
        return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


@dataclass
class ImportResult:
    rows: int
    orders: list[Order]
    errors: list[RowError]
    submitted: bool

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Draft:
    """One order to be: its rows, the values for the services, and cells already reported."""

    key: str
    rows: list[parsing.Row]
    fields: dict = field(default_factory=dict)
    cargo: list[dict] = field(default_factory=list)
    reported: set[tuple[tuple[int, ...], str]] = field(default_factory=set)

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(row.number for row in self.rows)


def orders_import(*, member, actor, file, submit: bool) -> ImportResult:
    """Import the orders of a CSV or XLSX file for the member, all or nothing.

    Raises ``ImportRefused`` when the file as a whole cannot be read; otherwise
    returns the orders created (and submitted, if asked), or, when any row has a
    problem, no orders and every problem with its row and column.
    """
    rows = parsing.read_rows(file, columns=columns.NAMES)
    if submit and len(rows) > settings.ORDER_IMPORT_SUBMIT_MAX_ROWS:
        # Submitting books space row by row (about 30 ms an order); a bigger file would
        # outlast the web request. Drafts import fast and are submitted afterwards.
        raise ImportRefused(
            _(
                "A file submitted on import holds at most %(max)s rows; this one has %(rows)s. "
                "Import it as drafts, or split it."
            )
            % {"max": settings.ORDER_IMPORT_SUBMIT_MAX_ROWS, "rows": len(rows)},
            code="too_many_rows_to_submit",
        )
    errors: list[RowError] = []
    drafts = _drafts(rows, errors)
    return _write(
        member=member,
        actor=actor,
        drafts=drafts,
        known_errors=tuple(errors),
        submit=submit,
        rows=len(rows),
    )


# --- From rows to drafts -----------------------------------------------------------


def _drafts(rows: list[parsing.Row], errors: list[RowError]) -> list[_Draft]:
    groups: dict[str, list[parsing.Row]] = {}
    keyless: list[list[parsing.Row]] = []
    for row in rows:
        if row.stray_cells:
            errors.append(
                RowError(
                    (row.number,),
                    "",
                    _("This row has text to the right of the last column; remove it."),
                )
            )
        key = row.cells["order_key"]
        if key:
            groups.setdefault(key, []).append(row)
        else:
            errors.append(
                RowError(
                    (row.number,),
                    "order_key",
                    _("The order_key is empty: the rows with the same key form one order."),
                )
            )
            keyless.append([row])  # still checked on its own, so all its problems show
    locations = _locations(rows)
    drafts = [_Draft(key=key, rows=group) for key, group in groups.items()]
    drafts += [_Draft(key="", rows=group) for group in keyless]
    for draft in drafts:
        _fill(draft, locations, errors)
    return drafts


def _fill(draft: _Draft, locations: dict[str, Location], errors: list[RowError]) -> None:
    def report(rows: tuple[int, ...], column: Column, message: str) -> None:
        errors.append(RowError(rows, column.name, message))
        draft.reported.add((rows, column.name))

    for column in columns.ORDER_COLUMNS:
        text = _agreed(draft, column, errors)
        try:
            value = columns.convert(column, text)
            if column.kind == LOCATION:
                value = _place(value, locations)
        except CellError as error:
            report(draft.numbers, column, str(error))
            value = None
        draft.fields[column.field] = value
    for row in draft.rows:
        line = {}
        for column in columns.CARGO_COLUMNS:
            try:
                line[column.field] = columns.convert(column, row.cells[column.name])
            except CellError as error:
                report((row.number,), column, str(error))
                line[column.field] = None
        draft.cargo.append(line)


def _agreed(draft: _Draft, column: Column, errors: list[RowError]) -> str:
    """The order's value of the column: the rows that fill it in must all say the same."""
    filled = [row for row in draft.rows if row.cells[column.name]]
    if not filled:
        return ""
    first = filled[0]
    text = first.cells[column.name]
    for row in filled[1:]:
        other = row.cells[column.name]
        same = (
            other.casefold() == text.casefold() if column.kind in (UPPER, LOWER) else other == text
        )
        if not same:
            errors.append(
                RowError(
                    (row.number,),
                    column.name,
                    _(
                        "“%(value)s” differs from row %(row)s (“%(first)s”) of the same order: "
                        "the rows of one order must agree on its order columns, or leave them "
                        "blank."
                    )
                    % {"value": other, "row": first.number, "first": text},
                )
            )
    return text


def _location_key(text: str) -> str:
    # "CN CKG", as UN/LOCODE is often printed, is CNCKG.
    return text.replace(" ", "").upper()


def _locations(rows: list[parsing.Row]) -> dict[str, Location]:
    """Every place the file names, in one query, by UN/LOCODE and by number."""
    keys = {_location_key(row.cells[name]) for row in rows for name in ("origin", "destination")}
    keys.discard("")
    ids = [int(key) for key in keys if key.isascii() and key.isdigit() and len(key) <= 18]
    codes = [key for key in keys if not key.isdigit()]
    found: dict[str, Location] = {}
    for location in Location.objects.filter(Q(unlocode__in=codes) | Q(pk__in=ids)):
        if location.unlocode:
            found[location.unlocode] = location
        found[str(location.pk)] = location
    return found


def _place(text: str, locations: dict[str, Location]) -> Location:
    key = _location_key(text)
    if key in locations:
        return locations[key]
    if key.isdigit():
        raise CellError(_("No place on the network has the number %(number)s.") % {"number": key})
    raise CellError(
        _(
            "No place on the network has the UN/LOCODE %(code)s. The import page lists the "
            "places with their codes, and numbers for those without one."
        )
        % {"code": key}
    )


# --- Saving, all or nothing ----------------------------------------------------------


@allocation.retry_on_deadlock
@transaction.atomic(durable=True)
def _write(*, member, actor, drafts, known_errors, submit: bool, rows: int) -> ImportResult:
    _lock_imports_of(member)
    errors = list(known_errors)
    errors += _keys_taken(member, drafts)
    created = [
        (draft, _create(draft, member=member, actor=actor, errors=errors)) for draft in drafts
    ]
    orders = [order for _draft, order in created if order is not None]
    if submit and not errors:
        # Only a file without mistakes books space: a typo is reported in a second or two,
        # and the booking problems (no tariff, too big to carry) once the data is right.
        orders = [_submit(draft, order, actor=actor, errors=errors) for draft, order in created]
    if errors:
        transaction.set_rollback(True)
        errors.sort(key=lambda error: (error.row, COLUMN_POSITION.get(error.column, -1)))
        return ImportResult(rows=rows, orders=[], errors=errors, submitted=submit)
    logger.info(
        "member %s imported %s orders from %s rows (submitted: %s)",
        member.pk,
        len(orders),
        rows,
        submit,
    )
    return ImportResult(rows=rows, orders=orders, errors=[], submitted=submit)


def _lock_imports_of(member) -> None:
    """One import per member at a time, so the same file sent twice cannot pass the key check."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"orders.import:{member.pk}"]
        )


def _keys_taken(member, drafts: list[_Draft]) -> list[RowError]:
    """A key the member already used: importing a file twice must not order everything twice."""
    keys = {draft.key for draft in drafts if draft.key}
    taken: dict[str, str] = {}
    existing = (
        Order.objects.filter(member=member, customer_reference__in=keys)
        .exclude(status__in=FINISHED_STATUSES)
        .order_by("created_at")
        .values_list("customer_reference", "reference")
    )
    for key, reference in existing:
        taken.setdefault(key, reference)
    return [
        RowError(
            draft.numbers,
            "order_key",
            _(
                "You already have order %(reference)s with the key “%(key)s”; an import never "
                "places it again. Remove these rows or give them a new key."
            )
            % {"reference": taken[draft.key], "key": draft.key},
        )
        for draft in drafts
        if draft.key in taken
    ]


def _create(draft: _Draft, *, member, actor, errors: list[RowError]) -> Order | None:
    try:
        return order_services.order_create(
            member=member, actor=actor, cargo_lines=draft.cargo, **draft.fields
        )
    except ValidationError as error:
        errors += _mapped(error, draft)
    except (IntegrityError, DataError):
        # The service checks every rule first; reaching the database's own checks is a bug.
        logger.exception("order import: the database refused order %r", draft.key)
        errors.append(RowError(draft.numbers, "", _("This order could not be saved.")))
    return None


def _submit(draft: _Draft, order: Order, *, actor, errors: list[RowError]) -> Order | None:
    try:
        return order_services.order_submit(order=order, actor=actor)
    except ValidationError as error:
        errors += _mapped(error, draft)
    except ApplicationError as error:
        errors.append(RowError(draft.numbers, "", error.message))
    return None


def _mapped(error: ValidationError, draft: _Draft) -> list[RowError]:
    """The service's errors, by field, as errors on the rows and columns of the file."""
    messages = error.message_dict if hasattr(error, "error_dict") else {}
    if not messages:
        messages = {NON_FIELD_ERRORS: error.messages}
    found = []
    for key, texts in messages.items():
        match = CARGO_KEY.fullmatch(key)
        if match and 1 <= int(match[1]) <= len(draft.rows):
            rows: tuple[int, ...] = (draft.rows[int(match[1]) - 1].number,)
            column = COLUMN_OF_FIELD.get(match[2], "")
        else:
            rows = draft.numbers
            column = COLUMN_OF_FIELD.get(key, "")
        if column and (rows, column) in draft.reported:
            continue  # e.g. "cannot be null" where the cell was not a number: said already
        found += [RowError(rows, column, str(text)) for text in texts]
    return found
