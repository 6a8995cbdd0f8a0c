"""The county oversight page in the admin (/admin/oversight/): for county reviewers and superusers."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from portal import scoping
from portal.models import County
from staff.oversight import county_oversight, oversight_workbook


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
        filename = f"oversight-{county.slug}-{report.today:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    context = {
        **admin.site.each_context(request),
        "title": _("县乡对接总览"),
        "report": report,
        "county": county,
        "counties": counties,
    }
    return TemplateResponse(request, "admin/staff/oversight.html", context)
