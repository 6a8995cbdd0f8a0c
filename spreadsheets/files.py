"""Reading and writing the spreadsheets clerks keep: xlsx and CSV as Excel and WPS save them.

This module knows about files, sheets, header rows and cells; it knows
nothing about models. The import engine (``spreadsheets.importing``) turns
the rows read here into validated rows, and the admin and the
``import_lists`` command call it.

What a clerk's file looks like, and what we accept:

* ``.xlsx`` from Excel or WPS; every non-empty sheet is read, sheets are told
  apart by their names. The old binary ``.xls`` is refused with a hint to
  save as ``.xlsx``.
* CSV as Excel and WPS save it: UTF-8 with or without a BOM, GB18030/GBK
  (the default "CSV (逗号分隔)" on a Chinese Windows), or UTF-16 tab-separated
  ("Unicode 文本"). The encoding and the delimiter are detected.
* A title row (or a few) above the header, as government lists usually have:
  the header is looked for in the first rows, by the column names expected.

Exported text cells that a spreadsheet would run as a formula are escaped
by ``portal.text.escape_formula`` (used by the county oversight workbook too).
"""

import csv
import datetime
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext as _

# Limits, with the reason for each: an upload larger than the admin accepts in
# memory is refused before it is parsed, and a sheet larger than any list a
# township keeps (the county catalogue is 168 items, a responsibility list 148
# rows) is refused with a message asking to split it.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 80
MAX_SHEETS = 20
# Formatted but empty rows at the bottom of a sheet are common; beyond this many
# physical rows we stop reading rather than walk a million empty ones.
MAX_PHYSICAL_ROWS = 50000
HEADER_SEARCH_ROWS = 5

EXPLANATION_SHEET = "填写说明"


class Rejected(Exception):
    """The file as a whole cannot be imported; ``messages`` say why, in Chinese."""

    def __init__(self, *messages):
        super().__init__("；".join(str(m) for m in messages))
        self.messages = [str(m) for m in messages]


# --- reading ----------------------------------------------------------------


@dataclass
class Sheet:
    """One sheet (or one CSV file): its name and its rows as (row number in the file, cells)."""

    name: str
    rows: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not any(any(cell is not None for cell in cells) for _n, cells in self.rows)


def normalise_name(text):
    """Return a sheet or column name as compared: no spaces, full-width brackets, no required-marks."""
    text = re.sub(r"\s+", "", str(text or ""))
    text = text.replace("(", "（").replace(")", "）")
    text = text.replace("（必填）", "").strip("*＊")
    return text


def _clean_cell(value):
    """Return a cell as the importer wants it: text stripped, whole floats as ints, blanks as None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_upload(data, file_name=""):
    """Return the sheets of an uploaded file (bytes); raise Rejected with the reason when it cannot be read."""
    if not data:
        raise Rejected(_("文件是空的。"))
    if len(data) > MAX_FILE_BYTES:
        raise Rejected(
            _("文件太大（%(size).1f MB），每次最多 %(max)d MB：请分成几个文件导入。")
            % {"size": len(data) / 1024 / 1024, "max": MAX_FILE_BYTES // 1024 // 1024}
        )
    lower = file_name.lower()
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise Rejected(_("这是旧版 Excel（.xls）文件：请在 Excel 或 WPS 中“另存为”.xlsx 格式后再导入。"))
    if lower.endswith((".xlsx", ".xlsm")):
        raise Rejected(_("文件扩展名是 .xlsx，但内容不是 Excel 文件：文件可能已损坏，请重新保存后再导入。"))
    stem = re.sub(r"\.(csv|txt|tsv)$", "", file_name.rsplit("/", 1)[-1], flags=re.IGNORECASE)
    return [Sheet(name=stem, rows=_read_csv(data))]


def _read_xlsx(data):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    # A damaged XML part (ParseError is a SyntaxError) or a bad zip member shows up on load or, in
    # read-only mode, only when the rows are read: both are the clerk's file, not a server error.
    damaged = (
        zipfile.BadZipFile,
        zlib.error,
        SyntaxError,
        InvalidFileException,
        KeyError,
        OSError,
        ValueError,
        TypeError,
    )
    cannot_open = _("无法打开这个 Excel 文件：文件可能已损坏，或不是 .xlsx 格式，请重新保存后再导入。")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except damaged:
        raise Rejected(cannot_open) from None
    try:
        return _xlsx_sheets(book)
    except damaged:
        raise Rejected(cannot_open) from None
    finally:
        book.close()


def _xlsx_sheets(book):
    """Return the sheets of an open workbook, row by row (read-only mode reads the XML here)."""
    if len(book.worksheets) > MAX_SHEETS:
        raise Rejected(
            _("工作簿有 %(count)d 个工作表，最多 %(max)d 个。") % {"count": len(book.worksheets), "max": MAX_SHEETS}
        )
    sheets = []
    for worksheet in book.worksheets:
        sheet = Sheet(name=worksheet.title)
        for number, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
            if number > MAX_PHYSICAL_ROWS:
                raise Rejected(
                    _("工作表「%(sheet)s」超过 %(max)d 行（含空行）：请删除表格下方多余的空行，或分批导入。")
                    % {"sheet": worksheet.title, "max": MAX_PHYSICAL_ROWS}
                )
            cells = [_clean_cell(v) for v in values]
            while cells and cells[-1] is None:
                cells.pop()
            sheet.rows.append((number, cells))
        sheets.append(sheet)
    return sheets


def _decode_text(data):
    """Return CSV bytes as text, detecting what Excel and WPS write; raise Rejected if none fits."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise Rejected(_("文件不是 Excel（.xlsx）或 CSV 文件：请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再导入。"))
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Rejected(
        _("无法识别 CSV 文件的文字编码：请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再导入。")
    )


