"""Publishing is a decision (issue 14 item 2): drafts, publishing only when complete, scheduled dates."""

import datetime
import io
import re
import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal.accounts import staff_account_ensure
from search import engine
from search.models import SearchEntry
from services.models import Material, ServiceItem
from services.publishing import item_publish
from spreadsheets.lists import import_lists_file
from tests import builders
from tests.admin_forms import form_data
from tests.spreadsheet_files import service_hall, xlsx

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
    item = builders.make_item(
        township=township, materials=1, publish_from=timezone.localdate() + datetime.timedelta(days=1)
    )
    assert client.get(item.get_absolute_url()).status_code == 404
    assert not ServiceItem.objects.in_force().filter(pk=item.pk).exists()
    assert (
        ServiceItem.objects.in_force(today=timezone.localdate() + datetime.timedelta(days=1))
        .filter(pk=item.pk)
        .exists()
    )
    ServiceItem.objects.filter(pk=item.pk).update(publish_from=timezone.localdate())
    cache.clear()
    assert client.get(item.get_absolute_url()).status_code == 200


def test_a_scheduled_withdrawal_takes_effect_by_itself(client, township):
    today = timezone.localdate()
    item = builders.make_item(township=township, materials=1, withdraw_from=today + datetime.timedelta(days=1))
    assert ServiceItem.objects.in_force().filter(pk=item.pk).exists()
    ServiceItem.objects.filter(pk=item.pk).update(withdraw_from=today)
    assert not ServiceItem.objects.in_force().filter(pk=item.pk).exists()
    text = client.get(item.get_absolute_url()).content.decode()
    assert f"本事项已于{today.year}年{today.month}月{today.day}日取消" in text
    item.refresh_from_db()
    assert item.status == ServiceItem.Status.IN_FORCE  # nothing was written: it is read that way


def test_scheduled_dates_must_be_in_order(township):
    item = builders.make_item(township=township)
    item.publish_from = timezone.localdate()
    item.withdraw_from = timezone.localdate()
    with pytest.raises(ValidationError):
        item.full_clean()


def test_an_import_with_no_status_creates_a_draft():
    assert ServiceItem._meta.get_field("status").get_default() == ServiceItem.Status.DRAFT
    assert Material  # materials come in another sheet: the clerk publishes once they are in


# --- an import that marks items 在办 goes through the same decision ---------------------------------------

IMPORT_HEADER = ["事项编号", "事项名称", "事项类型", "办理科室", "责任岗位", "承诺时限", "收费", "到现场次数", "状态"]


def _import_file(*, with_draft=None):
    """Three items marked 在办: one complete (materials in the file), one without its fee, one without materials."""
    rows = [
        IMPORT_HEADER,
        ["IM-1", "齐全的事项", "公共服务", "社会事务办", "民政岗", 5, "不收费", 1, "在办"],
        ["IM-2", "没写收费的事项", "公共服务", "社会事务办", "民政岗", 5, "", 1, "在办"],
        ["IM-3", "没有材料的事项", "公共服务", "社会事务办", "民政岗", 5, "不收费", 1, "在办"],
    ]
    if with_draft is not None:
        rows.append([with_draft.code, with_draft.name, "公共服务", "社会事务办", "民政岗", 5, "不收费", 1, "在办"])
    materials = [["事项编号", "序号", "材料名称"], ["IM-1", 1, "居民身份证"], ["IM-2", 1, "居民身份证"]]
    return xlsx({"服务事项": rows, "申请材料": materials})


def _statuses(township):
    return dict(ServiceItem.objects.filter(township=township, code__startswith="IM-").values_list("code", "status"))


