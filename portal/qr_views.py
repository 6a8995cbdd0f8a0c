"""The printed codes' public side: the redirect, the images, the portal's print pages."""

import logging
from math import ceil
from urllib.parse import urlsplit

from django.db import DatabaseError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from portal import codes, scans
from portal.models import County, QRCode, Township

logger = logging.getLogger(__name__)

CODES_PER_SHEET = 12  # 3 columns × 4 rows on an A4 page


def _unknown_code(request, code, status=404):
    counties = County.objects.prefetch_related("townships")
    return render(request, "portal/qr_unknown.html", {"code": code, "counties": counties}, status=status)


@require_safe
@never_cache
def qr_redirect(request, code):
    """Send a scan to what the code points at now, in one 302, and count it.

    A 302 (not 301) and ``Cache-Control: no-store``: browsers and proxies must
    come back every time, or the count and any later re-pointing are lost.
    """
    qr = codes.find_code(code)
    if qr is None:
        return _unknown_code(request, code)
    if scans.should_count(request, qr):  # people, not link previewers, bots or the same phone again
        try:
            codes.count_scan(qr)
        except DatabaseError:
            # The resident still gets the page: a count is worth less than the way to the counter.
            logger.warning("scan of %s not counted", qr.code, exc_info=True)
    if not qr.active:
        return render(request, "portal/qr_inactive.html", {"qr": qr, "township": qr.township})
    destination = codes.destination_url(qr)
    # Cached pages ignore this cookie (only a session cookie bypasses them): it tells 好差评 its channel.
    return scans.scanned_remember(HttpResponseRedirect(destination), request, urlsplit(destination).path)


def _code_or_404(code):
    qr = codes.find_code(code)
    if qr is None:
        raise Http404("没有这个二维码。")
    return qr


@require_safe
@cache_control(public=True, max_age=86400)
def qr_png(request, code):
    qr = _code_or_404(code)
    try:
        size = codes.parse_size(request.GET.get("size"))
    except ValueError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    response = HttpResponse(codes.qr_png(codes.printed_url(qr.code), size=size), content_type="image/png")
    if "download" in request.GET:
        response["Content-Disposition"] = f'attachment; filename="qr-{qr.code}.png"'
    return response


@require_safe
@cache_control(public=True, max_age=86400)
def qr_svg(request, code):
    qr = _code_or_404(code)
    try:
        size = codes.parse_size(request.GET.get("size"), default=None)
    except ValueError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    svg = '<?xml version="1.0" encoding="UTF-8"?>\n' + codes.code_svg(qr, size=size, css_class="")
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    if "download" in request.GET:
        response["Content-Disposition"] = f'attachment; filename="qr-{qr.code}.svg"'
    return response


@require_safe
def print_gate_poster(request, township):
    township = get_object_or_404(Township, slug=township)
    gate = codes.printable(codes.existing_gate_code(township))
    return render(
        request,
        "print/gate_poster.html",
        {"township": township, "qr": gate["qr"], "qr_svg": gate["svg"], "printed_url": gate["printed_url"]},
    )


@require_safe
def print_code_sheet(request, township):
    """Every active code of a township, twelve to an A4 page, for batch printing (``issue_codes`` completes them)."""
    township = get_object_or_404(Township, slug=township)
    rows = list(QRCode.objects.of_township(township).active().order_by("pk"))
    cards = [codes.printable(qr) for qr in rows]
    pages = [cards[i : i + CODES_PER_SHEET] for i in range(0, len(cards), CODES_PER_SHEET)]
    return render(
        request,
        "print/code_sheet.html",
        {"township": township, "pages": pages, "page_count": ceil(len(cards) / CODES_PER_SHEET)},
    )


@require_safe
def print_code_card(request, code):
    """One code on a card, for targets without a print page of their own (an item, an office, a list)."""
    qr = _code_or_404(code)
    return render(
        request,
        "print/code_card.html",
        {"qr": qr, "township": qr.township, "qr_svg": codes.code_svg(qr), "printed_url": codes.printed_url(qr.code)},
    )


@require_safe
@cache_control(public=True, max_age=3600)
def print_wechat_image(request, code):
    """The PNG a village shares into its WeChat group: township name, the code, a caption."""
    qr = _code_or_404(code)
    response = HttpResponse(codes.wechat_image(qr), content_type="image/png")
    if "download" in request.GET:
        response["Content-Disposition"] = f'attachment; filename="wechat-{qr.code}.png"'
    return response
