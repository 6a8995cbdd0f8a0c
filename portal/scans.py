"""What a scan count means: people who opened a code's link, not requests.

A scan is counted when a person's browser opens ``/q/<code>`` with GET. Not
counted (they are still redirected): HEAD requests, prefetches, link-preview
fetchers of chat apps, search engines and scripts (see
:func:`portal.clients.is_a_person_opening`), and a repeat of the same code from
the same client (address + browser) within ``PORTAL_SCAN_REPEAT_SECONDS``. The
client is known only as a keyed hash kept in the cache for that window: no
address or user agent is ever written to the database.
"""

from django.conf import settings
from django.core.cache import cache

from portal.clients import client_fingerprint, is_a_person_opening


def should_count(request, qr):
    """Return True for the first time a person opens ``qr`` within the repeat window, else False.

    ``cache.add`` is atomic in every backend: of two identical scans arriving
    together, exactly one counts.
    """
    if not is_a_person_opening(request):
        return False
    window = settings.PORTAL_SCAN_REPEAT_SECONDS
    if window <= 0:
        return True
    key = f"scan-seen:{qr.pk}:{client_fingerprint(request)}"
    return cache.add(key, 1, timeout=window)


# The page a scan led to, remembered for a while in the resident's own browser (a cookie holding a public
# path, nothing else), so that a 好差评 given there is recorded as given by 二维码 (GB/T 39046's channels).
SCANNED_COOKIE = "scanned"
SCANNED_SECONDS = 2 * 60 * 60


def scanned_remember(response, request, path):
    """Set on ``response`` (the scan's redirect) the cookie saying the browser came to ``path`` by a code."""
    response.set_cookie(
        SCANNED_COOKIE, path, max_age=SCANNED_SECONDS, httponly=True, samesite="Lax", secure=request.is_secure()
    )
    return response


def came_by_scan(request, path):
    """Return True if this browser reached ``path`` from a printed code within the last two hours."""
    return request.COOKIES.get(SCANNED_COOKIE) == path
