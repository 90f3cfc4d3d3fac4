"""Bulk import of orders: files read, rows grouped and checked, all or nothing; the portal pages."""

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from alliance.constants import UserRole
from orders.imports import columns, parsing
from orders.imports.exceptions import ImportRefused
from orders.imports.services import orders_import
from orders.models import CargoLine, Order
from scheduling import services as scheduling_services
from scheduling.models import Booking
from tests.factories import MemberFactory, UserFactory


@pytest.fixture
def places(network):
    """The test network with UN/LOCODEs on the cities (the border gates have none)."""
    for location, code in [
        (network.chongqing, "CNCKG"),
        (network.nanning, "CNNNG"),
        (network.hanoi, "VNHAN"),
    ]:
        scheduling_services.location_upsert(
            country=location.country.code, name=location.name, unlocode=code
        )
    return network


@pytest.fixture
def shipper(db):
    return MemberFactory(country="CN")


@pytest.fixture
def dispatcher(shipper):
    return UserFactory(member=shipper, role=UserRole.DISPATCHER)


def tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


def row(**overrides) -> dict[str, str]:
    values = dict(zip(*columns.template_rows(), strict=True))
    values.update(order_key="PO-1", ready_date=tomorrow())
    values.update(overrides)
    return values


def csv_bytes(rows, *, delimiter=",", encoding="utf-8-sig", header=columns.NAMES) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(name, "") for name in header])
    return buffer.getvalue().encode(encoding)


def upload(content: bytes, name="orders.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(columns.NAMES))
    for values in rows:
        sheet.append([values.get(name, "") for name in columns.NAMES])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(member, rows=None, *, content=None, submit=False, actor=None):
    file = upload(content if content is not None else csv_bytes(rows))
    return orders_import(member=member, actor=actor, file=file, submit=submit)


def problems(result) -> list[tuple[str, str, str]]:
    return [(error.rows_label, error.column, error.message) for error in result.errors]


def has_problem(result, rows: str, column: str, text: str) -> bool:
    return any(
        label == rows and col == column and text in message
        for label, col, message in problems(result)
    )


# --- Happy path -------------------------------------------------------------------


def test_columns_match_the_order_services():
    from orders.services import CARGO_FIELDS, ORDER_FIELDS

    assert {column.field for column in columns.ORDER_COLUMNS} == set(ORDER_FIELDS)
    assert tuple(column.field for column in columns.CARGO_COLUMNS) == CARGO_FIELDS
    assert len(set(columns.NAMES)) == len(columns.NAMES)


def test_orders_import_groups_rows_into_orders_with_their_cargo_lines(places, shipper, dispatcher):
    only_cargo = {column.name: "" for column in columns.ORDER_COLUMNS}
    rows = [
        row(order_key="PO-1", description="Brake pads"),
        row(order_key="PO-2", destination="CNNNG", incoterm="fca", service_kind="ftl"),
        # The second line of PO-1 leaves the order columns blank: they come from its first row.
        {**only_cargo, **row(description="Chains", hs_code="731511"), "order_key": "PO-1"},
        row(order_key="PO-1", description="Mirrors", hs_code="700910", gross_kg="12.5"),
    ]
    result = run(shipper, rows, actor=dispatcher)

    assert result.ok, problems(result)
    assert result.rows == 4
    assert [order.customer_reference for order in result.orders] == ["PO-1", "PO-2"]
    first, second = (Order.objects.get(pk=order.pk) for order in result.orders)
    assert first.status == Order.Status.DRAFT and first.created_by == dispatcher
    assert first.origin == places.chongqing and first.destination == places.hanoi
    lines = list(first.cargo_lines.order_by("position").values_list("description", "hs_code"))
    assert lines == [("Brake pads", "871410"), ("Chains", "731511"), ("Mirrors", "700910")]
    assert first.cargo_lines.get(position=3).gross_kg == 12.5
    assert (second.destination, second.incoterm, second.service_kind) == (
        places.nanning,
        "FCA",
        "ftl",
    )
    assert CargoLine.objects.count() == 4


def test_orders_import_submits_the_orders_when_asked(places, shipper, trips, tariff):
    rows = [row(order_key="PO-1"), row(order_key="PO-1", description="Tyres"), row(order_key="B")]
    result = run(shipper, rows, submit=True)

    assert result.ok, problems(result)
    assert result.submitted
    assert {order.status for order in Order.objects.all()} == {Order.Status.CONFIRMED}
    assert Booking.objects.count() == 2
    assert all(order.price_total for order in Order.objects.all())


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8"), (";", "utf-8-sig"), (";", "utf-8")],
)
def test_orders_import_reads_commas_semicolons_with_or_without_bom(
    places, shipper, delimiter, encoding
):
    content = csv_bytes([row(notes="a; b, c")], delimiter=delimiter, encoding=encoding)
    result = run(shipper, content=content)
    assert result.ok, problems(result)
    order = Order.objects.get()
    assert order.notes == "a; b, c"
    assert order.consignee_name == "Công ty TNHH Phụ tùng Hà Nội"


