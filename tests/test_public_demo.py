"""Done when: a new resident reaches any demo item from the township home in at most three taps
and sees the materials, the place, the person and a dialable number; no private mobile shows anywhere.
"""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.cache import cache

from portal.models import Township
from services.models import ServiceItem
from staff.models import Staff

MAX_TAPS = 3


@pytest.fixture
def demo(demo_data, db):
    cache.clear()


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(urldefrag(href)[0])


def _crawl(client, township, depth):
    """Return {path: (taps, html)} for every page of the township within ``depth`` taps of its home."""
    home = township.get_absolute_url()
    pages = {}
    queue = deque([(home, 0)])
    seen = {home}
    while queue:
        url, taps = queue.popleft()
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        pages[url] = (taps, html)
        if taps == depth:
            continue
        parser = _Links()
        parser.feed(html)
        for href in parser.hrefs:
            parts = urlsplit(href)
            if not parts.scheme and not parts.netloc and parts.path.startswith(home) and href not in seen:
                seen.add(href)
                queue.append((href, taps + 1))
    return pages


def test_every_demo_item_is_within_three_taps_and_shows_materials_place_person_and_phone(client, demo):
    for township in Township.objects.all():
        pages = _crawl(client, township, MAX_TAPS - 1)  # pages two taps deep: their links are the third tap
        reachable = set(pages)
        for _taps, html in pages.values():
            parser = _Links()
            parser.feed(html)
            reachable.update(parser.hrefs)
        for item in ServiceItem.objects.of_township(township).in_force():
            url = item.get_absolute_url()
            assert url in reachable, f"{township}: {item} is more than {MAX_TAPS} taps from the home page"
            html = pages[url][1] if url in pages else client.get(url).content.decode()
            assert "带什么：申请材料" in html, item.name
            assert 'class="checklist"' in html or "不需要提交材料" in html, item.name
            assert "去哪里" in html and item.office.name in html, item.name
            assert "找谁" in html, item.name
            assert re.search(r'href="tel:\d+"', html), item.name


def test_no_private_mobile_on_any_demo_page(client, demo):
    private = set(Staff.objects.filter(mobile_public=False).exclude(mobile="").values_list("mobile", flat=True))
    assert private, "the demo data should have staff whose mobile is private"
    for township in Township.objects.all():
        for url, (_taps, html) in _crawl(client, township, MAX_TAPS).items():
            leaked = [mobile for mobile in private if mobile in html]
            assert not leaked, f"{url} shows private mobiles {leaked}"
