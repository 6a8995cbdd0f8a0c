"""``manage.py import_lists``: a county-wide workbook, one list per sheet, atomic, with a summary."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.accounts import staff_account_ensure
from portal.models import Village
from services.models import Material, ResponsibilityEntry, ResponsibilityList, ServiceItem, Step
from staff.models import Liaison, Office, Post, Staff, Window
from tests.spreadsheet_files import csv_bytes, service_hall, table_counts, xlsx


@pytest.fixture
def hall(township):
    return service_hall(township)


def workbook(*, bad_office=False):
    """A workbook with every list, sheets in no particular order, title rows above some headers."""
    return xlsx(
        {
            "服务事项": [
                ["事项编号", "事项名称", "事项类型", "办理方式", "县级审批部门", "办理科室", "受理窗口", "责任岗位"],
                ["WB-01", "宅基地申请", "行政许可", "受理后代办至县级部门", "东岭乡测试局1", "综合办", 7, "新岗位"],
                ["WB-02", "老年优待证", "公共服务", "本级办理", "", "不存在办" if bad_office else "综合办", 7, ""],
            ],
            "申请材料": [
                ["事项编号", "序号", "材料名称", "原件/复印件", "份数"],
                ["WB-01", 1, "农村宅基地和建房（规划许可）申请表", "原件", 1],
                ["WB-01", 2, "户口簿", "复印件", 1],
            ],
            "办理步骤": [["事项编号", "步骤序号", "环节"], ["WB-01", 1, "申请"], ["WB-01", 2, "村级审查"]],
            "村（社区）": [["名称", "类型", "代办员", "代办员电话"], ["南坡村", "行政村", "代办员乙", "0359-0100077"]],
            "办公室": [["名称", "类别", "楼层"], ["综合办", "办公室", 2]],
            "工作人员": [["姓名", "职务", "办公电话"], ["甲同志", "干事", "0359-0100071"], ["乙同志", "干事", ""]],
            "岗位": [["岗位名称", "所属办公室", "A角", "B角"], ["新岗位", "综合办", "甲同志", "乙同志"]],
            "窗口": [
                ["窗口号", "窗口名称", "窗口类型", "所在办公室", "受理部门", "A角", "B角"],
                [7, "自然资源专窗", "专门窗口", "综合办", "东岭乡测试局1", "甲同志", "乙同志"],
            ],
            "县乡对接": [
                ["岗位", "县直部门", "县级责任人", "县级联系电话", "县级确认日期"],
                ["新岗位", "东岭乡测试局1", "钱联络", "0359-0200071", "2026-11-01"],
                ["新岗位", "东岭乡测试局2", "孙联络", "0359-0200072", "2026-11-01"],
            ],
            "清单": [
                ["清单类别", "版本", "村（社区）", "清单名称", "发布日期"],
                ["小微权力清单", "2026年版", "南坡村", "南坡村小微权力清单", "2026-01-01"],
            ],
            "清单条目": [
                ["清单类别", "版本", "村（社区）", "序号", "事项名称"],
                ["小微权力清单", "2026年版", "南坡村", 1, "村级重大事项决策"],
                ["小微权力清单", "2026年版", "南坡村", 2, "村级工程项目建设"],
            ],
            "证明事项": [
                ["证明名称", "村（社区）可以出具", "替代途径类型", "替代途径", "对应服务事项"],
                ["居住证明", "否", "告知承诺", "申请人签署告知承诺书", "WB-02"],
            ],
            "填写说明": [["这张表不会被导入"]],
        },
        title_rows={"服务事项": [["东岭乡服务事项（2026年）"]], "县乡对接": [["县乡工作对接联系表"], []]},
    )


@pytest.mark.django_db
def test_a_workbook_with_every_list_is_imported_in_one_go(hall, township, tmp_path):
    path = tmp_path / "东岭乡清单.xlsx"
    path.write_bytes(workbook())
    out, err = io.StringIO(), io.StringIO()

    call_command("import_lists", str(path), "--township", township.slug, stdout=out, stderr=err)

    summary = out.getvalue()
    assert "工作表「服务事项」（服务事项）：新增 2，修改 0，无变化 0，删除 0，错误 0" in summary
    assert "工作表「县乡对接」（县乡对接）：新增 2" in summary
    assert "已导入到东岭乡：新增 18 行" in summary
    assert "检查「服务事项」 2/2" in err.getvalue() and "写入「服务事项」 2/2" in err.getvalue()
    item = ServiceItem.objects.get(township=township, code="WB-01")
    assert (item.office, item.window, item.responsible_post) == (
        Office.objects.get(name="综合办"),
        Window.objects.get(township=township, number=7),
        Post.objects.get(title="新岗位"),
    )
    assert list(Material.objects.filter(item=item).values_list("name", flat=True))[1] == "户口簿"
    assert Step.objects.filter(item=item).count() == 2
    assert Post.objects.get(title="新岗位").backup_holders[0].staff == Staff.objects.get(name="乙同志")
    assert Liaison.objects.filter(post__title="新岗位").count() == 2  # one post, two departments
    petty = ResponsibilityList.objects.get(village=Village.objects.get(name="南坡村"))
    assert ResponsibilityEntry.objects.filter(responsibility_list=petty).count() == 2
    assert township.certificate_rules.get(name="居住证明").alternative_item.code == "WB-02"


@pytest.mark.django_db
def test_a_dry_run_reports_the_summary_and_changes_nothing(hall, township, tmp_path):
    path = tmp_path / "清单.xlsx"
    path.write_bytes(workbook())
    before = table_counts()
    out = io.StringIO()

    call_command("import_lists", str(path), "--township", township.slug, "--dry-run", stdout=out, stderr=io.StringIO())

    assert "试运行（东岭乡）：新增 18 行" in out.getvalue()
    assert "数据库没有任何改动" in out.getvalue()
    assert table_counts() == before


@pytest.mark.django_db
def test_one_error_anywhere_fails_the_command_with_the_error_list_and_writes_nothing(hall, township, tmp_path):
    path = tmp_path / "清单.xlsx"
    path.write_bytes(workbook(bad_office=True))
    before = table_counts()
    err = io.StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("import_lists", str(path), "--township", township.slug, stdout=io.StringIO(), stderr=err)

    assert failure.value.returncode == 1
    assert "导入失败：共 2 处错误，数据库没有任何改动" in str(failure.value)
    assert err.getvalue().splitlines()[-2:] == [
        # Issue 13: a name that matches nothing lists the closest names or, where there are few, all of them.
        "工作表「服务事项」第4行「办理科室」：本乡镇没有名为「不存在办」的办公室（站、中心）。"
        "可以填：便民服务中心、社会事务办、综合办。",
        # The rule names the item that could not be added: reported too, so nothing is half written.
        "工作表「证明事项」第2行「对应服务事项」：本乡镇没有事项编号为「WB-02」的服务事项。是不是「WB-01」？",
    ]
    assert table_counts() == before


@pytest.mark.django_db
def test_a_csv_file_is_imported_as_the_list_named_on_the_command_line(hall, township, tmp_path, superuser):
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_bytes([["姓名", "手机", "手机是否公开"], ["丙同志", "10012345678", "是"]], encoding="gbk"))

    call_command(
        "import_lists",
        str(path),
        "--township",
        township.slug,
        "--list",
        "工作人员",
        "--user",
        superuser.username,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    person = Staff.objects.get(name="丙同志")
    assert person.public_mobile == "10012345678"
    assert person.history.first().history_user == superuser


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args,message",
    [
        (["--township", "nowhere"], "没有网址标识为「nowhere」的乡镇。"),
        (["--township", "dongling-test", "--list", "花名册"], "没有名为「花名册」的清单"),
    ],
)
def test_a_wrong_township_or_list_name_is_refused(args, message, township, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(workbook())

    with pytest.raises(CommandError, match=message):
        call_command("import_lists", str(path), *args, stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_the_importer_named_must_be_a_clerk_of_that_township(township, other_township, tmp_path):
    staff_account_ensure(username="clerk-of-b", township=other_township, password="pw-for-tests-only-9")
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_bytes([["姓名"], ["丁同志"]], encoding="utf-8-sig"))
    before = table_counts()

    with pytest.raises(CommandError, match="不是东岭乡的办事员"):
        call_command(
            "import_lists",
            str(path),
            "--township",
            township.slug,
            "--list",
            "工作人员",
            "--user",
            "clerk-of-b",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert table_counts() == before
