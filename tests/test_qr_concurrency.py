"""Scans arriving together, against a real threaded server, are all counted.

On PostgreSQL every request has its own connection and transaction: this is
the real race, and the one-statement upsert in portal.codes.count_scan wins
it. On SQLite the live server's threads share pytest-django's in-memory
connection, so the database serialises them; the test then shows the HTTP
path alone, and still must count exactly.
"""

import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal import codes
from portal.models import QRScanDay
from tests import builders

SCANS = 40
PHONE_UA = "Mozilla/5.0 (Linux; Android 13; V2171A) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Stop at the 302, like a test of the redirect itself (the target is another page)."""

    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_are_counted_exactly(live_server):
    township = builders.make_township(name="并发乡", slug="concurrent-test")
    gate = codes.gate_code(township)
    opener = urllib.request.build_opener(_NoRedirect)

    def scan(_):
        try:
            # Each scan from another phone: scripts' user agents and repeats are not counted (portal/scans.py).
            request = urllib.request.Request(f"{live_server.url}/q/{gate.code}", headers={"User-Agent": PHONE_UA})
            with opener.open(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as answer:
            return answer.code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(scan, range(SCANS)))

    assert statuses == [302] * SCANS
    assert gate.total_scans() == SCANS
    assert QRScanDay.objects.filter(qr_code=gate).count() == 1  # one row for the day, never two
