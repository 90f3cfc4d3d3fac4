"""The public tracking page and its JSON: what anyone holding a number sees, and nothing more."""

import json
import re
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from stdnum import luhn

from config.wsgi import application
from orders.tracking_numbers import PREFIX
from scheduling.models import Location, TripStop
from tests.tracking.helpers import (
    JOURNEY,
    Step,
    chatty,
    journey_until,
    make_shipment,
    put_through,
)
from tracking.api.public import TrackingRateThrottle
from tracking.codes import Code, Reason
from tracking.models import StopForecast

pytestmark = pytest.mark.django_db

SHANGHAI, HO_CHI_MINH = ZoneInfo("Asia/Shanghai"), ZoneInfo("Asia/Ho_Chi_Minh")
# One statement for the shipment, its timeline, its stops and places, whatever the history.
PAGE_QUERIES = 1


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()


@pytest.fixture
def shipment(network, trips, tariff):
    return make_shipment(network)


@pytest.fixture
def stops(shipment):
    return {stop.sequence: stop for stop in TripStop.objects.filter(trip=shipment.booking.trip)}


@pytest.fixture
def at_the_border(shipment, stops):
    """Export cleared at Youyiguan, expected in Hanoi three hours late."""
    eta = stops[4].planned_arrival + timedelta(hours=3)
    put_through(
        shipment,
        journey_until(Code.EXPORT_CLEARED),
        eta=eta,
        eta_basis=[{"kind": "gate_dwell", "hours": 3.0, "place": "Youyiguan"}],
    )
    return eta


def page(shipment) -> str:
    return f"/track/{shipment.tracking_number}/"


def api(number: str) -> str:
    return f"/api/v1/public/track/{number}/"


def local_tag(moment, zone) -> str:
    return f'<time datetime="{moment.astimezone(zone).isoformat()}">'


def wrong_check_digit(number: str) -> str:
    body = number[len(PREFIX) : -1]
    wrong = (int(luhn.calc_check_digit(body)) + 1) % 10
    return f"{PREFIX}{body}{wrong}"


def unknown_number() -> str:
    body = "99999999999"
    return f"{PREFIX}{body}{luhn.calc_check_digit(body)}"


