"""Addresses every site answers: robots.txt, the favicon, a health check, and pasted code links."""

import re

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from portal import codes, qr_views

# The admin and the scan redirect are not for search engines: the admin is private and
# /q/ only counts scans and redirects to pages that are indexed under their own address.
ROBOTS_TXT = "User-agent: *\nDisallow: /admin/\nDisallow: /q/\nDisallow: /print/\nDisallow: /t/*/print/\n"

FAVICON_PATH = settings.BASE_DIR / "static" / "favicon.ico"

# A printed code's link pasted into a chat gets text glued to it: "/q/ABC234（扫码也可以）".
LEADING_CODE = re.compile(r"[0-9A-Za-z]+")


@require_safe
@cache_control(public=True, max_age=86400)
def robots_txt(request):
    """robots.txt: everything public may be indexed except the admin, the scan redirect and print pages.

    The sitemap line is an absolute address under ``PORTAL_BASE_URL`` (the
    format requires one), never the request's host.
    """
    body = ROBOTS_TXT + f"Sitemap: {codes.public_url('/sitemap.xml')}\n"
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@require_safe
@cache_control(public=True, max_age=7 * 86400)
def favicon(request):
    """The browser's automatic /favicon.ico request: a small icon instead of a logged 404."""
    return HttpResponse(FAVICON_PATH.read_bytes(), content_type="image/x-icon")


@require_safe
@never_cache
def healthz(request):
    """For a load balancer: 200 "ok" when the database answers, 503 otherwise. No personal data, never cached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


def pasted_code(request, code, rest):
    """``/q/<code>`` with text or punctuation glued on: the code is the leading run of letters and digits.

    Answers exactly as the clean link does (one redirect, counted like any scan).
    Reached only when the clean patterns did not match.
    """
    match = LEADING_CODE.match(code)
    if match is None:
        raise Http404
    return qr_views.qr_redirect(request, code=match.group(0))
