"""The clerk's board in the admin (/admin/board/): stale and incomplete rows of one township, each linked."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from portal import scoping
from portal.models import Township
from services.board import township_board


def _townships_for(request):
    """Return the township to show and the others the account may switch to (none for a clerk)."""
    scope = scoping.scope_of(request.user)
    if scope.is_clerk:
        return Township.objects.select_related("county").get(pk=scope.township_id), []
    if scope.kind == scoping.NONE:
        raise PermissionDenied(_("这个账号还没有分配乡镇或县（区）。"))
    townships = list(scoping.townships_for(request.user).select_related("county").order_by("name"))
    slug = request.GET.get("township")
    chosen = next((t for t in townships if t.slug == slug), townships[0] if townships else None)
    return chosen, townships


def board(request):
    township, townships = _townships_for(request)
    context = {
        **admin.site.each_context(request),
        "title": _("工作台"),
        "township": township,
        "townships": townships,
        "board": township_board(township) if township is not None else None,
    }
    return TemplateResponse(request, "admin/services/board.html", context)
