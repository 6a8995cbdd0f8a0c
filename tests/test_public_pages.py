"""What a resident sees on each public page: the township home, the one-time notice, the duty boards.

Each test reads the page as a resident would check it: is the thing there,
is the number dialable, does a retired item still answer at its address.
"""

import json
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from staff.models import Staff
from tests.public_scene import PRIVATE_MOBILE, PUBLIC_MOBILE, build_scene


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def scene(county, township):
    return build_scene(county=county, township=township)


def _text(response):
    """Return the visible text of a page with tags and whitespace removed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    # Chinese needs no spaces between words: drop all whitespace so phrases match across tags.
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", " ", html))


def _url(name, township, **kwargs):
    return reverse(name, kwargs={"township": township.slug, **kwargs})


class _Head(HTMLParser):
    """Collect <html lang>, <title>, meta tags and JSON-LD blocks."""

    def __init__(self):
        super().__init__()
        self.lang = None
        self.title = ""
        self.meta = {}
        self.jsonld = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta[key] = attrs.get("content")
        elif tag == "title":
            self._in = "title"
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in = "jsonld"
            self.jsonld.append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "jsonld":
            self.jsonld[-1] += data


def _head(response):
    parser = _Head()
    parser.feed(response.content.decode())
    return parser


# The township home -----------------------------------------------------------------------------


def test_township_home_says_where_when_and_whom_to_call(client, scene, township):
    response = client.get(township.get_absolute_url())
    assert response.status_code == 200
    text = _text(response)
    assert "东岭乡便民服务中心" in text
    assert township.address in text
    assert "周一至周五" in text
    assertContains(response, 'href="tel:03590100001"')  # 咨询电话 dials on tap
    assertContains(response, 'href="tel:12345"')  # 监督投诉电话
    assert "监督投诉" in text


def test_township_home_lists_offices_by_floor_with_windows_and_what_they_handle(client, scene, township):
    text = _text(client.get(township.get_absolute_url()))
    first, second = text.index("1楼"), text.index("2楼")
    assert first < text.index("便民服务中心·大厅") < second < text.index("自然资源和规划所·203室")
    assert "1号综合受理窗口：低保、高龄补贴、出生登记" in text
    assert "受理：卫健局、民政局、自然资源局" in text
    assert "2号市场监管专窗" in text


def test_township_home_offers_search_categories_life_events_and_every_in_force_item(client, scene, township):
    response = client.get(township.get_absolute_url())
    assertContains(response, f'action="{_url("search", township)}"')
    assertContains(response, 'name="q"')
    text = _text(response)
    assert "社会保障" in text and "自然资源" in text and "其他事项" in text
    assertContains(response, f'href="{_url("search", township)}?event={scene.birth_event.slug}"')
    for item in (scene.homestead, scene.dibao, scene.licence, scene.birth, scene.suspended, scene.uncategorised):
        assertContains(response, f'href="{item.get_absolute_url()}"')
    # Retired items are not offered; their pages still answer (see below).
    assertNotContains(response, f'href="{scene.withdrawn.get_absolute_url()}"')
    assertNotContains(response, f'href="{scene.merged.get_absolute_url()}"')


def test_township_home_links_lists_liaison_table_certificates_and_villages_with_agents(client, scene, township):
    response = client.get(township.get_absolute_url())
    for name in ("list_index", "liaison_table", "certificate_boards"):
        assertContains(response, f'href="{_url(name, township)}"')
    assertContains(response, f'href="{scene.village.get_absolute_url()}"')
    text = _text(response)
    assert "东岭村" in text and "孙代办" in text
    assertContains(response, 'href="tel:03590100031"')


# The one-time notice of an item ---------------------------------------------------------------


def test_item_page_leads_with_the_short_card(client, scene):
    text = _text(client.get(scene.homestead.get_absolute_url()))
    card = text[text.index("带什么") : text.index("带什么：申请材料")]
    for heading in ("带什么", "去哪里", "找谁", "多久", "跑几次"):
        assert heading in card
    assert "居民户口簿" in card
    assert "1楼便民服务中心1号综合受理窗口" in card
    assert "宅基地管理岗赵强" in card
    assert "承诺15个工作日" in card
    assert "最多跑2次" in card


def test_item_page_lists_materials_with_form_copies_source_and_deferral(client, scene):
    text = _text(client.get(scene.homestead.get_absolute_url()))
    assert "农村宅基地和建房（规划许可）申请表" in text
    assert "原件2份" in text
    assert "原件1份、复印件1份" in text  # 户口簿: original and a copy
    assert "复印件3份" in text
    assert "窗口领取或现场填写（窗口领取）" in text
    assert "政府部门核发（公安派出所核发）" in text
    assert "可后补（容缺）" in text


def test_item_page_names_the_post_its_a_and_b_holders_and_dialable_numbers(client, scene):
    response = client.get(scene.dibao.get_absolute_url())
    text = _text(response)
    assert "民政岗" in text
    assert "A角（主办）李明" in text
    assert "B角（不在时找）王芳" in text
    assertContains(response, 'href="tel:03590100011"')  # 李明's office phone
    assertContains(response, f'href="tel:{PUBLIC_MOBILE}"')  # 王芳 chose to publish her mobile
    assertNotContains(response, PRIVATE_MOBILE)
    assertContains(response, f'href="{scene.civil_post.get_absolute_url()}"')


def test_item_page_says_office_window_floor_room_and_directions(client, scene):
    response = client.get(scene.homestead.get_absolute_url())
    text = _text(response)
    assert "自然资源和规划所" in text
    assert "2楼，203室" in text
    assert "1号综合受理窗口" in text
    assert "1楼便民服务中心，大厅" in text  # the window is in the hall, not upstairs
    assertContains(response, f'href="{scene.land.get_absolute_url()}"')
    assertContains(response, f'href="{scene.general.get_absolute_url()}"')


def test_item_page_shows_numbered_steps_limits_visits_and_online_link(client, scene):
    response = client.get(scene.homestead.get_absolute_url())
    assertContains(response, '<ol class="steps">')
    text = _text(response)
    assert text.index("申请") < text.index("村级审查") < text.index("乡镇审批")
    assert "承诺时限15个工作日" in text
    assert "法定时限20个工作日" in text
    assert "到现场最多跑2次（现场勘查需本人在场）" in text  # the card's words (issue 14: card and details agree)
    assert "网上申请，现场核验" in text
    assertContains(response, 'href="https://example.invalid/apply"')
    assert "不收费" in text


def test_item_page_says_proxy_home_visit_locker_and_legal_basis(client, scene):
    text = _text(client.get(scene.homestead.get_absolute_url()))
    assert "帮代办（工作人员帮您跑）：可以" in text
    assert "上门办（老弱病残可预约上门）：不提供" in text
    assert "错时办（下班后自助柜投递）：可以" in text
    assert "《中华人民共和国土地管理法》" in text and "第六十二条" in text
    assert "本级办理" in text


def test_item_carried_to_the_county_says_which_department(client, scene):
    text = _text(client.get(scene.dibao.get_absolute_url()))
    assert "受理后代办至县级部门" in text
    assert "瑞河县民政局" in text


def test_item_page_says_when_and_by_which_office_it_was_last_checked(client, scene):
    text = _text(client.get(scene.homestead.get_absolute_url()))
    assert "最近核对：2026年10月8日（自然资源和规划所）" in text


def test_withdrawn_item_still_answers_with_a_dated_notice(client, scene):
    response = client.get(scene.withdrawn.get_absolute_url())
    assert response.status_code == 200
    text = _text(response)
    assert "本事项已于2025年3月1日取消" in text
    assert "上级收回" in text
    assert "带什么：申请材料" not in text  # an outdated guide is not shown


def test_merged_item_still_answers_and_links_to_where_it_went(client, scene):
    response = client.get(scene.merged.get_absolute_url())
    assert response.status_code == 200
    assert "本事项已于2025年6月1日合并到" in _text(response)
    assertContains(response, f'href="{scene.dibao.get_absolute_url()}"')
    assertContains(response, scene.dibao.name)


def test_suspended_item_shows_a_dated_banner_with_the_reason_and_still_the_guide(client, scene):
    text = _text(client.get(scene.suspended.get_absolute_url()))
    assert "自2026年11月1日起暂停办理" in text
    assert "预计2099年12月31日恢复" in text
    assert "系统升级，暂停受理" in text
    assert "带什么" in text


def test_item_of_another_township_is_not_found_under_this_one(client, scene, other_township):
    url = reverse("service_item", kwargs={"township": other_township.slug, "pk": scene.homestead.pk})
    assert client.get(url).status_code == 404


def test_item_page_carries_government_service_json_ld(client, scene):
    head = _head(client.get(scene.homestead.get_absolute_url()))
    assert len(head.jsonld) == 1
    data = json.loads(head.jsonld[0])
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "GovernmentService"
    assert data["name"] == scene.homestead.name
    assert data["url"] == "http://127.0.0.1:8000" + scene.homestead.get_absolute_url()
    assert data["provider"]["@type"] == "GovernmentOrganization"
    assert data["availableChannel"]["servicePhone"]["telephone"] == "0359-0100021"
    # 15 working days are no ISO 8601 duration (P15D would be 15 calendar days): said in words (issue 14).
    assert "processingTime" not in data["availableChannel"]
    assert data["availableChannel"]["description"] == "承诺15个工作日办结"
    # The service is delivered at the window, not on the office's floor.
    assert data["availableChannel"]["serviceLocation"]["name"].endswith("1号综合受理窗口")


def test_json_ld_cannot_be_broken_out_of_by_a_clerk_typing_markup(client, scene):
    scene.homestead.summary = "</script><script>alert(1)</script>"
    scene.homestead.save()
    response = client.get(scene.homestead.get_absolute_url())
    assertNotContains(response, "<script>alert(1)")
    head = _head(response)
    assert json.loads(head.jsonld[0])["description"] == scene.homestead.summary


def test_pages_have_title_language_and_open_graph_for_wechat_sharing(client, scene, settings):
    settings.PORTAL_BASE_URL = "https://bm.example.gov.cn"
    head = _head(client.get(scene.homestead.get_absolute_url(), HTTP_HOST="127.0.0.1"))
    assert head.lang == "zh-Hans"
    assert head.title == "农村宅基地和建房（规划许可）审批｜东岭乡便民服务"
    assert head.meta["og:title"] == head.title
    assert head.meta["og:description"] == "农村村民申请宅基地建房。"
    # Built from the configured public address, never from the request's host.
    assert head.meta["og:url"] == "https://bm.example.gov.cn" + scene.homestead.get_absolute_url()
    assert head.meta["viewport"] == "width=device-width, initial-scale=1"


# Duty boards -----------------------------------------------------------------------------------


def test_office_page_shows_place_windows_posts_and_holders(client, scene):
    response = client.get(scene.centre.get_absolute_url())
    text = _text(response)
    assert "便民服务中心" in text and "1楼，大厅" in text and "进大门右手" in text
    assert "1号综合受理窗口" in text
    assert "民政岗" in text and "李明" in text and "王芳" in text
    assertContains(response, 'href="tel:03590100010"')
    assertContains(response, f'href="{scene.dibao.get_absolute_url()}"')


def test_window_page_shows_its_a_and_b_staff_and_departments(client, scene):
    response = client.get(scene.general.get_absolute_url())
    text = _text(response)
    assert "1号综合受理窗口" in text
    assert "A角（主办）李明" in text and "B角（不在时找）王芳" in text
    assert "瑞河县民政局" in text and "瑞河县卫生健康局" in text
    assertContains(response, f'href="{scene.birth.get_absolute_url()}"')


def test_post_page_is_the_duty_board_with_county_counterparts(client, scene):
    response = client.get(scene.civil_post.get_absolute_url())
    text = _text(response)
    assert "民政岗" in text and "低保、特困、高龄补贴受理。" in text
    assert "A角（主办）李明" in text
    assert "瑞河县民政局" in text and "周县联" in text
    assert "瑞河县卫生健康局" in text and "吴县联" in text
    assertContains(response, 'href="tel:03590200001"')


def test_village_page_shows_service_room_agent_and_its_lists(client, scene):
    response = client.get(scene.village.get_absolute_url())
    text = _text(response)
    assert "东岭村便民服务室" in text and "村委会一楼" in text and "孙代办" in text
    assertContains(response, 'href="tel:03590100031"')
    assertContains(response, f'href="{scene.village_list.get_absolute_url()}"')
    assertContains(response, f'href="{scene.village_item.get_absolute_url()}"')


# Lists -----------------------------------------------------------------------------------------


def test_list_index_shows_township_lists_and_village_lists_under_their_village(client, scene, township):
    text = _text(client.get(_url("list_index", township)))
    assert "东岭乡权责清单" in text and "2026年版" in text and "2026年1月1日发布" in text
    assert text.index("东岭村") < text.index("东岭村工作准入清单")
    assert "村级工作准入清单" in text


def test_list_page_shows_entries_with_version_basis_and_responsible_office(client, scene):
    text = _text(client.get(scene.powers.get_absolute_url()))
    assert "版本2026年版" in text and "发布日期2026年1月1日" in text
    assert "99.农村宅基地审批" in text
    assert "《中华人民共和国土地管理法》第六十二条" in text
    assert "自然资源和规划所" in text and "瑞河县自然资源局" in text


def test_list_can_be_filtered_by_power_type(client, scene):
    response = client.get(scene.powers.get_absolute_url() + "?type=行政许可")
    text = _text(response)
    assert "农村宅基地审批" in text
    assert "条目1" not in text  # 公共服务 entries are filtered out
    assert "共1条" in text
    # An unknown type shows everything rather than an empty page.
    assert "条目1" in _text(client.get(scene.powers.get_absolute_url() + "?type=胡乱"))


def test_village_list_page_leads_back_to_its_village(client, scene):
    response = client.get(scene.village_list.get_absolute_url())
    assertContains(response, f'href="{scene.village.get_absolute_url()}"')


# Liaison table and certificate boards ----------------------------------------------------------


def test_liaison_table_by_post_shows_both_sides_and_one_to_many(client, scene, township):
    response = client.get(_url("liaison_table", township))
    text = _text(response)
    post_part = text[text.index("民政岗") : text.index("返回乡镇首页")]  # the last post before the footer
    assert "瑞河县民政局" in post_part and "瑞河县卫生健康局" in post_part  # 一对多
    assert "李明" in post_part and "周县联" in post_part
    assertContains(response, 'href="tel:03590100011"')
    assertContains(response, 'href="tel:03590200001"')


def test_liaison_table_by_department_groups_many_posts_under_one_department(client, scene, township):
    text = _text(client.get(_url("liaison_table", township) + "?by=department"))
    # rindex: the departments' headings, after the page's index of departments.
    civil = text[text.rindex("瑞河县民政局") : text.rindex("瑞河县自然资源局")]
    assert "民政岗" in civil and "加岗0" in civil  # 多对一


def test_certificate_boards_show_may_issue_and_may_not_with_alternative(client, scene, township):
    response = client.get(_url("certificate_boards", township))
    text = _text(response)
    may, may_not = text.index("可以出具的证明"), text.index("不再出具的证明")
    # Issue 17: the may-not board, the one residents look for, comes first.
    assert may_not < text.index("出生证明") < may
    assert may < text.index("党员到居住地报到情况反馈")
    assert "凭已有证件" in text and "由医疗机构出具《出生医学证明》。" in text and "助产医疗机构" in text
    assertContains(response, f'href="{scene.birth.get_absolute_url()}"')
    assertContains(response, 'href="https://example.invalid/birth"')


def test_directory_lists_townships(client, scene, township):
    response = client.get(reverse("directory"))
    assertContains(response, f'href="{township.get_absolute_url()}"')


# Every page ------------------------------------------------------------------------------------


def _every_page(scene, township):
    return [
        township.get_absolute_url(),
        scene.homestead.get_absolute_url(),
        scene.dibao.get_absolute_url(),
        scene.withdrawn.get_absolute_url(),
        scene.merged.get_absolute_url(),
        scene.suspended.get_absolute_url(),
        _url("search", township) + "?q=低保",
        _url("search", township) + "?q=没有这种事",
        _url("list_index", township),
        scene.powers.get_absolute_url(),
        scene.village_list.get_absolute_url(),
        _url("liaison_table", township),
        _url("liaison_table", township) + "?by=department",
        _url("certificate_boards", township),
        scene.village.get_absolute_url(),
        scene.centre.get_absolute_url(),
        scene.land.get_absolute_url(),
        scene.general.get_absolute_url(),
        scene.civil_post.get_absolute_url(),
    ]


def test_every_page_shows_the_township_a_way_home_and_its_phone(client, scene, township):
    for url in _every_page(scene, township):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "东岭乡" in _text(response), url
        assertContains(response, f'href="{township.get_absolute_url()}"', msg_prefix=url)
        assertContains(response, 'href="tel:03590100001"', msg_prefix=url)


def test_a_private_mobile_never_appears_on_any_public_page(client, scene, township):
    # 李明 holds posts and a window and liaises with the county: he is everywhere.
    assert Staff.objects.get(mobile=PRIVATE_MOBILE).mobile_public is False
    for url in [*_every_page(scene, township), reverse("directory")]:
        response = client.get(url)
        assertNotContains(response, PRIVATE_MOBILE, msg_prefix=url)
        assertNotContains(response, PRIVATE_MOBILE[1:], msg_prefix=url)


def test_every_page_has_one_h1_labelled_search_and_no_image_without_alt(client, scene, township):
    for url in _every_page(scene, township):
        html = client.get(url).content.decode()
        assert html.count("<h1") == 1, url
        assert '<label class="sr-only" for="search-q">' in html, url
        for img in re.findall(r"<img[^>]*>", html):
            assert 'alt="' in img, (url, img)
