"""Read an .xlsx as it really is, not as it describes itself, with the work bounded whatever the file.

openpyxl is used to WRITE workbooks; reading is done here, streaming the XML
parts out of the zip, because a clerk's file cannot be trusted about itself:

* the sheet's declared size (``<dimension ref="A1:B2">``, written wrong by
  WPS and some exporters) is ignored: every cell that is there is read;
* a formula is read with its cached result; a formula that has none (the
  file was written by a program and never opened in a spreadsheet) becomes
  a ``CellProblem``, never a blank that would overwrite a stored value;
* Excel error values (``#N/A``, ``#REF!`` …) become a ``CellProblem`` too;
* a merged range gives its value to every cell it covers (a 事项编号 merged
  down over an item's materials counts for each of them);
* ``_x000D_``-style escapes in cell text are decoded, so a value that begins
  with a carriage return survives a round trip;
* whether a sheet is hidden is reported, not assumed;
* a number formatted as a date is a date (a plain number is not).

Everything is bounded while reading, and a file past a bound is refused
with a message as soon as the bound is reached: decompressed bytes per
part, cells per workbook, shared strings, merged ranges, rows and columns
holding values. Memory stays proportional to the values kept (at most
MAX_CELLS of them), not to the size of the XML.
"""

import bisect
import datetime
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError, iterparse
from xml.parsers import expat

from django.utils.translation import gettext as _

MAX_PART_BYTES = 32 * 1024 * 1024  # decompressed XML of one part (a 5,000-row item list is about 15 MB)
MAX_SMALL_PART_BYTES = 8 * 1024 * 1024  # the workbook, its relationships and styles (read as a tree)
MAX_CELLS = 250_000  # cells holding a value, merged cells filled in included (5,000 rows × 50 columns)
MAX_CELL_TEXT = 32_767  # characters in one cell: Excel's own limit
MAX_SHEETS = 20
MAX_COLUMNS = 80
MAX_CELL_ELEMENTS = 500_000  # cells in the XML, formatted-but-empty ones included
MAX_MERGED_RANGES = 20_000

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
STRICT = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
STRICT_REL = "{http://purl.oclc.org/ooxml/officeDocument/relationships}"

ERROR_VALUE = re.compile(
    r"^(#(NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!|FIELD!|BLOCKED!|UNKNOWN!|CONNECT!"
    r"|BUSY!|EXTERNAL!|PYTHON!)|Err:\d{3})$"
)
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")

# Built-in number formats that show a date or a time (ECMA-376 18.8.30; 27–36 and 50–58 are the CJK ones).
_DATE_FORMAT_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))


class TooMuch(Exception):
    """A bound was reached while reading; the message says which, in Chinese."""


@dataclass(frozen=True)
class CellProblem:
    """A cell that shows the clerk something that is not data: an error value, or a formula without a result."""

    kind: str  # "error" or "no_result"
    text: str

    def __str__(self):
        return self.text

    def message(self):
        if self.kind == "error":
            return _(
                "这一格是表格的错误值「%(value)s」（通常是公式出错，如 VLOOKUP 没有找到）：请改成正确的内容后再导入。"
            ) % {"value": self.text}
        return _(
            "这一格是公式「=%(formula)s」，但文件里没有它的计算结果（文件是由程序生成、没有在表格软件中打开保存过）："
            "请先用 Excel 或 WPS 打开这个文件、保存，再导入；或把公式改成实际的值。"
        ) % {"formula": self.text[:60]}


def error_value(text):
    """Return a CellProblem if ``text`` is a spreadsheet error value (as a CSV export writes it), else None."""
    if isinstance(text, str) and ERROR_VALUE.match(text.strip()):
        return CellProblem("error", text.strip())
    return None


