"""The queue's counts per township, inside the admin: what a county reviewer sees instead of the cases."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from feedback.queue import counts_for_user
from portal import scoping


def counts(request):
    """Counts of new, open, overdue and closed cases and of ratings, per township; no names, no phones."""
    if scoping.scope_of(request.user).kind == scoping.NONE:
        raise PermissionDenied(_("这个账号还没有分配乡镇或县（区）。"))
    context = {
        **admin.site.each_context(request),
        "title": _("群众反馈与申请：各乡镇统计"),
        "rows": counts_for_user(request.user),
    }
    return TemplateResponse(request, "admin/feedback/counts.html", context)
