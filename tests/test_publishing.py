"""Publishing is a decision (issue 14 item 2): drafts, publishing only when complete, scheduled dates."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.accounts import staff_account_ensure
from services.models import Material, ServiceItem
from services.publishing import item_publish
from tests import builders

TODAY = datetime.date.today()
PASSWORD = "Publishing-tests-2026!"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def clerk(township):
    user, _ = staff_account_ensure(username="clerk-pub", township=township, password=PASSWORD)
    return user


@pytest.fixture
def post(township):
    return builders.make_post(township=township, primary=builders.make_staff(township=township))


def _draft(township, **fields):
    return builders.make_item(township=township, status=ServiceItem.Status.DRAFT, **fields)


def test_a_new_item_is_a_draft_and_residents_do_not_see_it(client, township):
    item = ServiceItem.objects.create(
        township=township,
        office=builders.make_office(township=township),
        code="N-1",
        name="新事项草稿",
        item_type="other",
    )
    assert item.status == ServiceItem.Status.DRAFT
    assert client.get(item.get_absolute_url()).status_code == 404
    assert "新事项草稿" not in client.get(township.get_absolute_url()).content.decode()
    search = reverse("search", kwargs={"township": township.slug}) + "?q=新事项草稿"
    assert item.get_absolute_url() not in client.get(search).content.decode()
    assert not ServiceItem.objects.in_force().filter(pk=item.pk).exists()


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"materials": 0}, "申请材料"),
        ({"promised_limit_value": None, "legal_limit_value": None}, "承诺时限"),
        ({"responsible_post": None}, "找谁"),
    ],
)
def test_an_item_cannot_be_published_incomplete(township, post, clerk, fields, missing):
    complete = {"materials": 1, "responsible_post": post, "promised_limit_value": 5}
    item = _draft(township, **{**complete, **fields})
    with pytest.raises(ValidationError) as refused:
        item_publish(item=item, user=clerk)
    assert missing in refused.value.messages[0]
    item.refresh_from_db()
    assert item.status == ServiceItem.Status.DRAFT


def test_a_complete_draft_is_published_by_the_clerk(client, township, post, clerk):
    item = _draft(township, materials=1, responsible_post=post)
    item_publish(item=item, user=clerk)
    item.refresh_from_db()
    assert item.status == ServiceItem.Status.IN_FORCE and item.updated_by == clerk
    assert item.history.first().history_user == clerk
    assert client.get(item.get_absolute_url()).status_code == 200


def test_no_materials_needed_counts_as_materials_and_on_the_spot_as_a_limit(township, post, clerk):
    item = _draft(
        township,
        no_materials_needed=True,
        responsible_post=post,
        promised_limit_value=None,
        legal_limit_value=None,
        promised_limit_unit="on_the_spot",
    )
    item_publish(item=item, user=clerk)
    assert item.status == ServiceItem.Status.IN_FORCE


def test_a_window_with_a_person_is_whom_to_see(township, clerk):
    office = builders.make_office(township=township)
    window = builders.make_window(
        township=township, office=office, primary_staff=builders.make_staff(township=township), departments=[]
    )
    item = _draft(township, office=office, window=window, materials=1)
    item_publish(item=item, user=clerk)
    assert item.status == ServiceItem.Status.IN_FORCE


def test_the_admin_action_publishes_complete_drafts_and_names_the_others(client, township, post, clerk):
    ready = _draft(township, materials=1, responsible_post=post, name="齐全的草稿")
    lacking = _draft(township, responsible_post=post, name="缺材料的草稿")
    client.force_login(clerk)
    response = client.post(
        reverse("admin:services_serviceitem_changelist"),
        {"action": "publish_selected", "_selected_action": [ready.pk, lacking.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "缺材料的草稿" in page and "申请材料" in page
    ready.refresh_from_db()
    lacking.refresh_from_db()
    assert ready.status == ServiceItem.Status.IN_FORCE
    assert lacking.status == ServiceItem.Status.DRAFT


def test_drafts_are_listed_on_the_clerks_board_with_what_they_lack(client, township, post, clerk):
    _draft(township, responsible_post=post, name="缺材料的草稿")
    builders.make_item(township=township, materials=1, name="已发布的事项")
    client.force_login(clerk)
    section = client.get("/admin/board/").context["board"].section("drafts")
    labels = [label for label, _ in section.entries]
    assert len(labels) == 1 and "缺材料的草稿" in labels[0] and "申请材料" in labels[0]


def test_a_scheduled_publication_takes_effect_by_itself(client, township):
    item = builders.make_item(township=township, materials=1, publish_from=TODAY + datetime.timedelta(days=1))
    assert client.get(item.get_absolute_url()).status_code == 404
    assert not ServiceItem.objects.in_force().filter(pk=item.pk).exists()
    assert ServiceItem.objects.in_force(today=TODAY + datetime.timedelta(days=1)).filter(pk=item.pk).exists()
    ServiceItem.objects.filter(pk=item.pk).update(publish_from=TODAY)
    cache.clear()
    assert client.get(item.get_absolute_url()).status_code == 200


def test_a_scheduled_withdrawal_takes_effect_by_itself(client, township):
    item = builders.make_item(township=township, materials=1, withdraw_from=TODAY + datetime.timedelta(days=1))
    assert ServiceItem.objects.in_force().filter(pk=item.pk).exists()
    ServiceItem.objects.filter(pk=item.pk).update(withdraw_from=TODAY)
    assert not ServiceItem.objects.in_force().filter(pk=item.pk).exists()
    text = client.get(item.get_absolute_url()).content.decode()
    assert f"本事项已于{TODAY.year}年{TODAY.month}月{TODAY.day}日取消" in text
    item.refresh_from_db()
    assert item.status == ServiceItem.Status.IN_FORCE  # nothing was written: it is read that way


def test_scheduled_dates_must_be_in_order(township):
    item = builders.make_item(township=township)
    item.publish_from = TODAY
    item.withdraw_from = TODAY
    with pytest.raises(ValidationError):
        item.full_clean()


def test_an_import_with_no_status_creates_a_draft():
    assert ServiceItem._meta.get_field("status").get_default() == ServiceItem.Status.DRAFT
    assert Material  # materials come in another sheet: the clerk publishes once they are in
