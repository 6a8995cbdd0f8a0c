"""Change history: who changed what and when, from the admin, commands and imports; and the public 更新记录."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from portal.accounts import staff_account_ensure
from portal.history import recorded_as
from services.changelog import catalogue_changes
from services.models import ServiceItem
from tests import builders
from tests.admin_forms import form_data
from tests.spreadsheet_files import xlsx

PASSWORD = "History-tests-2026!"


@pytest.fixture
def clerk(township):
    user, _ = staff_account_ensure(username="wang-clerk", township=township, password=PASSWORD)
    return user


def test_an_admin_edit_is_recorded_with_its_user_and_shown_on_the_history_page(client, township, clerk):
    village = builders.make_village(township=township, name="东岭村", agent_phone="0359-0100002")
    client.force_login(clerk)
    url = f"/admin/portal/village/{village.pk}/change/"
    data = form_data(client.get(url))
    data["agent_phone"] = "0359-0100099"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    latest = village.history.latest()
    assert latest.history_user == clerk and latest.agent_phone == "0359-0100099"
    page = client.get(f"/admin/portal/village/{village.pk}/history/").content.decode()
    assert "wang-clerk" in page
    assert "0359-0100002" in page and "0359-0100099" in page  # the change, old and new
    assert "代办员电话" in page  # named by its Chinese label


def test_a_command_records_the_user_it_was_given(township, clerk):
    item = builders.make_item(township=township, last_checked_on=datetime.date(2020, 1, 1))
    other = builders.make_item(township=builders.make_township(county=township.county))

    out = io.StringIO()
    call_command("mark_checked", "items", "--user", clerk.username, "--on", "2026-11-20", stdout=out)

    item.refresh_from_db()
    assert "已标记 1 条" in out.getvalue()  # only the clerk's own township
    assert item.last_checked_on == datetime.date(2026, 11, 20) and item.last_checked_by == clerk
    latest = item.history.latest()
    assert latest.history_user == clerk and latest.last_checked_on == datetime.date(2026, 11, 20)
    other.refresh_from_db()
    assert other.last_checked_by is None


def test_saves_inside_recorded_as_carry_the_user(township, clerk):
    item = builders.make_item(township=township)
    with recorded_as(clerk):
        item.name = "改过的名称"
        item.save()
    item.name = "没有署名的修改"
    item.save()

    newest, previous = item.history.all()[:2]
    assert previous.history_user == clerk and previous.name == "改过的名称"
    assert newest.history_user is None


# --- the public 更新记录 -----------------------------------------------------------------------


def changelog(client, township):
    return client.get(f"/t/{township.slug}/changes/")


def test_the_catalogue_changes_are_listed_by_date_with_the_count_after_each(client, township):
    day0, day1, day2 = datetime.date(2026, 1, 5), datetime.date(2026, 3, 1), datetime.date(2026, 6, 1)
    kept = builders.make_item(township=township, name="高龄补贴申请", code="A-1")
    dropped = builders.make_item(township=township, name="旧证明办理", code="A-2")
    merged = builders.make_item(township=township, name="低保年审", code="A-3")
    builders.make_item(township=township, name="个体户登记", code="A-4")
    # As if the clerk had entered the catalogue in January.
    ServiceItem.history.filter(history_type="+").update(
        history_date=timezone.make_aware(datetime.datetime(2026, 1, 5, 9))
    )
    dropped.status, dropped.withdrawn_on = ServiceItem.Status.WITHDRAWN, day1
    dropped.save()
    merged.status, merged.merged_into, merged.merged_on = ServiceItem.Status.MERGED, kept, day2
    merged.save()

    page = changelog(client, township)

    assert page.status_code == 200
    versions = page.context["versions"]
    assert page.context["total"] == 2
    by_date = {v.date: v for v in versions}
    assert [(e.label, e.name, e.target) for e in by_date[day2].events] == [("合并", "低保年审", "高龄补贴申请")]
    assert by_date[day2].total_after == 2
    assert [(e.label, e.name) for e in by_date[day1].events] == [("取消", "旧证明办理")]
    assert by_date[day1].total_after == 3
    added = versions[-1]  # the oldest date: the four items were added
    assert added.date == day0
    assert sorted(e.name for e in added.events if e.kind == "added") == [
        "个体户登记",
        "低保年审",
        "旧证明办理",
        "高龄补贴申请",
    ]
    assert added.total_after == 4
    html = page.content.decode()
    assert "2026年6月1日" in html and "并入“高龄补贴申请”" in html


def test_an_item_taken_back_to_a_draft_is_not_news_the_same_day_and_taken_off_later(client, township):
    kept = builders.make_item(township=township, name="高龄补贴申请", code="B-1")
    # The admin saves a new item as 在办, then keeps it a draft when it lacks what residents need.
    at_once = builders.make_item(township=township, name="测试草稿：农机购置补贴申请", code="B-2")
    at_once.status = ServiceItem.Status.DRAFT
    at_once.save()
    later = builders.make_item(township=township, name="旧证明办理", code="B-3")
    ServiceItem.history.filter(id__in=[kept.pk, later.pk], history_type="+").update(
        history_date=timezone.make_aware(datetime.datetime(2026, 1, 5, 9))
    )
    later.status = ServiceItem.Status.DRAFT  # published in January, taken back to a draft today
    later.save()

    page = changelog(client, township)

    events = [(v.date, e.label, e.name) for v in page.context["versions"] for e in v.events]
    assert all(name != at_once.name for _d, _l, name in events)
    assert (timezone.localdate(), "撤下", "旧证明办理") in events
    assert page.context["total"] == 1
    assert at_once.name not in page.content.decode()


def test_items_loaded_without_history_still_show_when_they_were_added_and_withdrawn(client, township):
    item = builders.make_item(
        township=township, name="老事项", status=ServiceItem.Status.WITHDRAWN, withdrawn_on=datetime.date(2025, 5, 5)
    )
    item.history.all().delete()  # as after loaddata, which writes no history

    versions = changelog(client, township).context["versions"]

    # Issue 14: it was there when records began, so it is not "added" on any day; its withdrawal is dated by
    # its withdrawn_on, and no count is claimed for a date before the records began.
    assert [(v.date, [e.kind for e in v.events], v.total_after) for v in versions] == [
        (datetime.date(2025, 5, 5), ["withdrawn"], None)
    ]


def test_a_withdrawn_item_brought_back_shows_as_restored(client, township):
    item = builders.make_item(township=township, name="恢复的事项")
    item.status, item.withdrawn_on = ServiceItem.Status.WITHDRAWN, datetime.date(2026, 2, 1)
    item.save()
    item.status, item.withdrawn_on = ServiceItem.Status.IN_FORCE, None
    item.save()

    versions = changelog(client, township).context["versions"]
    kinds = [e.kind for v in versions for e in v.events]

    assert sorted(kinds) == ["added", "restored", "withdrawn"]
    assert versions[0].total_after == 1


def test_upcoming_scheduled_changes_are_listed_as_such_and_not_yet_counted(client, township):
    today = timezone.localdate()
    soon, later = today + datetime.timedelta(days=10), today + datetime.timedelta(days=40)
    builders.make_item(township=township, name="新设的补贴申领", code="S-1", publish_from=soon)
    builders.make_item(township=township, name="将停办的证明", code="S-2", withdraw_from=later)
    builders.make_item(township=township, name="照常办理的事项", code="S-3")

    page = changelog(client, township)

    assert page.context["total"] == 2  # the scheduled item is not in force yet; the other still is
    html = page.content.decode()
    upcoming = html.split('id="upcoming"')[1].split("</section>")[0]
    assert f"将于{soon.year}年{soon.month}月{soon.day}日起施行" in upcoming and "新设的补贴申领" in upcoming
    assert f"将于{later.year}年{later.month}月{later.day}日起停止办理" in upcoming and "将停办的证明" in upcoming
    assert upcoming.index("新设的补贴申领") < upcoming.index("将停办的证明")  # soonest first
    dated = sorted((v.date, e.label, e.name) for v in page.context["versions"] for e in v.events)
    # Entered today: the two in force now are today's additions; the scheduled one is no change yet.
    assert dated == [(today, "新增", "将停办的证明"), (today, "新增", "照常办理的事项")]


def test_a_scheduled_date_that_has_passed_is_a_change_on_that_date_without_a_save(client, township):
    entered, starts, stops = datetime.date(2026, 1, 5), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)
    builders.make_item(township=township, name="春季新设事项", code="P-1", publish_from=starts)
    builders.make_item(township=township, name="春季停办事项", code="P-2", withdraw_from=stops)
    # As if the clerk had entered both in January, with their dates, and touched nothing since.
    ServiceItem.history.update(history_date=timezone.make_aware(datetime.datetime(2026, 1, 5, 9)))

    # Seen on 20 January: both changes are still ahead.
    versions, total, upcoming = catalogue_changes(township, today=datetime.date(2026, 1, 20))
    assert [(e.upcoming_label, e.name) for e in upcoming] == [
        ("将于2026年2月1日起施行", "春季新设事项"),
        ("将于2026年3月1日起停止办理", "春季停办事项"),
    ]
    assert total == 1 and [(v.date, v.total_after) for v in versions] == [(entered, 1)]

    # Seen today: each is history on its own date, with the count after it.
    page = changelog(client, township)
    by_date = {v.date: v for v in page.context["versions"]}
    assert [(e.label, e.name) for e in by_date[starts].events] == [("新增", "春季新设事项")]
    assert by_date[starts].total_after == 2
    assert [(e.label, e.name) for e in by_date[stops].events] == [("取消", "春季停办事项")]
    assert by_date[stops].total_after == 1
    assert [e.name for e in by_date[entered].events] == ["春季停办事项"]  # P-1 was not added on the day entered
    assert page.context["total"] == 1 and page.context["upcoming"] == []
    assert 'id="upcoming"' not in page.content.decode()


def test_list_entries_added_and_removed_are_listed_per_list(client, township):
    rlist = builders.make_list(township=township, title="东岭乡权责清单", entries=3)
    rlist.entries.get(number=2).delete()

    page = changelog(client, township)

    (changes,) = page.context["lists"]
    assert changes.rlist == rlist and changes.rlist.entry_count == 2
    ((_day, kinds),) = changes.days
    assert kinds["added"] == ["1. 条目1", "2. 条目2", "3. 条目3"]
    assert kinds["removed"] == ["2. 条目2"]
    assert "东岭乡权责清单" in page.content.decode()


def test_another_townships_changes_stay_off_the_page(client, township, other_township):
    builders.make_item(township=other_township, name="别的乡镇的事项")
    builders.make_list(township=other_township, title="别的乡镇的清单", entries=1)

    html = changelog(client, township).content.decode()

    assert "别的乡镇" not in html


def test_certificates_added_and_moved_off_the_may_issue_board_are_listed(client, township, other_township):
    rule = builders.make_certificate_rule(county=township.county, name="居住证明", may_issue=True)
    rule.may_issue, rule.alternative_kind, rule.alternative = False, "pledge", "签署告知承诺书"
    rule.save()
    rule.last_checked_on = datetime.date(2026, 11, 1)
    rule.save()  # a check is not news on the board
    builders.make_certificate_rule(county=township.county, township=township, name="本乡镇的证明")
    builders.make_certificate_rule(county=township.county, township=other_township, name="别的乡镇的证明")

    page = changelog(client, township)

    ((_day, kinds),) = page.context["certificates"]
    assert kinds == {"added": ["居住证明", "本乡镇的证明"], "no_longer_issued": ["居住证明"]}
    assert "改为村里不再出具（居住证明）" in page.content.decode()


def test_the_page_costs_six_queries_whatever_the_history(client, township, django_assert_num_queries):
    for n in range(3):
        item = builders.make_item(township=township)
        item.name = f"改名{n}"
        item.save()
    builders.make_list(township=township, entries=3)

    # township, items now, item history, lists with entry counts, entry history, certificate history
    with django_assert_num_queries(6):
        changelog(client, township)
    for _ in range(10):
        builders.make_item(township=township)
    builders.make_list(township=township, entries=10, version="2027年版")
    builders.make_certificate_rule(county=township.county, township=township)
    with django_assert_num_queries(6):
        changelog(client, township)


def test_an_unknown_township_is_404(client, db):
    assert client.get("/t/nowhere/changes/").status_code == 404


def test_an_import_is_recorded_with_the_clerk_and_shown_on_the_history_page(client, township, clerk):
    item = builders.make_item(township=township, name="高龄补贴申请", fee="不收费")
    rows = [
        ["事项编号", "事项名称", "事项类型", "办理科室", "收费"],
        [item.code, item.name, "公共服务", item.office.name, "工本费10元"],
    ]
    client.force_login(clerk)
    upload = SimpleUploadedFile("服务事项.xlsx", xlsx({"服务事项": rows}))
    preview = client.post("/admin/services/serviceitem/import/", {"import_file": upload})
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)

    client.post("/admin/services/serviceitem/process_import/", {"token": token})

    latest = item.history.latest()
    assert latest.history_user == clerk and latest.fee == "工本费10元"
    page = client.get(f"/admin/services/serviceitem/{item.pk}/history/").content.decode()
    assert "wang-clerk" in page and "工本费10元" in page and "收费" in page


def test_import_lists_records_the_user_named_on_the_command_line(township, clerk, tmp_path):
    item = builders.make_item(township=township, name="低保申请", fee="不收费")
    rows = [
        ["事项编号", "事项名称", "事项类型", "办理科室", "收费"],
        [item.code, item.name, "公共服务", item.office.name, "免费"],
    ]
    path = tmp_path / "服务事项.xlsx"
    path.write_bytes(xlsx({"服务事项": rows}))

    call_command(
        "import_lists",
        str(path),
        "--township",
        township.slug,
        "--user",
        clerk.username,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    latest = item.history.latest()
    assert latest.history_user == clerk and latest.fee == "免费"


@pytest.mark.parametrize(
    "make",
    [
        lambda t: builders.make_village(township=t),
        lambda t: builders.make_office(township=t),
        lambda t: builders.make_staff(township=t),
        lambda t: builders.make_post(township=t),
        lambda t: builders.make_item(township=t),
        lambda t: builders.make_item(township=t, materials=1).materials.get(),
        lambda t: builders.make_item(township=t, steps=1).steps.get(),
        lambda t: builders.make_list(township=t),
        lambda t: builders.make_list(township=t, entries=1).entries.get(),
        lambda t: builders.make_certificate_rule(county=t.county, township=t),
        lambda t: builders.make_liaison(
            post=builders.make_post(township=t), department=builders.make_department(county=t.county)
        ),
        lambda t: builders.make_post(township=t, primary=builders.make_staff(township=t)).holders.get(),
        lambda t: builders.make_window(township=t, office=builders.make_office(township=t)),
    ],
)
def test_every_list_a_clerk_keeps_has_a_history_page_naming_who_changed_it(client, township, clerk, make):
    row = make(township)
    with recorded_as(clerk):
        row.save()
    client.force_login(clerk)

    page = client.get(f"/admin/{row._meta.app_label}/{row._meta.model_name}/{row.pk}/history/")

    assert page.status_code == 200
    assert "wang-clerk" in page.content.decode()
