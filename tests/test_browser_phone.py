"""The resident's phone (issue 17): no page of the demo scrolls sideways at 320, 360 or 390 px, in normal or
large text (the first paint on a weak network: tests/test_browser_weak_network.py).

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

from portal.context_processors import LARGE_TEXT_COOKIE

pytestmark = pytest.mark.browser

WIDTHS = (390, 360, 320)
# Not pages a resident reads on the phone: the admin, the text-size switch (a redirect), codes and their images.
NOT_PAGES = re.compile(r"^/(admin|static|media|text-size|q)/|\.(png|svg|pdf)$")
# Searches nobody links to but residents type: a hit, a miss.
TYPED = ("/t/dongling/search/?q=宅基地", "/t/dongling/search/?q=火星移民")

FRAMES = "".join(f'<iframe width="{w}" height="700" style="border:0;display:block"></iframe>' for w in WIDTHS)

# Write the page into each frame and report, per frame, how far it scrolls sideways and what sticks out, or
# that the search box's hint is cut off.
OVERFLOW = """html => [...document.querySelectorAll('iframe')].map(frame => {
  const win = frame.contentWindow, doc = frame.contentDocument;
  doc.open(); doc.write(html); doc.close();
  const width = win.innerWidth, scrolled = doc.documentElement.scrollWidth;
  const input = doc.getElementById('search-q');
  if (input && input.placeholder) {  // the search box's hint must show whole
    const style = win.getComputedStyle(input), pen = doc.createElement('canvas').getContext('2d');
    pen.font = style.font;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (pen.measureText(input.placeholder).width > room) return `${width} px: the search hint is cut off`;
  }
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