def _read_csv(data):
    try:
        text = _decode_text(data)
    except UnicodeDecodeError:
        raise Rejected(_("CSV 文件的文字编码有误：请重新保存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再导入。")) from None
    # Excel's "Unicode 文本" is tab-separated; title rows above the header have neither.
    sample = [line for line in text.splitlines()[: HEADER_SEARCH_ROWS * 2] if line.strip()]
    delimiter = "\t" if sum(line.count("\t") for line in sample) > sum(line.count(",") for line in sample) else ","
    rows = []
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if number > MAX_PHYSICAL_ROWS:
                raise Rejected(_("CSV 文件超过 %(max)d 行：请分批导入。") % {"max": MAX_PHYSICAL_ROWS})
            cells = [_clean_cell(v) for v in values]
            while cells and cells[-1] is None:
                cells.pop()
            rows.append((number, cells))
    except csv.Error as error:
        raise Rejected(
            _("CSV 文件格式有误（%(error)s）：请用 Excel 或 WPS 重新保存后再导入。") % {"error": error}
        ) from None
    return rows


@dataclass
class Header:
    """Where the header is and which column holds what: ``columns`` maps cell index → column name."""

    row_number: int
    columns: dict


def find_header(sheet, expected, required):
    """Return the Header of ``sheet``, looking in its first non-empty rows for the expected column names.

    ``expected`` maps normalised names to column names; ``required`` lists the
    column names that must be present. Title rows above the header are skipped.
    """
    candidates = [(n, cells) for n, cells in sheet.rows if any(c is not None for c in cells)][:HEADER_SEARCH_ROWS]
    best = None
    for number, cells in candidates:
        matches = sum(1 for c in cells if c is not None and normalise_name(c) in expected)
        if matches and (best is None or matches > best[0]):
            best = (matches, number, cells)
    sheet_label = _("工作表「%(sheet)s」") % {"sheet": sheet.name}
    if best is None:
        sample = "「" + "」「".join(list(required)[:3]) + "」"
        raise Rejected(
            _("%(sheet)s前 %(rows)d 行里找不到表头：表头行应包含%(sample)s等列名。请下载导入模板对照列名。")
            % {"sheet": sheet_label, "rows": HEADER_SEARCH_ROWS, "sample": sample}
        )
    _matches, number, cells = best
    if len(cells) > MAX_COLUMNS:
        raise Rejected(
            _("%(sheet)s有 %(count)d 列，最多 %(max)d 列。")
            % {"sheet": sheet_label, "count": len(cells), "max": MAX_COLUMNS}
        )
    columns, unknown, seen = {}, [], {}
    for index, cell in enumerate(cells):
        if cell is None:
            continue
        name = expected.get(normalise_name(cell))
        if name is None:
            unknown.append(str(cell))
        elif name in seen:
            raise Rejected(
                _("%(sheet)s第%(row)d行（表头）中「%(column)s」出现了两次，请删除多余的一列。")
                % {"sheet": sheet_label, "row": number, "column": name}
            )
        else:
            seen[name] = index
            columns[index] = name
    messages = []
    if unknown:
        messages.append(
            _("%(sheet)s第%(row)d行（表头）中有不认识的列：%(columns)s。请删除这些列，或改成导入模板中的列名。")
            % {"sheet": sheet_label, "row": number, "columns": "、".join(f"「{u}」" for u in unknown)}
        )
    missing = [name for name in required if name not in seen]
    if missing:
        messages.append(
            _("%(sheet)s第%(row)d行（表头）缺少必需的列：%(columns)s。")
            % {"sheet": sheet_label, "row": number, "columns": "、".join(f"「{m}」" for m in missing)}
        )
    if messages:
        raise Rejected(*messages)
    return Header(row_number=number, columns=columns)


