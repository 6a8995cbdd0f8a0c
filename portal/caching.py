"""Caching for the public pages: cheap to serve again, never stale after a clerk's save.

Each public view declares a *version* function that reads, in ONE query, the
newest ``updated_at`` and the row count of everything its page shows (counts
catch deletions, which leave no newer ``updated_at`` behind). The rendered page
is kept in Django's cache under a key made of that version, the URL and the
reading preference, so a save changes the key and the next request renders
afresh. The ETag is a hash of the rendered bytes, so a browser's conditional
GET gets 304 only when it would receive exactly what it already has.
"""

import datetime
import hashlib
import re
from functools import wraps
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import DateTimeField, F, Func, IntegerField, Subquery
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date
from django.utils.text import compress_string

from portal.context_processors import LARGE_TEXT_COOKIE

# Browsers and proxies may reuse a page for this long without asking; after
# that they revalidate with If-None-Match and usually get a 304.
BROWSER_MAX_AGE = 60
# How long a rendered page stays in the server's cache. A save changes the
# key at once; this only bounds memory and changes that leave no trace in any
# updated_at (e.g. a renamed category, which has no timestamp).
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


def Newest(queryset):
    """The newest ``updated_at`` among the rows of a queryset, as a scalar subquery (NULL when none)."""
    # MAX without GROUP BY: one row whatever the queryset matches.
    return Subquery(queryset.order_by().values(_m=Func(F("updated_at"), function="MAX", output_field=DateTimeField())))


def RowCount(queryset):
    """The number of rows of a queryset, as a scalar subquery."""
    return Subquery(queryset.order_by().values(_c=Func(F("pk"), function="COUNT", output_field=IntegerField())))


class VersionQuery(NamedTuple):
    """What a page shows, for its version query.

    ``anchor`` matches the page's main row (when it matches nothing the page
    is a 404); ``tracked`` are querysets of rows with ``updated_at`` whose
    newest change and count matter; ``counted`` are querysets of rows without
    a timestamp (only their count is known); ``extra`` maps names to further
    scalar expressions. The querysets refer to the anchor row with OuterRef:
    correlated subqueries find their rows through indexes, about three times
    faster than repeating the anchor's lookup in each.
    """

    anchor: object
    tracked: tuple = ()
    counted: tuple = ()
    extra: dict | None = None


def _sentinel(name, value, index):
    # Placeholders that cannot be confused with anything else in the query's parameters.
    return -(2**40 + index) if isinstance(value, int) else f"__page_version_{name}__"


def _as_datetime(value):
    """Return a DB value of ``updated_at`` or MAX(updated_at) as an aware datetime."""
    if value is None:
        return None
    # SQLite gives a naive datetime for a column, text for an expression; both are UTC.
    parsed = value if isinstance(value, datetime.datetime) else parse_datetime(str(value))
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, datetime.UTC)


def page_version(describe):
    """Turn ``describe(**url_kwargs) -> VersionQuery`` into a page's version function.

    The version function takes ``(request, **url_kwargs)`` and returns
    ``(last_modified, signature)`` in ONE query, or raises Http404. Building
    a statement of some thirty subqueries through the ORM costs far more than
    running it, so the SQL is compiled once per process with placeholder
    values and then run with each request's values.
    """
    compiled = {}

    def compile_for(kwargs):
        sentinels = {name: _sentinel(name, value, i) for i, (name, value) in enumerate(sorted(kwargs.items()))}
        spec = describe(**sentinels)
        annotations = {"_anchor": F("updated_at")}
        for i, queryset in enumerate(spec.tracked):
            annotations[f"_t{i}"] = Newest(queryset)
            annotations[f"_n{i}"] = RowCount(queryset)
        for i, queryset in enumerate(spec.counted):
            annotations[f"_c{i}"] = RowCount(queryset)
        annotations.update(spec.extra or {})
        queryset = spec.anchor.order_by().annotate(**annotations).values(*annotations)[:1]
        sql, params = queryset.query.sql_with_params()
        slots = {}
        for position, param in enumerate(params):
            for name, sentinel in sentinels.items():
                if param == sentinel and type(param) is type(sentinel):
                    slots[position] = name
        missing = set(sentinels) - set(slots.values())
        if missing:
            raise ImproperlyConfigured(f"{describe.__name__} does not use {sorted(missing)} as a plain parameter.")
        stamps = [0] + [list(annotations).index(f"_t{i}") for i in range(len(spec.tracked))]
        return sql, list(params), slots, stamps

    @wraps(describe)
    def version(request, **kwargs):
        # The raw SQL skips the ORM's range check: an id beyond 64 bits would
        # make SQLite raise instead of matching nothing.
        if any(isinstance(value, int) and not -(2**63) <= value < 2**63 for value in kwargs.values()):
            raise Http404
        key = (connection.vendor, tuple(sorted((name, type(value)) for name, value in kwargs.items())))
        if key not in compiled:
            compiled[key] = compile_for(kwargs)
        sql, params, slots, stamps = compiled[key]
        params = [kwargs[slots[i]] if i in slots else param for i, param in enumerate(params)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            raise Http404
        newest = [stamp for stamp in (_as_datetime(row[i]) for i in stamps) if stamp is not None]
        return max(newest, default=None), tuple(str(value) for value in row)

    return version


def public_page(version):
    """Decorate a public GET view with short public caching, a server-side page cache and ETag revalidation.

    ``version(request, **kwargs)`` returns what :func:`page_version` returns.
    Only 200 responses are cached; anything else passes through untouched.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            last_modified, signature = version(request, *args, **kwargs)
            large_text = request.COOKIES.get(LARGE_TEXT_COOKIE) == "1"
            key_material = repr((CODE_VERSION, request.get_full_path(), large_text, signature))
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
            patch_cache_control(response, public=True, max_age=BROWSER_MAX_AGE)
            # The large-text cookie changes the page; the encoding depends on Accept-Encoding.
            patch_vary_headers(response, ["Cookie", "Accept-Encoding"])
            return response

        return wrapped

    return decorator
