"""Dates on everything a resident relies on (issue 14 item 5): offices, windows, staff phones, certificate rules."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from services.board import township_board
from tests import builders

CHECKED = datetime.date(2026, 10, 15)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_office_and_window_pages_say_when_and_by_which_office_they_were_checked(client, township):
    office = builders.make_office(township=township, name="便民服务中心", last_checked_on=CHECKED)
    window = builders.make_window(township=township, office=office, departments=[], last_checked_on=CHECKED)
    for url in (office.get_absolute_url(), window.get_absolute_url()):
        assert "最近核对：2026年10月15日（便民服务中心）" in client.get(url).content.decode()
    unchecked = builders.make_office(township=township, name="综合办")
    assert "尚未核对" in client.get(unchecked.get_absolute_url()).content.decode()


def test_a_staff_phone_shows_when_it_was_last_rung(client, township):
    office = builders.make_office(township=township)
    person = builders.make_staff(township=township, name="李明", phone_checked_on=CHECKED)
    window = builders.make_window(township=township, office=office, primary_staff=person, departments=[])
    assert "（电话2026年10月15日核对）" in client.get(window.get_absolute_url()).content.decode()


def test_certificate_rules_show_their_check_date_and_who(client, township):
    builders.make_certificate_rule(county=township.county, name="全县规则", last_checked_on=CHECKED)
    builders.make_certificate_rule(county=township.county, township=township, name="本乡规则")
    page = client.get(reverse("certificate_boards", kwargs={"township": township.slug})).content.decode()
    assert "最近核对：2026年10月15日（县级）" in page
    assert "尚未核对" in page


def test_the_90_day_board_covers_offices_and_windows(township):
    office = builders.make_office(township=township, name="久未核对的办公室")
    builders.make_office(township=township, name="刚核对的办公室", last_checked_on=datetime.date.today())
    window = builders.make_window(township=township, office=office, departments=[])
    board = township_board(township)
    assert [o.pk for o in board.section("offices").rows] == [office.pk]
    assert [w.pk for w in board.section("windows").rows] == [window.pk]
