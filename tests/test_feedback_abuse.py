"""Abuse without a captcha: per-client limits, a honeypot, bounded fields; over the limit nothing is stored."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from feedback.models import Case, Rating
from tests.feedback_scene import build_feedback_scene


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def scene(county, township, other_township):
    return build_feedback_scene(county=county, township=township, other_township=other_township)


def _report_url(s):
    return reverse("feedback_report", kwargs={"township": s.a.slug, "about": "item", "pk": s.item.pk})


def test_500_submissions_from_one_client_store_at_most_the_limit(client, scene, settings):
    settings.PORTAL_FEEDBACK_RATE = "10/h"
    statuses = [
        client.post(_report_url(scene), {"problem": "phone", "note": f"第{i}次"}).status_code for i in range(500)
    ]
    assert Case.objects.count() == 10
    assert statuses.count(429) == 490
    refused = client.post(_report_url(scene), {"problem": "phone", "note": "again"})
    assert refused.status_code == 429 and "请稍后再试" in refused.content.decode()


def test_a_resident_correcting_a_refused_form_has_not_used_up_submissions(client, scene, settings):
    settings.PORTAL_FEEDBACK_RATE = "2/h"
    for _ in range(4):  # "其他" without a word of what is wrong: refused, nothing stored
        assert client.post(_report_url(scene), {"problem": "other"}).status_code == 200
    assert Case.objects.count() == 0
    for note in ("电话打不通", "地址写错了"):
        assert client.post(_report_url(scene), {"problem": "other", "note": note}).status_code == 302  # received
    assert Case.objects.count() == 2  # both stored: the corrections did not count
    assert client.post(_report_url(scene), {"problem": "phone"}).status_code == 429  # the third submission


def test_a_flood_of_bad_forms_is_capped_too(client, scene, settings):
    settings.PORTAL_FEEDBACK_RATE = "2/h"  # so every POST counts against 6 an hour
    statuses = [client.post(_report_url(scene), {"problem": "other"}).status_code for _ in range(10)]
    assert statuses == [200] * 6 + [429] * 4 and Case.objects.count() == 0


def test_another_client_is_not_limited_by_the_first(scene, settings):
    settings.PORTAL_FEEDBACK_RATE = "2/h"
    flood, other = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(5):
        flood.post(_report_url(scene), {"problem": "phone"})
    assert other.post(_report_url(scene), {"problem": "hours"}).status_code == 302
    assert Case.objects.count() == 3


def test_the_limit_covers_every_form(client, scene, settings):
    settings.PORTAL_FEEDBACK_RATE = "1/h"
    client.post(_report_url(scene), {"problem": "phone"})
    rate = reverse("feedback_rate_item", kwargs={"township": scene.a.slug, "pk": scene.item.pk})
    assert client.post(rate, {"level": "1", "channel": "web"}).status_code == 429
    assert Rating.objects.count() == 0


def test_a_filled_honeypot_looks_received_and_stores_nothing(client, scene):
    response = client.post(
        _report_url(scene), {"problem": "phone", "note": "buy now", "website": "http://spam"}, follow=True
    )
    assert response.status_code == 200 and "已收到" in response.content.decode()
    assert Case.objects.count() == 0


def test_the_honeypot_is_hidden_without_css_or_script(client, scene):
    html = client.get(_report_url(scene)).content.decode()
    assert '<div hidden aria-hidden="true">' in html and 'name="website"' in html


def test_an_oversize_body_is_refused_before_anything_is_read(client, scene):
    response = client.post(_report_url(scene), {"problem": "phone", "note": "长" * 5000})
    assert response.status_code == 413 and "太长" in response.content.decode()
    assert Case.objects.count() == 0


def test_every_field_is_bounded(client, scene):
    response = client.post(_report_url(scene), {"problem": "phone", "note": "长" * 501, "name": "名" * 31})
    html = response.content.decode()
    assert "不超过 500 字符" in html and "不超过 30 字符" in html
    assert Case.objects.count() == 0


def test_the_form_works_with_a_fresh_session_and_csrf_enforced(scene):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(_report_url(scene))
    token = page.cookies["csrftoken"].value
    form_token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert token
    response = browser.post(_report_url(scene), {"problem": "phone", "csrfmiddlewaretoken": form_token})
    assert response.status_code == 302 and Case.objects.count() == 1
    # Without the token (a forged cross-site post) nothing is stored.
    assert Client(enforce_csrf_checks=True).post(_report_url(scene), {"problem": "phone"}).status_code == 403
    assert Case.objects.count() == 1


def test_status_lookups_are_limited_per_client(client, scene, settings):
    settings.PORTAL_STATUS_LOOKUP_RATE = "5/h"
    url = reverse("feedback_status", kwargs={"township": scene.a.slug})
    statuses = [client.post(url, {"reference": "12345678", "phone_suffix": f"{i:04d}"}).status_code for i in range(20)]
    assert statuses.count(200) == 5 and statuses.count(429) == 15
