"""Three taps: from the township home every item a resident can apply for is at most three links away."""

from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.cache import cache

from services.models import ServiceItem
from tests.public_scene import build_scene

MAX_TAPS = 3


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _links(html, prefix):
    parser = _Links()
    parser.feed(html)
    for href in parser.hrefs:
        href = urldefrag(href)[0]
        parts = urlsplit(href)
        if not parts.scheme and not parts.netloc and parts.path.startswith(prefix):
            yield href


def _taps_from_home(client, township, targets):
    """Breadth-first over the township's pages until every target is found; return {path: taps needed}."""
    home = township.get_absolute_url()
    taps = {home: 0}
    frontier = [home]
    for depth in range(1, MAX_TAPS + 1):
        if set(targets) <= set(taps):
            break
        following = []
        for url in frontier:
            response = client.get(url)
            assert response.status_code == 200, url
            for link in _links(response.content.decode(), home):
                if link not in taps:
                    taps[link] = depth
                    following.append(link)
        frontier = following
    return taps


@pytest.mark.parametrize("size", [3, 30])
def test_every_in_force_item_is_within_three_taps_of_the_township_home(client, county, township, size):
    cache.clear()
    build_scene(county=county, township=township, size=size)
    items = ServiceItem.objects.of_township(township).in_force()
    taps = _taps_from_home(client, township, [item.get_absolute_url() for item in items])
    assert items.count() > size
    for item in items:
        assert taps.get(item.get_absolute_url(), MAX_TAPS + 1) <= MAX_TAPS, item.name
    # In fact they are all one tap away: listed by category on the home page.
    assert max(taps[item.get_absolute_url()] for item in items) == 1


def test_offices_windows_posts_lists_and_villages_are_within_three_taps(client, county, township):
    cache.clear()
    scene = build_scene(county=county, township=township, size=0)
    places = (scene.centre, scene.general, scene.civil_post, scene.powers, scene.village_list, scene.village)
    taps = _taps_from_home(client, township, [obj.get_absolute_url() for obj in places])
    for obj in places:
        assert taps.get(obj.get_absolute_url(), MAX_TAPS + 1) <= MAX_TAPS, str(obj)
