"""What an import writes: only what changed, who wrote it, and how child lists are replaced."""

import datetime
import re

import pytest
from django.core.cache import cache

from services.models import LegalBasis, Material, ResponsibilityEntry, ServiceItem, Step
from spreadsheets.importing import DELETE, NEW, SKIP, UPDATE
from spreadsheets.lists import import_lists_file
from staff.models import Post, PostHolder, Staff
from tests.spreadsheet_files import service_hall, table_counts, xlsx


@pytest.fixture
def hall(township):
    return service_hall(township)


@pytest.fixture
def clerk(township, django_user_model):
    from portal.models import UserScope

    user = django_user_model.objects.create_user("clerk-apply", password="pw-for-tests-only", is_staff=True)
    UserScope.objects.create(user=user, township=township)
    return user


def _run(sheets, township, user=None, dry_run=False):
    result = import_lists_file(xlsx(sheets), "清单.xlsx", township=township, user=user, dry_run=dry_run)
    assert result.error_messages() == []
    return result


@pytest.mark.django_db
def test_new_and_changed_rows_record_the_clerk_and_the_file_in_their_history(hall, township, clerk):
    existing = hall["items"][1]
    sheets = {
        "服务事项": [
            ["事项编号", "事项名称", "事项类型", "办理科室", "收费"],
            ["DL-301", "新增的事项", "公共服务", "社会事务办", "不收费"],
            [existing.code, existing.name, "公共服务", "社会事务办", "工本费10元"],
        ]
    }

    result = _run(sheets, township, clerk)

    assert [r.status for r in result.reports[0].rows] == [NEW, UPDATE]
    assert result.reports[0].rows[1].changed == ["收费"]
    new = ServiceItem.objects.get(code="DL-301")
    assert (new.created_by, new.updated_by) == (clerk, clerk)
    existing.refresh_from_db()
    assert existing.fee == "工本费10元" and existing.updated_by == clerk
    record = existing.history.first()
    assert record.history_user == clerk
    assert record.history_change_reason == "表格导入：清单.xlsx"
    assert new.history.count() == 1 and new.history.first().history_type == "+"


@pytest.mark.django_db
def test_only_the_columns_in_the_file_are_changed(hall, township):
    item = hall["items"][0]
    before = (item.name, item.promised_limit_value, list(item.life_events.all()), list(item.legal_bases.all()))

    result = _run({"服务事项": [["事项编号", "收费"], [item.code, "不收费（补办收取工本费）"]]}, township)

    assert result.reports[0].rows[0].changed == ["收费"]
    item.refresh_from_db()
    assert item.fee == "不收费（补办收取工本费）"
    assert (item.name, item.promised_limit_value, list(item.life_events.all()), list(item.legal_bases.all())) == before


@pytest.mark.django_db
def test_a_dry_run_reports_what_would_change_and_writes_nothing(hall, township):
    item = hall["items"][0]
    before = table_counts()

    result = _run({"服务事项": [["事项编号", "收费"], [item.code, "工本费5元"]]}, township, dry_run=True)

    assert result.reports[0].rows[0].status == UPDATE and not result.applied
    assert table_counts() == before
    item.refresh_from_db()
    assert item.fee == "不收费"


@pytest.mark.django_db
def test_an_items_materials_in_the_file_replace_its_materials_and_leave_other_items_alone(hall, township):
    item, other = hall["items"][0], hall["items"][1]
    first, second, third = item.materials.order_by("order")
    other_before = list(other.materials.values_list("name", flat=True))
    header = ["事项编号", "序号", "材料名称", "原件/复印件", "份数", "来源", "是否必须", "填报须知"]
    sheet = [
        header,
        [item.code, 1, first.name, "原件", 1, "申请人自备", "必须", ""],  # unchanged
        [item.code, 2, second.name, "复印件", 2, "申请人自备", "必须", "A4纸复印"],  # changed
        [item.code, 3, "户口簿", "原件和复印件", 1, "申请人自备", "可容缺（可后补）", ""],  # new
        # the third material is not in the file: it goes
    ]

    result = _run({"申请材料": sheet}, township)

    report = result.reports[0]
    assert [r.status for r in report.rows] == [SKIP, UPDATE, NEW]
    assert [(r.status, r.label) for r in report.deletions] == [(DELETE, f"{item.code}：{third.name}")]
    assert list(item.materials.order_by("order").values_list("name", "form", "copies", "notes")) == [
        (first.name, "original", 1, ""),
        (second.name, "copy", 2, "A4纸复印"),
        ("户口簿", "both", 1, ""),
    ]
    assert list(other.materials.values_list("name", flat=True)) == other_before
    assert Material.history.filter(id=third.pk, history_type="-").exists()


@pytest.mark.django_db
def test_an_items_steps_in_the_file_replace_its_steps(hall, township):
    item = hall["items"][0]
    sheet = [
        ["事项编号", "步骤序号", "环节", "办理内容", "办理人", "地点", "时长"],
        [item.code, 1, "受理", "窗口收取材料", "综合窗口", "便民服务中心", "当场"],
        [item.code, 2, "审核", "民政岗入户核查", "民政岗", "申请人家中", "5个工作日"],
    ]

    _run({"办理步骤": sheet}, township)

    assert list(Step.objects.filter(item=item).values_list("order", "title", "duration")) == [
        (1, "受理", "当场"),
        (2, "审核", "5个工作日"),
    ]


