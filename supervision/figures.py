"""The supervision figures: one function per figure, over many townships at once.

Every function takes ``(townships, period)`` -- a queryset or list of
townships and a ``Period`` -- and returns ``{township id: value}`` computed with
a fixed number of queries whatever the number of townships (one ``GROUP BY
township`` each). The township page, the county table, the bulletin and the
xlsx all call these; none counts on its own.

Figures that count events (a case received, closed, a rating, a scan) read
timestamps that are written once (``created_at``, ``closed_at``, a scan's day),
so a closed month counted again gives the same numbers. Figures describing the
state of the lists (items and phones past their check date, liaison rows not
confirmed) are read live for the current period and from ``MonthlyFigures``
(written by ``close_month``) for closed ones.

Searches are counted per township and day as residents make them
(``search.SearchDay``), apart from the clerk's list of missed words, which
shrinks when a miss is fixed: the figures read the day counts only.
"""

import datetime
import statistics

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from feedback.models import (
    POOR_LEVELS,
    Case,
    Kind,
    Level,
    Rating,
    Service,
    Status,
    done_on_time_q,
    followed_in_time_q,
    followup_missed_q,
    late_q,
)
from portal.models import QRScanDay
from search.models import SearchDay
from services.models import ServiceItem
from staff.models import Liaison, Staff
from supervision.models import MonthlyFigures


def _ids(townships):
    return [t.pk for t in townships]


def _zero(ids, value=0):
    return {pk: value for pk in ids}


def _received(period):
    return Q(created_at__gte=period.start_at(), created_at__lt=period.end_at())


def _closed_in(period):
    return Q(closed_at__gte=period.start_at(), closed_at__lt=period.end_at())


# --- scans --------------------------------------------------------------------------------------


def scans(townships, period):
    """Scans of the township's codes on days of the period."""
    ids = _ids(townships)
    out = _zero(ids)
    rows = (
        QRScanDay.objects.filter(qr_code__township__in=ids, day__gte=period.start, day__lt=period.end)
        .values("qr_code__township")
        .annotate(total=Sum("count"))
        .order_by()
    )
    for row in rows:
        out[row["qr_code__township"]] = row["total"] or 0
    return out


def scans_by_code(townships, period):
    """``[(code, placement, scans)]`` per township, most scanned first (codes never scanned left out)."""
    ids = _ids(townships)
    out = {pk: [] for pk in ids}
    rows = (
        QRScanDay.objects.filter(qr_code__township__in=ids, day__gte=period.start, day__lt=period.end)
        .values("qr_code__township", "qr_code__code", "qr_code__placement")
        .annotate(total=Sum("count"))
        .order_by("-total", "qr_code__placement", "qr_code__code")
    )
    for row in rows:
        out[row["qr_code__township"]].append((row["qr_code__code"], row["qr_code__placement"], row["total"]))
    return out


def scans_by_month(townships, period):
    """``{month start: scans}`` per township, every month of the period present."""
    ids = _ids(townships)
    out = {pk: {m.start: 0 for m in period.months()} for pk in ids}
    rows = (
        QRScanDay.objects.filter(qr_code__township__in=ids, day__gte=period.start, day__lt=period.end)
        .annotate(month=TruncMonth("day"))
        .values("qr_code__township", "month")
        .annotate(total=Sum("count"))
        .order_by()
    )
    for row in rows:
        out[row["qr_code__township"]][_as_date(row["month"])] = row["total"] or 0
    return out


def _as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


# --- searches -----------------------------------------------------------------------------------


def searches(townships, period):
    """Residents' searches on days of the period (``total``) and those that found nothing (``without_result``)."""
    ids = _ids(townships)
    out = {pk: {"total": 0, "without_result": 0} for pk in ids}
    rows = (
        SearchDay.objects.filter(township__in=ids, day__gte=period.start, day__lt=period.end)
        .values("township")
        .annotate(total=Sum("searches"), without_result=Sum("misses"))
        .order_by()
    )
    for row in rows:
        out[row["township"]] = {"total": row["total"] or 0, "without_result": row["without_result"] or 0}
    return out


