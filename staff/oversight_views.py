"""The county oversight page in the admin (/admin/oversight/): for county reviewers and superusers."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from portal import scoping
from portal.models import County
from staff.models import Liaison
from staff.oversight import county_oversight, liaisons_confirm, may_confirm, oversight_workbook


def _county_for(request):
    """Return the county the account oversees (a superuser picks one with ?county=), and the choices."""
    scope = scoping.scope_of(request.user)
    if scope.is_reviewer:
        return County.objects.get(pk=scope.county_id), []
    if not scope.is_all:
        raise PermissionDenied(_("只有县级审核员可以查看县乡对接总览。"))
    counties = list(County.objects.order_by("name"))
    chosen = next((c for c in counties if c.slug == request.GET.get("county")), counties[0] if counties else None)
    return chosen, counties


def oversight(request):
    """Every township × county department, and the gaps; ``?format=xlsx`` downloads the same as a workbook."""
    from django.contrib import admin

    county, counties = _county_for(request)
    report = county_oversight(county) if county is not None else None
    if report is not None and request.GET.get("format") == "xlsx":
        response = HttpResponse(
            oversight_workbook(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"{county.name}县乡对接总览-{report.today:%Y%m%d}.xlsx"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    context = {
        **admin.site.each_context(request),
        "title": _("县乡对接总览"),
        "report": report,
        "county": county,
        "counties": counties,
    }
    return TemplateResponse(request, "admin/staff/oversight.html", context)


def confirm_liaisons(request):
    """县级确认: a county reviewer ticks the liaison rows whose person and phone the county confirms today.

    Lists, per township, the rows without a standing confirmation. Nobody
    else may confirm: not a township clerk, not a superuser (the county's
    word is the reviewer's).
    """
    from django.contrib import admin

    scope = scoping.scope_of(request.user)
    if not scope.is_reviewer:
        raise PermissionDenied(_("只有县级审核员可以确认对接联系表。"))
    county = County.objects.get(pk=scope.county_id)
    if not may_confirm(request.user, county):
        raise PermissionDenied
    pending = (
        Liaison.objects.in_county(county)
        .unconfirmed()
        .select_related("post", "post__township", "department", "section")
        .order_by("post__township__name", "post__title", "department__name")
    )
    if request.method == "POST":
        chosen = [value for value in request.POST.getlist("row") if value.isdigit()]
        count = liaisons_confirm(rows=pending.filter(pk__in=chosen), user=request.user)
        messages.success(request, _("已确认 %(count)d 行。") % {"count": count})
        return redirect("admin:oversight_confirm")
    by_township = {}
    for row in pending:
        by_township.setdefault(row.post.township, []).append(row)
    context = {
        **admin.site.each_context(request),
        "title": _("县级确认：县乡对接联系表"),
        "county": county,
        "by_township": list(by_township.items()),
    }
    return TemplateResponse(request, "admin/staff/confirm_liaisons.html", context)