@pytest.mark.django_db
def test_a_posts_holders_follow_the_file_and_a_and_b_may_swap(hall, township):
    post = hall["posts"][0]  # A: 人员1, B: 人员2
    sheet = [
        ["岗位名称", "所属办公室", "A角", "B角"],
        [post.title, post.office.name, "东岭乡人员2", "东岭乡人员1、东岭乡人员3"],
    ]

    result = _run({"岗位": sheet}, township)

    assert result.reports[0].rows[0].changed == ["A角", "B角"]
    holders = PostHolder.objects.filter(post=post).order_by("role", "order")
    assert [(h.staff.name, h.role) for h in holders] == [
        ("东岭乡人员2", "A"),
        ("东岭乡人员1", "B"),
        ("东岭乡人员3", "B"),
    ]


@pytest.mark.django_db
def test_one_workbook_may_refer_to_rows_added_earlier_in_the_same_workbook(hall, township):
    sheets = {
        # Sheet order in the file does not matter: materials come first here.
        "申请材料": [["事项编号", "材料名称"], ["DL-401", "身份证"]],
        "服务事项": [
            ["事项编号", "事项名称", "事项类型", "办理科室", "责任岗位"],
            ["DL-401", "新事项", "公共服务", "新办公室", "新岗位"],
        ],
        "岗位": [["岗位名称", "所属办公室", "A角"], ["新岗位", "新办公室", "新同事"]],
        "工作人员": [["姓名", "办公电话"], ["新同事", "0359-0100099"]],
        "办公室": [["名称", "类别"], ["新办公室", "办公室"]],
    }

    result = _run(sheets, township)

    assert [r.list_name for r in result.reports] == ["办公室", "工作人员", "岗位", "服务事项", "申请材料"]
    item = ServiceItem.objects.get(code="DL-401")
    assert item.office.name == "新办公室" and item.responsible_post.title == "新岗位"
    assert Post.objects.get(title="新岗位").holders.get().staff == Staff.objects.get(name="新同事")
    assert list(item.materials.values_list("name", flat=True)) == ["身份证"]


@pytest.mark.django_db
def test_a_legal_basis_written_in_a_cell_is_found_or_added_once(hall, township):
    law = hall["law"]
    items = hall["items"]
    sheet = [
        ["事项编号", "设定依据"],
        [items[1].code, f"{law.title}{law.article}\n《新条例》第三条"],
        [items[2].code, "《新条例》第三条"],
    ]

    _run({"服务事项": sheet}, township)

    new = LegalBasis.objects.get(title="《新条例》")
    assert new.article == "第三条"
    assert set(items[1].legal_bases.all()) == {law, new}
    assert list(items[2].legal_bases.all()) == [new]


@pytest.mark.django_db
def test_a_lists_entries_in_the_file_replace_its_entries(hall, township):
    rlist = hall["list"]  # 5 entries
    sheet = [
        ["清单类别", "版本", "序号", "职权类型", "事项名称", "承办科室"],
        ["权责清单", rlist.version, 1, "行政检查", "对农村宅基地的巡查", "社会事务办"],
        ["权责清单", rlist.version, 2, "公共服务", "条目2", ""],
    ]

    result = _run({"清单条目": sheet}, township)

    assert len(result.reports[0].deletions) == 3
    assert list(ResponsibilityEntry.objects.filter(responsibility_list=rlist).values_list("number", "name")) == [
        (1, "对农村宅基地的巡查"),
        (2, "条目2"),
    ]
    assert hall["village_list"].entries.count() == 2


@pytest.mark.django_db
def test_a_superuser_may_change_a_county_wide_certificate_rule(hall, township, superuser):
    rule = hall["county_rule"]
    sheet = [
        ["证明名称", "适用范围", "村（社区）可以出具", "替代途径类型", "替代途径", "生效日期"],
        [rule.name, "全县通用", "否", "部门核查（数据共享）", "由派出所核查户籍信息", "2026/3/1"],
    ]

    _run({"证明事项": sheet}, township, superuser)

    rule.refresh_from_db()
    assert rule.township is None
    assert (rule.alternative_kind, rule.effective_on) == ("data_check", datetime.date(2026, 3, 1))


@pytest.mark.django_db
def test_a_clerk_names_existing_legal_bases_but_cannot_add_new_ones(hall, township, clerk):
    law = hall["law"]
    item = hall["items"][1]
    sheet = [["事项编号", "设定依据"], [item.code, f"{law.title}{law.article}\n《新条例》第三条"]]
    before = table_counts()

    result = import_lists_file(xlsx({"服务事项": sheet}), "清单.xlsx", township=township, user=clerk, dry_run=False)

    assert result.error_messages() == [
        "工作表「服务事项」第2行「设定依据」：依据「《新条例》第三条」还没有录入：请管理员先在后台“法律依据”中添加，"
        "或改写成已有依据的名称（《名称》条款）。"
    ]
    assert table_counts() == before

    _run({"服务事项": [["事项编号", "设定依据"], [item.code, f"{law.title}{law.article}"]]}, township, clerk)
    assert list(item.legal_bases.all()) == [law]