def data_rows(sheet, header):
    """Yield (row number, {column name: cell}) for the non-empty rows below the header."""
    for number, cells in sheet.rows:
        if number <= header.row_number or not any(c is not None for c in cells):
            continue
        yield number, {name: (cells[i] if i < len(cells) else None) for i, name in header.columns.items()}


# --- writing ----------------------------------------------------------------


@dataclass
class SheetSpec:
    """A sheet to write: a title, the header, the rows, and how to help the person filling it in."""

    title: str
    headers: list
    rows: list = field(default_factory=list)
    required: set = field(default_factory=set)
    comments: dict = field(default_factory=dict)
    choices: dict = field(default_factory=dict)
    example: bool = False
    column_widths: dict = field(default_factory=dict)


def _sheet_title(title):
    return re.sub(r"[\\*?:/\[\]]", "-", title or "Sheet1")[:31]


_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def write_workbook(specs, notes=None):
    """Return xlsx bytes with one sheet per SheetSpec and, if ``notes`` is given, a 填写说明 sheet.

    Text columns are formatted as text (so a phone number or an item code
    typed later stays as typed); no cell is ever written as a formula.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    header_font = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    example_font = Font(italic=True, color="7F7F7F")
    for spec in specs:
        sheet = book.create_sheet(_sheet_title(spec.title))
        sheet.append(list(spec.headers))
        for index, name in enumerate(spec.headers, start=1):
            cell = sheet.cell(row=1, column=index)
            cell.font = header_font
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if name in spec.required:
                cell.fill = required_fill
            if name in spec.comments:
                cell.comment = Comment(str(spec.comments[name])[:1000], "便民服务门户")
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = spec.column_widths.get(name, max(10, min(40, len(name) * 2 + 4)))
        for row_index, values in enumerate(spec.rows, start=2):
            for col_index, value in enumerate(values, start=1):
                cell = sheet.cell(row=row_index, column=col_index)
                if isinstance(value, Promise):
                    value = str(value)
                if isinstance(value, str):
                    cell.value = _ILLEGAL.sub("", value)
                    cell.data_type = "s"  # never a formula, whatever the text
                    cell.number_format = "@"
                elif isinstance(value, datetime.date):
                    cell.value = value
                    cell.number_format = "yyyy-mm-dd"
                else:
                    cell.value = value
                if spec.example:
                    cell.font = example_font
        for name, allowed in spec.choices.items():
            if name not in spec.headers or not allowed:
                continue
            formula = '"' + ",".join(allowed) + '"'
            if len(formula) > 255 or any("," in a for a in allowed):
                continue
            letter = get_column_letter(spec.headers.index(name) + 1)
            validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
            validation.add(f"{letter}2:{letter}{max(MAX_ROWS, len(spec.rows) + 1)}")
            sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
    if notes is not None:
        sheet = book.create_sheet(EXPLANATION_SHEET)
        for values in notes:
            sheet.append([_ILLEGAL.sub("", str(v)) if isinstance(v, str | Promise) else v for v in values])
        for letter, width in zip("ABCDE", (14, 18, 12, 50, 50), strict=True):
            sheet.column_dimensions[letter].width = width
        for cell in sheet[1]:
            cell.font = header_font
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def write_csv(headers, rows):
    """Return CSV text for Excel: every cell as text, formulas escaped by the caller."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for values in rows:
        writer.writerow(["" if v is None else v for v in values])
    return out.getvalue()