def answer_of(response) -> str:
    """A page's body without what differs by request alone: the CSRF tokens (masked afresh
    every time) and the language switcher's way back to the address the visitor typed."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'name="next" type="hidden" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


# --- The page ---------------------------------------------------------------------------------


def test_track_page_opens_without_signing_in(client, shipment, at_the_border):
    response = client.get(page(shipment))

    assert response.status_code == 200
    assert response.templates[0].name == "tracking/track.html"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    html = response.content.decode()
    assert shipment.tracking_number in html
    assert '<span class="badge shipment-export_cleared">Export cleared</span>' in html


def test_track_page_shows_the_eta_in_the_destination_local_time(client, shipment, at_the_border):
    html = client.get(page(shipment)).content.decode()

    summary = html[html.index("tracking-summary") : html.index("</dl>")]
    assert "Expected arrival" in summary
    assert local_tag(at_the_border, HO_CHI_MINH) in summary
    assert '<span class="zone" title="Asia/Ho_Chi_Minh">Vietnam Time</span>' in summary
    assert "+3 h: Youyiguan median dwell this week" in summary


def test_eta_falls_back_to_the_trip_plan_at_the_destination(client, shipment, stops):
    put_through(shipment, journey_until(Code.DEPARTED_ORIGIN))

    html = client.get(page(shipment)).content.decode()

    assert local_tag(stops[4].planned_arrival, HO_CHI_MINH) in html
    assert "as planned in the timetable" in html


def test_eta_comes_from_the_destination_forecast_when_there_is_no_estimate(client, shipment, stops):
    put_through(shipment, journey_until(Code.DEPARTED_ORIGIN))
    expected = stops[4].planned_arrival + timedelta(hours=2, minutes=30)
    StopForecast.objects.create(
        stop=stops[4],
        expected_arrival=expected,
        expected_departure=expected,
        basis=[{"kind": "delay", "hours": 2.5, "place": "Chongqing"}],
    )

    body = client.get(api(shipment.tracking_number)).json()
    html = client.get(page(shipment)).content.decode()

    assert body["eta"]["source"] == "forecast"
    assert body["eta"]["at"] == expected.astimezone(HO_CHI_MINH).isoformat()
    assert body["eta"]["basis"] == "+2.5 h against the plan at Chongqing"
    assert body["route"][3]["expected_arrival"] == expected.astimezone(HO_CHI_MINH).isoformat()
    assert local_tag(expected, HO_CHI_MINH) in html


def test_a_shipment_waiting_for_a_departure_has_no_eta_but_a_route(client, network, tariff):
    waiting = make_shipment(network)  # no trips generated: nothing to book on
    assert waiting.booking.trip_id is None

    html = client.get(page(waiting)).content.decode()
    body = client.get(api(waiting.tracking_number)).json()

    assert "Waiting for a departure with room; no trip yet." in html
    assert html.count('class="stop upcoming') == 2  # Chongqing and Hanoi, hollow
    assert body["eta"] is None and body["waiting_for_departure"] is True
    assert [stop["place"]["name"] for stop in body["route"]] == ["Chongqing", "Hanoi"]


def test_timeline_shows_each_entry_in_its_place_local_time(client, shipment, at_the_border):
    put_through(shipment, [JOURNEY[5], JOURNEY[6]])  # crossed at Huu Nghi, import cleared there
    entries = {entry.code: entry for entry in shipment.timeline.select_related("event")}

    html = client.get(page(shipment)).content.decode()
    timeline = html[html.index('class="board timeline"') :]

    departed = entries[Code.DEPARTED_ORIGIN].occurred_at
    assert local_tag(departed, SHANGHAI) in timeline
    assert '<span class="zone" title="Asia/Shanghai">China Standard Time</span>' in timeline
    assert local_tag(entries[Code.IMPORT_CLEARED].occurred_at, HO_CHI_MINH) in timeline
    assert '<span class="zone" title="Asia/Ho_Chi_Minh">Vietnam Time</span>' in timeline
    # Booked happened nowhere in particular: shown at the offset it was posted with.
    assert local_tag(entries[Code.BOOKED].occurred_at, timezone(timedelta(hours=8))) in timeline
    assert ">GMT+08:00</span>" in timeline
    # Newest first.
    assert timeline.index("Import cleared") < timeline.index("Departed origin")


def test_timeline_shows_exceptions_with_their_reason(client, shipment, at_the_border):
    put_through(
        shipment,
        [exception_step(25, Reason.CUSTOMS_HOLD)],
        open_exceptions=[Reason.CUSTOMS_HOLD],
    )

    html = client.get(page(shipment)).content.decode()

    assert "Exception: Customs hold" in html
    alert = html[html.index("tracking-alert") :]
    assert "Customs hold" in alert[: alert.index("</div>")]


def exception_step(hours, reason) -> Step:
    return Step(Code.EXCEPTION, hours, reason=reason, remarks="Inspection booth 4")


def test_route_is_an_accessible_svg_with_passed_current_and_upcoming_stops(
    client, shipment, at_the_border
):
    html = client.get(page(shipment)).content.decode()

    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="route-title route-desc"' in svg
    assert f'<title id="route-title">Route of shipment {shipment.tracking_number}</title>' in svg
    assert "Passed: Chongqing. Last reached: Youyiguan. To come: Huu Nghi, Hanoi." in svg
    assert '<g class="stop passed" data-sequence="1">' in svg
    assert '<g class="stop current gate" data-sequence="2">' in svg
    assert '<g class="stop upcoming gate" data-sequence="3">' in svg
    assert '<g class="stop upcoming" data-sequence="4">' in svg
    assert svg.count('<circle class="halo"') == 1
    assert svg.count('<polygon class="marker"') == 2  # the two border gates are diamonds
    assert 'class="leg travelled"' in svg and 'class="leg ahead"' in svg
    # The same stops as text, in order, for screen readers and small screens.
    stops_list = html[html.index('<ol class="route-stops"') : html.index("</ol>")]
    names = re.findall(r"<strong>([^<]+)</strong>", stops_list)
    assert names == ["Chongqing", "Youyiguan", "Huu Nghi", "Hanoi"]
    assert "the cargo is here" in stops_list


def test_route_marks_the_lorry_between_stops_once_it_left(client, shipment, stops):
    put_through(shipment, journey_until(Code.DEPARTED_ORIGIN))

    html = client.get(page(shipment)).content.decode()

    assert '<rect class="lorry"' in html
    assert "Left Chongqing, on the way to Youyiguan." in html
    assert "left, on the way to Youyiguan" in html


def test_a_crossing_puts_the_lorry_at_the_gate_entered(client, shipment):
    put_through(shipment, journey_until(Code.CROSSED_BORDER))

    body = client.get(api(shipment.tracking_number)).json()

    assert [stop["state"] for stop in body["route"]] == ["passed", "passed", "current", "upcoming"]
    assert body["route"][1]["departed"] is True


def test_route_draws_without_any_tile_server(client, shipment, at_the_border, settings):
    settings.MAP_TILE_URL = ""
    html = client.get(page(shipment)).content.decode()
    assert "<svg" in html and "leaflet" not in html

    settings.MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    html = client.get(page(shipment)).content.decode()
    assert "<svg" in html  # still there: the fallback until a tile has loaded
    assert "/static/vendor/leaflet/leaflet.js" in html
    data = json.loads(re.search(r'id="route-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert data["tiles"] == "https://tiles.example/{z}/{x}/{y}.png"
    assert [stop["state"] for stop in data["stops"]] == [
        "passed",
        "current",
        "upcoming",
        "upcoming",
    ]


def test_a_delivered_shipment_shows_when_in_local_time(client, shipment):
    put_through(shipment, JOURNEY)
    delivered = shipment.status_at

    html = client.get(page(shipment)).content.decode()

    summary = html[html.index("tracking-summary") : html.index("</dl>")]
    assert "Delivered" in summary and local_tag(delivered, HO_CHI_MINH) in summary
    assert "Expected arrival" not in summary
    assert html.count('<g class="stop passed') == 3
    assert '<g class="stop current" data-sequence="4">' in html


def test_search_form_leads_to_the_page_of_a_well_formed_number(client, shipment):
    assert client.get("/track/").status_code == 200
    typed = shipment.tracking_number.lower()
    typed = f"{typed[:6]} {typed[6:10]}-{typed[10:]}"

    response = client.get("/track/", {"number": typed})

    assert response.status_code == 302
    assert response["Location"] == page(shipment)
    mistyped = client.get("/track/", {"number": wrong_check_digit(shipment.tracking_number)})
    assert mistyped.status_code == 404
    assert "No shipment has this tracking number." in mistyped.content.decode()


def test_a_visitor_finds_the_tracking_form_on_the_home_page_and_in_the_menu(client, shipment):
    html = client.get("/").content.decode()

    form = html[html.index('<form method="get" action="/track/"') :]
    form = form[: form.index("</form>")]
    assert 'name="number"' in form and ">Track</button>" in form
    # The example matches the numbers issued: LA and 14 digits.
    digits = len(shipment.tracking_number) - len("LA")
    assert f"LA followed by {digits} digits" in form
    nav = html[html.index('<nav aria-label="Main">') : html.index("</nav>")]
    assert re.search(r'<a href="/track/"\s*>Track a shipment</a>', nav)
    search = client.get("/track/").content.decode()
    assert '<a href="/track/" aria-current="page">Track a shipment</a>' in search


def test_a_number_in_another_case_redirects_to_its_page(client, shipment):
    response = client.get(f"/track/{shipment.tracking_number.lower()}/")

    assert response.status_code == 302
    assert response["Location"] == page(shipment)


# --- Nothing private --------------------------------------------------------------------------


def test_nothing_private_in_the_page_or_the_json(client, shipment):
    put_through(shipment, [*JOURNEY[:6], exception_step(25, Reason.DAMAGE), *JOURNEY[6:]])
    order = shipment.order
    private = [
        order.reference,
        order.shipper_name,
        order.shipper_address,
        order.shipper_contact,
        order.consignee_name,
        order.consignee_contact,
        order.member.legal_name,
        order.member.email,
        str(shipment.price),
        f"{shipment.price:,}",
        "price",
        "CNY",
        "530120261234567890",  # declaration numbers
        "VN-IMP-104455667788",
        "Nguyễn Văn An",  # who signed for it
        "Left at dock 2",  # carriers' remarks
        "Collected at the shipper",
        "Inspection booth 4",
        "consignment-note",
        "Motorcycle spare parts",
        shipment.booking.trip.line.code,
    ]

    html = client.get(page(shipment)).content.decode()
    body = client.get(api(shipment.tracking_number)).content.decode("utf-8")

    for text in private:
        assert text not in html, text
        assert text not in body, text


def test_notes_are_not_public(client, shipment):
    put_through(shipment, [Step(Code.BOOKED, -24), Step(Code.NOTE, -20, remarks="Call Mr Li")])

    html = client.get(page(shipment)).content.decode()
    body = client.get(api(shipment.tracking_number)).json()

    assert "Call Mr Li" not in html and "Note" not in html
    assert [item["code"] for item in body["timeline"]] == ["booked"]


# --- Unknown numbers, limits --------------------------------------------------------------------


def test_unknown_and_malformed_numbers_answer_the_same_404(
    client, shipment, django_assert_num_queries
):
    with django_assert_num_queries(0):  # a failed check digit never reaches the database
        malformed = client.get(f"/track/{wrong_check_digit(shipment.tracking_number)}/")
    unknown = client.get(f"/track/{unknown_number()}/")
    garbage = client.get("/track/not-a-number/")

    assert malformed.status_code == unknown.status_code == garbage.status_code == 404
    assert answer_of(malformed) == answer_of(unknown) == answer_of(garbage)
    assert "No shipment has this tracking number." in answer_of(unknown)
    assert unknown_number() not in answer_of(unknown)


def test_unknown_and_malformed_numbers_answer_the_same_404_in_json(
    client, shipment, django_assert_num_queries
):
    with django_assert_num_queries(0):
        malformed = client.get(api(wrong_check_digit(shipment.tracking_number)))
    unknown = client.get(api(unknown_number()))

    assert malformed.status_code == unknown.status_code == 404
    assert malformed.content == unknown.content
    assert unknown.json() == {
        "error": {"code": "not_found", "message": "No shipment has this tracking number."}
    }


def test_the_page_is_rate_limited_per_address(client, shipment, settings):
    settings.RATELIMIT_ENABLE = True
    settings.TRACKING_RATE = "2/m"
    unknown = f"/track/{unknown_number()}/"

    answers = [client.get(url).status_code for url in (page(shipment), unknown, page(shipment))]
    elsewhere = client.get(page(shipment), REMOTE_ADDR="203.0.113.9").status_code

    assert answers == [200, 404, 429]  # unknown numbers count too: no free guessing
    assert elsewhere == 200


def test_the_json_is_rate_limited_per_address(client, shipment, monkeypatch):
    monkeypatch.setattr(TrackingRateThrottle, "THROTTLE_RATES", {"tracking": "2/min"})
    url = api(shipment.tracking_number)

    answers = [client.get(url).status_code for _ in range(2)]
    refused = client.get(url)
    # A made-up forwarding header does not buy a fresh allowance.
    spoofed = client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert answers == [200, 200]
    assert refused.status_code == spoofed.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    wait = int(refused["Retry-After"])
    unit = "second" if wait == 1 else "seconds"
    assert refused.json()["error"]["message"] == f"Too many requests. Send again in {wait} {unit}."
    in_chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["error"]["message"]
    assert in_chinese.startswith("请求过多") and "Expected" not in in_chinese


# --- Languages -------------------------------------------------------------------------------


@pytest.fixture
def local_names(network):
    Location.objects.filter(pk=network.chongqing.pk).update(local_name="重庆")
    Location.objects.filter(pk=network.hanoi.pk).update(local_name="Hà Nội")


@pytest.mark.parametrize(
    ("language", "status", "heading", "origin", "destination"),
    [
        ("en", "Export cleared", "Tracking number", "Chongqing", "Hanoi"),
        ("zh-hans", "出口已清关", "跟踪号", "重庆", "Hanoi"),
        ("vi", "Đã thông quan xuất khẩu", "Mã theo dõi", "Chongqing", "Hà Nội"),
    ],
)
def test_page_and_json_speak_the_visitor_language(
    client, shipment, at_the_border, local_names, language, status, heading, origin, destination
):
    html = client.get(page(shipment), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    body = client.get(api(shipment.tracking_number), HTTP_ACCEPT_LANGUAGE=language).json()

    assert f'<html lang="{language}">' in html
    assert status in html and heading in html
    assert f"{origin} → {destination}" in html
    assert body["status"]["label"] == status
    assert body["origin"]["label"] == origin and body["destination"]["label"] == destination


def test_language_chosen_in_the_switcher_sticks(client, shipment, at_the_border):
    client.post(reverse("set_language"), {"language": "vi", "next": page(shipment)})

    html = client.get(page(shipment)).content.decode()

    assert "Đã thông quan xuất khẩu" in html and "Lộ trình" in html


# --- JSON -------------------------------------------------------------------------------------


def test_json_has_status_eta_route_and_timeline_in_local_times(client, shipment, at_the_border):
    body = client.get(api(shipment.tracking_number)).json()

    assert body["tracking_number"] == shipment.tracking_number
    assert body["status"]["code"] == "export_cleared"
    assert body["eta"] == {
        "at": at_the_border.astimezone(HO_CHI_MINH).isoformat(),
        "timezone": "Asia/Ho_Chi_Minh",
        "source": "state",
        "basis": "+3 h: Youyiguan median dwell this week",
    }
    assert body["eta"]["at"].endswith("+07:00")
    assert [stop["state"] for stop in body["route"]] == [
        "passed",
        "current",
        "upcoming",
        "upcoming",
    ]
    assert body["route"][1]["place"]["kind"] == "border_gate"
    assert body["route"][1]["actual_arrival"].endswith("+08:00")
    codes = [item["code"] for item in body["timeline"]]
    assert codes == ["booked", "picked_up", "departed_origin", "arrived_border", "export_cleared"]
    departed = body["timeline"][2]
    assert departed["occurred_at"].endswith("+08:00") and departed["timezone"] == "Asia/Shanghai"
    assert departed["place"]["name"] == "Chongqing"
    assert body["open_exceptions"] == []


# --- Cost ------------------------------------------------------------------------------------


@pytest.mark.parametrize("entries", [3, 30])
def test_page_and_json_cost_the_same_queries_whatever_the_history(
    client, shipment, entries, django_assert_num_queries
):
    steps = journey_until(Code.DEPARTED_ORIGIN)
    put_through(shipment, steps + chatty(entries - len(steps)))
    assert shipment.timeline.count() == entries

    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(page(shipment)).status_code == 200
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(api(shipment.tracking_number)).status_code == 200


def test_a_connection_prepares_the_public_view_once_it_has_run_it_often(client, shipment):
    url = api(shipment.tracking_number)
    for _view in range(settings.DATABASE_PREPARE_THRESHOLD + 1):
        assert client.get(url).status_code == 200

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    # Planned once for this connection: later views skip parsing and planning it.
    assert any("tracking_timelineentry" in statement for statement in prepared)


def documented_answer(number: str) -> dict:
    """The public JSON of ``number`` through WSGI, checked against the published schema."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    case = schema["/api/v1/public/track/{tracking_number}/"]["GET"].Case(
        path_parameters={"tracking_number": number}, headers={"Accept-Language": "vi"}
    )
    response = case.call()
    case.validate_response(response)  # status, content type, headers and body as documented
    return response.json()


