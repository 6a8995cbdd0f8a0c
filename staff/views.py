"""The county–township liaison table of a township (the duty boards show items: they are services' pages)."""

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.caching import public_page
from portal.models import Township
from staff.models import Liaison


def _title(label, township):
    return _("%(label)s｜%(township)s便民服务") % {"label": label, "township": township.name}


@require_safe
@public_page(reads=("by",))
def liaison_table(request, township):
    """The county–township liaison table, by township post (default) or by county department (``?by=department``)."""
    township = get_object_or_404(Township.objects.select_related("county"), slug=township)
    by_department = request.GET.get("by") == "department"
    rows = Liaison.objects.of_township(township).with_both_sides()
    if by_department:
        rows = rows.by_department()
    context = {
        "township": township,
        "rows": list(rows),
        "by_department": by_department,
        "page_title": _title(_("县乡工作对接联系表"), township),
    }
    return render(request, "staff/liaison_table.html", context)
