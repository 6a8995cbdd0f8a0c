"""A resident on a 390×844 phone in Debian's Chromium: find the homestead item, read it, call.

Screenshots land in test-results/ (the artefacts_dir fixture) for a person
to look at. axe-core (bundled by axe-playwright-python) checks the pages for
serious and critical accessibility violations.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache

from tests.public_scene import build_scene

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(transactional_db, county, township):
    # transactional_db: the live server runs in another thread and must see committed rows.
    cache.clear()
    return build_scene(county=county, township=township, size=3)


def _font_size(page):
    return float(page.evaluate("getComputedStyle(document.querySelector('main p, main dd')).fontSize").rstrip("px"))


def _find_homestead_by_search(page, live_server, township):
    page.goto(live_server.url + township.get_absolute_url())
    page.get_by_label("搜索要办的事").fill("宅基地")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"/search/\?q="))
    page.get_by_role("link", name="农村宅基地和建房（规划许可）审批").click()
    page.wait_for_url(re.compile(r"/items/\d+/$"))


def _sees_materials_and_a_phone(page):
    assert page.get_by_role("heading", name="带什么：申请材料").is_visible()
    assert page.locator(".checklist li").count() >= 3
    assert page.get_by_text("居民户口簿").first.is_visible()
    phone = page.locator('a[href^="tel:"]').first
    assert phone.is_visible()
    assert re.fullmatch(r"tel:[0-9]+", phone.get_attribute("href"))


def test_resident_searches_homestead_opens_it_and_sees_materials_and_a_phone(
    page, live_server, scene, township, artefacts_dir
):
    page.goto(live_server.url + township.get_absolute_url())
    assert page.title().startswith("东岭乡便民服务中心")
    page.screenshot(path=artefacts_dir / "residents-01-home.png", full_page=True)
    _find_homestead_by_search(page, live_server, township)
    _sees_materials_and_a_phone(page)
    page.screenshot(path=artefacts_dir / "residents-02-item.png", full_page=True)


def test_resident_reaches_an_item_in_two_taps_from_home(page, live_server, scene, township):
    page.goto(live_server.url + township.get_absolute_url())
    page.locator("summary", has_text="自然资源").click()  # tap 1: open the category
    page.get_by_role("link", name="农村宅基地和建房（规划许可）审批").click()  # tap 2: the item
    page.wait_for_url(re.compile(r"/items/\d+/$"))
    _sees_materials_and_a_phone(page)


def test_large_text_grows_the_font_and_stays_on_the_next_page(page, live_server, scene, township, artefacts_dir):
    page.goto(live_server.url + scene.homestead.get_absolute_url())
    normal = _font_size(page)
    page.get_by_role("link", name="大字模式").click()
    page.wait_for_url(re.compile(r"/items/\d+/$"))
    large = _font_size(page)
    assert large >= normal * 1.15
    page.screenshot(path=artefacts_dir / "residents-03-item-large-text.png", full_page=True)
    page.get_by_role("link", name="回首页").click()
    page.wait_for_url(re.compile(r"/t/[^/]+/$"))
    assert page.locator("html.large-text").count() == 1
    assert page.get_by_role("link", name="标准字号").is_visible()
    page.get_by_role("link", name="标准字号").click()
    page.wait_for_url(re.compile(r"/t/[^/]+/$"))
    assert page.locator("html.large-text").count() == 0


def test_pages_have_no_serious_or_critical_accessibility_violations(page, live_server, scene, township, artefacts_dir):
    axe = Axe()
    pages = {
        "home": township.get_absolute_url(),
        "item": scene.homestead.get_absolute_url(),
        "suspended-item": scene.suspended.get_absolute_url(),
        "liaison": f"/t/{township.slug}/liaison/",
        "certificates": f"/t/{township.slug}/certificates/",
        "search-empty": f"/t/{township.slug}/search/?q=火星移民",
        "list": scene.powers.get_absolute_url(),
    }
    problems = []
    for name, path in pages.items():
        for large in (False, True):
            page.context.clear_cookies()
            if large:
                page.context.add_cookies([{"name": "large_text", "value": "1", "url": live_server.url}])
            page.goto(live_server.url + path)
            # Open every category so that axe sees the links inside them too.
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            results = Axe.run(axe, page)
            for violation in results.response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [node["target"] for node in violation["nodes"]][:3]
                    problems.append(f"{name}{' (large)' if large else ''}: {violation['id']} {targets}")
        page.screenshot(path=artefacts_dir / f"residents-axe-{name}.png", full_page=True)
    assert problems == []


def test_the_same_path_works_with_javascript_off(new_context, live_server, scene, township, artefacts_dir):
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    _find_homestead_by_search(page, live_server, township)
    _sees_materials_and_a_phone(page)
    normal = _font_size(page)
    page.get_by_role("link", name="大字模式").click()
    page.wait_for_url(re.compile(r"/items/\d+/$"))
    assert _font_size(page) > normal
    page.screenshot(path=artefacts_dir / "residents-04-no-javascript.png", full_page=True)


def test_print_stylesheet_hides_navigation_and_prints_black_on_white(page, live_server, scene):
    page.goto(live_server.url + scene.homestead.get_absolute_url())
    page.emulate_media(media="print")
    assert not page.locator("form.search").is_visible()
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    after = page.evaluate("getComputedStyle(document.querySelector('main a[href^=\"https://\"]'), '::after').content")
    assert "https://example.invalid/" in after  # a printed link shows where it goes
