"""Caching for the public pages: cheap to serve again, never stale after a clerk's save.

A rendered page is kept in Django's cache under its path, the query parameters
its view reads (``reads``: any other, such as WeChat's ``from=singlemessage`` or
``utm_*``, is dropped before the view runs), the reading preference, the code's
version and the content versions of its township and county, which
``portal.freshness`` bumps on every write residents could see. A page served
again costs one query: reading those versions. Browsers revalidate every time
(``no-cache``) with the ETag, a hash of the rendered bytes, and get a 304 while
the page they hold is still what they would receive.
"""

import hashlib
import re
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, OuterRef, Subquery, Sum
from django.http import Http404, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.text import compress_string

from portal.context_processors import LARGE_TEXT_COOKIE
from portal.models import County, Township

# How long a rendered page stays in the server's cache. A write changes the key
# at once; this only bounds memory.
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
    return row[0::2], max(filter(None, row[1::2]), default=None)


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
    return row[0::2], max(filter(None, row[1::2]), default=None)


def site_versions():
    """The directory: every county's version (a township's own row bumps its county too)."""
    row = County.objects.aggregate(n=Count("pk"), v=Sum("content_version"), at=Max("content_changed_at"))
    return (row["n"], row["v"]), row["at"]


SCOPES = {"township": township_versions, "county": county_versions, "site": site_versions}


def _keep_only(request, reads):
    """Drop the query parameters the view does not read, so every variant of a shared link is one page."""
    kept = QueryDict(mutable=True)
    for name in reads:
        if name in request.GET:
            kept.setlist(name, request.GET.getlist(name))
    request.META["QUERY_STRING"] = kept.urlencode()
    request.GET = QueryDict(request.META["QUERY_STRING"])


def public_page(*, scope="township", reads=(), daily=False):
    """Decorate a public GET view with a server-side page cache and ETag revalidation on every visit.

    ``scope`` names whose versions the page depends on (see ``SCOPES``; the
    township comes from the ``township`` URL argument); ``reads`` names the
    query parameters the view reads. Only 200 responses are cached; anything
    else passes through untouched. ``daily`` pages show something counted from
    today (a due date): their copy is not served again after midnight.
    """
    version = SCOPES[scope]

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            signature, last_modified = version(kwargs["township"]) if scope != "site" else version()
            _keep_only(request, reads)
            large_text = request.COOKIES.get(LARGE_TEXT_COOKIE) == "1"
            key_material = repr((CODE_VERSION, request.get_full_path(), large_text, signature))
            if daily:
                key_material += timezone.localdate().isoformat()
            key = "public-page:" + hashlib.sha256(key_material.encode()).hexdigest()
            entry = cache.get(key) if SERVER_CACHE_SECONDS else None
            if entry is None:
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming:
                    return response
                digest = hashlib.sha1(response.content).hexdigest()[:20]
                # Compressed once here rather than by GZipMiddleware on every request.
                gzipped = compress_string(response.content)
                if len(gzipped) >= len(response.content):
                    gzipped = None
                entry = (digest, response.content, gzipped, response["Content-Type"])
                if SERVER_CACHE_SECONDS:
                    cache.set(key, entry, SERVER_CACHE_SECONDS)
            digest, content, gzipped, content_type = entry
            use_gzip = gzipped is not None and ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", ""))
            # The gzipped bytes differ from the plain ones: a weak ETag says they mean the same
            # (as GZipMiddleware does), and If-None-Match compares weakly.
            etag = f'W/"{digest}"' if use_gzip else f'"{digest}"'
            # Only the ETag decides a 304: Last-Modified has one-second
            # resolution and cannot see a deleted row, the ETag can.
            response = get_conditional_response(request, etag=etag)
            if response is None:
                response = HttpResponse(gzipped if use_gzip else content, content_type=content_type)
                if use_gzip:
                    response["Content-Encoding"] = "gzip"
            response["ETag"] = etag
            if last_modified is not None:
                response["Last-Modified"] = http_date(last_modified.timestamp())
            # Revalidated on every visit: a returning resident never sees an old page, and pays a 304.
            patch_cache_control(response, public=True, no_cache=True)
            # The large-text cookie changes the page; the encoding depends on Accept-Encoding.
            patch_vary_headers(response, ["Cookie", "Accept-Encoding"])
            return response

        return wrapped

    return decorator