@pytest.fixture
def previews_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_an_import_keeps_incomplete_items_as_drafts_and_the_preview_says_what_they_lack(
    client, township, clerk, previews_in_tmp
):
    service_hall(township)
    client.force_login(clerk)
    upload = SimpleUploadedFile("服务事项.xlsx", _import_file())
    preview = client.post(reverse("admin:services_serviceitem_import"), {"import_file": upload})
    page = preview.content.decode()
    notices = page.split('id="import-notices"')[1].split("</div>")[0]
    assert "第3行：“没写收费的事项”仍为草稿，未发布：缺少收费（不收费请写“不收费”）。" in notices
    assert "第4行：“没有材料的事项”仍为草稿，未发布：缺少申请材料（或勾选“无需提交材料”）。" in notices
    assert "齐全的事项" not in notices
    assert _statuses(township) == {}  # a preview writes nothing

    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    done = client.post(reverse("admin:services_serviceitem_process_import"), {"token": token}, follow=True)
    assert "“没有材料的事项”仍为草稿，未发布" in done.content.decode()
    assert _statuses(township) == {"IM-1": "in_force", "IM-2": "draft", "IM-3": "draft"}
    for code, shown in (("IM-1", 200), ("IM-2", 404), ("IM-3", 404)):
        item = ServiceItem.objects.get(township=township, code=code)
        assert client.get(item.get_absolute_url()).status_code == shown, code
    board = client.get(reverse("admin:board")).content.decode()
    assert "没写收费的事项" in board and "没有材料的事项" in board


def test_the_import_command_says_which_items_stay_drafts_and_publishes_a_draft_completed_earlier(township):
    service_hall(township)
    # A draft entered earlier whose materials are already stored: the file's 在办 publishes it.
    earlier = builders.make_item(
        township=township,
        code="IM-9",
        name="先录的草稿",
        status=ServiceItem.Status.DRAFT,
        materials=2,
        responsible_post=ServiceItem.objects.filter(township=township).first().responsible_post,
    )
    path = Path(tempfile.mkdtemp()) / "服务事项.xlsx"
    path.write_bytes(_import_file(with_draft=earlier))
    out = io.StringIO()
    call_command("import_lists", str(path), township=township.slug, stdout=out, stderr=io.StringIO())
    said = out.getvalue()
    assert "工作表「服务事项」第3行：“没写收费的事项”仍为草稿，未发布：缺少收费" in said
    assert "工作表「服务事项」第4行：“没有材料的事项”仍为草稿，未发布：缺少申请材料" in said
    assert "先录的草稿" not in said and "齐全的事项" not in said
    assert _statuses(township) == {"IM-1": "in_force", "IM-2": "draft", "IM-3": "draft", "IM-9": "in_force"}


def test_an_import_does_not_unpublish_an_item_already_in_force(township):
    # As in the admin: an item already published is never turned back into a draft by a later edit.
    hall = service_hall(township)
    item = hall["items"][0]
    result = import_lists_file(
        xlsx({"服务事项": [["事项编号", "一句话说明"], [item.code, "新的说明"]]}),
        "服务事项.xlsx",
        township=township,
        dry_run=False,
    )
    assert result.applied and result.notices() == []
    item.refresh_from_db()
    assert item.status == ServiceItem.Status.IN_FORCE and item.summary == "新的说明"


@pytest.mark.parametrize(
    ("header", "cell", "missing"),
    [("收费", "", "收费（不收费请写“不收费”）"), ("到现场次数", "", "到现场次数")],
)
def test_an_import_refuses_blanking_a_fact_of_an_item_in_force(township, header, cell, missing):
    hall = service_hall(township)
    item = hall["items"][0]
    result = import_lists_file(
        xlsx({"服务事项": [["事项编号", "一句话说明", header], [item.code, "新的说明", cell]]}),
        "服务事项.xlsx",
        township=township,
        dry_run=False,
    )
    assert not result.applied
    said = " ".join(message for r in result.reports for row in r.rows for _c, message in row.errors)
    assert f"“{item.name}”已发布，不能缺少：{missing}。" in said
    item.refresh_from_db()
    assert item.summary != "新的说明" and item.fee and item.visits is not None  # the whole file was refused


def test_an_item_already_incomplete_can_still_be_edited_and_stays_on_the_board(township):
    # Written incomplete in bulk: an edit that loses nothing more is not refused.
    hall = service_hall(township)
    item = hall["items"][0]
    Material.objects.filter(item=item).delete()
    result = import_lists_file(
        xlsx({"服务事项": [["事项编号", "一句话说明"], [item.code, "新的说明"]]}),
        "服务事项.xlsx",
        township=township,
        dry_run=False,
    )
    assert result.applied
    item.refresh_from_db()
    assert item.status == ServiceItem.Status.IN_FORCE and item.summary == "新的说明"


