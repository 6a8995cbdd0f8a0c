"""The heavy anonymous pages (print sheets, code images) cached on the server and rate-limited per client.

The code sheet costs 0.9 s and 645 KB to render, the booklet 0.5 s, the WeChat
picture 0.1–0.2 s: eight anonymous clients asking for them in a loop once took
the township home from 324 to 3.4 requests a second. So, for anonymous GETs of
these addresses only:

* a client (its address, see portal.clients) may ask ``PORTAL_HEAVY_RATE``
  times (default 30 a minute); past that it gets the Chinese 429 page at the
  cost of two cache operations (django-ratelimit, on the configured cache);
* a rendered answer is kept for ``PORTAL_HEAVY_CACHE_SECONDS`` under a key made
  of the path, the query parameters the views read, and the change stamp of
  ``portal.freshness``, which every write residents could see moves (bulk
  writes included), in every process: so a clerk's change shows on the next
  request, whichever worker serves it.

Logged-in staff are neither limited nor served from this cache: they print
what they have just changed.

A middleware and not a decorator on each view, so that the views (and their
URL modules, owned elsewhere) stay as they are.
"""

import hashlib
import re

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django_ratelimit.core import is_ratelimited

from portal.caching import CODE_VERSION
from portal.clients import client_ip
from portal.freshness import stamp

HEAVY_PATH = re.compile(r"^/(t/[^/]+/print/|print/q/|q/[0-9A-Za-z]+\.(png|svg)$)")
# The only query parameters the heavy views read; anything else must not make a new cache entry.
KEPT_PARAMETERS = ("size", "download", "large")


def _client_key(group, request):
    return client_ip(request) or "unknown"


def cache_key(request):
    """The cache key of a heavy answer: code version, change stamp, path and the parameters read."""
    kept = tuple((name, request.GET.get(name)) for name in KEPT_PARAMETERS if name in request.GET)
    material = repr((CODE_VERSION, stamp(), request.method, request.path, kept))
    return "heavy-page:" + hashlib.sha256(material.encode()).hexdigest()


# The refusal is a fixed page: no template, no query. A flooding client asks again at once, so the cheaper the
# "no", the more of the server is left for the residents' pages.
REFUSAL = (
    '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>访问太频繁</title></head>'
    "<body><h1>访问太频繁</h1><p>您在短时间内打开的次数太多了，请过一两分钟再试。</p>"
    '<p><a href="/">乡镇目录：回到首页</a></p></body></html>'
).encode()


def refusal():
    """The 429 answer of a client over the limit (not logged per request: a flood would fill the log)."""
    response = HttpResponse(REFUSAL, status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = "60"
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True
    return response


def _over_the_limit(request):
    return bool(settings.PORTAL_HEAVY_RATE) and is_ratelimited(
        request, group="heavy-pages", key=_client_key, rate=settings.PORTAL_HEAVY_RATE, increment=True
    )


def _cached(request, get_response):
    seconds = settings.PORTAL_HEAVY_CACHE_SECONDS
    if not seconds:
        return get_response(request)
    key = cache_key(request)
    entry = cache.get(key)
    if entry is not None:
        return entry
    response = get_response(request)
    if response.status_code == 200 and not response.streaming and not response.cookies:
        cache.set(key, response, seconds)
    return response


def _is_heavy(request):
    return request.method in ("GET", "HEAD") and HEAVY_PATH.match(request.path_info) is not None


class EarlyHeavyPageMiddleware:
    """Near the top of the stack: limit and serve from the cache the heavy GETs that carry no session cookie.

    Without a session nobody is logged in, so nothing else needs to run first; the sessions,
    CSRF and authentication middleware are skipped for a refusal and for a cached hit.
    Requests with a session cookie go on to :class:`HeavyPageMiddleware`, which can tell staff.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_heavy(request) or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return self.get_response(request)
        request._heavy_page_checked = True
        if _over_the_limit(request):
            return refusal()
        return _cached(request, self.get_response)


class HeavyPageMiddleware:
    """After authentication: the same limit and cache for heavy GETs with a session that is not staff's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_heavy(request) or getattr(request, "_heavy_page_checked", False):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            return self.get_response(request)
        if _over_the_limit(request):
            return refusal()
        return _cached(request, self.get_response)
