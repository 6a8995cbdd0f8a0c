"""A resident on a 390 px phone searches in their own words, with and without JavaScript, and on a 320 px one.

Screenshots land in test-results/ (the artefacts_dir fixture) for a person to look at.
"""

import re

import pytest
from django.core.cache import cache

from search import engine
from tests.public_scene import build_scene

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(transactional_db, county, township):
    # transactional_db: the live server runs in another thread and must see committed rows.
    cache.clear()
    engine.forget()
    return build_scene(county=county, township=township, size=3)


def _search(page, live_server, township, words):
    page.goto(live_server.url + township.get_absolute_url())
    page.get_by_label("搜索要办的事").fill(words)
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"/search/\?q="))


def _fits(page):
    """Whether the page needs no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("words", ["村里盖房子要批什么", "宅基地審批", "zhaijidi"])
def test_a_sentence_traditional_characters_or_pinyin_find_the_homestead_in_the_first_three(
    page, live_server, scene, township, artefacts_dir, words
):
    _search(page, live_server, township, words)
    first_three = page.locator("ul.results > li > a:first-child").all_inner_texts()[:3]
    assert scene.homestead.name in first_three
    if words != "村里盖房子要批什么":  # (its words are not in the name; only a synonym would mark one)
        assert page.locator("ul.results mark").count() >= 1  # the resident's words, highlighted
    assert _fits(page)
    page.screenshot(path=artefacts_dir / f"search-390-{len(words)}.png", full_page=True)
    page.get_by_role("link", name=scene.homestead.name).first.click()
    page.wait_for_url(re.compile(r"/items/\d+/$"))


def test_a_miss_is_no_dead_end_on_a_320_px_phone_without_javascript(
    new_context, live_server, scene, township, artefacts_dir
):
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    _search(page, live_server, township, "火星移民")
    assert page.get_by_text("没有找到相关事项").is_visible()
    assert page.get_by_role("link", name=re.compile("村（社区）能开哪些证明")).is_visible()
    assert page.locator('a[href^="tel:"]').first.is_visible()
    assert _fits(page)
    page.screenshot(path=artefacts_dir / "search-320-miss.png", full_page=True)
