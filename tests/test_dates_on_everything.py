"""Dates on everything a resident relies on (issue 14 item 5): offices, windows, staff phones, certificate rules."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from services.board import township_board
from spreadsheets.lists import import_lists_file
from tests import builders
from tests.admin_forms import form_data
from tests.spreadsheet_files import xlsx

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
    builders.make_office(township=township, name="刚核对的办公室", last_checked_on=timezone.localdate())
    window = builders.make_window(township=township, office=office, departments=[])
    board = township_board(township)
    assert [o.pk for o in board.section("offices").rows] == [office.pk]
    assert [w.pk for w in board.section("windows").rows] == [window.pk]


# --- a new number is not a checked number ------------------------------------------------------------------


def _change_staff_in_admin(client, person, **changes):
    url = reverse("admin:staff_staff_change", args=[person.pk])
    data = form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    person.refresh_from_db()


def test_a_phone_changed_in_the_admin_is_no_longer_shown_as_checked(admin_client, client, township):
    office = builders.make_office(township=township)
    person = builders.make_staff(township=township, name="李明", phone_checked_on=CHECKED)
    window = builders.make_window(township=township, office=office, primary_staff=person, departments=[])
    _change_staff_in_admin(admin_client, person, office_phone="0359-0100077")
    assert (person.phone_checked_on, person.phone_checked_by) == (None, None)
    page = client.get(window.get_absolute_url()).content.decode()
    assert "0359-0100077" in page and "（电话2026年10月15日核对）" not in page and "（电话尚未核对）" in page
    assert person in township_board(township).section("staff_phones").rows


def test_a_phone_changed_with_a_new_check_date_keeps_that_date(admin_client, superuser, township):
    person = builders.make_staff(township=township, phone_checked_on=CHECKED)
    _change_staff_in_admin(admin_client, person, mobile="10000000077", phone_checked_on="2026-11-02")
    assert (person.phone_checked_on, person.phone_checked_by) == (datetime.date(2026, 11, 2), superuser)


def test_other_changes_keep_the_phone_check(admin_client, township):
    person = builders.make_staff(township=township, phone_checked_on=CHECKED)
    _change_staff_in_admin(admin_client, person, job_title="副主任")
    assert person.phone_checked_on == CHECKED


def test_an_office_phone_changed_in_code_is_no_longer_shown_as_checked(client, township):
    office = builders.make_office(township=township, name="便民服务中心", last_checked_on=CHECKED)
    office.phone = "0359-0100088"
    office.save(update_fields=["phone"])
    office.refresh_from_db()
    assert office.last_checked_on is None
    assert "尚未核对" in client.get(office.get_absolute_url()).content.decode()


@pytest.mark.parametrize(("date_cell", "kept"), [("", None), ("2026-11-02", datetime.date(2026, 11, 2))])
def test_an_import_changing_a_phone_clears_its_check_unless_the_row_dates_it(township, date_cell, kept):
    person = builders.make_staff(township=township, name="李明", phone_checked_on=CHECKED)
    header = ["姓名", "办公电话"] + (["电话核对日期"] if date_cell else [])
    row = ["李明", "0359-0100099"] + ([date_cell] if date_cell else [])
    result = import_lists_file(xlsx({"工作人员": [header, row]}), "人员.xlsx", township=township, dry_run=False)
    assert result.applied, result.error_messages()
    person.refresh_from_db()
    assert (person.office_phone, person.phone_checked_on) == ("0359-0100099", kept)
