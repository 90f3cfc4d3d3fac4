from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from alliance.constants import UserRole
from orders import services
from orders.models import Order, Shipment
from scheduling import allocation
from scheduling.models import Booking, TripLeg
from tests.factories import MemberFactory, UserFactory
from tests.orders.helpers import cargo, make_tariff, place_order

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def line_data(**overrides) -> dict:
    line = {
        "description": "Motorcycle spare parts",
        "hs_code": "871410",
        "package_count": "10",
        "package_type": "carton",
        "gross_kg": "1000",
        "volume_m3": "4",
        "declared_value": "50000",
        "declared_currency": "CNY",
        "dangerous_goods_un": "",
        "temperature_min_c": "",
        "temperature_max_c": "",
    }
    line.update(overrides)
    return line


def form_data(network, *, lines=None, **overrides) -> dict:
    """What the order form posts: the order's fields and its cargo lines as a formset."""
    data = {
        "customer_reference": "PO-4711",
        "shipper_name": "Chongqing Zongshen Parts Co., Ltd.",
        "shipper_address": "Ba'nan District, Chongqing",
        "shipper_country": "CN",
        "shipper_contact": "+86 23 6666 0000",
        "consignee_name": "Hanoi Spare Parts Ltd.",
        "consignee_address": "Long Bien, Hanoi",
        "consignee_country": "VN",
        "consignee_contact": "",
        "origin": network.chongqing.pk,
        "destination": network.hanoi.pk,
        "ready_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "service_kind": "ltl",
        "incoterm": "DAP",
        "currency": "CNY",
        "export_declaration": "",
        "import_declaration": "",
        "notes": "",
    }
    data.update(overrides)
    lines = [line_data()] if lines is None else lines
    data.update(
        {
            "cargo-TOTAL_FORMS": str(len(lines)),
            "cargo-INITIAL_FORMS": "0",
            "cargo-MIN_NUM_FORMS": "1",
            "cargo-MAX_NUM_FORMS": "100",
        }
    )
    for index, line in enumerate(lines):
        data.update({f"cargo-{index}-{name}": value for name, value in line.items()})
    return data


def booked_kg(trip) -> Decimal:
    return TripLeg.objects.filter(trip=trip).order_by("sequence").first().booked_kg


def first_departure(order):
    """The trip the allocation service picks for an order of 1,000 kg and 4 m³."""
    return allocation.candidate_trips(
        origin=order.origin,
        destination=order.destination,
        ready_date=order.ready_date,
        weight_kg=Decimal(1000),
        volume_m3=Decimal(4),
        service_kind=order.service_kind,
    ).first()


def url(name: str, order=None, **kwargs) -> str:
    if order is not None:
        kwargs["reference"] = order.reference
    return reverse(f"orders:{name}", kwargs=kwargs or None)


@pytest.fixture
def dispatcher(member):
    return UserFactory(member=member, role=UserRole.DISPATCHER)


@pytest.fixture
def viewer(member):
    return UserFactory(member=member, role=UserRole.VIEWER)


@pytest.fixture
def confirmed(network, member, member_admin, trips, tariff) -> Order:
    order = place_order(network, member, actor=member_admin, customer_reference="PO-CONF")
    return services.order_submit(order=order, actor=member_admin)


@pytest.fixture
def foreign(network, trips, tariff) -> Order:
    """Another member's confirmed order."""
    other = MemberFactory(legal_name="Someone Else Logistics")
    return services.order_submit(order=place_order(network, other, customer_reference="SECRET"))


# --- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["list", "create", "quote"])
def test_order_pages_send_anonymous_visitors_to_sign_in(client, name):
    page = url(name)

    response = client.get(page)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={page}"


def test_navigation_offers_orders_and_marks_the_list(client, member_admin):
    client.force_login(member_admin)

    dashboard = client.get(reverse("alliance:dashboard")).content.decode()
    listing = client.get(url("list")).content.decode()

    assert f'href="{url("list")}"' in dashboard
    assert f'<a href="{url("list")}" aria-current="page">Orders</a>' in listing


