"""信息有误？ Every public page links to a short form; a report lands in its township's queue; a clerk closes it."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from feedback.models import Case, CaseEvent, Kind, Status
from tests.feedback_scene import build_feedback_scene


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # page cache and rate-limit counters


@pytest.fixture
def scene(county, township, other_township):
    return build_feedback_scene(county=county, township=township, other_township=other_township)


def _pages(s):
    slug = s.a.slug
    return {
        "item": (s.item.get_absolute_url(), f"/t/{slug}/report/item/{s.item.pk}/"),
        "office": (f"/t/{slug}/offices/{s.office.pk}/", f"/t/{slug}/report/office/{s.office.pk}/"),
        "window": (f"/t/{slug}/windows/{s.window.pk}/", f"/t/{slug}/report/window/{s.window.pk}/"),
        "post": (f"/t/{slug}/posts/{s.post.pk}/", f"/t/{slug}/report/post/{s.post.pk}/"),
        "village": (f"/t/{slug}/villages/{s.village.pk}/", f"/t/{slug}/report/village/{s.village.pk}/"),
        "liaison": (f"/t/{slug}/liaison/", f"/t/{slug}/report/liaison/"),
        "certificate": (f"/t/{slug}/certificates/", f"/t/{slug}/report/certificate/"),
    }


def test_every_kind_of_public_page_links_to_the_report_form_which_opens(client, scene):
    for name, (page, form) in _pages(scene).items():
        html = client.get(page).content.decode()
        assert f'href="{form}"' in html, name
        assert "信息有误？" in html, name
        response = client.get(form)
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"], name
        assert "只有本乡镇便民服务中心的工作人员能看到您的称呼和电话" in response.content.decode(), name  # as asked


def test_a_report_lands_in_the_owning_townships_queue_linked_to_the_object(client, scene):
    response = client.post(
        f"/t/{scene.a.slug}/report/post/{scene.post.pk}/",
        {"problem": "phone", "note": "电话打不通，应该是 0359-0100099", "name": "张三", "phone": "10012345678"},
        follow=True,
    )
    assert response.status_code == 200
    assert "已收到" in response.content.decode()
    case = Case.objects.get()
    assert (case.township, case.kind, case.status, case.post, case.about) == (
        scene.a,
        Kind.REPORT,
        Status.NEW,
        scene.post,
        "post",
    )
    assert case.due_on is not None and case.due_on > timezone.localdate(case.created_at)
    assert case.reference in response.content.decode()
    assert list(CaseEvent.objects.filter(case=case).values_list("status", flat=True)) == [Status.NEW]


def test_a_page_level_report_needs_no_object(client, scene):
    client.post(f"/t/{scene.a.slug}/report/liaison/", {"problem": "person", "note": "县民政局联系人换了"})
    case = Case.objects.get()
    assert case.about == "liaison" and case.target is None


def test_the_form_reshows_what_was_typed_with_chinese_messages(client, scene):
    response = client.post(
        f"/t/{scene.a.slug}/report/item/{scene.item.pk}/",
        {"note": "材料清单少了户口簿", "name": "张三", "phone": "12345"[:3]},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "请改正下面标红的地方" in html
    assert "这个字段是必填项。" in html  # problem missing
    assert "电话号码格式不正确" in html
    assert "材料清单少了户口簿" in html and 'value="张三"' in html
    assert Case.objects.count() == 0


def test_other_without_a_note_is_refused(client, scene):
    response = client.post(f"/t/{scene.a.slug}/report/item/{scene.item.pk}/", {"problem": "other"})
    assert "请写一句哪里不对" in response.content.decode()
    assert Case.objects.count() == 0


def test_an_object_of_another_township_cannot_be_reported_through_this_one(client, scene):
    assert client.get(f"/t/{scene.a.slug}/report/item/{scene.b_item.pk}/").status_code == 404
    assert client.get(f"/t/{scene.a.slug}/report/nonsense/1/").status_code == 404


def test_the_clerk_closes_a_report_with_what_was_done(client, scene):
    client.post(f"/t/{scene.a.slug}/report/post/{scene.post.pk}/", {"problem": "phone", "note": "空号"})
    case = Case.objects.get()
    client.force_login(scene.clerk_a)
    url = reverse("admin:feedback_case_change", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200 and "空号" in page.content.decode()
    data = {"action": "done", "resolution": "已核实，电话改为 0359-0100099", "callback_result": ""}
    response = client.post(url, data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DONE and case.owner == scene.clerk_a and case.closed_at is not None
    assert case.resolution.startswith("已核实")
    assert list(case.events.values_list("status", flat=True)) == ["new", "accepted", "done"]


def test_closing_without_saying_what_was_done_is_refused(client, scene):
    client.post(f"/t/{scene.a.slug}/report/post/{scene.post.pk}/", {"problem": "phone", "note": "空号"})
    case = Case.objects.get()
    client.force_login(scene.clerk_a)
    url = reverse("admin:feedback_case_change", args=[case.pk])
    response = client.post(url, {"action": "done", "resolution": "", "callback_result": ""}, follow=True)
    assert "请写明做了什么" in response.content.decode()
    case.refresh_from_db()
    assert case.status != Status.DONE


def test_the_report_link_adds_no_query_to_public_pages(client, scene, django_assert_max_num_queries):
    # The link is built from the page's township and the object's id only.
    from django.template import Context, Template

    template = Template('{% include "feedback/report_link.html" with target=item %}')
    with django_assert_max_num_queries(0):
        html = template.render(Context({"item": scene.item, "township": scene.a}))
    assert f"/t/{scene.a.slug}/report/item/{scene.item.pk}/" in html
