"""The county table as an xlsx workbook (openpyxl): Chinese headers, set widths, the header frozen."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from supervision.table import figure_shown


def workbook_bytes(table, *, title):
    """Return the xlsx bytes of ``table`` (a ``supervision.table.Table``): a row per township, totals if several."""
    book = Workbook()
    sheet = book.active
    sheet.title = "汇总"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    headers = ["乡镇"] + [f"{c.group}·{c.label}" + (f"（{c.unit}）" if c.unit else "") for c in table.columns]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        sheet.append([row.township.name] + [figure_shown(row.values, c.key) for c in table.columns])
    if table.shows_totals:
        sheet.append(["合计"] + [figure_shown(table.totals, c.key) for c in table.columns])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 16
    for index in range(2, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    sheet.row_dimensions[2].height = 48
    sheet.freeze_panes = "B3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