def test_order_pages_answer_404_for_another_members_order(client, member_admin, foreign):
    client.force_login(member_admin)
    shipment = foreign.shipments.get()

    answers = [
        client.get(url("detail", foreign)),
        client.get(url("edit", foreign)),
        client.post(url("edit", foreign), {}),
        client.post(url("submit", foreign)),
        client.get(url("cancel", foreign)),
        client.post(url("cancel", foreign), {"reason": "mine now"}),
        client.get(url("amend", foreign)),
        client.post(url("amend", foreign), {"ready_date": "2030-01-01"}),
        client.get(url("consignment_note", tracking_number=shipment.tracking_number)),
    ]

    assert [response.status_code for response in answers] == [404] * len(answers)
    foreign.refresh_from_db()
    assert foreign.status == Order.Status.CONFIRMED
    assert foreign.events.count() == 3


def test_viewer_looks_but_cannot_change_orders(client, network, viewer, confirmed):
    draft = place_order(network, confirmed.member)
    client.force_login(viewer)

    listing = client.get(url("list")).content.decode()
    detail = client.get(url("detail", draft)).content.decode()
    refused = [
        client.get(url("create")),
        client.post(url("create"), form_data(network)),
        client.get(url("edit", draft)),
        client.post(url("submit", draft)),
        client.post(url("cancel", confirmed), {"reason": "no"}),
        client.post(url("amend", confirmed), {"ready_date": "2030-01-01"}),
        client.get(url("cargo_line"), {"cargo-TOTAL_FORMS": "1"}),
    ]

    assert draft.reference in listing and confirmed.reference in listing
    assert url("create") not in listing
    assert url("submit", draft) not in detail and url("edit", draft) not in detail
    assert [response.status_code for response in refused] == [403] * len(refused)
    assert Order.objects.count() == 2
    draft.refresh_from_db()
    confirmed.refresh_from_db()
    assert (draft.status, confirmed.status) == (Order.Status.DRAFT, Order.Status.CONFIRMED)


def test_staff_see_every_order_read_only(client, staff, confirmed, foreign):
    client.force_login(staff)

    listing = client.get(url("list")).content.decode()
    detail = client.get(url("detail", foreign))

    assert confirmed.reference in listing and foreign.reference in listing
    assert "Someone Else Logistics" in listing  # staff see who placed each order
    assert detail.status_code == 200
    html = detail.content.decode()
    assert foreign.shipments.get().tracking_number in html
    assert "1,598.40 CNY" in html  # staff see prices
    assert url("cancel", foreign) not in html and url("amend", foreign) not in html
    assert client.post(url("cancel", foreign)).status_code == 403


# --- The list -----------------------------------------------------------------------------


def test_order_list_shows_only_the_members_orders_with_status_badges(
    client, dispatcher, confirmed, foreign, network
):
    draft = place_order(network, confirmed.member, customer_reference="PO-DRAFT")
    client.force_login(dispatcher)

    response = client.get(url("list"))

    html = response.content.decode()
    assert list(response.context["orders"]) == [draft, confirmed]
    assert foreign.reference not in html and "SECRET" not in html
    assert '<span class="badge status-draft">Draft</span>' in html
    assert '<span class="badge status-confirmed">Confirmed</span>' in html
    assert f'href="{url("detail", confirmed)}"' in html
    assert f'href="{url("create")}"' in html  # dispatchers place orders
    assert "1,598.40 CNY" in html


