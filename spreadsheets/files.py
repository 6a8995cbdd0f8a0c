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

import contextlib
import csv
import datetime
import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from portal.text import name_key
from spreadsheets import markup, xlsx

# Limits, with the reason for each: an upload larger than the admin accepts in
# memory is refused before it is parsed, and a sheet larger than any list a
# township keeps (the county catalogue is 168 items, a responsibility list 148
# rows) is refused with a message asking to split it.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = xlsx.MAX_COLUMNS
MAX_SHEETS = xlsx.MAX_SHEETS
# Formatted but empty rows at the bottom of a sheet are common; beyond this many
# physical rows we stop reading rather than walk a million empty ones.
MAX_PHYSICAL_ROWS = 50000
HEADER_SEARCH_ROWS = 5
MAX_CSV_FIELDS = 16384  # Excel's last column: a line with more fields was not saved by a spreadsheet

EXPLANATION_SHEET = "填写说明"
CHOICES_SHEET = "下拉选项"  # hidden: the values of drop-downs too long to write into the validation itself


class Rejected(Exception):
    """The file as a whole cannot be imported; ``messages`` say why, in Chinese."""

    def __init__(self, *messages):
        super().__init__("；".join(str(m) for m in messages))
        self.messages = [str(m) for m in messages]


# --- reading ----------------------------------------------------------------


@dataclass
class Sheet:
    """One sheet (or one CSV file): its name, its rows as (row number in the file, cells), and what it hides.

    ``merged`` maps (row number, cell index) of a cell that took its value
    from a merged range to that range (e.g. ``A3:A5``), to name it in messages.
    """

    name: str
    rows: list = field(default_factory=list)
    hidden: bool = False
    merged: dict = field(default_factory=dict)

    @property
    def is_empty(self):
        return not any(any(cell is not None for cell in cells) for _n, cells in self.rows)


def normalise_name(text):
    """Return a name as compared: NFKC, no invisible characters or spaces, one kind of bracket, no required-marks."""
    return name_key(text)