def test_orders_import_reads_excel_workbooks_with_typed_cells(places, shipper):
    ready = timezone.localdate() + timedelta(days=3)
    typed = row(package_count=10, gross_kg=1250.5, volume_m3=4, declared_value=50000)
    typed["ready_date"] = ready  # a date cell, as Excel stores it
    result = run(shipper, content=xlsx_bytes([typed, {}, row(order_key="PO-2")]))

    assert result.ok, problems(result)
    order = Order.objects.get(customer_reference="PO-1")
    assert order.ready_date == ready
    assert order.cargo_lines.get().gross_kg == 1250.5
    assert Order.objects.count() == 2


def test_orders_import_finds_places_by_number_and_by_spaced_locode(places, shipper):
    rows = [row(origin=str(places.youyiguan.pk), destination="VN HAN")]
    result = run(shipper, rows)
    assert result.ok, problems(result)
    assert Order.objects.get().origin == places.youyiguan


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_template_imports_as_it_is(places, shipper, file_format):
    content = columns.template_csv() if file_format == "csv" else columns.template_xlsx()
    result = run(shipper, content=content)
    assert result.ok, problems(result)
    order = Order.objects.get()
    assert (order.origin, order.destination) == (places.chongqing, places.hanoi)
    assert (order.service_kind, order.incoterm, order.currency) == ("ltl", "DAP", "CNY")


# --- Files refused as a whole ----------------------------------------------------------


def test_orders_import_refuses_wrong_headers_naming_missing_and_unexpected(places, shipper):
    header = [name for name in columns.NAMES if name not in ("hs_code", "notes")] + ["weight"]
    with pytest.raises(ImportRefused) as refused:
        run(shipper, content=csv_bytes([row()], header=header))
    message = refused.value.message
    assert "Missing columns: notes, hs_code." in message
    assert "Unexpected column: weight." in message
    assert not Order.objects.exists()


def test_orders_import_accepts_headers_in_any_order_and_case(places, shipper):
    header = [name.upper() for name in reversed(columns.NAMES)]
    rows = [{name.upper(): value for name, value in row().items()}]
    result = run(shipper, content=csv_bytes(rows, header=header))
    assert result.ok, problems(result)


def test_orders_import_refuses_a_repeated_column(places, shipper):
    header = [*columns.NAMES, "notes"]
    with pytest.raises(ImportRefused, match="Column named twice: notes"):
        run(shipper, content=csv_bytes([row()], header=header))


