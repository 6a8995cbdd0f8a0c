"""Make the malformed spreadsheets of tests/spreadsheet_cases/own/ the way real programs make them.

Not run by the tests (LibreOffice takes seconds per file); run by hand when a case is added, and
commit what it writes:

    .venv/bin/python scripts/make_spreadsheet_cases.py

Each source is written as a program would (openpyxl for "written by a program, never opened",
CSV typed as a clerk would, an HTML or Excel 2003 XML page as government systems export), then,
where the case says so, opened and saved by LibreOffice headless (``soffice --convert-to``), which
re-types numbers and dates, computes formulas and writes its own xlsx. The data are the demo
township's (东岭乡, fixtures/), invented.
"""

import csv
import io
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent.parent / "tests" / "spreadsheet_cases" / "own"


def book(sheets, merges=None, hidden=()):
    """Return xlsx bytes from openpyxl: {sheet name: rows}, merged ranges per sheet, hidden sheet names."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for ref in (merges or {}).get(name, []):
            sheet.merge_cells(ref)
        if name in hidden:
            sheet.sheet_state = "hidden"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_text(rows, delimiter=","):
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def libreoffice(name, data, target="xlsx", language=1033):
    """Open ``data`` (saved as ``name``) in LibreOffice headless and return what it saves as ``target``.

    A CSV is opened as a clerk opens it: UTF-8, comma-separated, LibreOffice detecting numbers and dates
    as the ``language`` (a Windows LCID: 1033 English, 2052 Chinese) reads them.
    """
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / name
        source.write_bytes(data)
        options = [f"--infilter=CSV:44,34,76,1,,{language}"] if name.endswith(".csv") else []
        subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation=file://{folder}/profile",
                *options,
                "--convert-to",
                target,
                "--outdir",
                str(Path(folder) / "out"),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return (Path(folder) / "out" / f"{source.stem}.{target}").read_bytes()


def with_dimension(data, ref):
    """Return xlsx bytes whose first sheet declares the size ``ref`` (as WPS and some exporters write it)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), content)
            target.writestr(item, content)
    return out.getvalue()


VILLAGE_HEADER = ["名称", "类型", "代办员", "代办员电话"]