@pytest.mark.django_db
def test_new_windows_posts_and_villages_get_their_printed_codes_and_nothing_else_does(hall, township):
    from portal.models import QRCode, Village
    from staff.models import Window

    before = set(QRCode.objects.values_list("pk", flat=True))
    sheets = {
        "村（社区）": [["名称"], ["新村"]],
        "岗位": [["岗位名称", "所属办公室"], ["新岗位", "社会事务办"]],
        "窗口": [
            ["窗口号", "窗口名称", "窗口类型", "所在办公室", "受理部门"],
            [77, "新窗口", "专门窗口", "便民服务中心", "东岭乡测试局1"],
        ],
    }

    _run(sheets, township)

    added = QRCode.objects.exclude(pk__in=before)
    targets = {qr.target for qr in added}
    assert targets == {
        Village.objects.get(name="新村"),
        Post.objects.get(title="新岗位"),
        Window.objects.get(township=township, number=77),
    }


@pytest.mark.django_db
def test_imported_rows_are_searchable_at_once_though_a_bulk_write_sends_no_signal(hall, township):
    from search.models import SearchEntry

    # A village has no page of its own in the file's other lists: only the import can have indexed it.
    sheets = {"村（社区）": [["名称"], ["沼气新村"]]}

    _run(sheets, township)

    titles = set(SearchEntry.objects.filter(township=township).values_list("title", flat=True))
    assert "沼气新村" in titles


@pytest.mark.django_db
def test_an_empty_fee_visits_online_level_or_offer_cell_means_not_filled(hall, township):
    existing = hall["items"][0]
    # A draft: an item in force may not lose its fee or visits (the file is refused, tests/test_publishing.py).
    ServiceItem.objects.filter(pk=existing.pk).update(status=ServiceItem.Status.DRAFT)
    header = ["事项编号", "事项名称", "事项类型", "办理科室", "办理方式", "收费", "到现场次数", "网上办理", "帮代办"]
    sheets = {
        "服务事项": [
            header,
            ["DL-302", "只填了名称的事项", "公共服务", "社会事务办", "", "", "", "", ""],
            [existing.code, existing.name, "公共服务", "社会事务办", "", "", "", "", ""],
            ["DL-303", "写明了的事项", "公共服务", "社会事务办", "本级办理", "不收费", 0, "不能网上办理", "否"],
        ]
    }
    _run(sheets, township)
    facts = {
        i.code: (i.handling, i.fee, i.visits, i.online_depth, i.proxy_offered)
        for i in ServiceItem.objects.filter(code__in=["DL-302", "DL-303", existing.code])
    }
    assert facts == {
        # Never a default that would print as 本级办理, 不收费, 最多跑1次, 不能网上办理, 不提供帮代办.
        "DL-302": ("", "", None, "", None),
        existing.code: ("", "", None, "", None),  # a cell emptied on purpose empties the fact
        "DL-303": ("local", "不收费", 0, "none", False),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["9号窗口", "9", "九号窗口"])
def test_a_window_that_does_not_exist_is_a_row_message_naming_the_windows_there_are(hall, township, typed):
    item = hall["items"][0]
    before = table_counts()
    sheet = [["事项编号", "受理窗口"], [item.code, typed]]

    result = import_lists_file(xlsx({"服务事项": sheet}), "清单.xlsx", township=township, dry_run=False)

    [message] = result.error_messages()
    assert message.startswith("工作表「服务事项」第2行「受理窗口」：本乡镇没有") and typed in message
    numbers = sorted(str(w.number) for w in township.windows.all())
    assert numbers and all(f"「{n}」" in message or n in message for n in numbers)
    assert table_counts() == before


@pytest.mark.django_db
def test_a_material_the_list_says_little_about_is_printed_as_saying_little(client, hall, township):
    item = hall["items"][0]
    sheet = [
        ["事项编号", "序号", "材料名称", "原件/复印件", "份数", "来源", "是否必须"],
        [item.code, 1, "居民身份证", "", "", "", "必须"],  # the list names it and nothing else
        [item.code, 2, "户口簿", "复印件", "", "", "必须"],  # a form but no count
        [item.code, 3, "村委会证明", "", 2, "", "必须"],  # a count but no form
    ]

    _run({"申请材料": sheet}, township)

    rows = list(item.materials.order_by("order").values_list("form", "copies", "source"))
    assert rows == [("", None, ""), ("copy", None, ""), ("", 2, "")]  # nothing filled in for them
    cache.clear()
    text = re.sub(r"<[^>]+>", " ", client.get(item.get_absolute_url()).content.decode())
    listing = " ".join(text[text.index("带什么：申请材料") :].split())
    assert "原件1份" not in listing and "申请人自备" not in listing and "哪里开" not in listing
    assert "户口簿 复印件" in listing and "村委会证明 2份" in listing