def test_orders_import_refuses_text_that_is_not_utf8(places, shipper):
    chinese = row(
        shipper_name="重庆渝新摩配有限公司",
        consignee_name="Hanoi Parts Co., Ltd.",
        consignee_address="Long Bien, Hanoi",
        consignee_contact="",
    )
    content = csv_bytes([chinese], encoding="gbk")
    with pytest.raises(ImportRefused) as refused:
        run(shipper, content=content)
    assert refused.value.code == "not_utf8"
    assert "not UTF-8" in refused.value.message and "line 2" in refused.value.message
    assert "CSV UTF-8" in refused.value.message
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (csv_bytes([]), "no orders under it"),
        ("\ufeffa,b".encode("utf-16"), "UTF-16"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Excel 97"),
        (b"PK\x03\x04 not really a zip", "cannot be read"),
        (b"order_key\x00,notes\r\n", "not text"),
        (csv_bytes([row()]) + b'PO-2,"no closing quote', "cannot be read near line 3"),
    ],
)
def test_orders_import_refuses_files_it_cannot_read(places, shipper, content, text):
    with pytest.raises(ImportRefused, match=text):
        run(shipper, content=content)


def hundred_thousand_rows() -> bytes:
    values = [row(order_key="{}")[name] for name in columns.NAMES]
    line = ",".join(f'"{value}"' if "," in value else value for value in values)
    body = "\r\n".join(line.format(number) for number in range(100_000))
    return (",".join(columns.NAMES) + "\r\n" + body).encode()


def test_orders_import_refuses_100000_rows_by_size_and_by_count(places, shipper, settings):
    content = hundred_thousand_rows()
    with pytest.raises(ImportRefused) as refused:
        run(shipper, content=content)
    assert refused.value.code == "file_too_big"
    assert "at most 5.0\xa0MB and 5000 rows" in refused.value.message

    settings.ORDER_IMPORT_MAX_BYTES = 100 * 1024 * 1024
    with pytest.raises(ImportRefused) as refused:
        run(shipper, content=content)
    assert refused.value.code == "too_many_rows"
    assert "more than 5000 rows" in refused.value.message
    assert not Order.objects.exists()


def test_orders_import_refuses_a_workbook_that_unpacks_too_big(places, shipper, settings):
    content = xlsx_bytes([row(order_key=str(n % 2)) for n in range(2000)])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    assert unpacked > 11 * len(content)  # repeated rows compress very well
    settings.ORDER_IMPORT_MAX_BYTES = len(content)
    with pytest.raises(ImportRefused) as refused:
        run(shipper, content=content)
    assert refused.value.code == "file_too_big"


def test_orders_import_reads_old_mac_line_ends(places, shipper):
    content = csv_bytes([row(), row(order_key="PO-2")], delimiter=";").replace(b"\r\n", b"\r")
    assert run(shipper, content=content).ok


def test_orders_import_refuses_an_excel_file_over_the_row_limit(places, shipper, settings):
    settings.ORDER_IMPORT_MAX_ROWS = 3
    with pytest.raises(ImportRefused, match="more than 3 rows"):
        run(shipper, content=xlsx_bytes([row(order_key=str(n)) for n in range(4)]))


# --- Row errors: every one reported, nothing saved --------------------------------------


def test_orders_import_reports_every_row_error_and_saves_nothing(places, shipper):
    past = (timezone.localdate() - timedelta(days=3)).isoformat()
    rows = [
        row(order_key="FINE"),  # 2
        row(order_key="HEAVY", gross_kg="-5"),  # 3
        row(order_key="HS", hs_code="8714.10"),  # 4
        row(order_key="NOWHERE", origin="CNXXX"),  # 5
        row(order_key="LATE", ready_date=past),  # 6
        row(order_key="STAY", destination="CNCKG"),  # 7
        row(order_key="MIXED"),  # 8
        row(order_key="MIXED", consignee_country="TH", incoterm="dap"),  # 9: "dap" is DAP
        row(order_key="NUMBERS", package_count="ten", volume_m3="1,5", ready_date="15/03/2030"),
    ]
    result = run(shipper, rows)

    assert not result.ok and result.orders == []
    assert has_problem(result, "3", "gross_kg", "more than 0 kg")
    assert has_problem(result, "4", "hs_code", "6 to 10 digits")
    assert has_problem(result, "5", "origin", "No place on the network has the UN/LOCODE CNXXX")
    assert has_problem(result, "6", "ready_date", "in the past")
    assert has_problem(result, "7", "destination", "must differ from the origin")
    assert has_problem(result, "9", "consignee_country", "differs from row 8")
    assert has_problem(result, "10", "package_count", "Not a whole number")
    assert has_problem(result, "10", "volume_m3", "with a dot for decimals")
    assert has_problem(result, "10", "ready_date", "YYYY-MM-DD")
    # The cell already reported is not reported again by the service ("cannot be null").
    assert [e.column for e in result.errors if e.row == 10].count("package_count") == 1
    assert not [e for e in result.errors if e.row in (2, 8)]
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)
    assert not Order.objects.exists() and not CargoLine.objects.exists()


