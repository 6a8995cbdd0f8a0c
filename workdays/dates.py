"""Working days on the official calendar: the one API the portal uses to turn "N working days" into a date.

    >>> working_day_add(datetime.date(2026, 9, 30), 1)
    DueDate(date=datetime.date(2026, 10, 8), provisional=False)

A working day is Monday to Friday, except the holidays in the ``CalendarDay``
table, plus the weekend days that table marks as make-up working days
(调休上班). Years the table does not have yet (the State Council publishes a
year's calendar late in the year before) are counted Monday to Friday without
the holidays fixed to a date (元旦, 劳动节, 国庆节), and the answer says so
(``provisional=True``): a page then calls the date provisional rather than
stating a date that may turn out wrong.

Each function here runs one query, whatever ``n`` is.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from workdays.models import CalendarDay

# The holidays fixed to a date by the State Council's 《全国年节及纪念日放假办法》 (国务院令第795号, in force
# since 2025-01-01): 元旦 1 January, 劳动节 1–2 May, 国庆节 1–3 October. A year the table lacks is still counted
# without them; the lunar ones (春节, 清明, 端午, 中秋) and the make-up days need the year's notice.
FIXED_DATE_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


def _provisionally_working(day):
    """Whether ``day`` of a year not yet in the table is a working day: Monday to Friday, not a fixed holiday."""
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_DATE_HOLIDAYS


@dataclass(frozen=True)
class DueDate:
    """A date counted on the working-day calendar; ``provisional`` when a year it crosses is not in the table."""

    date: datetime.date
    provisional: bool = False


def _calendar(first_year, last_year):
    """Return ``(holidays, makeup_workdays, covered_years)`` for the years given: one query."""
    holidays, workdays, years = set(), set(), set()
    rows = CalendarDay.objects.filter(date__year__gte=first_year, date__year__lte=last_year).values_list("date", "kind")
    for date, kind in rows:
        years.add(date.year)
        (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(date)
    return holidays, workdays, years


def working_day_add(start, n):
    """Return the ``DueDate`` that is the ``n``-th working day after ``start`` (``start`` itself not counted).

    This is how a promised time limit runs: a case accepted on ``start``
    with a limit of ``n`` working days is due by the end of the returned day.
    ``n`` = 0 returns ``start``. Never raises for a year missing from the
    table: that year is counted Monday to Friday and the result is marked
    provisional.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return DueDate(start, provisional=False)
    # Even the longest Chinese break (about 9 days off per 5 working days) stays within this bound.
    horizon = start + datetime.timedelta(days=n * 2 + 30)
    holidays, workdays, covered = _calendar(start.year, horizon.year)
    day, counted, provisional = start, 0, False
    while counted < n:
        day += datetime.timedelta(days=1)
        if day.year not in covered:
            provisional = True
            working = _provisionally_working(day)
        else:
            working = day in workdays or (day.weekday() < 5 and day not in holidays)
        if working:
            counted += 1
    return DueDate(day, provisional=provisional)


def is_working_day(day):
    """Return ``(working, provisional)`` for one date: one query."""
    holidays, workdays, covered = _calendar(day.year, day.year)
    if day.year not in covered:
        return _provisionally_working(day), True
    return day in workdays or (day.weekday() < 5 and day not in holidays), False


def promised_due_date(value, unit, *, start=None):
    """Return the ``DueDate`` of a promised limit started on ``start`` (today by default), or None.

    ``unit`` is a ``services.models.TimeUnit`` value: "working_days" runs on
    this calendar, "days" are calendar days; "on the spot" or no value gives
    None (nothing to count).
    """
    if value is None:
        return None
    start = start or timezone.localdate()
    if unit == "working_days":
        return working_day_add(start, value)
    if unit == "days":
        return DueDate(start + datetime.timedelta(days=value))
    return None
