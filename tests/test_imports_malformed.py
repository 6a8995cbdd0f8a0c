"""A corpus of bad files: each is refused with its own message in Chinese, and the database does not move.

Every file is imported for real (not a dry run), so "refused" means nothing
was written: the count of every table, history tables included, is the same
afterwards. Row and column are named as the clerk sees them in the
spreadsheet (row numbers count the title rows above the header).
"""

import datetime
import io

import pytest
from openpyxl import Workbook

from spreadsheets.files import MAX_FILE_BYTES, MAX_ROWS
from spreadsheets.lists import import_lists_file
from tests.spreadsheet_files import csv_bytes, service_hall, table_counts, xlsx

ITEM_HEADER = ["事项编号", "事项名称", "事项类型", "办理科室", "受理窗口", "责任岗位", "承诺时限", "办理方式"]


def item(code="N-001", name="新事项", **cells):
    """A valid item row for the service hall, with some cells replaced (by header name)."""
    row = dict(zip(ITEM_HEADER, [code, name, "公共服务", "社会事务办", 1, "民政岗", 5, "本级办理"], strict=True))
    row.update(cells)
    return row


def items_file(*rows, extra_header=(), title=True):
    header = ITEM_HEADER + [h for h in extra_header if h not in ITEM_HEADER]
    body = [[r.get(h) for h in header] for r in rows]
    return "服务事项.xlsx", xlsx(
        {"服务事项": [header, *body]}, {"服务事项": [["东岭乡服务事项目录"]]} if title else None
    )


def sheet_file(name, header, *rows):
    return f"{name}.xlsx", xlsx({name: [header, *rows]})


def _xls_bytes():
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512


def _too_many_rows():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("服务事项")
    sheet.append(ITEM_HEADER)
    for n in range(MAX_ROWS + 1):
        sheet.append([f"X-{n}", f"事项{n}", "公共服务", "社会事务办"])
    stream = io.BytesIO()
    book.save(stream)
    return "服务事项.xlsx", stream.getvalue()


