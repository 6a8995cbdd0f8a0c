"""The working-day calendar: due dates counted on the official holidays and make-up working days.

The table is seeded by a migration from the chinese-calendar package, so
these dates are the State Council's: Spring Festival 2026 is 15–23 February
off with Saturday 14 and Saturday 28 February worked; National Day 2026 is
1–7 October off with Sunday 20 September and Saturday 10 October worked.
"""

import datetime
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests import builders
from workdays.dates import DueDate, is_working_day, promised_due_date, working_day_add
from workdays.models import CalendarDay

D = datetime.date

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # Friday 13 February 2026, 1 working day: Saturday 14th is a make-up working day.
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        # Then the break: 15–23 February off; Tuesday 24th is the next working day.
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        # 24, 25, 26, 27, Saturday 28 (make-up), 2 March: the sixth working day after the 14th.
        (D(2026, 2, 14), 6, D(2026, 3, 2)),
        # Saturday 19 September: Sunday 20th is a make-up working day.
        (D(2026, 9, 19), 1, D(2026, 9, 20)),
        # Wednesday 30 September: 1–7 October off, Thursday 8 October is the first working day.
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        # 8, 9, Saturday 10 (make-up), 12, 13 October.
        (D(2026, 9, 30), 5, D(2026, 10, 13)),
        # 15 working days from the last working day before National Day.
        (D(2026, 9, 30), 15, D(2026, 10, 27)),
        # An ordinary week: Monday + 5 = next Monday.
        (D(2026, 11, 30), 5, D(2026, 12, 7)),
        (D(2026, 11, 30), 0, D(2026, 11, 30)),
    ],
)
def test_due_dates_follow_the_official_calendar(start, n, due):
    assert working_day_add(start, n) == DueDate(due, provisional=False)


def test_a_year_missing_from_the_table_counts_weekends_only_and_says_so():
    # 2027 is not in the seeded table: Friday 31 December 2027 + 1 = Monday 3 January 2028, provisional.
    result = working_day_add(D(2027, 12, 31), 1)
    assert result == DueDate(D(2028, 1, 3), provisional=True)
    # A count that stays within 2026 is not provisional; one that runs into 2027 is.
    assert not working_day_add(D(2026, 12, 1), 5).provisional
    assert working_day_add(D(2026, 12, 28), 5).provisional


def test_a_superuser_adds_the_next_year_and_the_date_is_no_longer_provisional():
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    result = working_day_add(D(2026, 12, 31), 1)
    assert result == DueDate(D(2027, 1, 4), provisional=False)


def test_a_year_not_in_the_table_still_keeps_the_holidays_fixed_to_a_date():
    # 2092 is far beyond any published calendar: 1 January is a Tuesday, 1 May a Thursday, 1 October a Wednesday.
    assert working_day_add(D(2091, 12, 31), 1) == DueDate(D(2092, 1, 2), provisional=True)
    assert working_day_add(D(2092, 4, 30), 1) == DueDate(D(2092, 5, 5), provisional=True)  # 1-2 May, then a weekend
    assert working_day_add(D(2092, 9, 30), 1) == DueDate(D(2092, 10, 6), provisional=True)  # 1-3 Oct, then a weekend
    assert is_working_day(D(2092, 1, 1)) == (False, True)
    assert is_working_day(D(2092, 1, 2)) == (True, True)


def test_one_query_whatever_the_count(django_assert_num_queries):
    with django_assert_num_queries(1):
        working_day_add(D(2026, 1, 5), 200)
    with django_assert_num_queries(1):
        assert is_working_day(D(2026, 2, 14)) == (True, False)


def test_promised_due_date_by_unit():
    start = D(2026, 9, 30)
    assert promised_due_date(1, "working_days", start=start) == DueDate(D(2026, 10, 8))
    assert promised_due_date(10, "days", start=start) == DueDate(D(2026, 10, 10))
    assert promised_due_date(None, "working_days", start=start) is None
    assert promised_due_date(None, "on_the_spot", start=start) is None


def test_negative_count_is_refused():
    with pytest.raises(ValueError):
        working_day_add(D(2026, 1, 5), -1)


def test_item_page_shows_the_due_date_next_to_the_promise(client, township):
    cache.clear()
    item = builders.make_item(township=township, promised_limit_value=1, materials=1)
    today = timezone.localdate()
    due = working_day_add(today, 1)
    page = client.get(item.get_absolute_url()).content.decode()
    assert f"{due.date.year}年{due.date.month}月{due.date.day}日" in page
    assert ("暂按周末推算" in page) == due.provisional


def test_a_limit_with_time_not_counted_gives_the_counted_date_not_a_finish_date(client, township):
    cache.clear()
    item = builders.make_item(
        township=township, promised_limit_value=5, promised_limit_note="公示7天不计入", materials=1
    )
    due = working_day_add(timezone.localdate(), 5).date
    text = re.sub(r"<[^>]+>", "", client.get(item.get_absolute_url()).content.decode())
    card = text[text.index("多久") : text.index("跑几次")]
    assert f"按承诺时限算到{due.year}年{due.month}月{due.day}日（公示7天不计入）" in card
    assert "前办结" not in text  # the publicity week comes on top: no finish date is promised


def test_calendar_admin_is_for_superusers_only(admin_client, client, township, django_user_model):
    assert admin_client.get("/admin/workdays/calendarday/add/").status_code == 200
    clerk = django_user_model.objects.create_user("clerk-cal", password="x", is_staff=True)
    client.force_login(clerk)
    assert client.get("/admin/workdays/calendarday/").status_code == 403
