"""Writing a closed month's figures of state (see ``supervision.models``)."""

from django.db import transaction

from supervision import figures
from supervision.models import MonthlyFigures


@transaction.atomic
def month_close(townships, period, *, force=False):
    """Store today's figures of state as ``period``'s (a month) for ``townships``; return how many rows were written.

    A month already stored is kept as it is unless ``force``: the first count is the one that was reported.
    """
    townships = list(townships)
    live = {name: function(townships) for name, function in figures.LIVE_STATE.items()}
    rows = [
        MonthlyFigures(township=t, month=period.start, **{name: live[name][t.pk] for name in figures.STATE_FIGURES})
        for t in townships
    ]
    existing = set(MonthlyFigures.objects.filter(month=period.start).values_list("township", flat=True))
    if force:
        MonthlyFigures.objects.filter(month=period.start, township__in=[t.pk for t in townships]).delete()
    else:
        rows = [row for row in rows if row.township_id not in existing]
    MonthlyFigures.objects.bulk_create(rows)
    return len(rows)