def unescape(text):
    """Decode the ``_xHHHH_`` escapes OOXML uses for characters XML cannot carry (``_x000D_`` is a carriage return)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def column_index(letters):
    """Return the 0-based index of a column named by letters (A → 0, AA → 26)."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def column_letters(index):
    """Return the letters of a 0-based column index (0 → A)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class XlsxSheet:
    """One worksheet as read: ``cells`` maps (row number, column index) to a value; ``merged`` maps covered cells."""

    name: str
    hidden: bool
    cells: dict
    merged: dict


class _Bounded:
    """A file-like reader of a zip member that refuses to give more than ``limit`` bytes."""

    def __init__(self, raw, limit, label):
        self.raw, self.limit, self.label, self.read_bytes = raw, limit, label, 0

    def read(self, size=-1):
        data = self.raw.read(size if size and size > 0 else 65536)
        self.read_bytes += len(data)
        if self.read_bytes > self.limit:
            raise TooMuch(
                _("文件中的「%(part)s」解压后超过 %(max)d MB：这不像一份清单，请检查文件，或分成几个文件导入。")
                % {"part": self.label, "max": self.limit // 1024 // 1024}
            )
        return data


def _local(tag):
    return tag.rsplit("}", 1)[-1]


class Reader:
    """Read the sheets of an xlsx in a ZipFile; raise TooMuch at a bound, ParseError or KeyError if damaged."""

    def __init__(self, archive):
        self.zip = archive
        self.names = set(archive.namelist())
        self.cell_count = 0
        self.element_count = 0

    def _parts(self, name, label=None):
        raw = self.zip.open(name)
        return iterparse(_Bounded(raw, MAX_SMALL_PART_BYTES, label or name), events=("end",))

    def _rels(self, name):
        """Return {relationship id: (part path, relationship type)} of a part."""
        folder, base = posixpath.split(name)
        path = posixpath.join(folder, "_rels", base + ".rels")
        targets = {}
        if path not in self.names:
            return targets
        for _event, element in self._parts(path):
            if _local(element.tag) == "Relationship":
                target = element.get("Target", "")
                resolved = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                )
                targets[element.get("Id")] = (resolved, element.get("Type", ""))
        return targets

    def sheets(self):
        """Return every worksheet, in the workbook's order, as XlsxSheet."""
        workbook = next(
            (path for path, kind in self._rels("").values() if kind.endswith("/officeDocument")), "xl/workbook.xml"
        )
        rels = self._rels(workbook)
        entries, self.date1904 = [], False
        for _event, element in self._parts(workbook):
            tag = _local(element.tag)
            if tag == "sheet":
                rid = element.get(REL + "id") or element.get(STRICT_REL + "id")
                path = rels.get(rid, ("", ""))[0]
                entries.append((element.get("name", ""), element.get("state", "visible") != "visible", path))
            elif tag == "workbookPr":
                self.date1904 = element.get("date1904", "false").lower() in ("1", "true")
        self.strings = self._shared_strings(self._part(rels, "/sharedStrings"))
        self.date_styles = self._date_styles(self._part(rels, "/styles"))
        if len(entries) > MAX_SHEETS:
            raise TooMuch(
                _("工作簿有 %(count)d 个工作表，最多 %(max)d 个。") % {"count": len(entries), "max": MAX_SHEETS}
            )
        return [self._sheet(name, hidden, path) for name, hidden, path in entries if path in self.names]

    def _part(self, rels, suffix):
        return next((path for path, kind in rels.values() if kind.endswith(suffix) and path in self.names), None)

    def _parse(self, path, label, handler):
        """Stream a part through expat into ``handler`` (no tree is built: memory stays flat)."""
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartElementHandler = handler.start
        parser.EndElementHandler = handler.end
        parser.CharacterDataHandler = handler.characters
        stream = _Bounded(self.zip.open(path), MAX_PART_BYTES, label)
        while chunk := stream.read(65536):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)

    def _shared_strings(self, path):
        if path is None:
            return []
        handler = _StringsHandler()
        self._parse(path, _("共享文字"), handler)
        return handler.strings

    def _date_styles(self, path):
        if path is None:
            return set()
        custom, formats, in_xfs = {}, [], False
        for event, element in iterparse(
            _Bounded(self.zip.open(path), MAX_SMALL_PART_BYTES, path), events=("start", "end")
        ):
            tag = _local(element.tag)
            if tag == "cellXfs":
                in_xfs = event == "start"
            elif event == "end" and tag == "numFmt":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            elif event == "end" and tag == "xf" and in_xfs:
                formats.append(int(element.get("numFmtId", "0")))
        return {
            index
            for index, fmt in enumerate(formats)
            if (fmt in custom and _is_date_format(custom[fmt])) or (fmt not in custom and fmt in _DATE_FORMAT_IDS)
        }

    def _sheet(self, name, hidden, path):
        handler = _SheetHandler(self, name)
        self._parse(path, _("工作表「%(sheet)s」") % {"sheet": name}, handler)
        cells = handler.cells
        return XlsxSheet(name=name, hidden=hidden, cells=cells, merged=self._spread_merges(cells, handler.merges))

    def count_cell(self, has_value):
        """Count one cell of the XML (and one holding a value); raise TooMuch past the bounds."""
        self.element_count += 1
        if self.element_count > MAX_CELL_ELEMENTS:
            raise TooMuch(
                _("文件中的单元格超过 %(max)d 个（含只设了格式的空单元格）：请删除多余的行和列，或分批导入。")
                % {"max": MAX_CELL_ELEMENTS}
            )
        if has_value:
            self.cell_count += 1
            if self.cell_count > MAX_CELLS:
                raise TooMuch(
                    _("文件中有内容的单元格超过 %(max)d 个：这不像一份清单，请分成几个文件导入。") % {"max": MAX_CELLS}
                )

    def _spread_merges(self, cells, merges):
        """Give each merged range's value to the cells it covers, on rows that hold something; return those cells.

        A merge over otherwise empty rows is one cell to the eye and adds no
        row. Filled cells count against MAX_CELLS like any other, so a merge
        over a million rows costs no more than the rows that are there.
        """
        filled = {}
        rows = sorted({r for r, _c in cells})
        for ref in merges:
            start, _sep, end = ref.partition(":")
            first, last = _REF.match(start), _REF.match(end or start)
            if not first or not last:
                continue
            top, left = int(first.group(2)), column_index(first.group(1))
            bottom, right = int(last.group(2)), min(column_index(last.group(1)), MAX_COLUMNS - 1)
            value = cells.get((top, left))
            if value is None:
                continue
            for row in rows[bisect.bisect_left(rows, top) : bisect.bisect_right(rows, bottom)]:
                for column in range(left, right + 1):
                    if (row, column) not in cells:
                        cells[(row, column)] = value
                        filled[(row, column)] = ref
                        self.cell_count += 1
                if self.cell_count > MAX_CELLS:
                    raise TooMuch(
                        _("文件中有内容的单元格（含合并单元格覆盖的）超过 %(max)d 个：请分成几个文件导入。")
                        % {"max": MAX_CELLS}
                    )
        return filled

    def _text(self, text):
        if len(text) > MAX_CELL_TEXT:
            raise TooMuch(
                _("有一格的文字超过 %(max)d 个字（Excel 的上限）：这不像一份清单，请检查文件。")
                % {"max": MAX_CELL_TEXT}
            )
        return unescape(text)

    def value(self, kind, style, formula, value, inline):
        """Return what a cell holds, from its type, style, formula, cached value and inline text."""
        if kind == "inlineStr":
            return unescape(inline) if inline is not None else None
        if kind == "e":
            return CellProblem("error", value or "#N/A")
        if not value:
            if formula is not None and kind != "str":
                return CellProblem("no_result", formula)
            return None
        if kind == "s":
            return self.strings[int(value)]
        if kind == "str":
            return unescape(value)
        if kind == "b":
            return value.strip() in ("1", "true")
        if kind == "d":
            return _iso_date(value)
        number = float(value)
        if int(style or 0) in self.date_styles:
            converted = _from_serial(number, self.date1904)
            if converted is not None:
                return converted
        return int(number) if number.is_integer() and abs(number) < 1e15 else number


