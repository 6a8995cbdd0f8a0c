"""The resident's phone (issue 17), what needs no browser: printed addresses, the inlined stylesheet."""

import pytest
from django.core.cache import cache

from portal.styles import INLINE_CSS, csp_hash
from tests.public_scene import build_scene


@pytest.fixture
def scene(county, township):
    cache.clear()
    return build_scene(county=county, township=township, size=1)


def test_a_printed_page_shows_its_short_full_address_from_the_setting_never_a_bare_path(client, scene, settings):
    settings.PORTAL_BASE_URL = "https://bm.example.gov.cn"
    path = scene.homestead.get_absolute_url()
    html = client.get(path, HTTP_HOST="localhost").content.decode()
    assert f'<p class="print-only">本页网址：bm.example.gov.cn{path}</p>' in html
    assert "localhost" + path not in html
    # Links to other pages of the site print as their text only: a bare path means nothing on paper.
    assert 'a[href^="/"]::after' not in INLINE_CSS
    assert ".print-only{display: block}" in INLINE_CSS


def test_the_inline_stylesheet_hash_is_the_csp_hash_of_exactly_what_pages_carry(client, scene, settings):
    html = client.get(scene.homestead.get_absolute_url()).content.decode()
    inline = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert inline == INLINE_CSS
    assert csp_hash(inline) == settings.PORTAL_INLINE_STYLE_HASH
    assert settings.PORTAL_INLINE_STYLE_HASH.startswith("'sha256-")
