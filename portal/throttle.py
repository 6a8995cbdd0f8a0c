"""The heavy anonymous pages (print sheets, code images) cached on the server and rate-limited per client.

The code sheet costs 0.9 s and 645 KB to render, the booklet 0.5 s, the WeChat
picture 0.1–0.2 s: eight anonymous clients asking for them in a loop once took
the township home from 324 to 3.4 requests a second. So, for anonymous GETs of
these addresses only:

* a client (its address, see portal.clients) may ask ``PORTAL_HEAVY_RATE``
  times (default 30 a minute); past that it gets the Chinese 429 page at the
  cost of two cache operations (django-ratelimit, on the configured cache);
* a rendered answer is kept for ``PORTAL_HEAVY_CACHE_SECONDS`` under a key made
  of the path, the query parameters the views read, and a *generation* that
  every save or delete of a portal, staff or services row moves on; so a
  clerk's change shows on the next request served by the same process (other
  processes of a per-process cache catch up within the cache time; a shared
  cache such as Redis makes it immediate).

Logged-in staff are neither limited nor served from this cache: they print
what they have just changed.

A middleware and not a decorator on each view, so that the views (and their
URL modules, owned elsewhere) stay as they are.
"""

import contextlib
import hashlib
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django_ratelimit.core import is_ratelimited

from portal.caching import CODE_VERSION
from portal.clients import client_ip

HEAVY_PATH = re.compile(r"^/(t/[^/]+/print/|print/q/|q/[0-9A-Za-z]+\.(png|svg)$)")
# The only query parameters the heavy views read; anything else must not make a new cache entry.
KEPT_PARAMETERS = ("size", "download", "large")
GENERATION_KEY = "heavy-pages:generation"
TRACKED_APPS = {"portal", "staff", "services"}
UNTRACKED_MODELS = {"qrscanday"}  # scan counts are no part of any heavy page


def generation():
    """Return the current data generation (a fresh one after a cache flush or restart)."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = time.time_ns()
        cache.add(GENERATION_KEY, value, timeout=None)
        value = cache.get(GENERATION_KEY, value)
    return value


def _data_changed(sender, **kwargs):
    meta = sender._meta
    if meta.app_label in TRACKED_APPS and meta.model_name not in UNTRACKED_MODELS:
        # Not set yet: the next read starts a generation of its own.
        with contextlib.suppress(ValueError):
            cache.incr(GENERATION_KEY)


post_save.connect(_data_changed, dispatch_uid="heavy-pages-generation-save")
post_delete.connect(_data_changed, dispatch_uid="heavy-pages-generation-delete")


def _client_key(group, request):
    return client_ip(request)


def cache_key(request):
    """The cache key of a heavy answer: code version, data generation, path and the parameters read."""
    kept = tuple((name, request.GET.get(name)) for name in KEPT_PARAMETERS if name in request.GET)
    material = repr((CODE_VERSION, generation(), request.method, request.path, kept))
    return "heavy-page:" + hashlib.sha256(material.encode()).hexdigest()


class HeavyPageMiddleware:
    """Rate-limit and cache anonymous GETs of the print pages and code images (see the module's text)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or not HEAVY_PATH.match(request.path_info):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            return self.get_response(request)
        if settings.PORTAL_HEAVY_RATE and is_ratelimited(
            request, group="heavy-pages", key=_client_key, rate=settings.PORTAL_HEAVY_RATE, increment=True
        ):
            from portal.errors import too_many_requests

            response = too_many_requests(request)
            # Not logged once per refused request: a flood would otherwise fill the log as fast as it can ask.
            response._has_been_logged = True
            return response
        seconds = settings.PORTAL_HEAVY_CACHE_SECONDS
        if not seconds:
            return self.get_response(request)
        key = cache_key(request)
        entry = cache.get(key)
        if entry is not None:
            return entry
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(key, response, seconds)
        return response
