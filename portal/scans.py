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
