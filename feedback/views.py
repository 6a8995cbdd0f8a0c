"""Residents talk back: report wrong information, ask for help, check a request, rate the service.

Every page here is ``never_cache``: the forms carry a CSRF token (set on the
GET, so a fresh session posts fine), and the status page shows a resident's
own case. Every POST passes ``abuse.refusal`` first: an oversize or over-limit
submission gets a polite page and nothing is stored.
"""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from feedback import abuse
from feedback.cases import case_find, rating_submit, report_submit, request_submit
from feedback.forms import RatingForm, ReportForm, RequestForm, StatusForm
from feedback.models import About, RatingChannel, Service
from portal.models import Township, Village
from portal.scans import came_by_scan
from services.models import CertificateRule, ServiceItem
from staff.models import Liaison, Office, Post, Window

# Which rows a report "about" a kind of page may point at; each limited to the township in the address.
TARGETS = {
    About.ITEM: lambda t: ServiceItem.objects.filter(township=t),
    About.OFFICE: lambda t: Office.objects.filter(township=t),
    About.WINDOW: lambda t: Window.objects.filter(township=t),
    About.POST: lambda t: Post.objects.filter(township=t),
    About.VILLAGE: lambda t: Village.objects.filter(township=t),
    # A county-wide rule shows on every township's board: reported to the township whose board it was.
    About.CERTIFICATE: lambda t: CertificateRule.objects.for_township(t),
    About.LIAISON: lambda t: Liaison.objects.filter(post__township=t),
}


def _title(label, township):
    return _("%(label)s｜%(township)s便民服务") % {"label": label, "township": township.name}


def _get_township(slug):
    return get_object_or_404(Township.objects.select_related("county"), slug=slug)


def _target(township, about, pk):
    if about not in TARGETS:
        raise Http404
    if pk is None:
        return None
    return get_object_or_404(TARGETS[about](township), pk=pk)


@never_cache
@require_http_methods(["GET", "POST"])
def report(request, township, about, pk=None):
    """信息有误？ A short form from any page; the report lands in the township's queue."""
    if request.method == "POST" and (refused := abuse.refusal(request, township)):
        return refused
    township = _get_township(township)
    target = _target(township, about, pk)
    form = ReportForm()
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_bot():
            return _received(request, township, reference=None)
        if form.is_valid():
            case = report_submit(township=township, about=about, target=target, **_fields(form, ReportForm))
            abuse.submission_counted(request)
            return _received(request, township, reference=case.reference, kind="report")
    context = {
        "township": township,
        "page_title": _title(_("信息有误？"), township),
        "form": form,
        "target": target,
        "about_label": About(about).label,
        "back_url": target.get_absolute_url() if hasattr(target, "get_absolute_url") else None,
    }
    return render(request, "feedback/report.html", context)


def _fields(form, form_class):
    return {name: value for name, value in form.cleaned_data.items() if name != "website"}


def _received(request, township, *, reference, kind="report", item=None, poor=False):
    """Redirect to the receipt: a reload or "back" on a phone then shows it again instead of posting again.

    A honeypot hit gets the same receipt with no number; the bot learns nothing, nothing is stored.
    """
    query = {"kind": kind}
    if reference:
        query["ref"] = reference
    if item is not None:
        query["item"] = item.pk
    if poor:
        query["poor"] = "1"
    return redirect(reverse("feedback_received", kwargs={"township": township.slug}) + "?" + urlencode(query))


@never_cache
@require_safe
def received(request, township):
    """The receipt of a report, a request or a rating: what happens next, and the reference to look it up by.

    Built from the address alone (a reference is no secret without the phone's last four digits).
    """
    township = _get_township(township)
    kind = request.GET.get("kind", "report")
    reference = request.GET.get("ref", "")
    reference = reference if reference.isdigit() and len(reference) <= 12 else None
    item_pk = request.GET.get("item", "")
    item = ServiceItem.objects.filter(township=township, pk=item_pk).first() if item_pk.isdigit() else None
    if kind == "rating":
        context = {"township": township, "page_title": _title(_("谢谢您的评价"), township), "item": item}
        return render(request, "feedback/rated.html", {**context, "poor": request.GET.get("poor") == "1"})
    context = {
        "township": township,
        "page_title": _title(_("已收到"), township),
        "reference": reference,
        "kind": "request" if kind == "request" else "report",
        "item": item,
    }
    return render(request, "feedback/received.html", context)


def _services_offered(item):
    offered = []
    if item.proxy_offered:
        offered.append(Service.PROXY)
    offered.append(Service.APPOINTMENT)
    if item.home_visit_offered:
        offered.append(Service.HOME_VISIT)
    return offered


