"""Caching for the public pages: cheap to serve again, never stale after a clerk's save.

A rendered page is kept in Django's cache under its path, the query parameters
its view reads (``reads``: any other, such as WeChat's ``from=singlemessage`` or
``utm_*``, is dropped before the view runs), the reading preference, the code's
version and the date (a scheduled publication or withdrawal, a dated absence,
a due date counted from today take effect at midnight on every page). With the
page it keeps the content versions of its township and county, which
``portal.freshness`` bumps on every write residents could see, and the change
stamp those versions were last checked against:

* while the stamp has not moved, nothing was written anywhere: the page is
  served as it is, without a query. ``CachedPageMiddleware`` does this early,
  before sessions, CSRF, authentication and messages, for visitors without a
  session cookie (the page holds nothing of the visitor's: it is the same for
  everyone but for the large-text cookie, which is part of the key);
* once it moved, the decorator reads the versions (one query): unchanged, the
  page is noted against the new stamp and served; changed, it is rendered
  again. So a clerk's save shows on the next request, in every process.

Browsers revalidate every time (``no-cache``) with the ETag, a hash of the
rendered bytes, and get a 304 while the page they hold is still what they
would receive.
"""

import hashlib
import re
from functools import wraps
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, OuterRef, Subquery, Sum
from django.http import Http404, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.urls import get_resolver
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.text import compress_string

from portal.context_processors import LARGE_TEXT_COOKIE
from portal.freshness import stamp
from portal.models import County, Township

# How long a rendered page stays in the server's cache. A write moves the change
# stamp at once; this only bounds memory.
SERVER_CACHE_SECONDS = settings.PORTAL_PAGE_CACHE_SECONDS

ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def _code_version():
    """Return a digest of the templates and stylesheet, so a deploy never serves pages cached by the old code."""
    digest = hashlib.sha1()
    for folder in (settings.BASE_DIR / "templates", settings.BASE_DIR / "static" / "css"):
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


CODE_VERSION = _code_version()
VERSIONS = ("content_version", "content_changed_at", "county__content_version", "county__content_changed_at")


def township_versions(township):
    """A township's page: the versions of the township and its county (one query); Http404 for no such township."""
    row = Township.objects.filter(slug=township).values_list(*VERSIONS).first()
    if row is None:
        raise Http404
    # The dates are part of the signature: counters alone could meet again (a restored backup).
    return row, max(filter(None, row[1::2]), default=None)


def county_versions(township):
    """A page showing rows of every township of the county (certificate rules and their items): all their versions."""
    siblings = Township.objects.filter(county=OuterRef("county")).order_by().values("county")
    row = (
        Township.objects.filter(slug=township)
        .annotate(
            _v=Subquery(siblings.annotate(v=Sum("content_version")).values("v")),
            _at=Subquery(siblings.annotate(at=Max("content_changed_at")).values("at")),
        )
        .values_list("_v", "_at", "county__content_version", "county__content_changed_at")
        .first()
    )
    if row is None:
        raise Http404
    return row, max(filter(None, row[1::2]), default=None)


def site_versions():
    """The directory: every county's version (a township's own row bumps its county too)."""
    row = County.objects.aggregate(n=Count("pk"), v=Sum("content_version"), at=Max("content_changed_at"))
    return (row["n"], row["v"], row["at"]), row["at"]


SCOPES = {"township": township_versions, "county": county_versions, "site": site_versions}


# Every query parameter some public page reads (filled as the views are decorated): the early
# middleware keys a request by these, so a key can only match the page's own.
READ_PARAMETERS = set()


class Entry(NamedTuple):
    """A rendered page as kept in the cache."""

    stamp: str  # the change stamp ``signature`` was last checked against
    signature: tuple  # the content versions the page was rendered from
    digest: str
    content: bytes
    gzipped: bytes | None  # None when gzip would not make it smaller
    content_type: str
    last_modified: str | None  # an HTTP date
    early: bool  # may be answered by CachedPageMiddleware


def _keep_only(request, reads):
    """Drop the query parameters the view does not read, so every variant of a shared link is one page."""
    kept = QueryDict(mutable=True)
    for name in reads:
        if name in request.GET:
            kept.setlist(name, request.GET.getlist(name))
    request.META["QUERY_STRING"] = kept.urlencode()
    request.GET = QueryDict(request.META["QUERY_STRING"])


def _parameters(request, names):
    query_string = request.META.get("QUERY_STRING", "")
    # Most query strings hold only what no page reads (WeChat's from=singlemessage&isappinstalled=0):
    # then they need no parsing. A percent sign may spell a name in escapes: parse then.
    if "%" not in query_string and not any(name in query_string for name in names):
        return ()
    query = request.GET
    return tuple((name, tuple(query.getlist(name))) for name in sorted(names) if name in query)


def page_key(request, names):
    """Return the cache key of the page a request asks for, counting only the query parameters in ``names``."""
    large_text = request.COOKIES.get(LARGE_TEXT_COOKIE) == "1"
    material = repr((CODE_VERSION, request.path, _parameters(request, names), large_text, timezone.localdate()))
    return "public-page:" + hashlib.sha256(material.encode()).hexdigest()


