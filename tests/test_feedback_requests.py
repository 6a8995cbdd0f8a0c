"""帮代办/预约/上门办: a reference number, a status page behind the phone's last four digits, 首问负责."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from feedback.cases import CaseTakenError, case_advance, case_take
from feedback.models import Case, Status
from tests.feedback_scene import RESIDENT_PHONE, build_feedback_scene, strip_csrf
from workdays.models import CalendarDay


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def scene(county, township, other_township):
    return build_feedback_scene(county=county, township=township, other_township=other_township)


def _ask(client, s, item=None, **overrides):
    data = {
        "service": "home_visit",
        "name": "赵大爷",
        "phone": RESIDENT_PHONE,
        "village_name": "东岭村",
        "preferred_time": "morning",
        "note": "腿脚不便",
        **overrides,
    }
    item = item or s.item
    return client.post(reverse("feedback_request", kwargs={"township": s.a.slug, "pk": item.pk}), data)


def _status(client, s, reference, suffix):
    return client.post(
        reverse("feedback_status", kwargs={"township": s.a.slug}), {"reference": reference, "phone_suffix": suffix}
    )


def test_the_item_page_offers_only_what_the_item_offers(client, scene):
    html = client.get(scene.item.get_absolute_url()).content.decode()
    assert "申请帮代办" in html and "申请上门办" in html and "预约办理" in html
    plain = client.get(scene.plain_item.get_absolute_url()).content.decode()
    assert "申请帮代办" not in plain and "申请上门办" not in plain and "预约办理" in plain
    form = client.get(reverse("feedback_request", kwargs={"township": scene.a.slug, "pk": scene.plain_item.pk}))
    assert 'value="home_visit"' not in form.content.decode()
    assert _ask(client, scene, item=scene.plain_item).status_code == 200
    assert Case.objects.count() == 0  # home visit is not offered for this item


def test_every_phone_box_opens_the_phones_number_keypad(client, scene):
    slug, item = scene.a.slug, scene.item
    for url in (
        reverse("feedback_request", kwargs={"township": slug, "pk": item.pk}),
        f"/t/{slug}/report/item/{item.pk}/",
    ):
        html = client.get(url).content.decode()
        phone_input = re.search(r'<input[^>]*name="phone"[^>]*>', html)
        assert phone_input and 'type="tel"' in phone_input[0], url


def test_a_withdrawn_item_takes_no_requests(client, scene):
    url = reverse("feedback_request", kwargs={"township": scene.a.slug, "pk": scene.withdrawn.pk})
    assert client.get(url).status_code == 404


def test_a_request_gets_a_reference_and_its_status_page_shows_each_step(client, scene):
    response = _ask(client, scene)
    case = Case.objects.get()
    assert re.fullmatch(r"\d{8}", case.reference)
    receipt = client.get(response["Location"])  # the receipt is a page of its own: a reload posts nothing
    assert case.reference in receipt.content.decode()
    assert client.get(response["Location"]).status_code == 200 and Case.objects.count() == 1
    assert (case.service, case.item, case.name, case.phone) == ("home_visit", scene.item, "赵大爷", RESIDENT_PHONE)

    page = _status(client, scene, case.reference, RESIDENT_PHONE[-4:]).content.decode()
    assert "已收到" in page and "上门办" in page and scene.item.name in page

    case_take(case=case, user=scene.clerk_a)
    page = _status(client, scene, case.reference, RESIDENT_PHONE[-4:]).content.decode()
    assert "已受理" in page and "首问负责人：王芳" in page

    case_advance(case=case, user=scene.clerk_a, status=Status.IN_PROGRESS)
    case_advance(case=case, user=scene.clerk_a, status=Status.DONE, resolution="已上门办理")
    page = _status(client, scene, case.reference, RESIDENT_PHONE[-4:]).content.decode()
    assert "办理中" in page and "已办结" in page and "已上门办理" in page
    assert "评价这次办理" in page


def test_a_declined_request_shows_the_reason(client, scene):
    _ask(client, scene)
    case = Case.objects.get()
    case_advance(case=case, user=scene.clerk_a, status=Status.DECLINED, resolution="本事项须本人到场签字")
    page = _status(client, scene, case.reference, RESIDENT_PHONE[-4:]).content.decode()
    assert "不予办理" in page and "本事项须本人到场签字" in page


def test_a_wrong_phone_suffix_reveals_nothing(client, scene):
    _ask(client, scene)
    case = Case.objects.get()
    wrong = _status(client, scene, case.reference, "0000")
    unknown = _status(client, scene, "12345678" if case.reference != "12345678" else "87654321", "0000")
    html = wrong.content.decode()
    assert "没有查到" in html
    for secret in ("赵大爷", RESIDENT_PHONE, "上门办", scene.item.name, "已收到"):
        assert secret not in html
    # Same page whether the number exists or not (the typed number is echoed back in both).
    assert strip_csrf(html).replace(case.reference, "X") == strip_csrf(unknown.content.decode()).replace(
        unknown.wsgi_request.POST["reference"], "X"
    )


def test_the_status_page_is_never_cached_and_needs_no_account(client, scene):
    response = client.get(reverse("feedback_status", kwargs={"township": scene.a.slug}))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_first_clerk_to_take_a_case_owns_it(client, scene):
    _ask(client, scene)
    case = Case.objects.get()
    case_take(case=case, user=scene.clerk_a)
    with pytest.raises(CaseTakenError):
        case_take(case=case, user=scene.clerk_a2)
    with pytest.raises(CaseTakenError):
        case_advance(case=case, user=scene.clerk_a2, status=Status.DONE, resolution="抢着办结")
    case.refresh_from_db()
    assert case.owner == scene.clerk_a and case.status == Status.ACCEPTED


def test_the_take_action_in_the_admin_records_the_first_clerk(client, scene):
    _ask(client, scene)
    case = Case.objects.get()
    client.force_login(scene.clerk_a2)
    url = reverse("admin:feedback_case_changelist")
    client.post(url, {"action": "take_cases", "_selected_action": [case.pk]}, follow=True)
    case.refresh_from_db()
    assert case.owner == scene.clerk_a2
    client.force_login(scene.clerk_a)
    response = client.post(url, {"action": "take_cases", "_selected_action": [case.pk]}, follow=True)
    case.refresh_from_db()
    assert case.owner == scene.clerk_a2
    html = response.content.decode()
    assert "已受理 1 件" not in html and "已由" in html


def test_a_clerk_of_another_township_can_neither_see_nor_act_on_a_case(client, scene):
    _ask(client, scene)
    case = Case.objects.get()
    with pytest.raises(PermissionDenied):
        case_take(case=case, user=scene.clerk_b)
    client.force_login(scene.clerk_b)
    changelist = client.get(reverse("admin:feedback_case_changelist"))
    assert changelist.status_code == 200
    assert case.reference not in changelist.content.decode() and "赵大爷" not in changelist.content.decode()
    change = client.get(reverse("admin:feedback_case_change", args=[case.pk]))
    assert change.status_code in (302, 403, 404)
    assert "赵大爷" not in change.content.decode()
    client.post(
        reverse("admin:feedback_case_change", args=[case.pk]),
        {"action": "done", "resolution": "x", "callback_result": ""},
    )
    client.post(reverse("admin:feedback_case_changelist"), {"action": "take_cases", "_selected_action": [case.pk]})
    case.refresh_from_db()
    assert case.status == Status.NEW and case.owner is None


def test_a_case_cannot_be_looked_up_through_another_township(client, scene):
    _ask(client, scene)
    case = Case.objects.get()
    url = reverse("feedback_status", kwargs={"township": scene.b.slug})
    page = client.post(url, {"reference": case.reference, "phone_suffix": RESIDENT_PHONE[-4:]}).content.decode()
    assert "没有查到" in page and "赵大爷" not in page


def test_the_request_form_reshows_what_was_typed_in_chinese(client, scene):
    response = _ask(client, scene, phone="abc", preferred_date="2020-01-01")
    html = response.content.decode()
    assert "电话号码格式不正确" in html and "希望的日期不能早于今天" in html
    assert 'value="赵大爷"' in html and "腿脚不便" in html and 'value="东岭村"' in html
    assert Case.objects.count() == 0


def _next(weekday, after):
    return after + datetime.timedelta(days=(weekday - after.weekday()) % 7 or 7)


def test_a_weekend_or_a_holiday_is_refused_with_the_next_working_day_offered(client, scene):
    today = timezone.localdate()
    sunday = _next(6, today)
    CalendarDay.objects.filter(date__range=(today, sunday + datetime.timedelta(days=10))).delete()  # a plain week
    html = _ask(client, scene, preferred_date=sunday.isoformat()).content.decode()
    monday = sunday + datetime.timedelta(days=1)
    assert f"{sunday.month}月{sunday.day}日（周日）是休息日" in html
    assert f"比如{monday.month}月{monday.day}日（周一）" in html
    assert 'value="赵大爷"' in html and "腿脚不便" in html  # what was typed is still there
    assert Case.objects.count() == 0

    tuesday = _next(1, sunday)
    CalendarDay.objects.create(date=tuesday, kind=CalendarDay.Kind.HOLIDAY, name="测试假日")
    html = _ask(client, scene, preferred_date=tuesday.isoformat()).content.decode()
    assert f"{tuesday.month}月{tuesday.day}日（周二）是休息日" in html and Case.objects.count() == 0

    wednesday = tuesday + datetime.timedelta(days=1)
    _ask(client, scene, preferred_date=wednesday.isoformat())
    assert Case.objects.get().preferred_date == wednesday


def test_a_make_up_working_saturday_can_be_chosen(client, scene):
    saturday = _next(5, timezone.localdate())
    CalendarDay.objects.update_or_create(
        date=saturday, defaults={"kind": CalendarDay.Kind.MAKEUP_WORKDAY, "name": "调休"}
    )
    _ask(client, scene, preferred_date=saturday.isoformat())
    assert Case.objects.get().preferred_date == saturday


@pytest.mark.parametrize(
    "typed", ["100 1234 5678", "100-1234-5678", "+86 100 1234 5678", "１００１２３４５６７８", "＋８６ 10012345678"]
)
def test_a_phone_number_is_taken_as_people_write_it(client, scene, typed):
    _ask(client, scene, phone=typed)
    assert Case.objects.get().phone == "10012345678"
