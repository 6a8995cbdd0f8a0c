"""Tables that government systems export as ".xls" but that are really a web page or an Excel 2003 XML sheet.

Many systems send a file named ``名单.xls`` that holds an HTML ``<table>``
(Excel opens it with a warning) or an Excel 2003 "XML 表格"
(``<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">``). The
file is recognised by what it holds, never by its name, and its table is
read: each yields {(row number, column index): text} like an xlsx sheet,
merged cells (``colspan``/``rowspan``, ``ss:MergeAcross``/``ss:MergeDown``)
giving their value to every cell they cover.
"""

import datetime
import html.parser
import io
import re
from xml.etree.ElementTree import iterparse

from spreadsheets.xlsx import CellProblem, column_letters

SPREADSHEET_2003 = "urn:schemas-microsoft-com:office:spreadsheet"
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


def kind_of(data):
    """Return "html", "xml2003" or None for the first bytes of a file."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml") and SPREADSHEET_2003.encode() in data[:4096]:
        return "xml2003"
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")) or (
        head.startswith(b"<") and b"<table" in data[:65536].lower()
    ):
        return "html"
    return None


def decode_html(data):
    """Return the text of an HTML file, in the charset its <meta> declares (GBK is common), else UTF-8 or GB18030."""
    declared = _CHARSET.search(data[:4096])
    candidates = [declared.group(1).decode("ascii")] if declared else []
    for encoding in [*candidates, "utf-8", "gb18030"]:
        try:
            return data.decode("gb18030" if encoding.lower() in ("gbk", "gb2312") else encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", errors="replace")


class _Tables(html.parser.HTMLParser):
    """Collect the cells of the first <table> (rows numbered from 1, merged cells spread)."""

    def __init__(self, max_cells):
        super().__init__(convert_charrefs=True)
        self.cells, self.merged = {}, {}
        self.depth = 0
        self.row = 0
        self.column = 0
        self.text = None
        self.span = (1, 1)
        self.max_cells = max_cells
        self.done = False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag == "table":
            self.depth += 1
        elif self.depth == 1 and tag == "tr":
            self.row += 1
            self.column = 0
        elif self.depth == 1 and tag in ("td", "th"):
            while (self.row, self.column) in self.cells:
                self.column += 1  # covered by a rowspan from above
            attributes = dict(attrs)
            self.span = (_int(attributes.get("rowspan")), _int(attributes.get("colspan")))
            self.text = []
        elif self.depth == 1 and tag == "br" and self.text is not None:
            self.text.append("\n")

    def handle_endtag(self, tag):
        if self.done:
            return
        if tag == "table":
            self.depth -= 1
            self.done = self.depth == 0
        elif self.depth == 1 and tag in ("td", "th") and self.text is not None:
            value = re.sub(r"[ \t\r\n]+", " ", "".join(self.text)).strip() or None
            rows, columns = self.span
            for r in range(self.row, self.row + min(rows, 1000)):
                for c in range(self.column, self.column + min(columns, 80)):
                    self.cells[(r, c)] = value
                    if (r, c) != (self.row, self.column) and value is not None:
                        self.merged[(r, c)] = _range(self.row, self.column, rows, columns)
            self.column += columns
            self.text = None
            if len(self.cells) > self.max_cells:
                raise OverflowError

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)


def _range(row, column, rows, columns):
    """Return a merged range as a spreadsheet names it (A3:A5), from its top-left cell and its size."""
    return f"{column_letters(column)}{row}:{column_letters(column + columns - 1)}{row + rows - 1}"


def _int(value):
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def read_html(data, max_cells):
    """Return (cells, merged) of the first table of an HTML file; raise OverflowError past ``max_cells``."""
    parser = _Tables(max_cells)
    parser.feed(decode_html(data))
    parser.close()
    return {k: v for k, v in parser.cells.items() if v is not None}, parser.merged


def read_xml2003(data, max_cells):
    """Return [(sheet name, cells, merged)] of an Excel 2003 XML workbook; raise OverflowError past ``max_cells``."""
    ns = "{" + SPREADSHEET_2003 + "}"
    sheets, cells, merged, name = [], {}, {}, ""
    row = column = 0
    count = 0
    for event, element in iterparse(io.BytesIO(data), events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == ns + "Worksheet":
                name, cells, merged, row = element.get(ns + "Name", ""), {}, {}, 0
            elif tag == ns + "Row":
                row = int(element.get(ns + "Index") or row + 1)
                column = 0
            continue
        if tag == ns + "Cell":
            column = int(element.get(ns + "Index") or column + 1)
            data_element = element.find(ns + "Data")
            value = "".join(data_element.itertext()).strip() if data_element is not None else ""
            kind = data_element.get(ns + "Type") if data_element is not None else None
            if value and kind == "Number":
                number = float(value)
                value = int(number) if number.is_integer() and abs(number) < 1e15 else number
            elif value and kind == "DateTime":
                value = datetime.datetime.fromisoformat(value[:19])
            elif value and kind == "Error":
                value = CellProblem("error", value)
            across = int(element.get(ns + "MergeAcross") or 0)
            down = int(element.get(ns + "MergeDown") or 0)
            if value:
                for r in range(row, row + min(down, 1000) + 1):
                    for c in range(column, column + min(across, 80) + 1):
                        cells[(r, c - 1)] = value
                        if (r, c) != (row, column):
                            merged[(r, c - 1)] = _range(row, column - 1, down + 1, across + 1)
                        count += 1
                if count > max_cells:
                    raise OverflowError
            column += across
            element.clear()
        elif tag == ns + "Worksheet":
            sheets.append((name, cells, merged))
            element.clear()
    return sheets
