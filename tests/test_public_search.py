"""Search as residents type it: 宅基地, 低保, 营业执照, 出生 — the same answers on SQLite and PostgreSQL.

This file runs unchanged on both databases (see .ci/run); every expectation
is an exact, ordered list, so any difference between them fails here.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from search import engine
from tests import builders
from tests.public_scene import build_scene


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def scene(county, township):
    return build_scene(county=county, township=township, size=0)


def _names(township, query):
    """Return the names of the items the township's search finds for ``query``, best first."""
    engine.forget()
    return [r.row["title"] for r in engine.search(township, query)[1] if r.row["kind"] == "item"]


def test_search_finds_the_homestead_by_the_word_residents_use(scene, township):
    assert _names(township, "宅基地") == ["农村宅基地和建房（规划许可）审批"]
    assert _names(township, "盖房") == ["农村宅基地和建房（规划许可）审批"]  # a keyword, not in the name


def test_search_finds_dibao_by_keyword(scene, township):
    # 低保 is a keyword of 最低生活保障审核确认, not in its name.
    assert _names(township, "低保") == ["最低生活保障审核确认"]


def test_search_finds_the_business_licence_by_keyword(scene, township):
    assert _names(township, "营业执照") == ["个体工商户设立登记"]


def test_search_finds_birth_by_material_name_after_name_matches(scene, township):
    # 生育登记 matches 出生 only through its material 出生医学证明.
    assert _names(township, "出生") == ["生育登记"]
    assert _names(township, "户口簿") == ["农村宅基地和建房（规划许可）审批"]


def test_name_matches_come_before_keyword_matches_before_material_matches(county, township):
    office = builders.make_office(township=township)
    by_material = builders.make_item(township=township, office=office, code="A1", name="甲事项")
    by_material.materials.create(order=1, name="残疾人证")
    builders.make_item(township=township, office=office, code="A2", name="乙事项", keywords="残疾、补贴")
    builders.make_item(township=township, office=office, code="A3", name="残疾人两项补贴申请")
    assert _names(township, "残疾") == ["残疾人两项补贴申请", "乙事项", "甲事项"]


def test_words_split_on_spaces_and_chinese_punctuation_each_count_and_none_is_required(scene, township):
    assert _names(township, "宅基地 审批")[0] == "农村宅基地和建房（规划许可）审批"
    both = {"农村宅基地和建房（规划许可）审批", "最低生活保障审核确认"}
    for typed in ("宅基地 低保", " 宅基地、低保 ", "宅基地，低保"):
        assert both <= set(_names(township, typed)), typed  # two words, two things wanted


def test_search_is_limited_to_the_township(scene, township, other_township):
    office = builders.make_office(township=other_township)
    builders.make_item(township=other_township, office=office, name="宅基地复查", code="X-1")
    assert _names(township, "宅基地") == ["农村宅基地和建房（规划许可）审批"]


def test_retired_items_are_found_by_their_old_name_and_listed_last(scene, township):
    assert _names(township, "临时救助") == ["困难群众临时救助申请"]
    office = builders.make_office(township=township)
    builders.make_item(township=township, office=office, code="Z-1", name="临时救助金发放")
    assert _names(township, "临时救助") == ["临时救助金发放", "困难群众临时救助申请"]


def test_like_wildcards_typed_by_a_resident_are_taken_literally(scene, township):
    assert _names(township, "%") == []
    assert _names(township, "_") == []


def test_search_page_lists_results_with_where_to_go(client, scene, township):
    response = client.get(reverse("search", kwargs={"township": township.slug}), {"q": "宅基地"})
    # The item first; the post and list entry about homesteads follow (the search finds more than items now).
    html = response.content.decode()
    assert html.index(f'href="{scene.homestead.get_absolute_url()}"') < html.index("管理岗</a>")
    assertContains(response, "1楼 1号综合受理窗口")  # where to go: the window in the hall, not the office upstairs
    assertContains(response, 'value="宅基地"')


def test_merged_result_says_where_it_went(client, scene, township):
    response = client.get(reverse("search", kwargs={"township": township.slug}), {"q": "临时救助"})
    assertContains(response, "已合并到“最低生活保障审核确认”")


def test_no_result_says_whom_to_call(client, scene, township):
    response = client.get(reverse("search", kwargs={"township": township.slug}), {"q": "火星移民"})
    assertContains(response, "没有找到相关事项")
    assertContains(response, 'href="tel:03590100001"')  # the township's phone
    assertContains(response, "1号综合受理窗口")  # the general window, first-contact responsibility
    assertContains(response, 'href="tel:03590100011"')  # its A holder's office phone


def test_search_by_life_event_and_category(client, scene, township):
    url = reverse("search", kwargs={"township": township.slug})
    response = client.get(url, {"event": scene.birth_event.slug})
    assertContains(response, scene.birth.name)
    assertNotContains(response, scene.homestead.name)
    response = client.get(url, {"category": scene.land_cat.slug})
    assertContains(response, scene.homestead.name)
    assertNotContains(response, scene.birth.name)


def test_empty_search_explains_what_to_type(client, scene, township):
    response = client.get(reverse("search", kwargs={"township": township.slug}))
    assert response.status_code == 200
    assertContains(response, "如：宅基地、低保、营业执照、出生")


@pytest.mark.parametrize("params", [{"q": "宅基\x00地"}, {"category": "\x00"}, {"event": "a\x00"}])
def test_a_nul_character_in_the_search_is_ignored_not_a_server_error(client, scene, township, params):
    # A NUL pasted or typed into the address: PostgreSQL refuses it in any text parameter.
    response = client.get(reverse("search", kwargs={"township": township.slug}), params)
    assert response.status_code == 200


def test_a_result_gives_the_floor_of_the_window_not_of_the_items_office(client, county, township):
    upstairs = builders.make_office(township=township, name="社会事务办公室", floor=2)
    hall = builders.make_office(township=township, name="便民服务中心", floor=1)
    window = builders.make_window(township=township, office=hall, number=7, name="综合受理窗口")
    builders.make_item(township=township, office=upstairs, window=window, code="F-1", name="最低生活保障审核")

    response = client.get(reverse("search", kwargs={"township": township.slug}), {"q": "最低生活保障"})

    assertContains(response, "1楼 7号综合受理窗口")
    assertNotContains(response, "2楼 7号")


def test_moving_the_hall_to_another_floor_moves_its_windows_in_the_results(client, county, township):
    upstairs = builders.make_office(township=township, name="社会事务办公室", floor=2)
    hall = builders.make_office(township=township, name="便民服务中心", floor=1)
    window = builders.make_window(township=township, office=hall, number=7, name="综合受理窗口")
    builders.make_item(township=township, office=upstairs, window=window, code="F-2", name="最低生活保障审核")
    hall.floor = 3
    hall.save()

    response = client.get(reverse("search", kwargs={"township": township.slug}), {"q": "最低生活保障"})

    assertContains(response, "3楼 7号综合受理窗口")