# --- enquiries and reports ----------------------------------------------------------------------


def enquiries(townships, period):
    """Enquiries recorded (``received``) and answered on the spot (``answered``)."""
    ids = _ids(townships)
    out = {pk: {"received": 0, "answered": 0} for pk in ids}
    rows = (
        Case.objects.filter(_received(period), township__in=ids, kind=Kind.ENQUIRY)
        .values("township")
        .annotate(received=Count("pk"), answered=Count("pk", filter=Q(outcome="answered")))
        .order_by()
    )
    for row in rows:
        out[row["township"]] = {"received": row["received"], "answered": row["answered"]}
    return out


def reports(townships, period):
    """Reports received in the period, fixed (closed as done) in it, and the median days from receipt to fix."""
    ids = _ids(townships)
    out = {pk: {"received": 0, "fixed": 0, "median_days": None, "days": []} for pk in ids}
    received = (
        Case.objects.filter(_received(period), township__in=ids, kind=Kind.REPORT)
        .values("township")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in received:
        out[row["township"]]["received"] = row["n"]
    fixed = Case.objects.filter(_closed_in(period), township__in=ids, kind=Kind.REPORT, status=Status.DONE).values_list(
        "township", "created_at", "closed_at"
    )
    for township_id, created_at, closed_at in fixed.order_by():
        out[township_id]["days"].append((closed_at - created_at).total_seconds() / 86400)
    for value in out.values():
        value["fixed"] = len(value["days"])
        value["median_days"] = median_days(value["days"])
    return out


def median_days(days):
    """The median of a list of durations in days, to one decimal; None for an empty list."""
    return round(statistics.median(days), 1) if days else None


# --- requests -----------------------------------------------------------------------------------


def _request_counts(today):
    return {
        "received": Count("pk"),
        "on_time": Count("pk", filter=done_on_time_q()),
        # Not closed (done or declined) by its due date, once that date has passed. Closing late keeps it
        # overdue, so the figure only grows until the period's last due date and then stays.
        "overdue": Count("pk", filter=late_q(today)),
        "declined": Count("pk", filter=Q(status=Status.DECLINED)),
    }


REQUEST_FIGURES = ("received", "on_time", "overdue", "declined")


def requests(townships, period, today=None):
    """Requests received in the period, by kind of service and in all: received, done on time, overdue, declined.

    ``{township id: {"all": {...}, "proxy": {...}, "appointment": {...}, "home_visit": {...}}}``.
    """
    today = today or timezone.localdate()
    ids = _ids(townships)
    out = {pk: {key: dict.fromkeys(REQUEST_FIGURES, 0) for key in ("all", *Service.values)} for pk in ids}
    rows = (
        Case.objects.filter(_received(period), township__in=ids, kind=Kind.REQUEST)
        .values("township", "service")
        .annotate(**_request_counts(today))
        .order_by()
    )
    for row in rows:
        figures = out[row["township"]]
        for name in REQUEST_FIGURES:
            figures[row["service"]][name] = row[name]
            figures["all"][name] += row[name]
    return out


def requests_by_month(townships, period):
    """``{month start: requests received}`` per township, every month of the period present."""
    ids = _ids(townships)
    out = {pk: {m.start: 0 for m in period.months()} for pk in ids}
    rows = (
        Case.objects.filter(_received(period), township__in=ids, kind=Kind.REQUEST)
        .annotate(month=TruncMonth("created_at"))
        .values("township", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        out[row["township"]][_as_date(row["month"])] = row["n"]
    return out


# --- ratings ------------------------------------------------------------------------------------


def ratings(townships, period, today=None):
    """Ratings given in the period by level (1..5), in all, poor ones, and poor ones followed up in time or missed.

    A poor rating is followed up in time when its follow-up case was closed as done on or before its due date,
    and missed once that date is before ``today`` (default: today) without the case closed by it. One still
    open and not yet due is neither.
    """
    ids = _ids(townships)
    today = today or timezone.localdate()
    blank = {**{level: 0 for level in Level.values}, "total": 0, "poor": 0, "followed_in_time": 0, "followup_missed": 0}
    out = {pk: dict(blank) for pk in ids}
    in_time = followed_in_time_q()
    rows = (
        Rating.objects.filter(township__in=ids, created_at__gte=period.start_at(), created_at__lt=period.end_at())
        .values("township")
        .annotate(
            total=Count("pk"),
            poor=Count("pk", filter=Q(level__in=POOR_LEVELS)),
            followed_in_time=Count("pk", filter=in_time),
            followup_missed=Count("pk", filter=followup_missed_q(today)),
            **{f"level_{level}": Count("pk", filter=Q(level=level)) for level in Level.values},
        )
        .order_by()
    )
    for row in rows:
        figures = out[row["township"]]
        figures.update(
            total=row["total"],
            poor=row["poor"],
            followed_in_time=row["followed_in_time"],
            followup_missed=row["followup_missed"],
        )
        for level in Level.values:
            figures[level] = row[f"level_{level}"]
    return out


# --- the state of the lists ---------------------------------------------------------------------

STATE_FIGURES = ("items_past_check", "phones_past_check", "liaisons_unconfirmed")


def _cutoff(on):
    return on - datetime.timedelta(days=settings.PORTAL_STALE_AFTER_DAYS)


def _grouped(queryset, field):
    return dict(queryset.values(field).annotate(n=Count("pk")).order_by().values_list(field, "n"))


def items_past_check(townships, on=None):
    """Items in force not checked in the last ``PORTAL_STALE_AFTER_DAYS`` days, as of ``on`` (today)."""
    ids = _ids(townships)
    on = on or timezone.localdate()
    rows = _grouped(ServiceItem.objects.filter(township__in=ids).in_force().not_checked_since(_cutoff(on)), "township")
    return {pk: rows.get(pk, 0) for pk in ids}


def phones_past_check(townships, on=None):
    """Active staff whose phones nobody has rung in the last ``PORTAL_STALE_AFTER_DAYS`` days."""
    ids = _ids(townships)
    on = on or timezone.localdate()
    rows = _grouped(Staff.objects.filter(township__in=ids).phone_not_checked_since(_cutoff(on)), "township")
    return {pk: rows.get(pk, 0) for pk in ids}


def liaisons_unconfirmed(townships, on=None):
    """Liaison rows the county side has not confirmed in the last ``PORTAL_STALE_AFTER_DAYS`` days."""
    ids = _ids(townships)
    on = on or timezone.localdate()
    rows = _grouped(Liaison.objects.filter(post__township__in=ids).not_confirmed_since(_cutoff(on)), "post__township")
    return {pk: rows.get(pk, 0) for pk in ids}


LIVE_STATE = {
    "items_past_check": items_past_check,
    "phones_past_check": phones_past_check,
    "liaisons_unconfirmed": liaisons_unconfirmed,
}


def state(townships, period, today=None):
    """The lists' state at the period's end: live for an open period, from ``close_month`` for a closed one.

    ``{township id: {figure: n or None}}``; None where the month was never closed (no figure is invented).
    """
    ids = _ids(townships)
    if not period.is_closed(today):
        live = {name: function(townships) for name, function in LIVE_STATE.items()}
        return {pk: {name: live[name][pk] for name in STATE_FIGURES} for pk in ids}
    out = {pk: dict.fromkeys(STATE_FIGURES) for pk in ids}
    last_month = period.months()[-1].start
    for row in MonthlyFigures.objects.filter(township__in=ids, month=last_month).values("township", *STATE_FIGURES):
        out[row["township"]] = {name: row[name] for name in STATE_FIGURES}
    return out