def test_orders_import_reports_order_errors_against_all_its_rows(places, shipper):
    rows = [row(order_key="A", incoterm="XYZ"), row(order_key="A"), row(order_key="A")]
    result = run(shipper, rows)
    assert has_problem(result, "2–4", "incoterm", "not a valid choice")


def test_orders_import_reports_rows_without_a_key_and_stray_cells(places, shipper):
    content = csv_bytes([row(order_key=""), row(order_key="B")])
    content = content.rstrip(b"\r\n") + b",surprise\r\n"
    result = run(shipper, content=content)
    assert has_problem(result, "2", "order_key", "order_key is empty")
    assert has_problem(result, "3", "", "right of the last column")
    assert not Order.objects.exists()


def test_orders_import_refuses_a_key_the_member_already_used(places, shipper):
    assert run(shipper, [row(order_key="PO-1")]).ok
    again = run(shipper, [row(order_key="PO-1"), row(order_key="PO-1"), row(order_key="PO-2")])
    reference = Order.objects.get().reference
    assert has_problem(again, "2–3", "order_key", f"You already have order {reference}")
    assert Order.objects.count() == 1
    # Another member may use the same key.
    assert run(MemberFactory(), [row(order_key="PO-1")]).ok


def test_orders_import_rolls_everything_back_when_a_submit_fails(places, shipper, trips, tariff):
    rows = [
        row(order_key="OK"),
        row(order_key="BAHT", currency="THB"),
        row(order_key="BAHT", currency=""),
    ]
    result = run(shipper, rows, submit=True)

    assert has_problem(result, "3–4", "currency", "No tariff in THB")
    assert not Order.objects.exists()
    assert not Booking.objects.exists()


def test_orders_import_books_nothing_while_the_file_has_mistakes(places, shipper, trips, tariff):
    rows = [
        row(order_key="OK"),
        row(order_key="BAHT", currency="THB"),
        row(order_key="X", hs_code="1"),
    ]
    result = run(shipper, rows, submit=True)
    # The data error is reported; the orders are not submitted, so no tariff error yet.
    assert problems(result) == [("4", "hs_code", problems(result)[0][2])]
    assert not Order.objects.exists() and not Booking.objects.exists()


def test_parsing_keeps_spreadsheet_row_numbers_and_skips_blank_rows(db):
    content = csv_bytes([row(), {}, row(notes="line one\nline two"), row()])
    rows = parsing.read_rows(upload(content), columns=columns.NAMES)
    assert [r.number for r in rows] == [2, 4, 5]
    assert rows[1].cells["notes"] == "line one\nline two"


# --- Portal pages ------------------------------------------------------------------------


def post_file(client, content: bytes, *, submit=False, name="orders.csv"):
    data = {"file": SimpleUploadedFile(name, content)}
    if submit:
        data["submit_orders"] = "on"
    return client.post(reverse("orders:import"), data)


def test_import_page_is_for_admins_and_dispatchers_only(client, shipper, staff):
    url = reverse("orders:import")
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(UserFactory(member=shipper, role=UserRole.VIEWER))
    assert client.get(url).status_code == 403
    assert post_file(client, csv_bytes([row()])).status_code == 403
    client.force_login(staff)
    assert client.get(url).status_code == 403
    for role in (UserRole.ADMIN, UserRole.DISPATCHER):
        client.force_login(UserFactory(member=shipper, role=role))
        response = client.get(url)
        assert response.status_code == 200
        assert b'enctype="multipart/form-data"' in response.content
    assert not Order.objects.exists()