# --- the admin form refuses what an import refuses -------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "missing"),
    [("fee", "收费（不收费请写“不收费”）"), ("visits", "到现场次数"), ("promised_limit_value", "承诺时限")],
)
@pytest.mark.parametrize("status", [ServiceItem.Status.IN_FORCE, ServiceItem.Status.SUSPENDED])
def test_the_admin_refuses_blanking_a_fact_of_a_published_item(client, township, post, clerk, field, missing, status):
    extra = (
        {"suspended_from": timezone.localdate(), "status_reason": "系统升级"}
        if status == ServiceItem.Status.SUSPENDED
        else {}
    )
    item = builders.make_item(township=township, materials=1, responsible_post=post, status=status, **extra)
    item.legal_limit_value = None
    item.save()
    client.force_login(clerk)
    url = reverse("admin:services_serviceitem_change", args=[item.pk])
    data = form_data(client.get(url))
    data[field] = ""
    response = client.post(url, data)
    assert response.status_code == 200  # the form is shown again, with what was typed
    page = response.content.decode()
    assert f"“{item.name}”已发布，不能缺少：{missing}。" in page
    item.refresh_from_db()
    assert item.status == status and getattr(item, field) not in ("", None)


def test_the_admin_refuses_removing_the_last_material_of_an_item_in_force(client, township, post, clerk):
    item = builders.make_item(township=township, materials=1, responsible_post=post)
    client.force_login(clerk)
    url = reverse("admin:services_serviceitem_change", args=[item.pk])
    data = form_data(client.get(url))
    data["materials-0-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "不能缺少：申请材料（或勾选“无需提交材料”）" in response.content.decode()
    assert item.materials.count() == 1


def test_the_admin_still_saves_a_complete_item_in_force(client, township, post, clerk):
    item = builders.make_item(township=township, materials=1, responsible_post=post)
    client.force_login(clerk)
    url = reverse("admin:services_serviceitem_change", args=[item.pk])
    data = form_data(client.get(url))
    data["fee"] = "工本费10元"
    assert client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert item.fee == "工本费10元" and item.status == ServiceItem.Status.IN_FORCE


def test_the_board_lists_items_in_force_that_lack_a_fact(client, township, post, clerk):
    lacking = builders.make_item(township=township, materials=1, responsible_post=post, name="缺收费的在办事项")
    builders.make_item(township=township, materials=1, responsible_post=post, name="齐全的在办事项")
    ServiceItem.objects.filter(pk=lacking.pk).update(fee="", visits=None)  # a bulk write skips the form
    client.force_login(clerk)
    section = client.get("/admin/board/").context["board"].section("published_incomplete")
    labels = [label for label, _ in section.entries]
    assert len(labels) == 1 and "缺收费的在办事项" in labels[0]
    assert "收费" in labels[0] and "到现场次数" in labels[0]


def test_search_finds_an_item_scheduled_for_publication_from_its_date_without_a_save(client, township, monkeypatch):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    item = builders.make_item(
        township=township, name="秸秆禁烧补助申领", keywords="秸秆补助", materials=1, publish_from=tomorrow
    )
    url = reverse("search", kwargs={"township": township.slug})
    # Indexed when saved, with its date: found by nobody before it.
    assert SearchEntry.objects.filter(kind="item", object_id=item.pk, shown_from=tomorrow).exists()
    assert [r.row["title"] for r in engine.search(township, "秸秆补助")[1]] == []
    assert item.get_absolute_url() not in client.get(url, {"q": "秸秆补助"}).content.decode()

    # The next day, with nothing saved and no cache emptied, the index and the page both find it.
    real_localdate = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: real_localdate(*a, **k) if a or k else tomorrow)
    assert [r.row["title"] for r in engine.search(township, "秸秆补助")[1]] == ["秸秆禁烧补助申领"]
    assert item.get_absolute_url() in client.get(url, {"q": "秸秆补助"}).content.decode()


def test_search_reads_an_item_past_its_scheduled_withdrawal_as_withdrawn_without_a_save(township, monkeypatch):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    builders.make_item(township=township, name="旧式证明办理", keywords="旧证明", materials=1, withdraw_from=tomorrow)
    (today,) = engine.search(township, "旧证明")[1]
    assert (today.row["status"], today.row["retired"]) == ("in_force", False)

    real_localdate = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: real_localdate(*a, **k) if a or k else tomorrow)
    (then,) = engine.search(township, "旧证明")[1]
    assert (then.row["status"], then.row["notice"], then.row["retired"]) == ("withdrawn", "已取消", True)
