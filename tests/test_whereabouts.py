"""Whereabouts that expire (issue 14 item 4): a dated absence shows while it applies and disappears by itself."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from portal.accounts import staff_account_ensure
from portal.models import Township as Township_
from staff.models import Absence, Staff
from staff.whereabouts import township_board
from tests import builders

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
    Absence.objects.create(
        staff=away,
        kind="trip",
        note="赴县里学习，11月25日回",
        start=timezone.localdate() - 5 * DAY,
        end=timezone.localdate(),
    )
    assert [p.name for p, _ in township_board(township)[1]] == ["陈出差"]
    assert [p.name for p, _ in township_board(township, today=timezone.localdate() + DAY)[1]] == []
    assert "陈出差" in [p.name for p in township_board(township, today=timezone.localdate() + DAY)[0]]
    assert [
        p.name for p, _ in township_board(township, today=timezone.localdate() - 6 * DAY)[1]
    ] == []  # not before it starts


def test_the_public_board_says_who_is_away_until_when(client, township, people):
    away, _ = people
    Absence.objects.create(
        staff=away, kind="trip", note="赴县里学习", start=timezone.localdate(), end=timezone.localdate() + 2 * DAY
    )
    page = client.get(reverse("whereabouts", kwargs={"township": township.slug})).content.decode()
    end = timezone.localdate() + 2 * DAY
    assert "陈出差" in page and "出差" in page and f"到{end.year}年{end.month}月{end.day}日" in page
    assert page.index("不在岗") < page.index("陈出差") < page.index("李在岗")


def test_a_person_has_no_undated_note_to_show_and_the_admin_form_asks_for_none(client, township, people, admin_user):
    away, _ = people
    assert not {"whereabouts", "whereabouts_note"} & {f.name for f in Staff._meta.get_fields()}
    client.force_login(admin_user)
    form = client.get(reverse("admin:staff_staff_change", args=[away.pk])).content.decode()
    assert 'name="whereabouts' not in form and "去向说明" not in form


@pytest.mark.django_db(transaction=True)
def test_an_old_undated_note_becomes_an_absence_on_the_day_it_was_recorded_and_no_later():
    before = ("staff", "0008_merge_20261130_1922")  # the last state with the undated fields
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    # Every other app stays at its latest state that does not need a later staff migration: only
    # this app's migrations (and what depends on them) are undone and redone.
    later = {node for node in graph.nodes if node[0] == before[0]} - set(graph.forwards_plan(before))

    def settled(node):
        while node and later & set(graph.forwards_plan(node)):
            parents = [p for p in graph.node_map[node].parents if p[0] == node[0]]
            node = parents[0] if parents else None
        return node

    others = (settled(node) for node in graph.leaf_nodes() if node[0] != before[0])
    targets = [node for node in others if node] + [before]
    executor.migrate(targets)
    old = executor.loader.project_state(targets).apps
    County, Township = old.get_model("portal", "County"), old.get_model("portal", "Township")
    county = County.objects.create(name="迁移县", slug="migration-county")
    township = Township.objects.create(county=county, name="迁移乡", slug="migration-township")
    Staff_ = old.get_model("staff", "Staff")
    Staff_.objects.create(township=township, name="王出差", whereabouts="trip", whereabouts_note="出差，11月25日回")
    Staff_.objects.create(township=township, name="赵在岗", whereabouts="on_duty", whereabouts_note="")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    absence = Absence.objects.get()
    assert (absence.staff.name, absence.kind, absence.note) == ("王出差", "trip", "出差，11月25日回")
    assert absence.start == absence.end == timezone.localdate()  # recorded today: shown today only
    board = township_board(Township_.objects.get(slug="migration-township"), today=timezone.localdate() + DAY)
    assert [p.name for p, _ in board[1]] == []  # the next day nobody is shown as away on an undated note


def test_a_clerk_records_an_absence_in_two_taps_and_a_return_in_one(client, township, people):
    away, _ = people
    clerk = staff_account_ensure(username="clerk-where", township=township, password=PASSWORD)[0]
    client.force_login(clerk)
    page = client.get("/admin/whereabouts/")  # tap 1: open the page (a person's buttons are on it)
    assert page.status_code == 200 and "陈出差" in page.content.decode()
    response = client.post("/admin/whereabouts/", {"staff": away.pk, "kind": "in_village"})  # tap 2
    assert response.status_code == 302
    absence = Absence.objects.get(staff=away)
    assert (absence.kind, absence.start, absence.end, absence.created_by) == (
        "in_village",
        timezone.localdate(),
        timezone.localdate(),
        clerk,
    )
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


def test_the_township_home_links_to_its_whereabouts_board(client, township, people):
    away, _ = people
    Absence.objects.create(
        staff=away, kind="meeting", note="县里开会", start=timezone.localdate(), end=timezone.localdate()
    )
    home = client.get(township.get_absolute_url()).content.decode()
    board_url = reverse("whereabouts", kwargs={"township": township.slug})
    link = re.search(rf'<a href="{re.escape(board_url)}">([^<]*)', home)
    assert link is not None and "去向牌" in link.group(1)
    board = client.get(board_url).content.decode()
    assert "陈出差" in board and "开会" in board


def _text(page):
    return re.sub(r"<[^>]+>", " ", page.content.decode())


def test_an_item_whose_a_holder_is_away_today_sends_the_resident_to_the_b_holder(client, township):
    a = builders.make_staff(township=township, name="张主办", office_phone="0359-0100101")
    b = builders.make_staff(township=township, name="李备岗", office_phone="0359-0100102")
    post = builders.make_post(township=township, title="民政岗", primary=a, backups=[b])
    item = builders.make_item(township=township, responsible_post=post, materials=1)
    today = timezone.localdate()
    Absence.objects.create(staff=a, kind="in_village", note="", start=today, end=today + 2 * DAY)
    end = today + 2 * DAY
    text = _text(client.get(item.get_absolute_url()))
    card = text[text.index("找谁") : text.index("多久")]
    assert "李备岗" in card and "0359-0100102" in card  # the card sends the resident to the one who is in
    assert "0359-0100101" not in card
    assert f"张主办 今天下村，到{end.year}年{end.month}月{end.day}日" in " ".join(card.split())
    holders = text[text.index("A角（主办）") :]
    assert "今天下村" in holders[: holders.index("B角")]  # the full list says it beside A's own number


def test_the_card_names_the_a_holder_again_once_the_absence_is_over(client, township):
    a = builders.make_staff(township=township, name="张主办", office_phone="0359-0100101")
    b = builders.make_staff(township=township, name="李备岗", office_phone="0359-0100102")
    post = builders.make_post(township=township, title="民政岗", primary=a, backups=[b])
    item = builders.make_item(township=township, responsible_post=post, materials=1)
    today = timezone.localdate()
    Absence.objects.create(staff=a, kind="meeting", note="", start=today - 3 * DAY, end=today - DAY)
    text = _text(client.get(item.get_absolute_url()))
    card = text[text.index("找谁") : text.index("多久")]
    assert "张主办" in card and "0359-0100101" in card and "李备岗" not in card and "今天" not in card


def test_a_window_and_its_office_say_who_of_a_and_b_is_away_today(client, township):
    office = builders.make_office(township=township, name="便民服务中心")
    a = builders.make_staff(township=township, name="王窗口", office_phone="0359-0100201")
    b = builders.make_staff(township=township, name="赵窗口", office_phone="0359-0100202")
    window = builders.make_window(township=township, office=office, primary_staff=a, backup_staff=b)
    item = builders.make_item(township=township, office=office, window=window, materials=1)
    today = timezone.localdate()
    Absence.objects.create(staff=a, kind="leave", note="", start=today, end=today)
    for page in (window.get_absolute_url(), office.get_absolute_url()):
        text = " ".join(_text(client.get(page)).split())
        assert "王窗口 今天请假" in text and "赵窗口 今天" not in text, page
    card = _text(client.get(item.get_absolute_url()))
    card = card[card.index("找谁") : card.index("多久")]
    assert "赵窗口" in card and "0359-0100202" in card and "0359-0100201" not in card


def test_the_liaison_table_marks_a_holder_away_today_wherever_their_post_is_listed(client, township):
    a = builders.make_staff(township=township, name="孙联络", office_phone="0359-0100301")
    post = builders.make_post(township=township, title="农业岗", primary=a)
    for department in ("县农业农村局", "县水利局"):
        builders.make_liaison(post=post, department=builders.make_department(county=township.county, name=department))
    today = timezone.localdate()
    Absence.objects.create(staff=a, kind="training", note="", start=today, end=today + DAY)
    address = reverse("liaison_table", kwargs={"township": township.slug})
    by_post = " ".join(_text(client.get(address)).split())
    assert by_post.count("孙联络 今天学习培训") == 1  # the post's holders are listed once, above its rows
    by_department = " ".join(_text(client.get(address + "?by=department")).split())
    assert by_department.count("孙联络 今天学习培训") == 2  # under each department the post faces


def test_when_everyone_on_the_post_is_away_the_card_says_so_and_gives_the_offices_number(client, township):
    office = builders.make_office(township=township, name="社会事务办", phone="0359-0100400")
    a = builders.make_staff(township=township, name="张主办", office_phone="0359-0100101")
    b = builders.make_staff(township=township, name="李备岗", office_phone="0359-0100102")
    post = builders.make_post(township=township, office=office, title="民政岗", primary=a, backups=[b])
    item = builders.make_item(township=township, office=office, responsible_post=post, materials=1)
    today = timezone.localdate()
    for person in (a, b):
        Absence.objects.create(staff=person, kind="meeting", note="", start=today, end=today)
    text = _text(client.get(item.get_absolute_url()))
    card = " ".join(text[text.index("找谁") : text.index("多久")].split())
    assert "今天岗位上的人都不在，去之前请先电话咨询社会事务办 0359-0100400" in card
    assert "张主办 0359-0100101 今天开会" in card  # who would be there, and why not
