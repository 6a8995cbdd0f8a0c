"""Exports a clerk can use as they are: widths, a frozen header, codes and phones as text (oversight included)."""

import io

import pytest
from openpyxl import load_workbook

from spreadsheets.columns import ClerkXLSX
from spreadsheets.lists import workbook_export
from spreadsheets.lists.staff import StaffResource
from staff.oversight import county_oversight, oversight_workbook
from tests import builders
from tests.spreadsheet_files import service_hall


@pytest.fixture
def hall(township):
    return service_hall(township)


def _check(sheet, header_rows=1, phone_headers=()):
    """Assert the sheet is ready to use: its header frozen, its columns wide enough, phones as text."""
    assert sheet.freeze_panes is not None and int(sheet.freeze_panes.lstrip("ABC")) == header_rows + 1
    header = [c.value for c in sheet[header_rows]]
    for index, name in enumerate(header, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        assert sheet.column_dimensions[letter].width >= len(str(name or "")) * 2, (sheet.title, name)
        if name in phone_headers:
            for (cell,) in sheet.iter_rows(min_row=header_rows + 1, min_col=index, max_col=index):
                if cell.value:
                    assert cell.data_type == "s" and cell.number_format == "@", (sheet.title, name, cell.value)


@pytest.mark.django_db
def test_an_exported_list_has_a_frozen_header_fitted_columns_and_phones_as_text(hall, township):
    builders.make_staff(township=township, name="零号", office_phone="0359-0100001", mobile="10012345678")

    book = load_workbook(io.BytesIO(ClerkXLSX().export_data(StaffResource(township=township).export())))

    _check(book["工作人员"], phone_headers=("办公电话", "手机"))
    assert book["工作人员"].column_dimensions["A"].width < 50


@pytest.mark.django_db
def test_the_whole_workbook_export_is_ready_to_use(hall, township):
    book = load_workbook(io.BytesIO(workbook_export(township)))

    for sheet in book.worksheets:
        _check(sheet, phone_headers=("办公电话", "手机", "岗位电话", "代办员电话", "县级联系电话"))
    codes = [c for (c,) in book["服务事项"].iter_rows(min_row=2, max_col=1)]
    assert codes and all(c.data_type == "s" and c.number_format == "@" for c in codes)


@pytest.mark.django_db
def test_the_county_oversight_workbook_is_ready_to_use(county):
    township = builders.make_township(county=county)
    department = builders.make_department(county=county, name="瑞河县民政局")
    post = builders.make_post(township=township, title="民政岗")
    builders.make_liaison(
        post=post, department=department, county_contact_name="县联络人", county_contact_phone="0359-0200001"
    )
    builders.make_staff(township=township, name="老电话", office_phone="0359-0100009")

    book = load_workbook(io.BytesIO(oversight_workbook(county_oversight(county))))

    _check(book["对接矩阵"], header_rows=2)
    for sheet in book.worksheets[1:]:
        _check(sheet, phone_headers=("办公电话", "手机", "县级联系电话"))