class _Text:
    """Collect the text of the elements a handler asks for, refusing a cell longer than Excel allows."""

    def __init__(self):
        self.parts = None
        self.length = 0

    def open(self):
        self.parts, self.length = [], 0

    def characters(self, data):
        if self.parts is not None:
            self.length += len(data)
            if self.length > MAX_CELL_TEXT:
                raise TooMuch(
                    _("有一格的文字超过 %(max)d 个字（Excel 的上限）：这不像一份清单，请检查文件。")
                    % {"max": MAX_CELL_TEXT}
                )
            self.parts.append(data)

    def close(self):
        text, self.parts = "".join(self.parts or ()), None
        return text


class _StringsHandler(_Text):
    """The shared strings: each ``si``'s text runs, without its phonetic guide (``rPh``) runs."""

    def __init__(self):
        super().__init__()
        self.strings, self.runs, self.phonetic = [], None, 0

    def start(self, name, attrs):
        tag = name.rpartition(" ")[2]
        if tag == "si":
            self.runs = []
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "t" and self.runs is not None and not self.phonetic:
            self.open()

    def end(self, name):
        tag = name.rpartition(" ")[2]
        if tag == "t" and self.parts is not None:
            self.runs.append(self.close())
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "si":
            self.strings.append(unescape("".join(self.runs)))
            self.runs = None
            if len(self.strings) > MAX_CELLS:
                raise TooMuch(_("文件中的文字超过 %(max)d 条：这不像一份清单，请检查文件。") % {"max": MAX_CELLS})


