"""Supervision pages inside the admin: the county table, a township's month, the bulletin and its xlsx."""

from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from feedback.models import Case, Enquiry, Rating
from portal.models import County, QRScanDay
from portal.scoping import townships_for
from search.models import SearchDay
from services.models import ServiceItem
from staff.models import Liaison, Staff
from supervision import table as tables
from supervision.export import workbook_bytes
from supervision.periods import MONTH, QUARTER, YEAR, Period


def url(name, **kwargs):
    """The address of a supervision page (the one place that knows how they are named)."""
    return reverse(f"admin:{name}", kwargs=kwargs)


def _period(request):
    return Period.parse(request.GET.get("period"))


def _county_and_townships(request):
    """The county shown and its townships the account may view (a clerk: only their own)."""
    visible = townships_for(request.user, "view").select_related("county")
    counties = County.objects.filter(pk__in=visible.values("county")).order_by("name")
    if not counties:
        raise PermissionDenied(_("这个账号还没有分配乡镇或县（区）。"))
    chosen = request.GET.get("county")
    county = next((c for c in counties if str(c.pk) == chosen), counties[0])
    return county, list(counties), list(visible.filter(county=county).order_by("name"))


def _period_links(request, period):
    today = timezone.localdate()
    this = {
        MONTH: Period.month(today.year, today.month),
        QUARTER: Period.quarter(today.year, (today.month - 1) // 3 + 1),
        YEAR: Period.year(today.year),
    }
    query = request.GET.copy()

    def link(p):
        query["period"] = p.key
        return {"label": p.label, "href": "?" + query.urlencode(), "current": p == period}

    return {
        "previous": link(period.previous()),
        "next": link(period.next()),
        "kinds": [
            link(this[MONTH].previous()),
            link(this[MONTH]),
            link(this[QUARTER].previous()),
            link(this[QUARTER]),
            link(this[YEAR].previous()),
            link(this[YEAR]),
        ],
    }


def table_page(request):
    """Every township of the county for the chosen period, sortable with ``?o=``, weakest values marked."""
    county, counties, townships = _county_and_townships(request)
    period = _period(request)
    order = request.GET.get("o", "")
    table = tables.table_build(townships, period, order=order)
    query = request.GET.copy()
    headers = []
    for column in table.columns:
        query["o"] = "-" + column.key if order == column.key else column.key
        headers.append(
            {
                "column": column,
                "href": "?" + query.urlencode(),
                "sorted": order.lstrip("-") == column.key,
                "descending": order.startswith("-"),
            }
        )
    for row in table.rows:
        row.href = url("supervision_township", township=row.township.slug) + "?" + urlencode({"period": period.key})
    base = urlencode({"period": period.key, "county": county.pk})
    context = {
        **admin.site.each_context(request),
        "title": _("督查考核：%(county)s %(period)s") % {"county": county.name, "period": period.label},
        "county": county,
        "counties": counties,
        "period": period,
        "periods": _period_links(request, period),
        "table": table,
        "headers": headers,
        "groups": _groups(table.columns),
        "bulletin_href": url("supervision_bulletin") + "?" + base,
        "xlsx_href": url("supervision_xlsx") + "?" + base,
    }
    return TemplateResponse(request, "admin/supervision/table.html", context)


def _groups(columns):
    groups = []
    for column in columns:
        if groups and groups[-1][0] == column.group:
            groups[-1][1] += 1
        else:
            groups.append([column.group, 1])
    return groups


def township_page(request, township):
    """One township's month (or quarter, or year): every figure, each linking to the rows behind it."""
    visible = townships_for(request.user, "view").select_related("county")
    township = get_object_or_404(visible, slug=township)
    period = _period(request)
    detail = tables.details([township], period)[township.pk]
    context = {
        **admin.site.each_context(request),
        "title": _("%(township)s %(period)s 工作情况") % {"township": township.name, "period": period.label},
        "township": township,
        "period": period,
        "periods": _period_links(request, period),
        "d": detail,
        "links": row_links(request, township, period),
        "state_is_live": not period.is_closed(),
        "table_href": url("supervision_table") + "?" + urlencode({"period": period.key, "county": township.county_id}),
    }
    return TemplateResponse(request, "admin/supervision/township.html", context)


def _changelist(request, model, **query):
    model_admin = admin.site._registry.get(model)
    if model_admin is None or not model_admin.has_view_permission(request):
        return None
    try:
        base = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    except NoReverseMatch:
        return None
    return base + "?" + urlencode(query)


def row_links(request, township, period):
    """``{figure key: admin changelist address}`` of the rows a figure counts, where the account may see them."""
    last = period.last_day.isoformat()
    first = period.start.isoformat()
    received = {"created_at__date__gte": first, "created_at__date__lte": last, "township__id__exact": township.pk}
    closed = {"closed_at__date__gte": first, "closed_at__date__lte": last, "township__id__exact": township.pk}
    links = {
        "scans": _changelist(
            request, QRScanDay, day__gte=first, day__lte=last, qr_code__township__id__exact=township.pk
        ),
        "searches": _changelist(request, SearchDay, day__gte=first, day__lte=last, township__id__exact=township.pk),
        "searches_without_result": _changelist(
            request, SearchDay, day__gte=first, day__lte=last, township__id__exact=township.pk, misses__gt=0
        ),
        "enquiries_received": _changelist(request, Enquiry, **received),
        "enquiries_answered": _changelist(request, Enquiry, outcome="answered", **received),
        "reports_received": _changelist(request, Case, kind="report", **received),
        "reports_fixed": _changelist(request, Case, kind="report", status="done", **closed),
        "requests_received": _changelist(request, Case, kind="request", **received),
        "requests_declined": _changelist(request, Case, kind="request", status="declined", **received),
        "ratings_total": _changelist(request, Rating, **received),
        "ratings_poor": _changelist(request, Rating, level__in="4,5", **received),
        # The lists filter as of today, as the requests figures count (the township page counts as of today).
        "requests_on_time": _changelist(request, Case, kind="request", timeliness="on_time", **received),
        "requests_overdue": _changelist(request, Case, kind="request", timeliness="overdue", **received),
        "ratings_followed_in_time": _changelist(request, Rating, followed_up="in_time", **received),
        "ratings_followup_missed": _changelist(request, Rating, followed_up="missed", **received),
    }
    for service in ("proxy", "appointment", "home_visit"):
        links[f"requests_{service}"] = _changelist(request, Case, kind="request", service=service, **received)
    for level in range(1, 6):
        links[f"ratings_{level}"] = _changelist(request, Rating, level=level, **received)
    if not period.is_closed():
        # The lists as they are now: only an open period's state figures are counted live. A closed one's
        # were kept at its end (MonthlyFigures), and today's list would not add up to them.
        links["items_past_check"] = _changelist(
            request, ServiceItem, in_force="yes", checked="stale", township__id__exact=township.pk
        )
        links["phones_past_check"] = _changelist(request, Staff, phone_checked="stale", township__id__exact=township.pk)
        links["liaisons_unconfirmed"] = _changelist(
            request, Liaison, confirmed="stale", post__township__id__exact=township.pk
        )
    return links


def _bulletin_scope(request):
    county, _counties, townships = _county_and_townships(request)
    period = _period(request)
    return county, townships, period


def bulletin(request):
    """The bulletin (通报) to print: the county table, then one A4 page per township."""
    county, townships, period = _bulletin_scope(request)
    table = tables.table_build(townships, period, order=request.GET.get("o", ""))
    f_details = tables.details(townships, period, f=table.figures)
    issuer = (request.GET.get("issuer") or "").strip()[:60] or county.name
    issued_on = timezone.localdate()
    context = {
        "county": county,
        "period": period,
        "table": table,
        "groups": _groups(table.columns),
        "pages": [(t, f_details[t.pk]) for t in townships],
        "issuer": issuer,
        "issued_on": issued_on,
        # A period still running is counted up to the day the bulletin is printed, and says so.
        "counted_until": issued_on if period.start <= issued_on <= period.last_day else None,
        "state_is_live": not period.is_closed(),
    }
    return TemplateResponse(request, "print/supervision_bulletin.html", context)


def xlsx(request):
    """The county table as an xlsx: the same figures as the page and the bulletin."""
    county, townships, period = _bulletin_scope(request)
    table = tables.table_build(townships, period, order=request.GET.get("o", ""))
    content = workbook_bytes(table, title=f"{county.name} {period.label} 督查考核数据")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"{county.name}{period.label}督查考核数据.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
