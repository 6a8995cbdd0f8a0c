"""Hostile files: the largest we can make within the upload limit is refused early, with a message, in bounded memory.

Today's bug: a 147 KB xlsx with millions of cells took 2.2 GB and a worker
timeout. Each file here is at most MAX_FILE_BYTES (what the admin accepts)
and is built as an attacker would: a highly compressible XML part, a
shared-strings table or a merged range of a million rows, a cell at the
last column, a CSV of nothing but separators. Each must be refused with a
Chinese message naming the bound, with the peak of Python memory during
the import (tracemalloc) under 200 MB, and nothing written.
"""

import io
import time
import tracemalloc
import zipfile

import pytest

from spreadsheets.files import MAX_FILE_BYTES
from spreadsheets.lists import import_lists_file
from tests.spreadsheet_files import service_hall, table_counts

PEAK_LIMIT = 200 * 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _xlsx(sheet_chunks, strings_chunks=None, sheet_tail=b""):
    """Return a minimal xlsx whose sheet (and shared strings) XML is streamed from chunk iterables."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        book.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        book.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
            '<sheet name="服务事项" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            for chunk in sheet_chunks:
                part.write(chunk)
            part.write(b"</sheetData>" + sheet_tail + b"</worksheet>")
        if strings_chunks is not None:
            with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                part.write(f'<sst xmlns="{MAIN}">'.encode())
                for chunk in strings_chunks:
                    part.write(chunk)
                part.write(b"</sst>")
    return out.getvalue()


HEADER = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe4\xba\x8b\xe9\xa1\xb9\xe7\xbc\x96\xe5\x8f\xb7</t></is></c></row>'
)


def millions_of_cells():
    """Rows of 1,000 numeric cells with no references: 12 bytes a cell, compressing a thousandfold."""
    row = b"<row>" + b"<c><v>1</v></c>" * 1000 + b"</row>"
    return _xlsx([HEADER] + [row] * 6000)  # 6 million cells


def millions_of_formatted_empty_cells():
    row = b"<row>" + b'<c s="1"/>' * 1000 + b"</row>"
    return _xlsx([row] * 8000)


def a_decompression_bomb():
    """One part that inflates to 200 MB of whitespace inside the sheet."""
    return _xlsx([HEADER] + [b" " * 1_000_000] * 200)


def millions_of_shared_strings():
    return _xlsx([HEADER], strings_chunks=[b"<si><t>x</t></si>" * 10000] * 600)


def one_enormous_cell():
    """A single shared string of 10 million characters."""
    return _xlsx(
        [HEADER, b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'],
        [b"<si><t>", "字".encode() * 10_000_000, b"</t></si>"],
    )


def merges_over_a_million_rows():
    """5,000 rows with a value each, and 20,000 ranges merging the first column's value across every row and column."""
    rows = [f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'.encode() for n in range(2, 5002)]
    merges = b"<mergeCells>" + b'<mergeCell ref="A2:XFD1048576"/>' * 20000 + b"</mergeCells>"
    return _xlsx([HEADER, *rows], sheet_tail=merges)


def a_cell_at_the_last_column():
    return _xlsx([HEADER, b'<row r="2"><c r="XFD2"><v>1</v></c></row>'])


def a_csv_of_separators():
    return b"\xe4\xba\x8b\xe9\xa1\xb9\xe7\xbc\x96\xe5\x8f\xb7\r\n" + b"1," * ((MAX_FILE_BYTES - 100) // 2)


HOSTILE = [
    ("millions-of-cells", millions_of_cells, "服务事项.xlsx", "超过 250000 个"),
    ("formatted-empty-cells", millions_of_formatted_empty_cells, "服务事项.xlsx", "含只设了格式的空单元格"),
    ("decompression-bomb", a_decompression_bomb, "服务事项.xlsx", "解压后超过 32 MB"),
    ("shared-strings", millions_of_shared_strings, "服务事项.xlsx", "文件中的文字超过 250000 条"),
    ("enormous-cell", one_enormous_cell, "服务事项.xlsx", "超过 32767 个字"),
    ("merges", merges_over_a_million_rows, "服务事项.xlsx", "含合并单元格覆盖的"),
    ("last-column", a_cell_at_the_last_column, "服务事项.xlsx", "XFD2 格有内容"),
    ("csv-of-separators", a_csv_of_separators, "服务事项.csv", "超过了表格软件的上限 16384 列"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("build,file_name,message", [pytest.param(b, f, m, id=n) for n, b, f, m in HOSTILE])
def test_a_hostile_file_is_refused_early_in_bounded_memory(build, file_name, message, township):
    service_hall(township)
    data = build()
    assert len(data) <= MAX_FILE_BYTES, f"{len(data)} bytes: not a file the admin would accept"
    before = table_counts()

    tracemalloc.start()
    started = time.monotonic()
    try:
        result = import_lists_file(data, file_name, township=township, dry_run=False)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    seconds = time.monotonic() - started

    print(f"{file_name} {len(data) / 1024:.0f} KB: peak {peak / 1024 / 1024:.1f} MB in {seconds:.1f} s")
    assert result.has_errors and not result.applied
    assert any(message in m for m in result.error_messages()), result.error_messages()
    assert peak < PEAK_LIMIT, f"peak {peak / 1024 / 1024:.0f} MB"
    assert seconds < 30, "refused before a worker's timeout (generous: the test machine is shared)"
    assert table_counts() == before
