"""The resident's phone (issue 17): no page of the demo scrolls sideways at 320, 360 or 390 px, in normal or
large text; a scanned code paints after the redirect and one response on a weak network.

Every public page is rendered by Django's test client (the demo data loads once
per module, inside a transaction) and written into three frames, 390, 360 and
320 px wide, of one page in Chromium: the stylesheet is inline, so one layout
per frame measures the page as a phone of that width shows it. This keeps the
walk of ~150 pages × 2 text sizes × 3 widths to well under a minute.
"""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client

from portal import codes
from portal.context_processors import LARGE_TEXT_COOKIE
from tests.public_scene import build_scene

pytestmark = pytest.mark.browser

WIDTHS = (390, 360, 320)
# Not pages a resident reads on the phone: the admin, the text-size switch (a redirect), codes and their images.
NOT_PAGES = re.compile(r"^/(admin|static|media|text-size|q)/|\.(png|svg|pdf)$")
# Searches nobody links to but residents type: a hit, a miss.
TYPED = ("/t/dongling/search/?q=宅基地", "/t/dongling/search/?q=火星移民")

FRAMES = "".join(f'<iframe width="{w}" height="700" style="border:0;display:block"></iframe>' for w in WIDTHS)

# Write the page into each frame and report, per frame, how far it scrolls sideways and what sticks out.
OVERFLOW = """html => [...document.querySelectorAll('iframe')].map(frame => {
  const win = frame.contentWindow, doc = frame.contentDocument;
  doc.open(); doc.write(html); doc.close();
  const width = win.innerWidth, scrolled = doc.documentElement.scrollWidth;
  if (scrolled <= width) return null;
  const wide = [...doc.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 0.5 && e.children.length === 0)
    .map(e => `${e.tagName.toLowerCase()}.${e.className} «${(e.textContent || '').trim().slice(0, 30)}»`);
  return `${width} px: ${scrolled} px wide; ${wide.slice(0, 3).join('; ')}`;
})"""


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(urldefrag(href)[0])


def public_pages(client):
    """Return every public page reachable by links from the directory, and the typed searches."""
    pages, queue, seen = [], deque(["/", *TYPED]), {"/", *TYPED}
    while queue:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(url)
        parser = _Links()
        parser.feed(response.content.decode())
        for href in parser.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or NOT_PAGES.search(parts.path):
                continue
            if href not in seen:
                seen.add(href)
                queue.append(href)
    return pages


@pytest.fixture
def demo(demo_data, db):
    cache.clear()


def test_no_public_page_scrolls_sideways_at_phone_widths_in_normal_or_large_text(page, demo):
    client = Client()
    pages = public_pages(client)
    assert len(pages) > 100, "the walk should reach every page of the demo"
    page.set_content(FRAMES)
    overflows = []
    for large in (False, True):
        client.cookies[LARGE_TEXT_COOKIE] = "1" if large else "0"
        for url in pages:
            html = client.get(url).content.decode()
            assert '<link rel="stylesheet"' not in html, "the walk needs the stylesheet inline"
            for problem in filter(None, page.evaluate(OVERFLOW, html)):
                overflows.append(f"{url}{' (large text)' if large else ''} at {problem}")
    assert overflows == []


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
    paint = page.evaluate(
        "() => performance.getEntriesByName('first-contentful-paint').map(e => e.startTime)[0] ?? null"
    )
    # The redirect and the page: two round trips and the page's bytes, with 1.5 s of margin. A linked
    # stylesheet would add a third round trip (6.3 s measured before it was inlined).
    budget = 2 * LATENCY_MS + transfer_ms + 1500
    assert budget < 3 * LATENCY_MS  # the margin must not hide a third round trip
    print(f"first contentful paint from /q/<code>: {paint:.0f} ms (budget {budget:.0f} ms), requests: {requests}")
    assert requests == [f"{live_server.url}/q/{gate.code}", live_server.url + township.get_absolute_url()]
    assert paint is not None and paint <= budget
