"""好差评: the five GB/T 39046 levels with their codes, one rating per case, a poor one opens a dated call-back."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from feedback.cases import case_advance, rating_submit, request_submit
from feedback.models import Case, Kind, Rating, Status
from portal import codes
from tests.feedback_scene import RESIDENT_PHONE, build_feedback_scene
from workdays.dates import working_day_add


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def scene(county, township, other_township):
    return build_feedback_scene(county=county, township=township, other_township=other_township)


def _done_request(s):
    case = request_submit(township=s.a, item=s.item, service="proxy", name="钱大妈", phone=RESIDENT_PHONE)
    return case_advance(case=case, user=s.clerk_a, status=Status.DONE, resolution="已代办")


def test_the_item_rating_form_shows_the_five_levels_with_their_codes(client, scene):
    html = client.get(reverse("feedback_rate_item", kwargs={"township": scene.a.slug, "pk": scene.item.pk})).content
    html = html.decode()
    for label in ("1 非常满意", "2 满意", "3 基本满意", "4 不满意", "5 非常不满意"):
        assert label in html


def test_a_good_rating_from_a_printed_code_is_recorded_with_its_channel(client, scene):
    url = reverse("feedback_rate_item", kwargs={"township": scene.a.slug, "pk": scene.item.pk})
    page = client.get(url + "?channel=qr").content.decode()
    assert 'name="channel" value="qr"' in page
    client.post(url, {"level": "1", "channel": "qr", "comment": "很快"})
    rating = Rating.objects.get()
    assert (rating.level, rating.channel, rating.item, rating.township) == (1, "qr", scene.item, scene.a)
    assert not Case.objects.filter(kind=Kind.FOLLOWUP).exists()


def test_a_rating_given_after_scanning_the_items_printed_code_is_recorded_as_by_qr_code(client, scene):
    code = codes.code_for_target(scene.item, township=scene.a)
    scanned = client.get(f"/q/{code.code}")
    assert scanned.status_code == 302 and scanned["Location"].endswith(scene.item.get_absolute_url())
    url = reverse("feedback_rate_item", kwargs={"township": scene.a.slug, "pk": scene.item.pk})
    page = client.get(url).content.decode()  # the 好差评 link on the item page carries nothing
    assert 'name="channel" value="qr"' in page
    client.post(url, {"level": "2", "channel": "qr", "comment": ""})

    other_phone = Client()  # came by a link in a chat, not by the code
    assert 'name="channel" value="web"' in other_phone.get(url).content.decode()
    other_item = reverse("feedback_rate_item", kwargs={"township": scene.a.slug, "pk": scene.plain_item.pk})
    assert 'name="channel" value="web"' in client.get(other_item).content.decode()  # the code led elsewhere
    assert Rating.objects.get().channel == "qr"


def test_a_poor_rating_opens_a_follow_up_due_in_working_days(client, scene):
    url = reverse("feedback_rate_item", kwargs={"township": scene.a.slug, "pk": scene.item.pk})
    client.post(url, {"level": "5", "channel": "web", "comment": "窗口没人", "phone": "10087654321"})
    followup = Case.objects.get(kind=Kind.FOLLOWUP)
    rating = Rating.objects.get()
    assert followup.poor_rating == rating and followup.phone == "10087654321"
    assert followup.due_on == working_day_add(timezone.localdate(followup.created_at), 3).date


def test_a_follow_up_is_closed_only_with_the_call_back_result(scene):
    rating_submit(township=scene.a, item=scene.item, level=4, channel="web")
    followup = Case.objects.get(kind=Kind.FOLLOWUP)
    with pytest.raises(ValidationError):
        case_advance(case=followup, user=scene.clerk_a, status=Status.DONE, resolution="已处理")
    case_advance(
        case=followup,
        user=scene.clerk_a,
        status=Status.DONE,
        resolution="已整改",
        callback_result="已回电，群众表示理解",
    )
    followup.refresh_from_db()
    assert followup.status == Status.DONE and followup.callback_result.startswith("已回电")


def test_a_finished_request_is_rated_once_from_its_status_page(client, scene):
    case = _done_request(scene)
    url = reverse("feedback_rate_case", kwargs={"township": scene.a.slug})
    data = {"reference": case.reference, "phone_suffix": RESIDENT_PHONE[-4:], "level": "2", "channel": "web"}
    assert "谢谢您的评价" in client.post(url, data, follow=True).content.decode()
    again = client.post(url, {**data, "level": "5"}).content.decode()
    assert "已经评价过了" in again
    assert Rating.objects.filter(case=case).count() == 1 and Rating.objects.get().level == 2


def test_a_case_cannot_be_rated_with_a_wrong_suffix_or_before_it_is_done(client, scene):
    case = _done_request(scene)
    url = reverse("feedback_rate_case", kwargs={"township": scene.a.slug})
    client.post(url, {"reference": case.reference, "phone_suffix": "0000", "level": "5", "channel": "web"})
    assert Rating.objects.count() == 0
    open_case = request_submit(township=scene.a, item=scene.item, service="proxy", name="孙", phone="10011112222")
    with pytest.raises(ValidationError):
        rating_submit(township=scene.a, case=open_case, level=1, channel="web")


def test_a_poor_rating_of_a_request_calls_back_the_requesters_phone(scene):
    case = _done_request(scene)
    rating_submit(township=scene.a, case=case, level=5, channel="web", comment="拖了很久")
    followup = Case.objects.get(kind=Kind.FOLLOWUP)
    assert followup.phone == RESIDENT_PHONE and followup.item == scene.item


@pytest.mark.django_db
def test_a_follow_up_due_date_skips_the_national_day_holidays():
    # 2026-09-30 is a Wednesday; 1–7 October are holidays and Saturday 10 October is worked instead.
    from feedback.deadlines import due_on

    assert due_on("followup", datetime.date(2026, 9, 30)).date == datetime.date(2026, 10, 10)