def test_order_list_filters_by_reference_status_route_and_date(
    client, member_admin, member, network, confirmed
):
    later = place_order(
        network,
        member,
        customer_reference="PO-LATER",
        ready_date=timezone.localdate() + timedelta(days=10),
    )
    to_gate = place_order(
        network, member, customer_reference="PO-GATE", destination=network.huu_nghi
    )
    client.force_login(member_admin)

    def shown(**params):
        return list(client.get(url("list"), params).context["orders"])

    assert shown(q="po-gate") == [to_gate]
    assert shown(q=confirmed.reference[-4:]) == [confirmed]
    assert shown(status="confirmed") == [confirmed]
    assert shown(destination=network.huu_nghi.pk) == [to_gate]
    assert shown(ready_from=(timezone.localdate() + timedelta(days=5)).isoformat()) == [later]
    assert shown(ready_to=(timezone.localdate() + timedelta(days=5)).isoformat()) == [
        to_gate,
        confirmed,
    ]
    empty = client.get(url("list"), {"status": "delivered"}).content.decode()
    assert "No order matches these filters." in empty


def test_order_list_paginates_with_a_fixed_number_of_queries(
    client, member_admin, member, network, django_assert_max_num_queries
):
    for _ in range(30):
        place_order(network, member)
    client.force_login(member_admin)

    # The page's own queries, plus the notification bell's unread count.
    with django_assert_max_num_queries(8):
        first = client.get(url("list"))
    with django_assert_max_num_queries(8):
        filtered = client.get(url("list"), {"status": "draft", "origin": network.chongqing.pk})

    assert len(first.context["orders"]) == 25
    assert "Page 1 of 2" in first.content.decode()
    assert len(filtered.context["orders"]) == 25
    assert len(client.get(url("list"), {"page": 2}).context["orders"]) == 5


# --- The order form -------------------------------------------------------------------------


def test_order_form_starts_with_one_cargo_line_and_the_quote_panel(client, member_admin, network):
    client.force_login(member_admin)

    html = client.get(url("create")).content.decode()

    assert "<legend>Cargo line 1</legend>" in html
    assert 'name="cargo-TOTAL_FORMS" value="1"' in html
    assert f'hx-post="{url("quote")}"' in html and 'hx-trigger="change delay:500ms"' in html
    assert 'id="quote-panel" aria-live="polite"' in html
    assert "Chongqing — China (Hub)" in html
    assert '<option value="VN">Vietnam</option>' in html
    assert '<option value="US">' not in html  # parties are in the alliance's countries


def test_order_create_saves_a_draft(client, dispatcher, network):
    client.force_login(dispatcher)

    response = client.post(url("create"), {**form_data(network), "action": "save"})

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", order)
    assert order.status == Order.Status.DRAFT
    assert order.member == dispatcher.member and order.created_by == dispatcher
    assert order.customer_reference == "PO-4711"
    assert order.cargo_lines.get().gross_kg == Decimal("1000")
    assert not Shipment.objects.exists()
    detail = client.get(response["Location"]).content.decode()
    assert f"Draft {order.reference} is saved." in detail
    assert url("submit", order) in detail and url("edit", order) in detail


def test_order_create_shows_every_service_error_on_its_field_and_saves_nothing(
    client, member_admin, network
):
    client.force_login(member_admin)
    data = form_data(
        network,
        destination=network.chongqing.pk,
        ready_date=(timezone.localdate() - timedelta(days=3)).isoformat(),
        lines=[line_data(), line_data(gross_kg="-5", hs_code="8714.10")],
    )

    response = client.post(url("create"), {**data, "action": "save"})

    assert response.status_code == 400
    assert not Order.objects.exists()
    form, lines = response.context["form"], response.context["formset"].forms
    assert "The destination must differ from the origin." in form.errors["destination"]
    assert "The ready date is in the past." in form.errors["ready_date"]
    assert not lines[0].errors
    assert "The weight must be more than 0 kg." in lines[1].errors["gross_kg"]
    assert "6 to 10 digits" in lines[1].errors["hs_code"][0]
    html = response.content.decode()
    assert "The order was not saved" in html
    for message in ("differ from the origin", "in the past", "more than 0 kg", "6 to 10 digits"):
        assert message in html
    assert 'aria-invalid="true"' in html


