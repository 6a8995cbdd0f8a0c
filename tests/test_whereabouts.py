"""Whereabouts that expire (issue 14 item 4): a dated absence shows while it applies and disappears by itself."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from portal.accounts import staff_account_ensure
from staff.models import Absence
from staff.whereabouts import township_board
from tests import builders

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)
PASSWORD = "Whereabouts-tests-2026!"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def people(township):
    return builders.make_staff(township=township, name="陈出差"), builders.make_staff(township=township, name="李在岗")


def test_an_absence_ends_on_its_end_date(township, people):
    away, _ = people
    Absence.objects.create(staff=away, kind="trip", note="赴县里学习，11月25日回", start=TODAY - 5 * DAY, end=TODAY)
    assert [p.name for p, _ in township_board(township)[1]] == ["陈出差"]
    assert [p.name for p, _ in township_board(township, today=TODAY + DAY)[1]] == []
    assert "陈出差" in [p.name for p in township_board(township, today=TODAY + DAY)[0]]
    assert [p.name for p, _ in township_board(township, today=TODAY - 6 * DAY)[1]] == []  # not before it starts


def test_the_public_board_says_who_is_away_until_when(client, township, people):
    away, _ = people
    Absence.objects.create(staff=away, kind="trip", note="赴县里学习", start=TODAY, end=TODAY + 2 * DAY)
    page = client.get(reverse("whereabouts", kwargs={"township": township.slug})).content.decode()
    end = TODAY + 2 * DAY
    assert "陈出差" in page and "出差" in page and f"到{end.year}年{end.month}月{end.day}日" in page
    assert page.index("不在岗") < page.index("陈出差") < page.index("李在岗")


def test_an_undated_note_is_shown_nowhere(client, township, people):
    away, _ = people
    away.whereabouts, away.whereabouts_note = "trip", "出差，11月25日回"
    away.save()
    office = builders.make_office(township=township)
    window = builders.make_window(township=township, office=office, primary_staff=away, departments=[])
    assert "11月25日回" not in client.get(window.get_absolute_url()).content.decode()


def test_a_clerk_records_an_absence_in_two_taps_and_a_return_in_one(client, township, people):
    away, _ = people
    clerk = staff_account_ensure(username="clerk-where", township=township, password=PASSWORD)[0]
    client.force_login(clerk)
    page = client.get("/admin/whereabouts/")  # tap 1: open the page (a person's buttons are on it)
    assert page.status_code == 200 and "陈出差" in page.content.decode()
    response = client.post("/admin/whereabouts/", {"staff": away.pk, "kind": "in_village"})  # tap 2
    assert response.status_code == 302
    absence = Absence.objects.get(staff=away)
    assert (absence.kind, absence.start, absence.end, absence.created_by) == ("in_village", TODAY, TODAY, clerk)
    client.post("/admin/whereabouts/", {"staff": away.pk, "back": "1"})
    assert not Absence.objects.current().filter(staff=away).exists()


def test_a_reviewer_or_another_townships_clerk_cannot_record(client, township, other_township, people):
    away, _ = people
    reviewer = staff_account_ensure(username="reviewer-where", county=township.county, password=PASSWORD)[0]
    client.force_login(reviewer)
    assert client.get("/admin/whereabouts/").status_code == 403
    other = staff_account_ensure(username="clerk-other-where", township=other_township, password=PASSWORD)[0]
    client.force_login(other)
    assert client.post("/admin/whereabouts/", {"staff": away.pk, "kind": "meeting"}).status_code == 404
    assert not Absence.objects.exists()