CASES = [
    ("empty-file", lambda h: ("服务事项.csv", b""), "文件是空的"),
    ("old-xls", lambda h: ("服务事项.xls", _xls_bytes()), "这是旧版 Excel（.xls）文件"),
    ("broken-xlsx", lambda h: ("服务事项.xlsx", b"PK\x03\x04" + b"broken" * 50), "无法打开这个 Excel 文件"),
    (
        "text-named-xlsx",
        lambda h: ("服务事项.xlsx", "事项编号,事项名称\n".encode()),
        "扩展名是 .xlsx，但内容不是 Excel",
    ),
    (
        "picture-as-csv",
        lambda h: ("服务事项.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        "不是 Excel（.xlsx）或 CSV 文件",
    ),
    ("unknown-encoding", lambda h: ("服务事项.csv", b"\x80\x80\x80,\x80\r\n"), "无法识别 CSV 文件的文字编码"),
    ("too-big", lambda h: ("服务事项.csv", b"a" * (MAX_FILE_BYTES + 1)), "文件太大"),
    ("too-many-rows", lambda h: _too_many_rows(), f"每次最多导入 {MAX_ROWS} 行"),
    (
        "header-too-low",
        lambda h: ("服务事项.xlsx", xlsx({"服务事项": [["标题"]] * 6 + [ITEM_HEADER, list(item().values())]})),
        "前 5 行里找不到表头",
    ),
    (
        "unknown-column",
        lambda h: sheet_file("服务事项", ITEM_HEADER + ["联系人"], list(item().values()) + ["张三"]),
        "不认识的列：「联系人」",
    ),
    (
        "missing-key-column",
        lambda h: sheet_file("服务事项", ["事项名称", "办理科室"], ["新事项", "社会事务办"]),
        "缺少必需的列：「事项编号」",
    ),
    (
        "duplicate-column",
        lambda h: sheet_file("服务事项", ITEM_HEADER + ["事项名称"], list(item().values()) + ["又一个名称"]),
        "「事项名称」出现了两次",
    ),
    ("header-only", lambda h: sheet_file("服务事项", ITEM_HEADER), "只有表头，没有要导入的数据行"),
    (
        "unknown-office",
        lambda h: items_file(item(**{"办理科室": "不存在办"})),
        "第3行「办理科室」：本乡镇没有名为「不存在办」的办公室（站、中心）。",
    ),
    ("missing-required-value", lambda h: items_file(item(name=None)), "第3行「事项名称」：必须填写。"),
    (
        "unknown-handling-level",
        lambda h: items_file(item(**{"办理方式": "省级办理"})),
        "第3行「办理方式」：「省级办理」不是可选的值，只能填：本级办理、受理后代办至县级部门、村级代办。",
    ),
    ("text-too-long", lambda h: items_file(item(name="很长" * 60)), "第3行「事项名称」：确保该变量包含不超过 100 字符"),
    (
        "duplicate-code",
        lambda h: items_file(item(code="N-001"), item(code="N-001", name="另一个")),
        "第4行「事项编号」：与第3行重复（事项编号「N-001」）",
    ),
    (
        "bad-date",
        lambda h: items_file(
            item(**{"状态": "暂停办理", "暂停起始日期": "2026-13-45", "暂停、取消或合并的原因": "系统升级"}),
            extra_header=["状态", "暂停起始日期", "暂停、取消或合并的原因"],
        ),
        "第3行「暂停起始日期」：日期「2026-13-45」无法识别，请写成 2024-01-05 这样的格式。",
    ),
    (
        "bad-phone",
        lambda h: sheet_file("工作人员", ["姓名", "办公电话"], ["新人员", "12345678"]),
        "第2行「办公电话」：电话号码格式不正确",
    ),
    (
        "wrong-township",
        lambda h: items_file(item(**{"所属乡镇": "西川镇"}), extra_header=["所属乡镇"]),
        "第3行「所属乡镇」：这一行属于「西川镇」，不能导入到「东岭乡」",
    ),
    (
        "not-a-number",
        lambda h: items_file(item(**{"承诺时限": "五天"})),
        "第3行「承诺时限」：应填写整数，现在是「五天」。",
    ),
    (
        "not-yes-or-no",
        lambda h: items_file(item(**{"帮代办": "也许"}), extra_header=["帮代办"]),
        "第3行「帮代办」：只能填「是」或「否」，现在是「也许」。",
    ),
    (
        "template-example-left-in",
        lambda h: items_file(item(code="示例-001")),
        "第3行「事项编号」：这是导入模板里的示例行，请删除或改写后再导入。",
    ),
    (
        "material-of-unknown-item",
        lambda h: sheet_file("申请材料", ["事项编号", "材料名称"], ["NO-SUCH", "身份证"]),
        "第2行「事项编号」：本乡镇没有事项编号为「NO-SUCH」的服务事项。",
    ),
    (
        "material-code-and-name-disagree",
        lambda h: sheet_file(
            "申请材料", ["事项编号", "事项名称", "材料名称"], [h["items"][0].code, "别的事项", "身份证"]
        ),
        "第2行「事项名称」：事项编号「T-",
    ),
    (
        "same-person-a-and-b",
        lambda h: sheet_file(
            "岗位", ["岗位名称", "所属办公室", "A角", "B角"], ["新岗", "社会事务办", "东岭乡人员1", "东岭乡人员1"]
        ),
        "第2行「B角」：「东岭乡人员1」已是A角，不能同时是B角。",
    ),
    (
        "two-a-holders",
        lambda h: sheet_file(
            "岗位", ["岗位名称", "所属办公室", "A角"], ["新岗", "社会事务办", "东岭乡人员1、东岭乡人员2"]
        ),
        "第2行「A角」：只能填一个人",
    ),
    (
        "merged-without-target",
        lambda h: items_file(item(**{"状态": "已合并"}), extra_header=["状态"]),
        "“已合并”的事项必须写明合并到哪个事项和合并日期",
    ),
    (
        "general-window-with-two-departments",
        lambda h: sheet_file(
            "窗口",
            ["窗口号", "窗口名称", "窗口类型", "所在办公室", "受理部门"],
            [9, "综合窗口", "综合窗口", "便民服务中心", "东岭乡测试局1、东岭乡测试局2"],
        ),
        "第2行「受理部门」：综合窗口应受理 3 至 5 个部门的事项，现在选了 2 个。",
    ),
    (
        "public-mobile-without-mobile",
        lambda h: sheet_file("工作人员", ["姓名", "手机是否公开"], ["新人员", "是"]),
        "勾选了“手机可对外公开”，但没有填写手机号。",
    ),
    (
        "unknown-section",
        lambda h: sheet_file(
            "县乡对接",
            ["岗位", "县直部门", "股室", "县级责任人", "县级联系电话"],
            ["民政岗", "东岭乡测试局2", "不存在股", "赵联络", "0359-0200009"],
        ),
        "第2行「股室」：东岭乡测试局2没有名为「不存在股」的股室",
    ),
    (
        "entries-of-a-missing-list",
        lambda h: sheet_file("清单条目", ["清单类别", "版本", "序号", "事项名称"], ["负面清单", "2030年版", 1, "条目"]),
        "第2行「版本」：没有找到本乡镇的负面清单「2030年版」：请先在后台或“清单”工作表中新增这个清单。",
    ),
    (
        "sheet-with-unknown-name",
        lambda h: (
            "清单.xlsx",
            xlsx({"服务事项": [ITEM_HEADER, list(item().values())], "我的笔记": [["随便写写"]]}),
        ),
        "工作表「我的笔记」不是可导入的清单",
    ),
    (
        "one-good-row-one-bad-row",
        lambda h: items_file(item(code="N-001"), item(code="N-002", **{"办理科室": "不存在办"})),
        "第4行「办理科室」",
    ),
    (
        "checked-in-the-future",
        lambda h: items_file(item(**{"最近核对日期": "2099-01-01"}), extra_header=["最近核对日期"]),
        "第3行「最近核对日期」：核对日期不能晚于今天。",
    ),
]


@pytest.fixture
def hall(township):
    return service_hall(township)


def test_the_corpus_has_at_least_twenty_files():
    assert len(CASES) >= 20
    assert len({name for name, _build, _message in CASES}) == len(CASES)


@pytest.mark.django_db
@pytest.mark.parametrize("build,message", [pytest.param(b, m, id=n) for n, b, m in CASES])
def test_a_malformed_file_is_refused_with_its_message_and_nothing_changes(build, message, hall, township, tmp_path):
    file_name, data = build(hall)
    path = tmp_path / file_name
    path.write_bytes(data)
    before = table_counts()

    result = import_lists_file(path.read_bytes(), file_name, township=township, dry_run=False)

    messages = result.error_messages()
    assert result.has_errors and not result.applied
    assert any(message in m for m in messages), messages
    assert table_counts() == before


@pytest.mark.django_db
def test_every_bad_row_is_reported_not_only_the_first(hall, township):
    file_name, data = items_file(
        item(code="N-001", **{"办理科室": "不存在办"}),
        item(code="N-002"),
        item(code="N-003", name=None),
        item(code="N-004", **{"承诺时限": "五天"}),
    )

    messages = import_lists_file(data, file_name, township=township).error_messages()

    assert [m.split("」：")[0] for m in messages] == [
        "工作表「服务事项」第3行「办理科室",
        "工作表「服务事项」第5行「事项名称",
        "工作表「服务事项」第6行「承诺时限",
    ]


@pytest.mark.django_db
def test_a_clerk_cannot_change_a_county_wide_certificate_rule(hall, township, django_user_model):
    from portal.models import UserScope

    clerk = django_user_model.objects.create_user("clerk-cert", password="x")
    UserScope.objects.create(user=clerk, township=township)
    rule = hall["county_rule"]
    file_name, data = sheet_file(
        "证明事项",
        ["证明名称", "适用范围", "村（社区）可以出具", "替代途径类型", "替代途径"],
        [rule.name, "全县通用", "否", "凭已有证件", "改为凭户口簿"],
    )
    before = table_counts()

    result = import_lists_file(data, file_name, township=township, user=clerk, dry_run=False)

    assert "第2行「适用范围」：“全县通用”的证明事项只能由县级审核员或管理员修改" in result.error_messages()[0]
    assert table_counts() == before
    rule.refresh_from_db()
    assert rule.alternative == "凭户口簿办理"


@pytest.mark.django_db
def test_gbk_text_that_is_not_a_list_is_refused_by_its_header(hall, township):
    data = csv_bytes([["这不是清单"], ["只是一些文字", datetime.date(2026, 1, 1).isoformat()]], encoding="gbk")

    result = import_lists_file(data, "笔记.csv", township=township, list_name="服务事项")

    assert "前 5 行里找不到表头" in result.error_messages()[0]


def _xlsx_with_part(part, content):
    """A real .xlsx from openpyxl with one of its XML parts replaced (as a crashed save or a bad copy leaves it)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx({"服务事项": [ITEM_HEADER, list(item().values())]})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, content if name == part else source.read(name))
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_an_xlsx_with_a_damaged_part_is_refused_not_a_server_error(part, hall, township):
    before = table_counts()

    result = import_lists_file(
        _xlsx_with_part(part, b"<worksheet><sheetData><row><c"), "服务事项.xlsx", township=township
    )

    assert result.has_errors and not result.applied
    assert "无法打开这个 Excel 文件" in result.error_messages()[0]
    assert table_counts() == before
