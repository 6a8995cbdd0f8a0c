"""The county–township liaison table of a township (the duty boards show items: they are services' pages)."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.caching import public_page
from portal.models import Township
from staff.models import Liaison
from staff.whereabouts import absences_mark
from staff.whereabouts import township_board as whereabouts_board


def _title(label, township):
    return _("%(label)s｜%(township)s便民服务") % {"label": label, "township": township.name}


def _liaison_index(rows, by_department):
    """The table's index, so a 16,000 px page opens with where to jump.

    By department: ``[(department, row count)]``; by post: ``[(office, [posts])]``
    in the order the rows come (no extra query: the rows carry both sides).
    """
    if by_department:
        counts = {}
        for row in rows:
            counts.setdefault(row.department, 0)
            counts[row.department] += 1
        return list(counts.items())
    offices = {}
    for row in rows:
        posts = offices.setdefault(row.post.office, [])
        if row.post not in posts:
            posts.append(row.post)
    return list(offices.items())


@require_safe
@public_page(reads=("by",))
def liaison_table(request, township):
    """The county–township liaison table, by township post (default) or by county department (``?by=department``)."""
    township = get_object_or_404(Township.objects.select_related("county"), slug=township)
    by_department = request.GET.get("by") == "department"
    rows = Liaison.objects.of_township(township).with_both_sides()
    if by_department:
        rows = rows.by_department()
    rows = list(rows)
    absences_mark([holder.staff for row in rows for holder in row.post.public_holders])
    context = {
        "township": township,
        "rows": rows,
        "index": _liaison_index(rows, by_department),
        "by_department": by_department,
        "page_title": _title(_("县乡工作对接联系表"), township),
    }
    return render(request, "staff/liaison_table.html", context)


@require_safe
@public_page()  # dated like every page: who is away changes with the date, not only with a save
def whereabouts(request, township):
    """去向牌: who is in today and who is away, why and until when."""
    township = get_object_or_404(Township.objects.select_related("county"), slug=township)
    in_today, away = whereabouts_board(township)
    context = {
        "township": township,
        "in_today": in_today,
        "away": away,
        "today": timezone.localdate(),
        "page_title": _title(_("去向牌"), township),
    }
    return render(request, "staff/whereabouts.html", context)