def cases():
    """Yield (file name, bytes) of every case."""
    # error values: formulas LibreOffice computes into #DIV/0!, #N/A, #VALUE!, #NAME?
    yield (
        "villages_error_values_libreoffice.xlsx",
        libreoffice(
            "villages.xlsx",
            book(
                {
                    "村（社区）": [
                        VILLAGE_HEADER,
                        ["东岭村", "行政村", "=1/0", "10031230101"],
                        ["西岭村", "行政村", "=NA()", "10031230102"],
                        ["南沟村", "行政村", '="李"+1', "10031230103"],
                        ["北堡村", "行政村", "=NOSUCHFUNCTION()", "10031230104"],
                    ]
                }
            ),
        ),
    )
    # formula without a result: a program wrote the formula and nobody opened the file
    yield (
        "villages_agent_formula_no_cache_openpyxl.xlsx",
        book({"村（社区）": [VILLAGE_HEADER, ["东岭村", "行政村", '=CONCATENATE("张","桂芝")', "10031230101"]]}),
    )
    # wrong dimension: the sheet says A1, the rows are all there
    yield (
        "villages_dimension_A1.xlsx",
        with_dimension(
            book(
                {
                    "村（社区）": [
                        VILLAGE_HEADER,
                        ["东岭村", "行政村", "张桂芝", "10031230101"],
                        ["西岭村", "行政村", "王振江", "10031230102"],
                        ["新建村", "行政村", "钱代办", "10031230199"],
                    ]
                }
            ),
            "A1",
        ),
    )
    # merged cells: the office merged down over its posts, re-saved by LibreOffice
    yield (
        "posts_office_merged_libreoffice.xlsx",
        libreoffice(
            "posts.xlsx",
            book(
                {
                    "岗位": [
                        ["岗位名称", "所属办公室"],
                        ["党建组织岗", "党政综合办公室"],
                        ["文秘综合岗", None],
                        ["人事劳资岗", None],
                        ["农业农村岗", "经济发展办公室"],
                        ["宅基地管理岗", None],
                    ]
                },
                merges={"岗位": ["B2:B4", "B5:B6"]},
            ),
        ),
    )
    # merged cells in a web page: rowspan, GBK, as a system's ".xls" export
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>'
        "<table border=1><tr><th>岗位名称</th><th>所属办公室</th></tr>"
        '<tr><td>党建组织岗</td><td rowspan="3">党政综合办公室</td></tr>'
        "<tr><td>文秘综合岗</td></tr><tr><td>人事劳资岗</td></tr></table></body></html>"
    )
    yield "岗位_rowspan_gbk.xls", page.encode("gbk")
    # Excel 2003 XML with MergeDown
    yield (
        "posts_xml2003_mergedown.xls",
        (
            '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="岗位"><Table>'
            '<Row><Cell><Data ss:Type="String">岗位名称</Data></Cell>'
            '<Cell><Data ss:Type="String">所属办公室</Data></Cell></Row>'
            '<Row><Cell><Data ss:Type="String">农业农村岗</Data></Cell>'
            '<Cell ss:MergeDown="1"><Data ss:Type="String">经济发展办公室</Data></Cell></Row>'
            '<Row><Cell><Data ss:Type="String">宅基地管理岗</Data></Cell></Row>'
            "</Table></Worksheet></Workbook>"
        ).encode(),
    )
    # leading zeros: a landline typed without its dash, the CSV opened in LibreOffice (it becomes a number)
    yield (
        "offices_phone_lost_zero_libreoffice.xlsx",
        libreoffice(
            "办公室.csv",
            csv_text([["名称", "类别", "办公电话"], ["社会事务办公室", "办公室", "03590321031"]]).encode("utf-8-sig"),
        ),
    )
    # invisible characters and odd spaces pasted into names, through LibreOffice
    yield (
        "villages_invisible_libreoffice.xlsx",
        libreoffice(
            "村（社区）.csv",
            csv_text(
                [
                    VILLAGE_HEADER,
                    ["\u200d东岭村", "行政村", "张桂芝\u00a0", "10031230101"],
                    ["西岭村\u2060", "行政村", "\u3000王振江\u3000", "10031230102"],
                    ["\u00ad南沟村", "行政村", "李红英", "10031230103"],
                ]
            ).encode("utf-8-sig"),
        ),
    )
    # phones written with spaces, dots, brackets and full-width digits
    yield (
        "办公室_phones_as_typed.csv",
        csv_text(
            [
                ["名称", "类别", "办公电话"],
                ["党政综合办公室", "办公室", "0359 0321011"],
                ["经济发展办公室", "办公室", "0359.032.1021"],
                ["社会事务办公室", "办公室", "（0359）0321031"],
                ["平安建设办公室", "办公室", "０３５９－０３２１０４１"],
            ]
        ).encode("gbk"),
    )
    # a hidden list sheet (re-saved by LibreOffice, which keeps it hidden)
    yield (
        "staff_sheet_hidden_libreoffice.xlsx",
        libreoffice(
            "hidden.xlsx",
            book(
                {"说明": [["见隐藏的工作表"]], "工作人员": [["姓名", "职务"], ["隐藏的人", "文书"]]},
                hidden=("工作人员",),
            ),
        ),
    )
    # a date column holding a phone number and a bare year
    yield (
        "liaison_dates_not_dates.xlsx",
        book(
            {
                "县乡对接": [
                    ["岗位", "县直部门", "县级确认日期"],
                    ["党建组织岗", "中共瑞河县委组织部", 3590321031],
                    ["文秘综合岗", "瑞河县人民政府办公室", 2024],
                ]
            }
        ),
    )
    # a text column a spreadsheet re-typed: the room "3-1" (third floor, room 1) became the 1st of March
    yield (
        "offices_room_retyped_libreoffice.xlsx",
        libreoffice(
            "办公室.csv",
            csv_text([["名称", "类别", "房间"], ["社会事务办公室", "办公室", "3-1"]]).encode("utf-8-sig"),
            language=2052,
        ),
    )
    # a long code LibreOffice turned into scientific notation
    yield (
        "items_long_code_scientific_libreoffice.xlsx",
        libreoffice(
            "服务事项.csv",
            csv_text([["事项编号", "实施编码"], ["DL-016", "11140000012345678901"]]).encode("utf-8-sig"),
        ),
    )
    # semicolon-separated, as a European-locale Excel writes CSV
    yield (
        "村（社区）_semicolon.csv",
        csv_text([VILLAGE_HEADER, ["东岭村", "行政村", "张桂芝", "10031230101"]], delimiter=";").encode("utf-8-sig"),
    )
    # LibreOffice's own format under its own name
    yield "villages.ods", libreoffice("villages.xlsx", book({"村（社区）": [VILLAGE_HEADER]}), target="ods")


def main():
    if shutil.which("soffice") is None:
        sys.exit("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in cases():
        (OUT / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
