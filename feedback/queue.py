"""Counts of the queue: new and overdue for a clerk, per township for the county. No personal data."""

import datetime

from django.db.models import Avg, Count, Q
from django.utils import timezone

from feedback.models import CLOSED, POOR_LEVELS, Case, Kind, Rating, Status
from portal import scoping


def _open():
    return ~Q(status__in=CLOSED)


def township_counts(townships, *, today=None):
    """Return one row per township: its name and slug, and the numbers of its cases and ratings.

    Two queries whatever the number of townships (cases, ratings), each grouped by township.
    """
    today = today or timezone.localdate()
    townships = list(townships)
    month_ago = timezone.now() - datetime.timedelta(days=30)
    ids = [t.pk for t in townships]
    cases = {
        row["township_id"]: row
        for row in Case.objects.filter(township_id__in=ids)
        .values("township_id")
        .annotate(
            total=Count("pk"),
            new=Count("pk", filter=Q(status=Status.NEW)),
            open=Count("pk", filter=_open()),
            overdue=Count("pk", filter=_open() & Q(due_on__lt=today)),
            closed_30=Count("pk", filter=Q(status__in=CLOSED, closed_at__gte=month_ago)),
            reports=Count("pk", filter=Q(kind=Kind.REPORT)),
            requests=Count("pk", filter=Q(kind=Kind.REQUEST)),
            followups=Count("pk", filter=Q(kind=Kind.FOLLOWUP)),
            enquiries=Count("pk", filter=Q(kind=Kind.ENQUIRY)),
        )
        .order_by()
    }
    ratings = {
        row["township_id"]: row
        for row in Rating.objects.filter(township_id__in=ids)
        .values("township_id")
        .annotate(ratings=Count("pk"), poor=Count("pk", filter=Q(level__in=POOR_LEVELS)), average=Avg("level"))
        .order_by()
    }
    empty_cases = dict.fromkeys(
        ("total", "new", "open", "overdue", "closed_30", "reports", "requests", "followups", "enquiries"), 0
    )
    rows = []
    for township in townships:
        row = {"township": township, **empty_cases, **cases.get(township.pk, {})}
        rating = ratings.get(township.pk, {})
        row["ratings"] = rating.get("ratings", 0)
        row["poor"] = rating.get("poor", 0)
        row["average"] = rating.get("average")
        rows.append(row)
    return rows


def counts_for_user(user, *, today=None):
    """Return the count rows of the townships the account may see (its own, its county's, or all)."""
    townships = scoping.townships_for(user).order_by("county__name", "name")
    return township_counts(townships, today=today)