def test_the_json_answers_as_its_schema_says_on_the_way_and_delivered(
    shipment, stops, network, local_names, wsgi_keeps_the_test_connection
):
    put_through(
        shipment,
        journey_until(Code.EXPORT_CLEARED) + chatty(1),
        eta=stops[4].planned_arrival + timedelta(hours=3),
        eta_basis=[{"kind": "gate_dwell", "hours": 3.0, "place": "Youyiguan"}],
        open_exceptions=[Reason.BORDER_CONGESTION],
    )
    StopForecast.objects.create(
        stop=stops[3],
        expected_arrival=stops[3].planned_arrival,
        expected_departure=stops[3].planned_departure,
    )
    delivered = make_shipment(network)
    put_through(delivered, JOURNEY)

    on_the_way = documented_answer(shipment.tracking_number)
    done = documented_answer(delivered.tracking_number)

    assert on_the_way["eta"]["basis"] and on_the_way["open_exceptions"][0]["label"]
    assert on_the_way["route"][2]["expected_arrival"] and on_the_way["arrived_at"] is None
    reasons = [item["reason"] for item in on_the_way["timeline"] if item["code"] == Code.EXCEPTION]
    assert reasons[0]["code"] == Reason.BORDER_CONGESTION
    assert done["eta"] is None and done["delivered_at"]
    assert done["route"][-1]["place"]["label"] == "Hà Nội"  # the reader's script: Vietnamese