def test_import_upload_creates_orders_and_says_how_many(client, places, shipper, dispatcher):
    client.force_login(dispatcher)
    rows = [row(order_key="PO-1"), row(order_key="PO-1"), row(order_key="PO-2")]
    response = post_file(client, csv_bytes(rows))
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:import")

    page = client.get(response["Location"])
    text = page.content.decode()
    assert "2 draft orders were created from 3 rows." in text
    assert Order.objects.get(customer_reference="PO-1").reference in text
    assert f'href="{reverse("orders:list")}"' in text
    assert Order.objects.filter(member=shipper).count() == 2
    # The summary is shown once.
    assert "draft orders were created" not in client.get(reverse("orders:import")).content.decode()


def test_import_upload_submits_when_ticked(client, places, shipper, dispatcher, trips, tariff):
    client.force_login(dispatcher)
    response = post_file(client, xlsx_bytes([row()]), submit=True, name="orders.xlsx")
    assert response.status_code == 302
    assert (
        "1 order was created from 1 rows and submitted."
        in client.get(response["Location"]).content.decode()
    )
    assert Order.objects.get().status == Order.Status.CONFIRMED


def test_import_upload_shows_the_error_report_and_saves_nothing(
    client, places, shipper, dispatcher
):
    client.force_login(dispatcher)
    response = post_file(client, csv_bytes([row(), row(order_key="X", hs_code="12")]))
    assert response.status_code == 400
    text = response.content.decode()
    assert "Nothing was imported" in text
    assert '<td class="number">3</td>' in text
    assert "<code>hs_code</code>" in text and "6 to 10 digits" in text
    assert not Order.objects.exists()


def test_import_upload_shows_why_a_file_is_refused(client, places, shipper, dispatcher):
    client.force_login(dispatcher)
    response = post_file(client, csv_bytes([row()], header=["order_key", "notes"]))
    assert response.status_code == 400
    assert "Missing columns:" in response.content.decode()
    response = client.post(reverse("orders:import"), {})
    assert response.status_code == 400
    assert not Order.objects.exists()


def test_import_upload_is_rate_limited_per_person(client, places, dispatcher, settings):
    settings.RATELIMIT_ENABLE = True
    settings.ORDER_IMPORT_RATE = "2/h"
    client.force_login(dispatcher)
    statuses = [post_file(client, b"").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    assert client.get(reverse("orders:import")).status_code == 200


def test_import_page_lists_the_columns_and_places_with_their_codes(client, places, dispatcher):
    client.force_login(dispatcher)
    text = client.get(reverse("orders:import")).content.decode()
    assert "<code>dangerous_goods_un</code>" in text
    assert "<code>CNCKG</code>" in text
    assert f"<code>{places.youyiguan.pk}</code>" in text
    assert reverse("orders:import_template") in text


def test_import_template_downloads_as_csv_and_xlsx(client, shipper):
    client.force_login(UserFactory(member=shipper, role=UserRole.VIEWER))
    response = client.get(reverse("orders:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    header, example = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == list(columns.NAMES)
    values = dict(zip(header, example, strict=True))
    assert (values["origin"], values["destination"]) == ("CNCKG", "VNHAN")
    assert (values["service_kind"], values["incoterm"], values["currency"]) == ("LTL", "DAP", "CNY")

    response = client.get(reverse("orders:import_template_xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    assert list(next(sheet.iter_rows(values_only=True))) == list(columns.NAMES)


def test_orders_import_submits_only_files_small_enough_for_one_request(places, shipper, settings):
    settings.ORDER_IMPORT_SUBMIT_MAX_ROWS = 2
    rows = [row(order_key=f"PO-{number}") for number in range(3)]
    with pytest.raises(ImportRefused) as refused:
        run(shipper, rows, submit=True)
    assert refused.value.code == "too_many_rows_to_submit"
    assert "at most 2 rows; this one has 3" in refused.value.message
    assert not Order.objects.exists()
    assert run(shipper, rows).ok  # as drafts, the same file goes in