def test_order_create_reports_missing_fields_and_cargo(client, member_admin, network):
    client.force_login(member_admin)
    data = form_data(network, shipper_name="", lines=[line_data(description="", gross_kg="")])

    response = client.post(url("create"), data)

    assert response.status_code == 400
    assert "This field is required." in response.context["form"].errors["shipper_name"]
    line = response.context["formset"].forms[0]
    assert set(line.errors) == {"description", "gross_kg"}
    assert not Order.objects.exists()


def test_order_create_skips_removed_and_empty_lines_and_maps_errors_to_the_right_line(
    client, member_admin, network
):
    client.force_login(member_admin)
    removed = {**line_data(gross_kg="-1"), "DELETE": "on"}
    empty = dict.fromkeys(line_data(), "")
    data = form_data(network, lines=[removed, line_data(), empty, line_data(hs_code="12")])

    response = client.post(url("create"), data)

    lines = response.context["formset"].forms
    assert response.status_code == 400
    assert "6 to 10 digits" in lines[3].errors["hs_code"][0]  # the service's line 2
    assert not lines[0].errors and not lines[1].errors

    fixed = form_data(network, lines=[removed, line_data(), empty])
    client.post(url("create"), fixed)
    assert Order.objects.get().cargo_lines.count() == 1


def test_order_create_and_submit_confirms_books_and_lands_on_the_detail(
    client, member_admin, network, trips, tariff
):
    client.force_login(member_admin)

    response = client.post(url("create"), {**form_data(network), "action": "submit"}, follow=True)

    order = Order.objects.get()
    shipment = order.shipments.get()
    trip = first_departure(order)
    assert order.status == Order.Status.CONFIRMED
    assert shipment.booking.status == Booking.Status.ALLOCATED
    assert shipment.booking.trip == trip
    assert booked_kg(trip) == Decimal(1000)
    assert response.redirect_chain[-1][0] == url("detail", order)
    html = response.content.decode()
    assert f"Order {order.reference} is confirmed" in html
    assert shipment.tracking_number in html
    assert f'href="{reverse("scheduling:trip", kwargs={"pk": trip.pk})}"' in html
    assert "Allocated on trip CKG-HAN-S" in html
    assert ", 08:00</time>" in html  # leaves Chongqing at 08:00 local time
    assert url("consignment_note", tracking_number=shipment.tracking_number) in html
    assert "1,598.40 CNY" in html


def test_order_submit_refused_by_the_service_keeps_the_draft_and_says_why(
    client, member_admin, network, trips, tariff
):
    client.force_login(member_admin)

    response = client.post(
        url("create"), {**form_data(network, currency="THB"), "action": "submit"}, follow=True
    )

    order = Order.objects.get()
    assert order.status == Order.Status.DRAFT
    assert not Booking.objects.exists()
    assert response.redirect_chain[-1][0] == url("edit", order)
    html = response.content.decode()
    assert "could not be submitted" in html and "No tariff in THB" in html