class _SheetHandler(_Text):
    """A worksheet's cells and merged ranges, read as the XML streams past."""

    def __init__(self, reader, name):
        super().__init__()
        self.reader, self.name = reader, name
        self.cells, self.merges = {}, []
        self.row, self.column = 0, -1
        self.cell = None  # [type, style, formula, value, inline runs] of the open cell

    def start(self, name, attrs):
        tag = name.rpartition(" ")[2]
        if tag == "c":
            ref = _REF.match(attrs.get("r") or "")
            if ref:
                self.column, self.row = column_index(ref.group(1)), int(ref.group(2))
            else:
                self.column += 1
            self.cell = [attrs.get("t", "n"), attrs.get("s"), None, None, None]
        elif self.cell is not None and tag in ("v", "f"):
            self.open()
        elif self.cell is not None and tag == "is":
            self.cell[4] = []
        elif self.cell is not None and tag == "t" and self.cell[4] is not None:
            self.open()
        elif tag == "row":
            self.row = int(attrs.get("r") or self.row + 1)
            self.column = -1
            self.reader.count_cell(False)
        elif tag == "mergeCell":
            self.merges.append(attrs.get("ref", ""))
            if len(self.merges) > MAX_MERGED_RANGES:
                raise TooMuch(_("工作表「%(sheet)s」的合并单元格太多。") % {"sheet": self.name})

    def end(self, name):
        tag = name.rpartition(" ")[2]
        if self.cell is None:
            return
        if tag == "v" and self.parts is not None:
            self.cell[3] = self.close()
        elif tag == "f" and self.parts is not None:
            self.cell[2] = self.close()
        elif tag == "t" and self.parts is not None:
            self.cell[4].append(self.close())
        elif tag == "c":
            kind, style, formula, value, inline = self.cell
            self.cell = None
            value = self.reader.value(kind, style, formula, value, "".join(inline) if inline is not None else None)
            self.reader.count_cell(value is not None)
            if value is not None:
                self.cells[(self.row, self.column)] = value


def _is_date_format(code):
    """Whether a custom number format shows a date or time (quoted text, [colours] and escapes do not count)."""
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", code)
    code = code.replace("General", "").split(";")[0]
    return bool(re.search(r"[dmyhs年月日时分秒]", code, re.IGNORECASE)) and not re.search(r"E[+-]", code)


def _from_serial(number, date1904):
    """Return the date (or datetime, or time) a spreadsheet serial number stands for, or None if it is not one."""
    if number < 0 or number >= 2958466:
        return None
    if number < 1 and not date1904:
        seconds = round(number * 86400)
        return (datetime.datetime.min + datetime.timedelta(seconds=seconds)).time()
    base = datetime.datetime(1904, 1, 1) if date1904 else datetime.datetime(1899, 12, 30)
    moment = base + datetime.timedelta(days=number)
    moment = moment.replace(microsecond=0)
    return moment.date() if number.is_integer() else moment


def _iso_date(text):
    try:
        return datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        return text


def read(data):
    """Return the XlsxSheet list of xlsx ``data`` (bytes); raise TooMuch, or zipfile/XML errors if damaged."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if len(archive.infolist()) > 1000:
            raise TooMuch(_("文件中的部件太多，这不像一份 Excel 清单。"))
        return Reader(archive).sheets()


__all__ = ["CellProblem", "ParseError", "TooMuch", "XlsxSheet", "column_letters", "error_value", "read", "unescape"]