def test_the_json_answers_as_its_schema_says_while_waiting_for_a_trip(
    network, tariff, wsgi_keeps_the_test_connection
):
    waiting = make_shipment(network)  # no trips generated: nothing to book on

    answer = documented_answer(waiting.tracking_number)

    assert answer["waiting_for_departure"] is True
    assert [stop["planned_arrival"] for stop in answer["route"]] == [None, None]


def test_export_cleared_before_departure_leaves_the_lorry_at_its_first_stop(
    network, carrier, trips, tariff, django_capture_on_commit_callbacks
):
    from tests.tracking.journey import at, carrier_client, journey
    from tracking.selectors import public_tracking

    j = journey(network, trips, hours_ago=-5)  # leaves in five hours
    api = carrier_client(carrier)
    path = f"/api/v1/shipments/{j.through.tracking_number}/events/"
    with django_capture_on_commit_callbacks(execute=True):
        api.post(path, {"event_id": "p", "code": "picked_up", "occurred_at": at(2)}, format="json")
        api.post(
            path,
            {
                "event_id": "x",
                "code": "export_cleared",
                "occurred_at": at(1),
                "declaration_number": "500020260001234",
            },
            format="json",
        )
    route = public_tracking(j.through.tracking_number).route
    assert [stop.state for stop in route] == ["upcoming"] * 4
    assert not any(stop.departed for stop in route)
