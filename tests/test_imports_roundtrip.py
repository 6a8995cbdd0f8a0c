"""Export then import, unchanged, changes nothing: for every list, in xlsx and in CSV."""

import pytest

from spreadsheets.columns import ClerkCSV, ClerkXLSX
from spreadsheets.importing import SKIP
from spreadsheets.lists import WORKBOOK_LISTS, import_lists_file, workbook_export
from tests.spreadsheet_files import service_hall, table_counts

LISTS = [pytest.param(cls, id=cls.sheet_name) for cls in WORKBOOK_LISTS]


@pytest.fixture
def hall(township):
    return service_hall(township)


def _export(cls, township, file_format):
    dataset = cls(township=township).export()
    data = file_format.export_data(dataset)
    return data.encode("utf-8-sig") if isinstance(data, str) else data


@pytest.mark.django_db
@pytest.mark.parametrize("cls", LISTS)
@pytest.mark.parametrize("file_format,suffix", [(ClerkXLSX(), "xlsx"), (ClerkCSV(), "csv")], ids=["xlsx", "csv"])
def test_an_exported_list_imports_back_with_zero_changes(cls, file_format, suffix, hall, township):
    data = _export(cls, township, file_format)
    before = table_counts()

    result = import_lists_file(data, f"export.{suffix}", township=township, list_name=cls.sheet_name, dry_run=False)

    assert result.error_messages() == []
    (report,) = result.reports
    assert report.rows, "the export should not be empty"
    assert {row.status for row in report.rows} == {SKIP}, [(r.number, r.changed) for r in report.rows]
    assert report.deletions == []
    assert result.changes == 0
    assert table_counts() == before


@pytest.mark.django_db
def test_the_whole_workbook_imports_back_with_zero_changes(hall, township):
    before = table_counts()

    result = import_lists_file(workbook_export(township), "东岭乡全部清单.xlsx", township=township, dry_run=False)

    assert result.error_messages() == []
    assert [r.list_name for r in result.reports] == [cls.sheet_name for cls in WORKBOOK_LISTS]
    assert result.changes == 0
    assert result.totals["skip"] > 40
    assert table_counts() == before
