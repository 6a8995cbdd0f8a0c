"""One source for each fact (issue 14 item 3): the county side of the liaison table is kept once, by the county.

The county reviewer edits a section's person and phone once; every township's
table shows it at once, unconfirmed until the reviewer confirms again. A
township clerk cannot confirm for the county. A township's former address
redirects to the current one.
"""

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from portal.accounts import staff_account_ensure
from staff.models import DepartmentSection, Liaison
from staff.oversight import county_oversight, liaisons_confirm
from tests import builders

PASSWORD = "Signoff-tests-2026!"


def _today():
    """Return the township's today as pages write it (年月日), read when asked: a run can cross midnight."""
    today = timezone.localdate()
    return f"{today.year}年{today.month}月{today.day}日"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def reviewer(county):
    return staff_account_ensure(username="reviewer-signoff", county=county, password=PASSWORD)[0]


@pytest.fixture
def clerk(township):
    return staff_account_ensure(username="clerk-signoff", township=township, password=PASSWORD)[0]


@pytest.fixture
def shared(county, township, other_township):
    """One county section faced by a post in each of two townships."""
    department = builders.make_department(county=county, name="瑞河县民政局", short_name="民政局")
    section = DepartmentSection.objects.create(
        department=department, name="社会救助股", head_name="周县联", phone="0359-0300011"
    )
    rows = []
    for t in (township, other_township):
        post = builders.make_post(township=t, title="民政岗")
        rows.append(builders.make_liaison(post=post, department=department, section=section, matters="低保审批"))
    return section, rows


def _liaison_page(client, township):
    return client.get(reverse("liaison_table", kwargs={"township": township.slug})).content.decode()


def test_a_county_change_reaches_both_townships_at_once_and_clears_the_confirmation(
    client, township, other_township, reviewer, shared
):
    section, rows = shared
    liaisons_confirm(
        rows=Liaison.objects.filter(pk__in=[r.pk for r in rows]).select_related("post__township"), user=reviewer
    )
    for t in (township, other_township):
        page = _liaison_page(client, t)
        assert "周县联" in page and "0359-0300011" in page
        assert f"县级{_today()}确认" in page

    section.head_name, section.phone = "钱新联", "0359-0300012"
    section.save()
    cache.clear()
    for t in (township, other_township):
        page = _liaison_page(client, t)
        assert "钱新联" in page and "0359-0300012" in page
        assert "周县联" not in page and "0359-0300011" not in page
        assert "确认" in page and "待县级确认" in page and f"{_today()}确认" not in page
    assert all(not r.is_confirmed for r in Liaison.objects.select_related("section"))
    report = county_oversight(township.county)
    assert {r.pk for r in report.gap("liaisons_not_confirmed").rows} == {r.pk for r in rows}


def test_a_clerk_cannot_confirm_for_the_county(client, township, clerk, shared):
    _, rows = shared
    mine = Liaison.objects.filter(post__township=township).select_related("post__township")
    with pytest.raises(PermissionDenied):
        liaisons_confirm(rows=mine, user=clerk)
    client.force_login(clerk)
    assert client.get("/admin/oversight/confirm/").status_code == 403
    assert client.post("/admin/oversight/confirm/", {"row": [rows[0].pk]}).status_code == 403
    # The clerk's own "checked today" action does not touch the county's confirmation.
    client.post(
        reverse("admin:staff_liaison_changelist"),
        {"action": "mark_checked_today", "_selected_action": [rows[0].pk]},
    )
    rows[0].refresh_from_db()
    assert rows[0].confirmed_on is None
    assert "县级" + f"{timezone.localdate().year}年" not in _liaison_page(client, township)


def test_the_reviewer_confirms_on_the_confirm_page(client, township, other_township, reviewer, shared):
    _, rows = shared
    client.force_login(reviewer)
    page = client.get("/admin/oversight/confirm/").content.decode()
    assert township.name in page and other_township.name in page and "周县联" in page
    response = client.post("/admin/oversight/confirm/", {"row": [rows[0].pk]})
    assert response.status_code == 302
    rows[0].refresh_from_db()
    assert rows[0].confirmed_by == reviewer and rows[0].is_confirmed
    assert rows[0].history.first().history_user == reviewer
    client.logout()
    assert "待县级确认" not in _liaison_page(client, township)
    assert "待县级确认" in _liaison_page(client, other_township)


def test_a_row_without_a_section_keeps_its_own_contact_and_a_change_lapses_the_confirmation(township, reviewer):
    department = builders.make_department(county=township.county)
    row = builders.make_liaison(
        post=builders.make_post(township=township),
        department=department,
        county_contact_name="吴县联",
        county_contact_phone="0359-0300021",
    )
    liaisons_confirm(rows=Liaison.objects.filter(pk=row.pk).select_related("post__township"), user=reviewer)
    row.refresh_from_db()
    assert row.is_confirmed and row.county_person == "吴县联"
    row.county_contact_phone = "0359-0300022"
    row.save()
    assert not Liaison.objects.get(pk=row.pk).is_confirmed
    assert Liaison.objects.unconfirmed().filter(pk=row.pk).exists()


def test_a_former_township_address_redirects_to_the_current_one(client, township):
    item = builders.make_item(township=township, materials=1)
    old = item.get_absolute_url()
    township.slug = "dongling-new"
    township.save()
    response = client.get(old + "?from=wechat")
    assert response.status_code == 301
    assert response["Location"] == f"/t/dongling-new/items/{item.pk}/?from=wechat"
    assert client.get(response["Location"]).status_code == 200
    assert client.get("/t/never-existed/").status_code == 404
