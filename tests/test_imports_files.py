"""Files as clerks' programs write them: openpyxl/Excel xlsx with a title row, CSV in GBK, UTF-8 with BOM, UTF-16.

Also the blank template and the formula escaping on export.
"""

import pytest

from portal.text import escape_formula, unescape_formula
from services.models import ServiceItem
from spreadsheets.columns import ClerkCSV, ClerkXLSX, template_workbook
from spreadsheets.files import read_upload
from spreadsheets.importing import NEW
from spreadsheets.lists import import_lists_file
from spreadsheets.lists.services import MaterialResource, ServiceItemResource, StepResource
from tests.spreadsheet_files import csv_bytes, read_xlsx, service_hall, table_counts, xlsx

HEADER = [
    "事项编号",
    "事项名称",
    "群众常用说法",
    "事项类型",
    "办理科室",
    "受理窗口",
    "承诺时限",
    "承诺时限单位",
    "帮代办",
]
ROWS = [
    ["DL-101", "高龄老人补贴申请", "高龄补贴、老人补贴", "行政给付", "社会事务办", "1号", 10, "个工作日", "是"],
    ["DL-102", "城乡居民养老保险参保登记", "养老保险、交社保", "公共服务", "便民服务中心", 1, None, "即办", "否"],
]


@pytest.fixture
def hall(township):
    return service_hall(township)


def _imported(data, file_name, township):
    result = import_lists_file(data, file_name, township=township, list_name="服务事项", dry_run=False)
    assert result.error_messages() == []
    assert result.applied
    return result


@pytest.mark.django_db
def test_an_openpyxl_file_with_chinese_headers_and_a_title_row_imports(hall, township):
    data = xlsx(
        {"服务事项": [HEADER, *ROWS]},
        title_rows={"服务事项": [["东岭乡便民服务事项目录（2026年版）"], ["填报单位：东岭乡便民服务中心"], []]},
    )

    result = _imported(data, "目录.xlsx", township)

    (report,) = result.reports
    assert report.header_row == 4
    assert [(r.number, r.status) for r in report.rows] == [(5, NEW), (6, NEW)]
    first = ServiceItem.objects.get(township=township, code="DL-101")
    assert first.name == "高龄老人补贴申请"
    assert first.item_type == ServiceItem.ItemType.PAYMENT
    assert first.window == hall["windows"][0]
    assert first.promised_limit_text == "10个工作日"
    assert first.proxy_offered is True
    second = ServiceItem.objects.get(township=township, code="DL-102")
    assert second.promised_limit_text == "即办（当场办结）"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "encoding,delimiter",
    [("gbk", ","), ("gb18030", ","), ("utf-8-sig", ","), ("utf-8", ","), ("utf-16", "\t")],
    ids=["gbk", "gb18030", "utf8-bom", "utf8", "utf16-tab"],
)
def test_csv_as_excel_and_wps_save_it_imports(encoding, delimiter, hall, township):
    data = csv_bytes(
        [["东岭乡服务事项"], HEADER, *[[("" if c is None else c) for c in r] for r in ROWS]], encoding, delimiter
    )

    _imported(data, "服务事项.csv", township)

    assert set(ServiceItem.objects.filter(code__startswith="DL-1").values_list("name", flat=True)) == {
        "高龄老人补贴申请",
        "城乡居民养老保险参保登记",
    }


@pytest.mark.django_db
def test_headers_are_recognised_despite_spaces_line_breaks_and_half_width_brackets(hall, township):
    header = ["事项\n编号", " 事项名称 ", "事项类型", "办理科室*"]
    data = xlsx({"服务事项": [header, ["DL-201", "新事项", "公共服务", "社会事务办"]]})

    _imported(data, "服务事项.xlsx", township)

    assert ServiceItem.objects.filter(code="DL-201").exists()


def test_the_escape_is_undone_exactly_even_for_text_that_starts_with_an_apostrophe():
    for text in ["=1+1", "+86", "-2", "@cmd", "'=x", "''+1", "'plain", "普通文字", "0359-0123456"]:
        assert unescape_formula(escape_formula(text)) == text
    assert escape_formula('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert escape_formula("普通文字") == "普通文字"
    assert escape_formula(5) == 5


@pytest.mark.django_db
def test_exported_cells_that_look_like_formulas_are_escaped_and_never_written_as_formulas(hall, township):
    item = hall["items"][0]
    dataset = ServiceItemResource(township=township).export()

    xlsx_rows = read_xlsx(ClerkXLSX().export_data(dataset))["服务事项"]
    csv_text = ClerkCSV().export_data(dataset)

    keywords = xlsx_rows[0].index("群众常用说法")
    row = next(r for r in xlsx_rows if r[0] == item.code)
    assert row[keywords] == "'=SUM(A1:A2)、+1、-2、@cmd"
    assert "'=SUM(A1:A2)、+1、-2、@cmd" in csv_text
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(ClerkXLSX().export_data(dataset))).active
    assert all(cell.data_type != "f" for r in sheet.iter_rows() for cell in r)


@pytest.mark.django_db
def test_the_template_has_the_header_an_example_row_and_an_explanation_of_every_column(township):
    resources = [ServiceItemResource, MaterialResource, StepResource]

    sheets = read_xlsx(template_workbook(resources))

    assert list(sheets) == ["服务事项", "申请材料", "办理步骤", "填写说明"]
    header, example = sheets["服务事项"][:2]
    assert header[:3] == ["事项编号", "事项名称", "群众常用说法"]
    assert example[header.index("事项编号")] == "示例-001"
    explained = {(r[0], r[1]): r[2] for r in sheets["填写说明"] if r and r[0] in ("服务事项", "申请材料", "办理步骤")}
    for cls in resources:
        for f in cls().fields.values():
            assert (cls.sheet_name, f.column_name) in explained
    assert explained[("服务事项", "事项编号")] == "必填"
    assert explained[("服务事项", "办理科室")] == "新增时必填"
    notes = " ".join(str(c) for r in sheets["填写说明"] for c in r if c)
    assert "替换这个事项的全部材料" in notes
    assert "办理方式" in notes and "本级办理、受理后代办至县级部门、村级代办" in notes


@pytest.mark.django_db
def test_the_template_imported_unchanged_is_refused_for_its_example_rows(hall, township):
    before = table_counts()

    result = import_lists_file(
        template_workbook([ServiceItemResource, MaterialResource, StepResource]), "模板.xlsx", township=township
    )

    assert "第2行「事项编号」：这是导入模板里的示例行" in " ".join(result.error_messages())
    assert table_counts() == before


def test_a_utf16_file_is_read_as_tab_separated():
    data = "事项编号\t事项名称\r\nA-1\t名称\r\n".encode("utf-16")

    (sheet,) = read_upload(data, "文本.txt")

    assert sheet.rows == [(1, ["事项编号", "事项名称"]), (2, ["A-1", "名称"])]
