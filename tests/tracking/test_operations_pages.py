"""The operations pages: the staff and member dashboard, its CSV exports and the public index."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory
from tests.network import make_line
from tracking.operations import charts
from tracking.operations.models import OperationIndex, WeeklyFigures
from tracking.operations.refresh import week_start

pytestmark = pytest.mark.django_db

Scope = WeeklyFigures.Scope
DASHBOARD = "/operations/"


def this_week(back: int = 0):
    return week_start(timezone.now()) - timedelta(weeks=back)


def figures(scope, back=0, **values) -> WeeklyFigures:
    defaults = {
        "shipments": 10,
        "tonnes": Decimal("12.5"),
        "volume_m3": Decimal("40"),
        "trips": 2,
        "load_factor_kg": Decimal("71.5"),
        "load_factor_m3": Decimal("64"),
        "on_time_departure": Decimal("92.5"),
        "on_time_arrival": Decimal("88"),
        "transit_median_h": Decimal("61.5"),
        "transit_p90_h": Decimal("80"),
        "crossings": 2,
        "dwell_median_h": Decimal("5.5"),
        "dwell_p90_h": Decimal("9.25"),
        "exceptions": {},
        "refreshed_at": timezone.now(),
    }
    defaults.update(values)
    return WeeklyFigures.objects.create(week=this_week(back), scope=scope, **defaults)


def index_row(back=0, value="104.2") -> OperationIndex:
    return OperationIndex.objects.create(
        week=this_week(back),
        value=Decimal(value),
        volume=Decimal("110"),
        on_time=Decimal("98.5"),
        transit=Decimal("101"),
        dwell=Decimal("97"),
        base_week=this_week(30),
        refreshed_at=timezone.now(),
    )


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def ours():
    return MemberFactory(legal_name="Nanning Jade Forwarding Co., Ltd.")


@pytest.fixture
def theirs():
    return MemberFactory(legal_name="Vientiane Secret Freight Sole Co., Ltd.")


@pytest.fixture
def person(ours):
    return UserFactory(member=ours)


@pytest.fixture
def other_line(network, carrier):
    return make_line(network, carrier, code="CKG-HAN-X")


@pytest.fixture
def data(network, line, other_line, ours, theirs):
    """Two weeks of figures for every scope, with numbers found nowhere else on the pages."""
    for back in (0, 1):
        figures(Scope.NETWORK, back, shipments=4321 + back, exceptions={"delay": 3})
        figures(Scope.LINE, back, line=line, shipments=6161 + back)
        figures(Scope.LINE, back, line=other_line, shipments=5151 + back)
        figures(Scope.GATE, back, gate=network.youyiguan, dwell_median_h=Decimal("7.25") - back)
        figures(Scope.GATE, back, gate=network.huu_nghi, dwell_median_h=Decimal("3.5"))
        figures(Scope.MEMBER, back, member=ours, shipments=7171 + back, exceptions={"damage": 1})
        figures(Scope.MEMBER, back, member=theirs, shipments=9393 + back)
        index_row(back, value="104.2" if back == 0 else "99.8")
    # Outside a 4-week period, inside 12 weeks.
    figures(Scope.NETWORK, 8, shipments=8282)
    figures(Scope.MEMBER, 8, member=ours, shipments=7878)


# --- The dashboard ----------------------------------------------------------------------------


def test_dashboard_anonymous_is_sent_to_sign_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_dashboard_person_without_member_is_refused(client):
    client.force_login(UserFactory(member=None))
    assert client.get(DASHBOARD).status_code == 403


def test_dashboard_staff_sees_network_figures_and_charts(client, staff, data, network):
    client.force_login(staff)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "4321" in html and "4322" in html  # network weeks
    assert "8282" in html  # 12 weeks by default
    assert "CKG-HAN-X" in html and "6161" in html and "5151" in html  # per-line table
    assert "Youyiguan" in html and "Huu Nghi" in html  # per-gate table and bars
    for chart in ("chart-index", "chart-on-time", "chart-transit", "chart-dwell"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html
        assert f'<title id="{chart}-title">' in html
    assert html.count('role="img"') >= 4
    assert "<details>" in html  # the charts' numbers as tables
    assert "Late trips now" in html
    assert "9393" not in html and "7171" not in html  # no member rows on the network page
    assert 'href="/operations/"' in html  # nav link


def test_dashboard_member_sees_only_its_own_figures(client, person, data):
    client.force_login(person)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "7171" in html and "7172" in html
    assert "Damage: 1" in html
    assert "9393" not in html and "Vientiane Secret Freight" not in html
    assert "4321" not in html and "6161" not in html  # neither network nor lines
    assert "chart-on-time-title" in html and "chart-dwell-title" in html
    assert "chart-index-title" not in html and "Late trips now" not in html
    assert reverse("operations:csv", args=["late_trips"]) not in html


def test_dashboard_member_cannot_widen_its_scope_with_filters(client, person, data, theirs, line):
    client.force_login(person)
    html = client.get(DASHBOARD, {"member": theirs.pk, "line": line.pk}).content.decode()
    assert "7171" in html and "9393" not in html and "6161" not in html


def test_dashboard_filters_narrow_rows(client, staff, data, other_line, network):
    client.force_login(staff)
    html = client.get(DASHBOARD, {"weeks": 4}).content.decode()
    assert "4321" in html and "8282" not in html

    html = client.get(DASHBOARD, {"line": other_line.pk}).content.decode()
    assert "5151" in html and "6161" not in html and "4321" not in html

    html = client.get(DASHBOARD, {"gate": network.huu_nghi.pk}).content.decode()
    assert "Week by week at Huu Nghi" in html
    assert "Youyiguan</th>" not in html

    html = client.get(DASHBOARD, {"country": "VN"}).content.decode()
    assert "Huu Nghi</th>" in html and "Youyiguan</th>" not in html


def test_dashboard_without_figures_says_when_they_come(client, staff, person):
    for user in (staff, person):
        client.force_login(user)
        html = client.get(DASHBOARD).content.decode()
        assert "No figures yet — they are refreshed every hour" in html
        assert "<svg" not in html.split('<main id="content">')[1]


def test_dashboard_query_count_does_not_grow_with_rows(
    client, staff, data, network, line, django_assert_max_num_queries
):
    client.force_login(staff)
    client.get(DASHBOARD)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    for back in (2, 3, 4, 5, 6, 7, 9, 10, 11, 12):
        figures(Scope.NETWORK, back, shipments=100 + back)
        figures(Scope.LINE, back, line=line)
        figures(Scope.GATE, back, gate=network.youyiguan)
        index_row(back)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(DASHBOARD, {"weeks": 26})
    assert response.status_code == 200
    with django_assert_max_num_queries(14):
        client.get(DASHBOARD, {"weeks": 52, "line": line.pk, "country": "CN"})


# --- CSV --------------------------------------------------------------------------------------


def test_csv_weekly_for_staff_has_a_header_and_the_network_weeks(client, staff, data):
    client.force_login(staff)
    response = client.get(reverse("operations:csv", args=["weekly"]), {"weeks": 4})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:4] == ["week", "scope", "member", "shipments"]
    assert "exceptions_delay" in rows[0]
    assert [row[3] for row in rows[1:]] == ["4321", "4322"]
    assert rows[1][rows[0].index("exceptions_delay")] == "3"


def test_csv_lines_follow_the_filters(client, staff, data, other_line):
    client.force_login(staff)
    url = reverse("operations:csv", args=["lines"])
    rows = csv_rows(client.get(url, {"line": other_line.pk}))
    assert rows[0][2] == "line"
    assert {row[2] for row in rows[1:]} == {"CKG-HAN-X"}
    assert {row[3] for row in rows[1:]} == {"5151", "5152"}


def test_csv_member_gets_only_its_own_rows(client, person, data, theirs):
    client.force_login(person)
    url = reverse("operations:csv", args=["weekly"])
    rows = csv_rows(client.get(url, {"member": theirs.pk, "weeks": 52}))
    shipments = [row[3] for row in rows[1:]]
    assert shipments == ["7171", "7172", "7878"]
    assert {row[2] for row in rows[1:]} == {"Nanning Jade Forwarding Co., Ltd."}
    body = client.get(url).content.decode()
    assert "9393" not in body and "Vientiane" not in body


def test_csv_staff_only_tables_are_refused_to_members(client, person, data):
    client.force_login(person)
    for table in ("late_trips", "lines"):
        assert client.get(reverse("operations:csv", args=[table])).status_code == 403
    assert client.get(reverse("operations:csv", args=["members"])).status_code == 404


def test_csv_gates_index_and_late_trips(client, staff, data):
    client.force_login(staff)
    gates = csv_rows(client.get(reverse("operations:csv", args=["gates"])))
    assert gates[0] == ["gate", "country", "dwell_median_h", "dwell_p90_h", "trend"]
    assert gates[1][:3] == ["Youyiguan", "CN", "7.25"]
    assert gates[1][4] == "1.00"
    index = csv_rows(client.get(reverse("operations:csv", args=["index"])))
    assert index[0][:2] == ["week", "index"]
    assert [row[1] for row in index[1:]] == ["99.80", "104.20"]
    late = client.get(reverse("operations:csv", args=["late_trips"]))
    assert late.status_code == 200
    assert csv_rows(late)[0] == ["trip", "line", "place", "country", "minutes_late"]


def test_csv_anonymous_is_sent_to_sign_in(client, data):
    response = client.get(reverse("operations:csv", args=["index"]))
    assert response.status_code == 302


def test_csv_cells_cannot_become_formulas():
    from tracking.operations.views import _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell(Decimal("-1.5")) == "-1.5"
    assert _cell(None) == ""


# --- The public index -------------------------------------------------------------------------


def test_public_index_needs_no_sign_in_and_shows_no_member_data(client, data, ours, theirs):
    response = client.get(reverse("operations:public"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "104.2" in html and "99.8" in html
    assert '<title id="chart-index-title">' in html and 'role="img"' in html
    assert "0.4 × volume" in html
    for private in ("7171", "9393", "4321", ours.legal_name, theirs.legal_name):
        assert private not in html


def test_public_index_without_figures(client):
    html = client.get(reverse("operations:public")).content.decode()
    assert "No figures yet — they are refreshed every hour" in html


def test_the_period_choices_are_in_the_readers_language(client):
    chinese = client.get(reverse("operations:public"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get(reverse("operations:public"), HTTP_ACCEPT_LANGUAGE="en")
    assert "最近 12 周" in chinese.content.decode()
    assert "last 12 weeks" not in chinese.content.decode()
    assert "last 12 weeks" in english.content.decode()


# --- The charts -------------------------------------------------------------------------------


def test_line_chart_leaves_a_gap_for_a_missing_week():
    chart = charts.line_chart(
        title="T",
        description="D",
        labels=["a", "b", "c", "d"],
        series=[("s", [Decimal("1"), Decimal("2"), None, Decimal("4")])],
    )
    series = chart.series[0]
    assert len(series.points) == 3
    assert len(series.paths) == 1  # a, b joined; d alone draws only its marker
    assert chart.rows[2] == ("c", ["—"])
    assert chart.y_ticks[0].value <= 1 and chart.y_ticks[-1].value >= 4


def test_bar_chart_marks_p90_beyond_the_median():
    chart = charts.bar_chart(
        title="Dwell",
        description="",
        bars=[("Youyiguan", Decimal("4"), Decimal("9")), ("Mohan", None, None)],
        unit="h",
        value_name="median",
        mark_name="p90",
    )
    first, second = chart.bars
    assert first.mark_x > chart.left + first.width
    assert second.width == 0 and second.mark_x is None and second.value_text == "—"


def test_weekly_charts_put_missing_weeks_on_the_axis_as_gaps(ours):
    from tracking.operations.views import weekly_charts

    rows = [
        figures(Scope.MEMBER, back, member=ours, on_time_arrival=Decimal(80 + back))
        for back in (0, 1, 4)
    ]
    on_time, _transit = weekly_charts(rows)
    assert len(on_time.labels) == 5
    assert on_time.labels[0] == this_week(4).isoformat()
    arrivals = on_time.series[1]
    assert arrivals.values == [Decimal(84), None, None, Decimal(81), Decimal(80)]
    assert len(arrivals.paths) == 1 and len(arrivals.points) == 3
