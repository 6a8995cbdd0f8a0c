"""Each supervision figure on built data, against a hand count (see tests/supervision_scene.py)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from supervision import figures
from supervision import table as tables
from supervision.closing import month_close
from supervision.models import MonthlyFigures
from supervision.periods import Period
from tests import builders, supervision_scene
from tests.supervision_scene import AFTER_OCTOBER, OCTOBER

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(db):
    return supervision_scene.build_lists(supervision_scene.build())


def test_periods_have_chinese_labels_and_bounds():
    assert Period.month(2026, 11).label == "2026年11月"
    assert Period.quarter(2026, 4).label == "2026年第四季度"
    assert Period.year(2026).label == "2026年"
    q = Period.parse("2026-Q4")
    assert (q.start, q.end, q.key) == (datetime.date(2026, 10, 1), datetime.date(2027, 1, 1), "2026-Q4")
    assert [m.label for m in q.months()] == ["2026年10月", "2026年11月", "2026年12月"]
    assert Period.parse("2026-12").next() == Period.month(2027, 1)
    assert Period.parse("2026").previous() == Period.year(2025)
    assert Period.parse("nonsense", today=datetime.date(2026, 11, 30)) == Period.month(2026, 11)
    assert Period.month(2026, 10).is_closed(datetime.date(2026, 11, 1))
    assert not Period.month(2026, 11).is_closed(datetime.date(2026, 11, 30))


def test_scans_count_the_days_of_the_period_only(s):
    assert figures.scans([s.a, s.b], OCTOBER) == {s.a.pk: 8, s.b.pk: 0}
    by_code = figures.scans_by_code([s.a], OCTOBER)[s.a.pk]
    assert [(placement, n) for _code, placement, n in by_code] == [("大门", 7), ("综合窗口", 1)]
    by_month = figures.scans_by_month([s.a], Period.quarter(2026, 4))[s.a.pk]
    assert by_month == {datetime.date(2026, 10, 1): 8, datetime.date(2026, 11, 1): 50, datetime.date(2026, 12, 1): 0}


def test_searches_and_searches_without_a_result_count_the_days_of_the_period_only(s):
    assert figures.searches([s.a, s.b], OCTOBER) == {
        s.a.pk: {"total": 6, "without_result": 3},
        s.b.pk: {"total": 1, "without_result": 0},
    }
    assert figures.searches([s.a], Period.quarter(2026, 4))[s.a.pk] == {"total": 8, "without_result": 3}
    row = tables.table_build([s.a, s.b], OCTOBER, today=AFTER_OCTOBER).rows[0]
    assert (row.values["searches"], row.values["searches_without_result"]) == (6, 3)
    assert row.values["searches_without_result_percent"] == 50.0


def test_fixing_a_miss_later_does_not_change_a_months_search_figures(s):
    from search.misses import miss_fix

    before = figures.searches([s.a], OCTOBER)[s.a.pk]
    item = builders.make_item(township=s.a, office=builders.make_office(township=s.a))
    miss_fix(township=s.a, query="火星移民", item=item, as_synonym=True)
    assert figures.searches([s.a], OCTOBER)[s.a.pk] == before == {"total": 6, "without_result": 3}


def test_enquiries_received_and_answered_in_beijing_time(s):
    assert figures.enquiries([s.a, s.b], OCTOBER) == {
        s.a.pk: {"received": 4, "answered": 3},
        s.b.pk: {"received": 0, "answered": 0},
    }


def test_reports_received_fixed_and_median_days(s):
    got = figures.reports([s.a, s.b], OCTOBER)
    assert (got[s.a.pk]["received"], got[s.a.pk]["fixed"], got[s.a.pk]["median_days"]) == (4, 3, 3.0)
    assert (got[s.b.pk]["received"], got[s.b.pk]["fixed"], got[s.b.pk]["median_days"]) == (1, 0, None)


def test_requests_by_kind_received_on_time_overdue_declined(s):
    got = figures.requests([s.a], OCTOBER, today=AFTER_OCTOBER)[s.a.pk]
    assert got["all"] == {"received": 5, "on_time": 1, "overdue": 2, "declined": 1}
    assert got["proxy"] == {"received": 2, "on_time": 1, "overdue": 1, "declined": 0}
    assert got["appointment"] == {"received": 1, "on_time": 0, "overdue": 0, "declined": 1}
    assert got["home_visit"] == {"received": 2, "on_time": 0, "overdue": 1, "declined": 0}
    # Once h2's due date (11-03) has passed unclosed, it is overdue too.
    later = figures.requests([s.a], OCTOBER, today=datetime.date(2026, 11, 4))[s.a.pk]
    assert later["all"]["overdue"] == 3
    by_month = figures.requests_by_month([s.a], Period.quarter(2026, 4))[s.a.pk]
    assert by_month[datetime.date(2026, 10, 1)] == 5


def test_ratings_by_level_and_poor_ones_followed_up_in_time(s):
    got = figures.ratings([s.a, s.b], OCTOBER)
    a = got[s.a.pk]
    assert [a[level] for level in range(1, 6)] == [2, 1, 1, 1, 1]
    assert (a["total"], a["poor"], a["followed_in_time"]) == (6, 2, 1)
    assert (got[s.b.pk]["total"], got[s.b.pk]["poor"], got[s.b.pk]["followed_in_time"]) == (1, 1, 0)


def test_a_poor_rating_is_missed_only_once_its_follow_up_is_past_due_unanswered(db, county):
    from feedback.cases import rating_submit
    from feedback.models import Case, Kind

    township = builders.make_township(county=county, name="南山乡", slug="nanshan")
    month = Period.month(timezone.localdate().year, timezone.localdate().month)
    rating_submit(township=township, level=5, channel="web", comment="")
    fresh = figures.ratings([township], month)[township.pk]
    assert (fresh["poor"], fresh["followed_in_time"], fresh["followup_missed"]) == (1, 0, 0)  # may still be called
    assert tables.table_build([township], month).rows[0].values["ratings_followup_missed"] == 0

    followup = Case.objects.get(kind=Kind.FOLLOWUP)
    Case.objects.filter(pk=followup.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    past_due = figures.ratings([township], month)[township.pk]
    assert (past_due["followed_in_time"], past_due["followup_missed"]) == (0, 1)
    row = tables.table_build([township], month).rows[0]
    assert row.values["ratings_followup_missed"] == 1


def test_lists_past_their_dates_live(s):
    assert figures.items_past_check([s.a, s.b]) == {s.a.pk: 1, s.b.pk: 0}
    assert figures.phones_past_check([s.a, s.b]) == {s.a.pk: 1, s.b.pk: 0}
    assert figures.liaisons_unconfirmed([s.a, s.b]) == {s.a.pk: 1, s.b.pk: 0}
    today = timezone.localdate()
    current = Period.month(today.year, today.month)
    assert figures.state([s.a], current)[s.a.pk] == {
        "items_past_check": 1,
        "phones_past_check": 1,
        "liaisons_unconfirmed": 1,
    }


def test_a_closed_month_does_not_change_when_rows_are_edited_later(s):
    today = timezone.localdate()
    last_month = Period.month(today.year, today.month).previous()
    assert figures.state([s.a], last_month)[s.a.pk]["items_past_check"] is None  # never closed: nothing invented
    assert month_close([s.a, s.b], last_month) == 2
    assert month_close([s.a, s.b], last_month) == 0  # the first count stays
    before = tables.table_build([s.a, s.b], OCTOBER, today=AFTER_OCTOBER)
    before_state = figures.state([s.a], last_month)[s.a.pk]
    # Later: the clerk checks everything, closes the late request, a case is re-labelled.
    s.stale_item.last_checked_on = today
    s.stale_item.save()
    s.stale_staff.phone_checked_on = today
    s.stale_staff.save()
    s.liaison.confirmed_on = today
    s.liaison.save()
    s.late_open.status, s.late_open.closed_at = "done", timezone.now()
    s.late_open.save()
    after = tables.table_build([s.a, s.b], OCTOBER, today=AFTER_OCTOBER)
    assert [r.values for r in after.rows] == [r.values for r in before.rows]
    assert (
        figures.state([s.a], last_month)[s.a.pk]
        == before_state
        == {
            "items_past_check": 1,
            "phones_past_check": 1,
            "liaisons_unconfirmed": 1,
        }
    )
    assert figures.items_past_check([s.a])[s.a.pk] == 0  # live: the current month does move
    assert MonthlyFigures.objects.count() == 2


def test_close_month_command_keeps_last_month(s):
    from django.core.management import call_command

    call_command("close_month")
    today = timezone.localdate()
    last = Period.month(today.year, today.month).previous()
    assert MonthlyFigures.objects.filter(month=last.start).count() == 2


def test_the_table_totals_marks_the_weakest_and_sorts(s):
    table = tables.table_build([s.a, s.b], OCTOBER, order="-scans", today=AFTER_OCTOBER)
    assert [r.township for r in table.rows] == [s.a, s.b]
    a, b = table.rows
    assert a.values["ratings_satisfied_percent"] == 66.7
    assert b.values["ratings_satisfied_percent"] == 0.0
    assert "ratings_satisfied_percent" in b.weakest and "scans" in b.weakest
    assert "requests_overdue" in a.weakest
    assert table.totals["reports_received"] == 5
    assert (table.totals["searches"], table.totals["searches_without_result"]) == (7, 3)
    assert table.totals["searches_without_result_percent"] == round(100 * 3 / 7, 1)
    assert "searches_without_result_percent" in a.weakest
    assert table.totals["ratings_total"] == 7
    assert table.totals["ratings_satisfied_percent"] == round(100 * 4 / 7, 1)
    assert table.totals["reports_median_days"] == 3.0
    ascending = tables.table_build([s.a, s.b], OCTOBER, order="scans", today=AFTER_OCTOBER)
    assert [r.township for r in ascending.rows] == [s.b, s.a]


def _queries(townships, period):
    with CaptureQueriesContext(connection) as ctx:
        table = tables.table_build(townships, period)
        tables.details(townships, period, f=table.figures)
    return len(ctx.captured_queries), table


@pytest.mark.parametrize("period", [OCTOBER, Period.quarter(2026, 4), Period.year(2026)], ids=lambda p: p.key)
def test_the_county_table_costs_the_same_queries_for_2_and_20_townships(period):
    county = builders.make_county()
    first = supervision_scene.build(
        county=county, a=builders.make_township(county=county), b=builders.make_township(county=county)
    )
    townships = [first.a, first.b]
    small, _ = _queries(townships, period)
    for _ in range(9):
        more = supervision_scene.build(
            county=county, a=builders.make_township(county=county), b=builders.make_township(county=county)
        )
        townships += [more.a, more.b]
    large, table = _queries(townships, period)
    assert len(table.rows) == 20
    assert small == large <= 13  # 8 figures (10 when the lists are read live) + 3 for the pages
