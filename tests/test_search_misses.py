"""Residents' misses are counted (words only) and a clerk fixes one from the board in two clicks."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from portal.accounts import staff_account_ensure
from search import engine
from search.misses import frequent_misses, miss_key
from search.models import SearchDay, SearchMiss, Synonym
from tests import builders
from tests.public_scene import build_scene

PASSWORD = "Search-tests-2026!"


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()
    engine.forget()


@pytest.fixture
def scene(county, township):
    return build_scene(county=county, township=township, size=0)


def _search(client, township, q, **headers):
    return client.get(reverse("search", kwargs={"township": township.slug}), {"q": q}, **headers)


def test_a_miss_is_counted_by_township_and_words_even_from_the_page_cache(client, scene, township):
    for _ in range(3):
        _search(client, township, "火星移民")
    _search(client, township, "宅基地")  # found: not a miss
    assert [(m.query, m.count) for m in SearchMiss.objects.all()] == [("火星移民", 3)]


PHONE_BROWSER = "Mozilla/5.0 (Linux; Android 10) AppleWebKit/537.36 Mobile MicroMessenger/8.0.50"


def test_every_residents_search_is_counted_for_the_month_figures_even_from_the_page_cache(client, scene, township):
    for _ in range(3):
        _search(client, township, "宅基地", HTTP_USER_AGENT=PHONE_BROWSER)
    _search(client, township, "火星移民")
    _search(client, township, "")  # the empty search page: nothing searched
    client.get(reverse("search", kwargs={"township": township.slug}), {"category": "x"})  # browsing, not searching
    day = SearchDay.objects.get(township=township)
    assert (day.searches, day.misses) == (4, 1)


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"},
        {"HTTP_USER_AGENT": PHONE_BROWSER, "HTTP_SEC_PURPOSE": "prefetch"},
        {"HTTP_USER_AGENT": "python-requests/2.32"},
    ],
    ids=["crawler", "prefetch", "script"],
)
def test_crawlers_prefetches_and_scripts_are_not_counted_as_searches_or_misses(client, scene, township, headers):
    for q in ("宅基地", "火星移民"):
        _search(client, township, q, **headers)
    assert not SearchDay.objects.exists() and not SearchMiss.objects.exists()


def test_no_personal_data_is_kept_of_a_miss():
    assert miss_key("火星移民 410101199001011234 13800000000") == "火星移民"
    assert miss_key("410101199001011234") == ""


def test_a_miss_offers_close_names_topics_the_certificate_board_and_whom_to_call(client, scene, township):
    response = _search(client, township, "宅基低审")
    assertContains(response, scene.homestead.get_absolute_url())  # found by close characters
    response = _search(client, township, "火星移民")
    assertContains(response, "没有找到相关事项")
    assertContains(response, reverse("certificate_boards", kwargs={"township": township.slug}))
    assertContains(response, "?event=")
    assertContains(response, 'href="tel:03590100001"')


def test_what_the_resident_typed_is_highlighted_and_escaped(client, scene, township):
    office = builders.make_office(township=township)
    builders.make_item(township=township, office=office, code="H-1", name="<b>宅基地</b>补录")
    response = _search(client, township, "宅基地")
    assertContains(response, "&lt;b&gt;<mark>宅基地</mark>&lt;/b&gt;补录")
    assertNotContains(response, "<b><mark>")


def test_the_board_lists_misses_and_a_clerk_fixes_one_as_a_synonym_in_two_clicks(client, scene, township):
    _search(client, township, "火星移民")
    clerk, _ = staff_account_ensure(username="clerk", township=township, password=PASSWORD)
    client.force_login(clerk)
    board = client.get(reverse("admin:board"))
    assertContains(board, "火星移民")
    assertContains(board, 'name="csrfmiddlewaretoken"')
    response = client.post(
        reverse("admin:search_fix_miss"),
        {"township": township.slug, "query": "火星移民", "item": scene.homestead.pk, "as": "synonym"},
    )
    assert response.status_code == 302
    assert Synonym.objects.filter(township=township, phrase="火星移民", target=scene.homestead.name).exists()
    assert frequent_misses(township) == []
    client.logout()
    assertContains(_search(client, township, "火星移民"), scene.homestead.get_absolute_url())


def test_a_clerk_adds_the_words_as_an_item_keyword(client, scene, township):
    _search(client, township, "盖个猪圈")
    clerk, _ = staff_account_ensure(username="clerk", township=township, password=PASSWORD)
    client.force_login(clerk)
    client.post(
        reverse("admin:search_fix_miss"),
        {"township": township.slug, "query": "盖个猪圈", "item": scene.homestead.pk, "as": "keyword"},
    )
    scene.homestead.refresh_from_db()
    assert "盖个猪圈" in scene.homestead.keywords
    client.logout()
    assertContains(_search(client, township, "盖个猪圈"), scene.homestead.get_absolute_url())


def test_a_clerk_cannot_fix_another_townships_miss(client, scene, township, other_township):
    office = builders.make_office(township=other_township)
    other_item = builders.make_item(township=other_township, office=office, code="O-1", name="别处事项")
    clerk, _ = staff_account_ensure(username="clerk", township=township, password=PASSWORD)
    client.force_login(clerk)
    response = client.post(
        reverse("admin:search_fix_miss"),
        {"township": other_township.slug, "query": "别处", "item": other_item.pk, "as": "synonym"},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("admin:search_fix_miss"),
        {"township": township.slug, "query": "别处", "item": other_item.pk, "as": "synonym"},
    )
    assert response.status_code == 404
    assert not Synonym.objects.filter(township__isnull=False).exists()


def test_the_fix_needs_a_post_with_a_csrf_token(scene, township):
    from django.test import Client

    clerk, _ = staff_account_ensure(username="clerk", township=township, password=PASSWORD)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(clerk)
    assert strict.get(reverse("admin:search_fix_miss")).status_code == 405
    response = strict.post(
        reverse("admin:search_fix_miss"), {"township": township.slug, "query": "x", "item": scene.homestead.pk}
    )
    assert response.status_code == 403


def test_traditional_pinyin_and_a_sentence_find_the_item(scene, township):
    for typed in ("宅基地審批", "zhaijidi", "村里盖房子要批什么"):
        _query, results, _rows = engine.search(township, typed)
        assert scene.homestead.name in [r.title for r in results[:3]], typed


def test_the_board_costs_a_fixed_number_of_queries_with_misses(client, scene, township, django_assert_num_queries):
    clerk, _ = staff_account_ensure(username="clerk", township=township, password=PASSWORD)
    for words in ("火星移民", "月球旅游"):
        _search(client, township, words)
    client.force_login(clerk)
    client.get(reverse("admin:board"))
    engine.forget()
    # 25 as without misses (test_board), then the township's in-force items for the choice, the search text's version,
    # synonyms and prepared rows (to preselect the closest item): whatever the number of misses.
    with django_assert_num_queries(29):
        client.get(reverse("admin:board"))
    _search(client, township, "土星")
    engine.forget()
    with django_assert_num_queries(29):
        client.get(reverse("admin:board"))


def test_a_county_wide_rule_links_its_alternative_only_in_the_township_of_that_item(
    client, scene, township, other_township
):
    here = _search(client, township, "出生证明")  # the scene's county-wide rule, its alternative an item here
    assertContains(here, "由医疗机构出具《出生医学证明》。")
    assertContains(here, f'href="{scene.birth.get_absolute_url()}">去办理替代的事项')
    there = _search(client, other_township, "出生证明")
    assertContains(there, "由医疗机构出具《出生医学证明》。")
    assertNotContains(there, "去办理替代的事项")


def test_renaming_the_item_a_retired_one_was_merged_into_updates_the_notice(client, scene, township):
    scene.dibao.name = "最低生活保障申请"
    scene.dibao.save()
    assertContains(_search(client, township, "临时救助"), "已合并到“最低生活保障申请”")


def test_a_head_request_asks_whether_the_page_is_there_and_is_not_a_search(client, scene, township):
    address = reverse("search", kwargs={"township": township.slug})
    for q in ("宅基地", "火星移民"):
        assert client.head(address, {"q": q}, HTTP_USER_AGENT=PHONE_BROWSER).status_code == 200
    assert not SearchDay.objects.exists() and not SearchMiss.objects.exists()
    _search(client, township, "宅基地", HTTP_USER_AGENT=PHONE_BROWSER)  # the same page read after a HEAD counts
    assert SearchDay.objects.get(township=township).searches == 1
