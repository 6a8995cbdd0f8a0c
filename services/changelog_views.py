"""The public 更新记录 page of a township: dated versions of its service catalogue and of each list."""

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.models import Township
from services.changelog import catalogue_changes, certificate_changes, list_changes


@require_safe
def changelog(request, township):
    """What was added, withdrawn or merged, and when: 6 queries (township, items, item history, lists,
    entry history, certificate history)."""
    township = get_object_or_404(Township.objects.select_related("county"), slug=township)
    versions, total, upcoming = catalogue_changes(township)
    context = {
        "township": township,
        "versions": versions,
        "total": total,
        "upcoming": upcoming,
        "lists": list_changes(township),
        "certificates": certificate_changes(township),
        "page_title": _("更新记录｜%(township)s便民服务") % {"township": township.name},
        "page_description": _("%(township)s服务事项和各类清单的更新记录：何时新增、取消、合并了哪些事项。")
        % {"township": township.name},
    }
    return render(request, "services/changelog.html", context)
