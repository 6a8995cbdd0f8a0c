"""The resident's phone on a weak rural network (issue 17): a scanned code paints after the redirect and one response.

Chromium's network is throttled through CDP to the conditions measured in the
issue (two-second round trips, 50 KB/s). The page's stylesheet is inline, so
no third round trip stands between the scan and the first paint. (Its own
module: the live server needs committed rows, which a module holding the demo
data in an open transaction would block.)
"""

import pytest
from django.core.cache import cache
from django.test import Client

from portal import codes
from tests.public_scene import build_scene

pytestmark = pytest.mark.browser


# A weak rural network, as measured in issue 17: two-second round trips, 50 KB/s.
LATENCY_MS = 2000
BYTES_PER_SECOND = 50 * 1024


@pytest.fixture
def scene(transactional_db, county, township):
    # transactional_db: the live server runs in another thread and must see committed rows.
    cache.clear()
    return build_scene(county=county, township=township, size=3)


def test_a_scanned_code_paints_after_the_redirect_and_one_response_on_a_weak_network(
    page, live_server, scene, township, settings
):
    settings.PORTAL_BASE_URL = live_server.url  # the redirect's absolute address must reach the live server
    gate = codes.gate_code(township)
    home = Client().get(township.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")
    transfer_ms = 1000 * len(home.content) / BYTES_PER_SECOND
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": BYTES_PER_SECOND,
            "uploadThroughput": BYTES_PER_SECOND,
        },
    )
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/q/{gate.code}", wait_until="load", timeout=60_000)
    assert page.url == live_server.url + township.get_absolute_url()
    # A busy machine may record the paint just after "load": wait for the entry (buffered), ten seconds at most.
    paint = page.evaluate(
        """() => new Promise(resolve => {
            new PerformanceObserver(list => {
                const entry = list.getEntriesByName('first-contentful-paint')[0];
                if (entry) resolve(entry.startTime);
            }).observe({type: 'paint', buffered: true});
            setTimeout(() => resolve(null), 10000);
        })"""
    )
    assert paint is not None, "no first contentful paint was recorded"
    # The redirect and the page: two round trips and the page's bytes, with 1.5 s of margin. A linked
    # stylesheet would add a third round trip (6.3 s measured before it was inlined).
    budget = 2 * LATENCY_MS + transfer_ms + 1500
    assert budget < 3 * LATENCY_MS  # the margin must not hide a third round trip
    print(f"first contentful paint from /q/<code>: {paint:.0f} ms (budget {budget:.0f} ms), requests: {requests}")
    assert requests == [f"{live_server.url}/q/{gate.code}", live_server.url + township.get_absolute_url()]
    assert paint is not None and paint <= budget