def _render(request, view, args, kwargs, signature, last_modified, early):
    """Run the view and return its page as an Entry (without a stamp), or its response when it is not a page."""
    response = view(request, *args, **kwargs)
    if response.status_code != 200 or response.streaming:
        return response
    # Compressed once here rather than by GZipMiddleware on every request.
    gzipped = compress_string(response.content)
    return Entry(
        stamp="",
        signature=signature,
        digest=hashlib.sha1(response.content).hexdigest()[:20],
        content=response.content,
        gzipped=gzipped if len(gzipped) < len(response.content) else None,
        content_type=response["Content-Type"],
        last_modified=http_date(last_modified.timestamp()) if last_modified is not None else None,
        early=early,
    )


def respond(request, entry):
    """Answer with a kept page: 304 when the browser holds it, else its bytes (gzipped when accepted)."""
    use_gzip = entry.gzipped is not None and ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    # The gzipped bytes differ from the plain ones: a weak ETag says they mean the same
    # (as GZipMiddleware does), and If-None-Match compares weakly.
    etag = f'W/"{entry.digest}"' if use_gzip else f'"{entry.digest}"'
    # Only the ETag decides a 304: Last-Modified has one-second
    # resolution and cannot see a deleted row, the ETag can.
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(entry.gzipped if use_gzip else entry.content, content_type=entry.content_type)
        if use_gzip:
            response["Content-Encoding"] = "gzip"
    response["Content-Length"] = str(len(response.content))
    response["ETag"] = etag
    if entry.last_modified is not None:
        response["Last-Modified"] = entry.last_modified
    # Revalidated on every visit: a returning resident never sees an old page, and pays a 304.
    response["Cache-Control"] = "public, no-cache"
    # The large-text cookie changes the page; the encoding depends on Accept-Encoding.
    response["Vary"] = "Cookie, Accept-Encoding"
    # Set here because an early answer skips XFrameOptionsMiddleware (the value is its own).
    response["X-Frame-Options"] = settings.X_FRAME_OPTIONS.upper()
    return response


def public_page(*, scope="township", reads=(), served_early=True):
    """Decorate a public GET view with a server-side page cache and ETag revalidation on every visit.

    ``scope`` names whose versions the page depends on (see ``SCOPES``; the
    township comes from the ``township`` URL argument); ``reads`` names the
    query parameters the view reads. Only 200 responses are cached; anything
    else passes through untouched. ``served_early=False`` keeps the page from
    ``CachedPageMiddleware``, for a view wrapped in something that must run on
    every request (the search counts its misses).
    """
    version = SCOPES[scope]
    READ_PARAMETERS.update(reads)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            _keep_only(request, reads)
            if not SERVER_CACHE_SECONDS:
                signature, last_modified = version(kwargs["township"]) if scope != "site" else version()
                entry = _render(request, view, args, kwargs, signature, last_modified, served_early)
                return entry if isinstance(entry, HttpResponseBase) else respond(request, entry)
            # The stamp first: a write committed after this read moves it again, so versions read
            # below and noted against it can never hide that write.
            current = stamp()
            key = page_key(request, reads)
            entry = cache.get(key)
            if entry is None or entry.stamp != current:
                signature, last_modified = version(kwargs["township"]) if scope != "site" else version()
                if entry is None or entry.signature != signature:
                    entry = _render(request, view, args, kwargs, signature, last_modified, served_early)
                    if isinstance(entry, HttpResponseBase):
                        return entry
                entry = entry._replace(stamp=current)
                cache.set(key, entry, SERVER_CACHE_SECONDS)
            return respond(request, entry)

        return wrapped

    return decorator


class CachedPageMiddleware:
    """Answer a cached public page before sessions, CSRF, authentication and messages run, with no query.

    Only for GET and HEAD without a session cookie (with one, the decorator serves the page after
    the middleware that may need the session), only for a page whose stamp has not moved since its
    versions were checked, and only when the request's query parameters are those the page reads.
    Everything else goes on down the stack unchanged. Security headers (SecurityMiddleware, CSP,
    Permissions-Policy) are set by the middleware above this one, as on any response.
    """

    SKIPPED = ("/admin/", "/q/", "/static/", "/media/")

    def __init__(self, get_response):
        self.get_response = get_response
        # Import every view now, so that READ_PARAMETERS is complete before the first request.
        get_resolver().url_patterns  # noqa: B018

    def __call__(self, request):
        if (
            SERVER_CACHE_SECONDS
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path_info.startswith(self.SKIPPED)
        ):
            entry = cache.get(page_key(request, READ_PARAMETERS))
            if entry is not None and entry.early and entry.stamp == stamp():
                request.get_host()  # a Host not in ALLOWED_HOSTS is refused (400), as CommonMiddleware would
                return respond(request, entry)
        return self.get_response(request)