def _clean_cell(value):
    """Return a cell as the importer wants it: text stripped, whole floats as ints, blanks as None.

    Text that is a spreadsheet error value (``#N/A`` in a CSV export) becomes
    a CellProblem, as the error cell of an xlsx does.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return xlsx.error_value(value) or value or None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:  # beyond, digits were lost
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
    # What the file is comes from its content, never from its name.
    lower = file_name.lower()
    stem = re.sub(r"\.(csv|txt|tsv|xls|html?|xml)$", "", file_name.rsplit("/", 1)[-1], flags=re.IGNORECASE)
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise Rejected(_("这是旧版 Excel（.xls）文件：请在 Excel 或 WPS 中“另存为”.xlsx 格式后再导入。"))
    kind = markup.kind_of(data)
    if kind is not None:
        return _read_markup(kind, data, stem)
    if lower.endswith((".xlsx", ".xlsm")):
        raise Rejected(_("文件扩展名是 .xlsx，但内容不是 Excel 文件：文件可能已损坏，请重新保存后再导入。"))
    return [Sheet(name=stem, rows=_read_csv(data))]


def _read_markup(kind, data, stem):
    """Read the table of a web page or an Excel 2003 XML sheet that a system exported as ".xls"."""
    try:
        if kind == "html":
            cells, merged = markup.read_html(data, xlsx.MAX_CELLS)
            return [_sheet_of_cells(stem, cells, merged=merged)]
        return [
            _sheet_of_cells(name, cells, merged=merged)
            for name, cells, merged in markup.read_xml2003(data, xlsx.MAX_CELLS)
        ]
    except OverflowError:
        raise Rejected(
            _("文件中有内容的单元格超过 %(max)d 个：请分成几个文件导入。") % {"max": xlsx.MAX_CELLS}
        ) from None
    except (ParseError, ValueError):
        what = _("网页（HTML）表格") if kind == "html" else _("Excel 2003 XML 表格")
        raise Rejected(
            _("这个文件其实是%(what)s，但无法读出其中的表格：请在 Excel 或 WPS 中打开，“另存为”.xlsx 格式后再导入。")
            % {"what": what}
        ) from None


def _read_xlsx(data):
    with contextlib.suppress(zipfile.BadZipFile):
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        if "mimetype" in names or "content.xml" in names:
            raise Rejected(_("这是 LibreOffice 或 WPS 的 .ods 表格：请“另存为”Excel（.xlsx）格式后再导入。"))
        if "word/document.xml" in names or "ppt/presentation.xml" in names:
            raise Rejected(_("这是 Word 或 PowerPoint 文件，不是表格：请上传 Excel（.xlsx）或 CSV 文件。"))
    # A damaged XML part or zip member is the clerk's file, not a server error.
    damaged = (
        zipfile.BadZipFile,
        zlib.error,
        ParseError,
        ExpatError,
        KeyError,
        IndexError,
        OSError,
        ValueError,
        EOFError,
    )
    try:
        read = xlsx.read(data)
    except xlsx.TooMuch as too_much:
        raise Rejected(str(too_much)) from None
    except damaged:
        raise Rejected(_("无法打开这个 Excel 文件：文件可能已损坏，或不是 .xlsx 格式，请重新保存后再导入。")) from None
    if len(read) > MAX_SHEETS:
        raise Rejected(_("工作簿有 %(count)d 个工作表，最多 %(max)d 个。") % {"count": len(read), "max": MAX_SHEETS})
    return [_sheet_of_cells(s.name, s.cells, hidden=s.hidden, merged=s.merged) for s in read]


def _sheet_of_cells(name, cells, hidden=False, merged=None):
    """Return a Sheet from {(row number, column index): value}; refuse values outside the rows and columns read."""
    by_row = {}
    for (row, column), value in cells.items():
        if row > MAX_PHYSICAL_ROWS:
            raise Rejected(
                _("工作表「%(sheet)s」超过 %(max)d 行（含空行）：请删除表格下方多余的空行，或分批导入。")
                % {"sheet": name, "max": MAX_PHYSICAL_ROWS}
            )
        if column >= MAX_COLUMNS:
            raise Rejected(
                _("工作表「%(sheet)s」的 %(cell)s 格有内容，超出了 %(max)d 列：请删除表格右侧多余的列后再导入。")
                % {"sheet": name, "cell": f"{xlsx.column_letters(column)}{row}", "max": MAX_COLUMNS}
            )
        by_row.setdefault(row, {})[column] = value
    rows = []
    for number in sorted(by_row):
        values = by_row[number]
        row = [_clean_cell(values.get(i)) for i in range(max(values) + 1)]
        while row and row[-1] is None:
            row.pop()
        rows.append((number, row))
    return Sheet(name=name, rows=rows, hidden=hidden, merged=dict(merged or {}))


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
    # The separator is what the text uses, whatever the file is called: Excel's "Unicode 文本" is
    # tab-separated, a European Excel writes semicolons, a Chinese one commas. Title rows above the
    # header have none.
    sample = [line for line in text.splitlines()[: HEADER_SEARCH_ROWS * 2] if line.strip()]
    delimiter = max((",", "\t", ";"), key=lambda d: (sum(line.count(d) for line in sample), d == ","))
    rows, count = [], 0
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if number > MAX_PHYSICAL_ROWS:
                raise Rejected(_("CSV 文件超过 %(max)d 行：请分批导入。") % {"max": MAX_PHYSICAL_ROWS})
            if len(values) > MAX_CSV_FIELDS:
                raise Rejected(
                    _(
                        "CSV 文件第%(row)d行有 %(count)d 列，超过了表格软件的上限 %(max)d 列："
                        "这不像一份清单，请检查文件。"
                    )
                    % {"row": number, "count": len(values), "max": MAX_CSV_FIELDS}
                )
            cells = [_clean_cell(v) for v in values]
            while cells and cells[-1] is None:
                cells.pop()
            count += sum(1 for c in cells if c is not None)
            if count > xlsx.MAX_CELLS:
                raise Rejected(_("文件中有内容的单元格超过 %(max)d 个：请分成几个文件导入。") % {"max": xlsx.MAX_CELLS})
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
    """Yield (row number, {column name: cell}, {column name: merged range}) for the non-empty rows below the header."""
    for number, cells in sheet.rows:
        if number <= header.row_number or not any(c is not None for c in cells):
            continue
        values = {name: (cells[i] if i < len(cells) else None) for i, name in header.columns.items()}
        merged = {name: sheet.merged[(number, i)] for i, name in header.columns.items() if (number, i) in sheet.merged}
        yield number, values, merged


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


_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_NOT_IN_XML = re.compile(r"[\000-\010\013\014\015\016-\037]")


def ooxml_text(text):
    """Return text as an xlsx cell must carry it: ``_xHHHH_`` for what XML drops or cannot hold.

    A carriage return written as is comes back as a line feed (XML
    normalises line ends), and control characters cannot be written at all;
    Excel, WPS, LibreOffice and ``spreadsheets.xlsx`` decode ``_x000D_``.
    Text that looks like an escape is itself escaped (``_x005F_``).
    """
    text = _ESCAPED.sub(r"_x005F_\1", text)
    return _NOT_IN_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def column_width(values):
    """Return a column width that shows ``values`` (a Chinese character is two wide), between 8 and 50."""
    widest = 0
    for value in values:
        for line in str("" if value is None else value).splitlines() or [""]:
            widest = max(widest, sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line))
    return max(8, min(50, widest + 2))


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
    choices_sheet, choices_used = None, 0
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
            column = [name] + [r[index - 1] for r in spec.rows[:500] if index - 1 < len(r)]
            sheet.column_dimensions[letter].width = spec.column_widths.get(name, column_width(column))
        for row_index, values in enumerate(spec.rows, start=2):
            for col_index, value in enumerate(values, start=1):
                cell = sheet.cell(row=row_index, column=col_index)
                if isinstance(value, Promise):
                    value = str(value)
                if isinstance(value, str):
                    cell.value = ooxml_text(value)
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
            if len(formula) > 255 or any("," in a or '"' in a for a in allowed):
                # Too long (or with commas) for the validation itself: a column of the hidden sheet.
                if choices_sheet is None:
                    choices_sheet = book.create_sheet(CHOICES_SHEET)
                    choices_sheet.sheet_state = "hidden"
                choices_used += 1
                column = get_column_letter(choices_used)
                for row, value in enumerate(allowed, start=1):
                    choices_sheet[f"{column}{row}"] = ooxml_text(str(value))
                formula = f"'{CHOICES_SHEET}'!${column}$1:${column}${len(allowed)}"
            letter = get_column_letter(spec.headers.index(name) + 1)
            validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
            validation.add(f"{letter}2:{letter}{max(MAX_ROWS, len(spec.rows) + 1)}")
            sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
    if notes is not None:
        sheet = book.create_sheet(EXPLANATION_SHEET)
        for values in notes:
            sheet.append([ooxml_text(str(v)) if isinstance(v, str | Promise) else v for v in values])
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