@never_cache
@require_http_methods(["GET", "POST"])
def request_service(request, township, pk):
    """Ask for 帮代办, 预约 or 上门办 for an item; the answer is a reference number for the status page."""
    if request.method == "POST" and (refused := abuse.refusal(request, township)):
        return refused
    township = _get_township(township)
    item = get_object_or_404(ServiceItem.objects.filter(township=township), pk=pk)
    if not item.is_available:
        raise Http404
    services = _services_offered(item)
    form = RequestForm(services=services, initial={"service": request.GET.get("service")})
    if request.method == "POST":
        form = RequestForm(request.POST, services=services)
        if form.is_bot():
            return _received(request, township, reference=None, kind="request")
        if form.is_valid():
            case = request_submit(township=township, item=item, **_fields(form, RequestForm))
            abuse.submission_counted(request)
            return _received(request, township, reference=case.reference, kind="request", item=item)
    context = {
        "township": township,
        "page_title": _title(_("申请帮代办、预约、上门办"), township),
        "form": form,
        "item": item,
    }
    return render(request, "feedback/request.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def rate_item(request, township, pk):
    """好差评 of an item: by 二维码 when the browser came to the item's page from a printed code, else 网页."""
    if request.method == "POST" and (refused := abuse.refusal(request, township)):
        return refused
    township = _get_township(township)
    item = get_object_or_404(ServiceItem.objects.filter(township=township), pk=pk)
    scanned = request.GET.get("channel") == "qr" or came_by_scan(request, item.get_absolute_url())
    channel = RatingChannel.QR if scanned else RatingChannel.WEB
    form = RatingForm(initial={"channel": channel})
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_bot():
            return _rated(request, township, poor=False)
        if form.is_valid():
            data = form.cleaned_data
            rating = rating_submit(
                township=township,
                item=item,
                level=data["level"],
                channel=data["channel"],
                comment=data["comment"],
                phone=data["phone"],
            )
            abuse.submission_counted(request)
            return _rated(request, township, poor=rating.is_poor, item=item)
    context = {
        "township": township,
        "page_title": _title(_("评价：%(item)s") % {"item": item.name}, township),
        "form": form,
        "item": item,
    }
    return render(request, "feedback/rate.html", context)


def _rated(request, township, *, poor, item=None):
    return _received(request, township, reference=None, kind="rating", item=item, poor=poor)


@never_cache
@require_http_methods(["GET", "POST"])
def status(request, township):
    """查询进度: the steps of one request, found by its number and the last four digits of its phone.

    Looked up by POST, so the phone digits stay out of addresses and logs. An
    unknown number and a wrong suffix get the same answer.
    """
    if request.method == "POST" and (refused := abuse.refusal(request, township, group=abuse.LOOKUP)):
        return refused
    township = _get_township(township)
    form = StatusForm(initial={"reference": request.GET.get("ref", "")[:12]})
    case = None
    not_found = False
    if request.method == "POST":
        form = StatusForm(request.POST)
        if form.is_valid():
            case = case_find(township=township, **form.cleaned_data)
            not_found = case is None
    return _status_page(request, township, form, case, not_found)


def _status_page(request, township, form, case, not_found, rating_form=None):
    rateable = case is not None and case.status == "done" and not hasattr(case, "rating")
    context = {
        "township": township,
        "page_title": _title(_("查询办理进度"), township),
        "form": form,
        "case": case,
        "events": list(case.events.all()) if case else [],
        "not_found": not_found,
        "rating_form": rating_form or (RatingForm(ask_phone=False) if rateable else None),
    }
    return render(request, "feedback/status.html", context)


@never_cache
@require_http_methods(["POST"])
def rate_case(request, township):
    """好差评 of a finished request, posted from its status page with the number and phone suffix again."""
    if refused := abuse.refusal(request, township, group=abuse.LOOKUP):
        return refused
    township = _get_township(township)
    lookup = StatusForm(request.POST)
    case = case_find(township=township, **lookup.cleaned_data) if lookup.is_valid() else None
    if case is None:
        return _status_page(request, township, lookup, None, True)
    form = RatingForm(request.POST, ask_phone=False)
    if form.is_bot():
        return _rated(request, township, poor=False)
    if form.is_valid():
        data = form.cleaned_data
        try:
            rating = rating_submit(
                township=township, case=case, level=data["level"], channel=RatingChannel.WEB, comment=data["comment"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _rated(request, township, poor=rating.is_poor, item=case.item)
    return _status_page(request, township, lookup, case, False, rating_form=form)