def test_order_create_adds_a_cargo_line_without_javascript(client, member_admin, network):
    client.force_login(member_admin)

    response = client.post(url("create"), {**form_data(network), "add_line": "1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<legend>Cargo line 2</legend>" in html
    assert 'name="cargo-TOTAL_FORMS" value="2"' in html
    assert 'value="Motorcycle spare parts"' in html  # what was typed stays
    assert "This field is required" not in html
    assert not Order.objects.exists()


def test_cargo_line_endpoint_answers_the_next_line_and_raises_the_counter(client, member_admin):
    client.force_login(member_admin)

    response = client.get(url("cargo_line"), {"cargo-TOTAL_FORMS": "2"}, **HTMX)
    refused = client.get(url("cargo_line"), {"cargo-TOTAL_FORMS": "100"}, **HTMX)

    html = response.content.decode()
    assert "<legend>Cargo line 3</legend>" in html
    assert 'name="cargo-2-gross_kg"' in html and 'name="cargo-2-DELETE"' in html
    assert 'id="id_cargo-TOTAL_FORMS" hx-swap-oob="true"' in html and 'value="3"' in html
    assert "at most 100 cargo lines" in refused.content.decode()


def test_order_edit_changes_a_draft_and_can_submit_it(
    client, member_admin, member, network, trips, tariff
):
    draft = place_order(network, member)
    client.force_login(member_admin)

    form = client.get(url("edit", draft)).content.decode()
    response = client.post(
        url("edit", draft),
        {
            **form_data(
                network,
                notes="Fragile",
                lines=[line_data(), line_data(description="Helmets", hs_code="650610")],
            ),
            "action": "submit",
        },
    )

    draft.refresh_from_db()
    assert 'value="Motorcycle spare parts"' in form and "Edit draft" in form
    assert response["Location"] == url("detail", draft)
    assert draft.notes == "Fragile" and draft.status == Order.Status.CONFIRMED
    assert [line.description for line in draft.cargo_lines.all()] == [
        "Motorcycle spare parts",
        "Helmets",
    ]


def test_order_edit_keeps_a_country_from_outside_the_alliance(
    client, member_admin, member, network
):
    draft = place_order(network, member, shipper_country="DE")  # e.g. placed through the API
    client.force_login(member_admin)

    form = client.get(url("edit", draft)).content.decode()
    response = client.post(url("edit", draft), form_data(network, shipper_country="DE"))

    assert '<option value="DE" selected>Germany</option>' in form
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.shipper_country == "DE"


def test_order_edit_of_a_confirmed_order_sends_back_to_the_detail(client, member_admin, confirmed):
    client.force_login(member_admin)

    response = client.get(url("edit", confirmed), follow=True)

    assert response.redirect_chain[-1][0] == url("detail", confirmed)
    assert "Only a draft can be edited" in response.content.decode()


# --- Detail and actions -------------------------------------------------------------------------


def test_order_detail_shows_cargo_shipments_prices_documents_and_history(
    client, member_admin, confirmed
):
    client.force_login(member_admin)
    shipment = confirmed.shipments.get()

    html = client.get(url("detail", confirmed)).content.decode()

    assert "Motorcycle spare parts" in html and "871410" in html
    assert shipment.tracking_number in html
    assert "10 packages, 1,000 kg, 4 m³" in html
    assert "Freight 1,598.40 CNY (by chargeable weight)" in html
    assert "Consignment note (PDF)" in html
    assert '<th scope="row">Draft</th>' in html  # created: no "from"
    assert "Draft → Submitted" in html
    assert "Submitted → Confirmed" in html and "Price fixed at 1,598.40 CNY" in html
    assert member_admin.get_full_name() in html
    assert url("amend", confirmed) in html and url("cancel", confirmed) in html
    assert url("submit", confirmed) not in html


def test_order_detail_of_a_split_order_has_a_fixed_number_of_queries(
    client, member_admin, member, network, trips, tariff, django_assert_max_num_queries
):
    pallets = cargo(package_count=24, gross_kg=Decimal(24000), volume_m3=Decimal(30))
    order = services.order_submit(order=place_order(network, member, cargo_lines=[pallets]))
    client.force_login(member_admin)

    with django_assert_max_num_queries(9):  # the bell's count included
        response = client.get(url("detail", order))

    html = response.content.decode()
    assert len(response.context["shipments"]) == 3
    for shipment in order.shipments.all():
        assert shipment.tracking_number in html
        assert reverse("scheduling:trip", kwargs={"pk": shipment.booking.trip_id}) in html


def test_order_detail_shows_why_a_shipment_waits(client, member_admin, member, network, line):
    make_tariff(line)
    order = services.order_submit(order=place_order(network, member))  # no trips generated
    client.force_login(member_admin)

    html = client.get(url("detail", order)).content.decode()

    assert "Waiting for space" in html
    assert "No departure is open for booking within the horizon." in html


def test_order_submit_button_confirms_a_draft(client, dispatcher, member, network, trips, tariff):
    draft = place_order(network, member)
    client.force_login(dispatcher)

    response = client.post(url("submit", draft), follow=True)

    draft.refresh_from_db()
    assert draft.status == Order.Status.CONFIRMED
    assert f"Order {draft.reference} is confirmed" in response.content.decode()
    again = client.post(url("submit", draft), follow=True)
    assert "Only a draft can be submitted" in again.content.decode()


def test_order_cancel_asks_then_releases_the_space(client, member_admin, confirmed, trips):
    client.force_login(member_admin)
    trip = confirmed.shipments.get().booking.trip
    assert booked_kg(trip) == Decimal(1000)

    page = client.get(url("cancel", confirmed)).content.decode()
    response = client.post(url("cancel", confirmed), {"reason": "Buyer backed out"}, follow=True)

    confirmed.refresh_from_db()
    shipment = confirmed.shipments.get()
    assert "Cancel order" in page and 'name="reason"' in page
    assert confirmed.status == Order.Status.CANCELLED
    assert shipment.status == Shipment.Status.CANCELLED
    assert shipment.booking.status == Booking.Status.RELEASED
    assert booked_kg(trip) == 0
    html = response.content.decode()
    assert "is cancelled; its space on the lorries is released" in html
    assert "Confirmed → Cancelled" in html and "Buyer backed out" in html
    assert '<span class="badge shipment-cancelled">Cancelled</span>' in html


def test_order_cancel_of_a_cancelled_order_sends_back_to_the_detail(
    client, member_admin, confirmed
):
    services.order_cancel(order=confirmed)
    client.force_login(member_admin)

    response = client.get(url("cancel", confirmed), follow=True)

    assert response.redirect_chain[-1][0] == url("detail", confirmed)
    assert "A cancelled order can no longer be cancelled." in response.content.decode()


def test_order_cancel_after_pickup_shows_the_refusal(client, member_admin, confirmed):
    Shipment.objects.filter(order=confirmed).update(status=Shipment.Status.PICKED_UP)
    client.force_login(member_admin)

    detail = client.get(url("detail", confirmed)).content.decode()
    response = client.post(url("cancel", confirmed), {}, follow=True)

    assert url("cancel", confirmed) not in detail and url("amend", confirmed) not in detail
    assert "can no longer be cancelled" in response.content.decode()
    confirmed.refresh_from_db()
    assert confirmed.status == Order.Status.CONFIRMED


def test_order_amend_reprices_and_shows_the_difference(client, member_admin, confirmed):
    client.force_login(member_admin)
    page = client.get(url("amend", confirmed)).content.decode()

    response = client.post(
        url("amend", confirmed),
        {
            "ready_date": confirmed.ready_date.isoformat(),
            "line_1_package_count": "12",
            "line_1_gross_kg": "2000",
            "line_1_volume_m3": "4",
        },
        follow=True,
    )

    confirmed.refresh_from_db()
    # 2,000 kg × 1.20 = 2,400.00, was 1,598.40: 801.60 more.
    assert confirmed.price_total == Decimal("2400.00")
    assert 'name="line_1_gross_kg"' in page and 'value="1000.00"' in page
    html = response.content.decode()
    assert "New price 2,400.00 CNY (was 1,598.40 CNY, difference +801.60 CNY)" in html
    assert "Price 1,598.40 CNY → 2,400.00 CNY (difference +801.60 CNY)" in html
    assert "Cargo line 1, gross weight (kg): 1,000 → 2,000" in html
    assert "Cargo line 1, packages: 10 → 12" in html
    assert '<th scope="row">Amended</th>' in html  # not "Confirmed → Confirmed"
    assert "Confirmed → Confirmed" not in html
    number = confirmed.shipments.get().tracking_number
    assert f'<a href="/shipments/{number}/">{number}</a>' in html  # to follow it from here
    assert confirmed.shipments.get().weight_kg == Decimal(2000)


def test_order_amend_puts_service_errors_on_the_fields(client, member_admin, confirmed):
    client.force_login(member_admin)
    same = {
        "ready_date": confirmed.ready_date.isoformat(),
        "line_1_package_count": "10",
        "line_1_gross_kg": "1000",
        "line_1_volume_m3": "4",
    }

    negative = client.post(url("amend", confirmed), {**same, "line_1_gross_kg": "-3"})
    unchanged = client.post(url("amend", confirmed), same)

    assert negative.status_code == 400
    assert "more than 0 kg" in negative.context["form"].errors["line_1_gross_kg"][0]
    assert "Nothing to amend" in unchanged.context["form"].non_field_errors()[0]
    confirmed.refresh_from_db()
    assert confirmed.price_total == Decimal("1598.40")


def test_order_amend_of_a_draft_is_refused(client, member_admin, member, network):
    draft = place_order(network, member)
    client.force_login(member_admin)

    response = client.get(url("amend", draft), follow=True)

    assert "Only a confirmed order can be amended" in response.content.decode()


# --- Consignment note -------------------------------------------------------------------------


def test_consignment_note_downloads_as_a_pdf(client, member_admin, confirmed):
    client.force_login(member_admin)
    tracking_number = confirmed.shipments.get().tracking_number

    response = client.get(url("consignment_note", tracking_number=tracking_number))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="consignment-note-{tracking_number}.pdf"'
    )
    assert response.content.startswith(b"%PDF")


def test_consignment_notes_are_rate_limited_per_person(client, member_admin, confirmed, settings):
    from django.core.cache import cache

    cache.clear()
    settings.RATELIMIT_ENABLE = True
    settings.DOCUMENT_RATE = "1/h"
    client.force_login(member_admin)
    note = url("consignment_note", tracking_number=confirmed.shipments.get().tracking_number)

    assert client.get(note).status_code == 200
    refused = client.get(note)

    assert refused.status_code == 429


def test_consignment_note_answers_404_for_unknown_or_foreign_shipments(
    client, member_admin, foreign
):
    client.force_login(member_admin)

    unknown = client.get(url("consignment_note", tracking_number="LA000000000000"))
    other = client.get(
        url("consignment_note", tracking_number=foreign.shipments.get().tracking_number)
    )

    assert (unknown.status_code, other.status_code) == (404, 404)


# --- Quotes ---------------------------------------------------------------------------------------


def test_quote_partial_from_the_order_form_shows_each_option(
    client, member_admin, network, trips, tariff
):
    client.force_login(member_admin)

    response = client.post(url("quote"), form_data(network), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # the panel only
    assert "CKG-HAN-S" in html
    assert "30 hours" in html
    assert "Freight (by chargeable weight; 1,332 kg chargeable)" in html
    assert "1,598.40 CNY" in html
    assert "One shipment" in html
    assert ", 08:00</time>" in html  # the departure, in Chongqing's local time
    assert 'title="Asia/Ho_Chi_Minh">Vietnam Time</span>' in html  # the arrival, in Hanoi's
    assert "/schedule/trips/" not in html  # no link away from a form being filled in


def test_quote_partial_shows_a_split_and_surcharges(client, member_admin, network, trips, tariff):
    client.force_login(member_admin)
    heavy = line_data(package_count="24", package_type="pallet", gross_kg="24000", volume_m3="30")
    dangerous = line_data(dangerous_goods_un="UN1263", gross_kg="100", volume_m3="0.5")

    html = client.post(
        url("quote"), form_data(network, lines=[heavy, dangerous]), **HTMX
    ).content.decode()

    assert "Split into 3 shipments" in html
    assert "Dangerous goods fee" in html


@pytest.mark.parametrize(
    ("overrides", "lines", "expected"),
    [
        ({"origin": ""}, None, ["To see a quote, complete or correct:", "<li>From</li>"]),
        ({"ready_date": "tomorrow"}, None, ["<li>Ready date</li>"]),
        ({}, [line_data(gross_kg="", volume_m3="abc")], ["a cargo line with packages"]),
        ({}, [], ["a cargo line with packages"]),
    ],
)
def test_quote_partial_says_what_is_missing(
    client, member_admin, network, overrides, lines, expected
):
    client.force_login(member_admin)

    response = client.post(url("quote"), form_data(network, lines=lines, **overrides), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    for text in expected:
        assert text in html


def test_quote_partial_reports_what_the_rules_refuse(client, member_admin, network, trips, tariff):
    client.force_login(member_admin)
    data = form_data(
        network,
        destination=network.chongqing.pk,
        ready_date=(timezone.localdate() - timedelta(days=2)).isoformat(),
    )

    html = client.post(url("quote"), data, **HTMX).content.decode()

    assert "No quote for this input" in html
    assert "The destination must differ from the origin." in html
    assert "The ready date is in the past." in html


def test_quote_partial_names_the_cargo_line_no_lorry_can_carry(
    client, member_admin, network, trips, tariff
):
    client.force_login(member_admin)
    lines = [line_data(), line_data(package_count="1", volume_m3="55")]

    html = client.post(url("quote"), form_data(network, lines=lines), **HTMX).content.decode()

    assert "No quote for this input" in html
    assert "Cargo line 2: One package of this line" in html


def test_order_submit_names_the_cargo_line_no_lorry_can_carry(
    client, member_admin, member, network, trips, tariff
):
    draft = place_order(
        network, member, cargo_lines=[cargo(), cargo(package_count=1, volume_m3=Decimal(55))]
    )
    client.force_login(member_admin)

    response = client.post(url("submit", draft), follow=True)

    assert response.redirect_chain[-1][0] == url("edit", draft)
    assert "could not be submitted: Cargo line 2: One package" in response.content.decode()


def test_quote_partial_says_when_no_line_or_tariff_serves(
    client, member_admin, network, trips, tariff
):
    client.force_login(member_admin)

    other_currency = client.post(url("quote"), form_data(network, currency="THB"), **HTMX)
    no_line = client.post(
        url("quote"),
        form_data(network, origin=network.hanoi.pk, destination=network.chongqing.pk),
        **HTMX,
    )

    assert "No tariff on this route is in THB; ask in CNY." in other_currency.content.decode()
    assert "No line with a tariff in force serves Hanoi → Chongqing" in no_line.content.decode()


def test_quote_page_quotes_without_an_order(client, viewer, network, trips, tariff):
    client.force_login(viewer)
    params = {
        "origin": network.chongqing.pk,
        "destination": network.hanoi.pk,
        "ready_date": timezone.localdate(timezone=network.chongqing.zone).isoformat(),
        "service_kind": "ltl",
        "package_count": "10",
        "weight_kg": "1000",
        "volume_m3": "4",
    }

    blank = client.get(url("quote"))
    page = client.get(url("quote"), params)
    panel = client.get(url("quote"), {**params, "weight_kg": "-1"}, **HTMX)

    assert blank.status_code == 200 and "appear here" in blank.content.decode()
    html = page.content.decode()
    assert "<h1>Get a quote</h1>" in html and "1,598.40 CNY" in html
    assert "/schedule/trips/" in html  # the page links each departure to its trip
    assert "<html" not in panel.content.decode()
    assert "<li>Gross weight (kg)</li>" in panel.content.decode()
    assert not Order.objects.exists() and not Booking.objects.exists()


def test_quote_page_posts_without_javascript(client, member_admin, network, trips, tariff):
    client.force_login(member_admin)

    response = client.post(
        url("quote"),
        {
            "origin": network.chongqing.pk,
            "destination": network.hanoi.pk,
            "ready_date": timezone.localdate(timezone=network.chongqing.zone).isoformat(),
            "service_kind": "ltl",
            "package_count": "1",
            "weight_kg": "100",
            "volume_m3": "0.2",
            "dangerous_goods": "on",
        },
    )

    html = response.content.decode()
    assert "<h1>Get a quote</h1>" in html
    assert "Dangerous goods fee" in html and "800.00 CNY" in html
