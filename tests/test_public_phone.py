"""The resident's phone (issue 17), what needs no browser: printed addresses, the inlined stylesheet."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction

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


# Long pages that lead -----------------------------------------------------------------------------


def test_certificate_page_opens_with_both_boards_as_links_with_counts_the_may_not_board_first(client, scene, township):
    html = client.get(f"/t/{township.slug}/certificates/").content.decode()
    may_not, may = html.index('href="#may-not"'), html.index('href="#may"')
    assert may_not < may < html.index('id="may-not"') < html.index('id="may"')
    assert re.search(r'href="#may-not">村里不再开的证明（\d+项）', html)
    assert re.search(r'href="#may">村里还能开的证明（\d+项）', html)
    assert "第一栏" not in html and "第二栏" not in html  # stacked on a phone: no columns to point at


@pytest.mark.parametrize("query, anchor", [("", "post"), ("?by=department", "department")])
def test_liaison_page_opens_with_an_index_whose_every_link_lands(client, scene, township, query, anchor):
    html = client.get(f"/t/{township.slug}/liaison/{query}").content.decode()
    index = html[html.index('<nav class="index"') : html.index("</nav>", html.index('<nav class="index"'))]
    targets = re.findall(rf'href="#({anchor}-\d+)"', index)
    assert targets
    for target in targets:
        assert f'id="{target}"' in html


def test_township_home_answers_where_whom_and_what_before_any_prose(client, scene, township):
    township.introduction = "东岭乡位于瑞河县东部，辖五个行政村。"
    township.save()
    html = client.get(township.get_absolute_url()).content.decode()
    main = html[html.index("<main") :]
    prose = main.index(township.introduction)
    assert main.index("去哪里办") < main.index("找谁办") < main.index("办什么") < prose
    assert main.index(township.address) < prose


# Conveniences --------------------------------------------------------------------------------------


def test_sitemap_lists_public_pages_absolute_from_the_setting_never_the_host(client, scene, township, settings):
    settings.PORTAL_BASE_URL = "https://bm.example.gov.cn"
    response = client.get("/sitemap.xml", HTTP_HOST="localhost")
    assert response.status_code == 200
    locations = re.findall(r"<loc>([^<]+)</loc>", response.content.decode())
    base = "https://bm.example.gov.cn"
    assert f"{base}/" in locations
    assert f"{base}{township.get_absolute_url()}" in locations
    assert f"{base}/t/{township.slug}/certificates/" in locations
    assert f"{base}{scene.homestead.get_absolute_url()}" in locations
    assert all(loc.startswith(base + "/") for loc in locations)
    assert not any("/print/" in loc or "/admin/" in loc or "/q/" in loc for loc in locations)
    assert f"{base}{scene.withdrawn.get_absolute_url()}" not in locations  # no longer applied for


def test_township_pages_share_a_picture_with_the_township_name_absolute_from_the_setting(
    client, scene, township, settings
):
    settings.PORTAL_BASE_URL = "https://bm.example.gov.cn"
    html = client.get(scene.homestead.get_absolute_url(), HTTP_HOST="localhost").content.decode()
    image_url = f"https://bm.example.gov.cn/t/{township.slug}/share.png"
    assert f'<meta property="og:image" content="{image_url}">' in html
    response = client.get(f"/t/{township.slug}/share.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG") and "max-age=86400" in response["Cache-Control"]
    assert client.get(f"/t/{township.slug}/share.png").content == response.content  # cached
    assert client.get("/t/no-such-township/share.png").status_code == 404


def test_booking_hint_shows_whom_to_call_or_says_the_number_is_missing(client, scene, township):
    item = scene.homestead
    item.proxy_offered = True
    item.save()
    html = client.get(item.get_absolute_url()).content.decode()
    hint = html[html.index('<p class="booking">') :].split("</p>", 1)[0]
    assert "需要帮代办或上门办，请先打电话预约" in hint and 'href="tel:' in hint
    township.phone = ""
    township.save()
    item.office.phone = ""
    item.office.save()
    if item.responsible_post:
        item.responsible_post.phone = ""
        item.responsible_post.save()
        for holder in item.responsible_post.holders.all():
            holder.staff.active = False
            holder.staff.save()
    cache.clear()
    html = client.get(item.get_absolute_url()).content.decode()
    hint = html[html.index('<p class="booking">') :].split("</p>", 1)[0]
    assert 'href="tel:' not in hint and "预约电话暂缺" in hint


def test_an_address_opens_a_map_only_where_coordinates_are_kept(client, scene, township):
    html = client.get(township.get_absolute_url()).content.decode()
    assert "geo:" not in html and "uri.amap.com" not in html  # no claim without data
    township.latitude, township.longitude = Decimal("36.123456"), Decimal("112.654321")
    township.save()
    cache.clear()
    html = client.get(township.get_absolute_url()).content.decode()
    assert 'href="geo:36.123456,112.654321?q=36.123456,112.654321(' in html
    assert "https://uri.amap.com/marker?position=112.654321,36.123456&amp;" in html
    office_html = client.get(scene.homestead.office.get_absolute_url()).content.decode()
    assert "geo:36.123456,112.654321" in office_html  # an office in the township's building


def test_coordinates_are_both_or_neither(township):
    township.latitude = Decimal("36.1")
    with pytest.raises(IntegrityError), transaction.atomic():
        township.save()


def test_the_content_security_policy_lets_exactly_the_inlined_stylesheet_through(client, scene, settings):
    response = client.get(scene.homestead.get_absolute_url())
    policy = response["Content-Security-Policy"]
    style_src = next(part for part in policy.split(";") if part.strip().startswith("style-src")).split()
    assert settings.PORTAL_INLINE_STYLE_HASH in style_src and "'unsafe-inline'" not in style_src
