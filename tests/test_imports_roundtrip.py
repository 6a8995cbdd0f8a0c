"""Export then import, unchanged, changes nothing: for every list, in xlsx and in CSV."""

import pytest

from spreadsheets.columns import ClerkCSV, ClerkXLSX
from spreadsheets.importing import SKIP
from spreadsheets.lists import WORKBOOK_LISTS, import_lists_file, workbook_export
from spreadsheets.lists.services import ServiceItemResource
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


@pytest.mark.django_db
@pytest.mark.parametrize("file_format,suffix", [(ClerkXLSX(), "xlsx"), (ClerkCSV(), "csv")], ids=["xlsx", "csv"])
@pytest.mark.parametrize("value", ["\r第一行", "\r=SUM(A1)", "'\r引号", "_x000D_字面", "\r\n两行\r\n"])
def test_a_value_beginning_with_a_carriage_return_survives_export_and_import(
    file_format, suffix, value, hall, township
):
    from services.models import ServiceItem

    item = hall["items"][0]
    ServiceItem.objects.filter(pk=item.pk).update(conditions=value, result="改过的结果")
    data = _export(ServiceItemResource, township, file_format)
    ServiceItem.objects.filter(pk=item.pk).update(result="原来的结果")  # one real change, so the row is written

    result = import_lists_file(data, f"export.{suffix}", township=township, list_name="服务事项", dry_run=False)

    assert result.error_messages() == []
    assert [row.changed for row in result.reports[0].rows if row.changed] == [["办理结果"]]
    item.refresh_from_db()
    assert (item.conditions, item.result) == (value, "改过的结果")
