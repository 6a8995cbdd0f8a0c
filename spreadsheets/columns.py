"""Columns and values: how one cell of a clerk's list becomes one value, and back.

Each list a clerk keeps (``spreadsheets.lists``) is a ``Columns`` class: a
django-import-export ``ModelResource`` whose ``Field``s carry the Chinese
column name and one of the widgets below. django-import-export is used for
what it does well through its public API (declaring columns, the admin's
export page with its format and column choice, ``export()``); importing is
``spreadsheets.importing``'s, which checks a whole file before writing.

A widget's ``clean()`` turns a cell into a value (raising ValueError with a
Chinese message), ``render()`` a value into a cell, ``describe()`` and
``allowed()`` say what the template's explanation sheet and drop-downs offer.
References to other rows go by name or code through a ``Lookup``: one query
per import, never a query per row, and never a database id.
"""

import datetime
import difflib
import re

from django.utils.translation import gettext as _
from import_export import resources
from import_export import widgets as ie_widgets
from import_export.formats import base_formats

from portal.text import clean_phone, escape_formula, unescape_formula
from spreadsheets.files import SheetSpec, normalise_name, write_csv, write_workbook

SPLIT_NAMES = re.compile(r"[、,，;；\n]+")
SPLIT_LINES = re.compile(r"[\n;；]+")


def is_blank(value):
    return value is None or value == "" or value == []


def comparable(value, ordered=True):
    """Return ``value`` in a form that compares equal when a clerk would call it unchanged."""
    if hasattr(value, "_meta") and hasattr(value, "pk"):
        return (value._meta.label, value.pk if value.pk is not None else f"new-{id(value)}")
    if isinstance(value, list | tuple):
        items = [comparable(v) for v in value]
        return tuple(items) if ordered else frozenset(items)
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


# --- lookups: names and codes a clerk writes → rows ------------------------


class Lookup:
    """Rows of one model that a sheet may refer to, keyed the way a clerk writes them.

    ``load(ctx)`` returns the rows (one query, select what ``clean()``
    needs); ``keys(obj)`` the texts that name a row; ``label(obj)`` the text
    written on export. New rows from an earlier sheet of the same file are
    added, so a later sheet can refer to them before anything is saved.
    """

    def __init__(self, name, load, keys, label, missing, normalise=normalise_name):
        self.name = name
        self._load = load
        self._keys = keys
        self._label = label
        self.missing = missing
        self.normalise = normalise

    def keys(self, obj):
        keys = self._keys(obj)
        if not isinstance(keys, list | tuple):
            keys = [keys]
        return [self.normalise(k) for k in keys if k not in (None, "")]

    def label(self, obj):
        return self._label(obj)

    def load(self, ctx):
        table = {}
        for obj in self._load(ctx):
            for key in self.keys(obj):
                table.setdefault(key, obj)
        return table

    def find(self, ctx, text):
        """Return the row ``text`` names; raise ValueError naming the closest rows (or all, if few) when none does."""
        obj = ctx.table(self).get(self.normalise(text))
        if obj is not None:
            return obj
        padded = self.padded(ctx, text)
        if len(padded) == 1:
            return padded[0]  # 1 for 001: the spreadsheet dropped the leading zeros
        if padded:
            raise ValueError(lost_zeros(text, [self.label(o) for o in padded]))
        raise ValueError(self.missing_message(ctx, text))

    def padded(self, ctx, text):
        """Return the rows whose key is ``text`` with leading zeros (a code a spreadsheet turned into a number)."""
        text = str(text).strip()
        if not text.isdigit():
            return []
        index = ctx.cache(f"{self.name}:padded", lambda: _padded_index(ctx.table(self)))
        return [obj for key, obj in index.get(text.lstrip("0") or "0", ()) if key != text]

    def missing_message(self, ctx, text):
        """Return "no such row", with the closest existing names, or all of them where there are few."""
        message = self.missing % {"value": text}
        if self.missing == "%(value)s":
            return message
        labels = list(dict.fromkeys(str(self.label(obj)) for obj in ctx.table(self).values()))
        # Keys are compared as text: a window's number normalises to an int, which difflib cannot read.
        wanted = str(self.normalise(text))
        by_key = {str(self.normalise(label)): label for label in labels}
        close = [by_key[k] for k in difflib.get_close_matches(wanted, list(by_key), n=3, cutoff=0.6)]
        close += [
            label
            for key, label in by_key.items()
            if len(wanted) > 1 and len(key) > 1 and (wanted in key or key in wanted)
        ]
        close = list(dict.fromkeys(close))[:3]
        if close:
            return message + _("是不是%(names)s？") % {"names": "、".join(f"「{c}」" for c in close)}
        if 0 < len(labels) <= 12:
            return message + _("可以填：%(names)s。") % {"names": "、".join(labels)}
        return message


def _padded_index(table):
    index = {}
    for key, obj in table.items():
        if isinstance(key, str) and key.isdigit() and key.startswith("0"):
            index.setdefault(key.lstrip("0") or "0", []).append((key, obj))
    return index


def lost_zeros(value, candidates):
    """Return the message for a number that probably lost its leading zeros in a spreadsheet."""
    return _(
        "「%(value)s」可能是表格软件去掉了开头的 0（原来是%(codes)s之一？）："
        "请把这一列设为“文本”格式，照原样填写后再导入。"
    ) % {"value": value, "codes": "、".join(f"「{c}」" for c in candidates)}


def window_number(text):
    """Return a window number from what a clerk writes: 3, '3', '3号', '3号窗口'."""
    if isinstance(text, int):
        return text
    match = re.match(r"^\s*(\d+)", str(text))
    return int(match.group(1)) if match else normalise_name(text)


# --- widgets: one cell ↔ one value -----------------------------------------


class CellWidget(ie_widgets.Widget):
    """A widget that parses a clerk's cell (raising ValueError with a Chinese message) and says what it accepts."""

    is_text = False
    ordered = True

    def __init__(self):
        super().__init__(coerce_to_string=False)

    def describe(self):
        return ""

    def allowed(self):
        """Return the values offered in the template's drop-down, or None."""
        return None

    def render(self, value, obj=None, **kwargs):
        return value


class TextWidget(CellWidget):
    is_text = True

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, datetime.date | datetime.time):
            # A date cell in a text column: a spreadsheet re-typed what was written (3-1 became 2026-03-01).
            raise ValueError(
                _(
                    "这一格被表格软件改成了日期或时间「%(value)s」：如果原来写的不是日期，请把这一列设为“文本”格式后照原样填写。"
                )
                % {"value": value}
            )
        if isinstance(value, float) and abs(value) >= 1e15:
            raise ValueError(
                _("这一格的长数字被表格软件改成了科学计数法，末几位已经丢失：请把这一列设为“文本”格式后照原样填写。")
            )
        text = unescape_formula(str(value))
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)

    def describe(self):
        return _("文字")


class PhoneWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool) and not str(value).startswith("1"):
            # A landline typed into a number cell: 0359-0321031 written as 03590321031 shows as 3590321031.
            raise ValueError(
                _(
                    "电话「%(value)s」开头的 0 可能被表格软件去掉了（应为「%(phone)s」？）："
                    "请把这一列设为“文本”格式，照原样填写。"
                )
                % {"value": value, "phone": clean_phone(f"0{value}")}
            )
        return clean_phone(super().clean(value, row=row, **kwargs))

    def describe(self):
        return _("座机写“区号-号码”，如 0359-0123456；手机写 11 位数字；也可写 12345 这样的热线")


class IntegerWidget(CellWidget):
    def __init__(self, hint=""):
        super().__init__()
        self.hint = hint

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise ValueError(_("应填写整数，现在是「%(value)s」。") % {"value": value})
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = str(value).strip()
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        raise ValueError(_("应填写整数，现在是「%(value)s」。") % {"value": value})

    def describe(self):
        return self.hint or _("整数")


class YesNoWidget(CellWidget):
    YES = {"是", "y", "yes", "true", "1", "√", "✓", "有", "提供", "可以", "公开"}
    NO = {"否", "n", "no", "false", "0", "×", "✗", "无", "不提供", "不可以", "不公开"}

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(_("只能填「是」或「否」，现在是「%(value)s」。") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "是" if value else "否"

    def describe(self):
        return _("是 / 否")

    def allowed(self):
        return ["是", "否"]


class ChoiceWidget(CellWidget):
    """A fixed set of values, written by their Chinese labels (the stored codes are accepted too)."""

    def __init__(self, choices, aliases=None):
        super().__init__()
        self.choices = [(value, str(label)) for value, label in choices]
        self.by_text = {}
        for value, label in self.choices:
            self.by_text[normalise_name(label)] = value
            self.by_text.setdefault(normalise_name(value), value)
        for alias, value in (aliases or {}).items():
            self.by_text.setdefault(normalise_name(alias), value)

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        key = normalise_name(unescape_formula(str(value)))
        if key in self.by_text:
            return self.by_text[key]
        raise ValueError(
            _("「%(value)s」不是可选的值，只能填：%(allowed)s。") % {"value": value, "allowed": self.describe()}
        )

    def render(self, value, obj=None, **kwargs):
        for code, label in self.choices:
            if code == value:
                return label
        return "" if value is None else str(value)

    def describe(self):
        return "、".join(label for value, label in self.choices if value != "")

    def allowed(self):
        return [label for value, label in self.choices if value != ""]


class DateWidget(CellWidget):
    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M")

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return self.plausible(value, value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            # An Excel date serial, as a date cell saved without its format gives; a phone number or a
            # year is not one, however the spreadsheet shows it.
            if 1 <= value < 2958466:
                return self.plausible(datetime.date(1899, 12, 30) + datetime.timedelta(days=int(value)), value)
            raise ValueError(_("「%(value)s」不是日期，请写成 2024-01-05 这样的格式。") % {"value": value})
        text = str(value).strip()
        for fmt in self.FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(_("日期「%(value)s」无法识别，请写成 2024-01-05 这样的格式。") % {"value": value})

    def plausible(self, date, written):
        """Return ``date`` if it can be a date of a township's lists (1949–2099), else raise ValueError."""
        if datetime.date(1949, 10, 1) <= date <= datetime.date(2099, 12, 31):
            return date
        raise ValueError(
            _("「%(value)s」不像是日期（读出来是 %(date)s）：请写成 2024-01-05 这样的格式。")
            % {"value": written, "date": date.isoformat()}
        )

    def describe(self):
        return _("日期，如 2024-01-05")


class LookupWidget(CellWidget):
    """A reference to another row by its name or code (never a database id)."""

    def __init__(self, lookup, hint="", one_only=None):
        super().__init__()
        self.lookup = lookup
        self.hint = hint
        self.one_only = one_only

    def clean(self, value, row=None, context=None, **kwargs):
        if value is None or value == "":
            return None
        if isinstance(value, str):
            value = unescape_formula(value)
            if self.one_only and len([p for p in SPLIT_NAMES.split(value) if p.strip()]) > 1:
                raise ValueError(self.one_only % {"value": value})
        return self.lookup.find(context, value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else self.lookup.label(value)

    def describe(self):
        return self.hint


class LookupListWidget(CellWidget):
    """Several references in one cell, separated by 、 (or commas, semicolons, new lines)."""

    def __init__(self, lookup, hint="", ordered=False, split=SPLIT_NAMES, joiner="、", create=None):
        super().__init__()
        self.lookup = lookup
        self.hint = hint
        self.ordered = ordered
        self.split = split
        self.joiner = joiner
        self.create = create

    def clean(self, value, row=None, context=None, **kwargs):
        if value is None or value == "":
            return []
        parts = [p.strip() for p in self.split.split(unescape_formula(str(value))) if p.strip()]
        found, missing, seen = [], [], set()
        table = context.table(self.lookup)
        for part in parts:
            key = self.lookup.normalise(part)
            if key in seen:
                continue
            seen.add(key)
            obj = table.get(key)
            if obj is None and self.create is not None:
                obj = self.create(part, context)  # raises ValueError when it cannot
                context.remember(self.lookup, obj)
            if obj is None:
                missing.append(part)
            else:
                found.append(obj)
        if missing:
            raise ValueError("".join(self.lookup.missing_message(context, m) for m in missing))
        return found

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if hasattr(value, "all"):
            value = value.all()
        return self.joiner.join(self.lookup.label(v) for v in value)

    def describe(self):
        return self.hint


# --- columns of a list ------------------------------------------------------


class Columns(resources.ModelResource):
    """A list a clerk keeps in a spreadsheet, as columns: Chinese headers, widgets, what the template explains.

    Subclasses declare ``fields`` (import_export ``Field`` with a Chinese
    ``column_name`` and one of the widgets above) and say how rows are found
    (``key_fields``, ``lookup``), what must be filled (``required_fields``),
    and what the template explains (``help_texts``, ``example``, ``notes``).
    """

    sheet_name = ""
    rank = 100
    key_fields = ()
    optional_key_fields = ()
    required_fields = ()
    help_texts = {}
    example = {}
    notes = ()
    lookup = None
    parent_attr = None

    def __init__(self, township=None, user=None, **kwargs):
        super().__init__(**kwargs)
        self.township = township
        self.user = user

    @classmethod
    def get_display_name(cls):
        return cls.sheet_name

    # --- columns

    def column(self, name):
        return self.fields[name].column_name

    @property
    def model(self):
        return self._meta.model

    def model_field(self, name):
        cache = self.__dict__.setdefault("_model_fields", {})
        if name not in cache:
            attribute = self.fields[name].attribute
            try:
                found = self.model._meta.get_field(attribute) if attribute and "__" not in attribute else None
            except Exception:  # noqa: BLE001  (a virtual column)
                found = None
            cache[name] = found
        return cache[name]

    def is_virtual(self, name):
        return self.fields[name].readonly or self.model_field(name) is None

    def ordered_fields(self):
        """Return (name, Field) in the order the columns are written (the declared export order)."""
        if not hasattr(self, "_ordered_fields"):
            self._ordered_fields = [
                (name, self.fields[name]) for name in self.get_export_order() if name in self.fields
            ]
        return self._ordered_fields

    def column_for_model_field(self, model_field_name):
        for f in self.fields.values():
            if f.attribute == model_field_name:
                return f.column_name
        return ""

    @property
    def header_fields(self):
        return [k for k in self.key_fields if k not in self.optional_key_fields]

    def requirement(self, name):
        if self.fields[name].readonly:
            return _("选填（仅供核对）")
        if name in self.optional_key_fields:
            return _("选填")
        if name in self.key_fields:
            return _("必填")
        if name in self.required_fields:
            return _("新增时必填")
        return _("选填")

    def help_for(self, name):
        if name == "township_name":
            return _(
                "仅供核对：导出时写明这一行属于哪个乡镇；导入时如填写，必须是本乡镇的名称。乡镇由登录账号决定，不由此列决定。"
            )
        if name in self.help_texts:
            return str(self.help_texts[name])
        model_field = self.model_field(name)
        if model_field is not None:
            return str(model_field.help_text or model_field.verbose_name)
        return ""

    # --- export

    def get_queryset(self):
        queryset = self.model.objects.all()
        if self.township is not None:
            queryset = self.for_township(queryset, self.township)
        return queryset  # export() passes it through filter_export()

    def for_township(self, queryset, township):
        return queryset.filter(township=township)

    def optimise(self, queryset):
        """Return the export queryset with what the columns read selected (no query per row)."""
        return queryset

    def filter_export(self, queryset, **kwargs):
        if "township_name" in self.fields:
            queryset = queryset.select_related(self.fields["township_name"].attribute.rsplit("__", 1)[0])
        return self.optimise(queryset)

    def export_field(self, field, instance, **kwargs):
        name = self.get_field_name(field)
        getter = getattr(self, f"current_{name}", None)
        if getter is not None and field.attribute is None:
            # A column that is not a model field (e.g. a post's A and B holders).
            return escape_formula(field.widget.render(getter(instance)))
        return escape_formula(super().export_field(field, instance, **kwargs))

    def after_export(self, queryset, dataset, **kwargs):
        dataset.title = self.sheet_name

    def export_rows(self, queryset=None):
        """Return (headers, rows) for the given queryset (default: this township's rows)."""
        dataset = self.export(queryset)
        return list(dataset.headers), [list(r) for r in dataset]


# --- the blank template and the export formats ------------------------------

GENERAL_NOTES = (
    "表头必须是第一行，或在前 5 行之内（表头上方可以有标题行）；列名要和模板一致，列的顺序可以调整。",
    "可以只保留部分列：文件中没有的列不会被修改；但用来识别是哪一行的“必填”列必须保留。",
    "文件中没有的行不会被删除（申请材料、办理步骤、清单条目除外，见下）；要删除请在后台操作。",
    "按名称或编号引用其他内容（办公室、岗位、工作人员、县直部门、事项编号……），不要填数据库编号。",
    "多个名称写在一格里时用顿号“、”分开，如：张三、李四。",
    "日期写成 2024-01-05；是否类的列填“是”或“否”；电话座机写“区号-号码”，手机写 11 位数字。",
    "以 = + - @ 开头的内容导出时前面会加一个英文单引号 '，防止表格软件把它当公式执行；导入时会自动去掉。",
    "导入先预览：每一行会标出 新增 / 修改 / 无变化 / 错误；有任何错误时整个文件都不会导入，改正后重新上传即可。",
    "第2行是示例，导入前请删除或改写。CSV 文件请保存为“CSV UTF-8（逗号分隔）”；GBK 编码的 CSV 也可以。",
)


# Lookups whose names a template offers in a drop-down: the township's own offices, posts, villages,
# staff and windows, and the county's departments and the categories (a fixed set for the clerk).
DROPDOWN_LOOKUPS = {"offices", "posts", "villages", "staff", "windows", "departments", "categories"}


def _township_names(township):
    """Return a function giving the names a single-reference column may take in ``township`` (or None)."""
    if township is None:
        return lambda widget: None
    from spreadsheets.importing import ImportContext  # the engine loads the tables as an import would

    context = ImportContext(township)

    def names(widget):
        lookup = getattr(widget, "lookup", None)
        if type(widget) is not LookupWidget or lookup is None or lookup.name not in DROPDOWN_LOOKUPS:
            return None
        return list(dict.fromkeys(str(lookup.label(obj)) for obj in context.table(lookup).values())) or None

    return names


def template_workbook(resource_classes, township=None):
    """Return the blank template (xlsx bytes): a sheet per list with one example row, and a 填写说明 sheet.

    Every column with a fixed set of values has a drop-down; given the
    township, so do the columns naming its offices, posts, villages, staff,
    windows and the county's departments.
    """
    specs, notes = [], [["工作表", "列名", "是否必填", "含义", "可填写的值 / 格式"]]
    names = _township_names(township)
    for cls in resource_classes:
        resource = cls(township=township)
        ordered = resource.ordered_fields()
        headers = [f.column_name for _name, f in ordered]
        example = [escape_formula(resource.example.get(name, "")) for name, _f in ordered]
        comments, choices, required = {}, {}, set()
        for name, f in ordered:
            comments[f.column_name] = f"{resource.requirement(name)}。{resource.help_for(name)}"
            allowed = f.widget.allowed() or names(f.widget)
            if allowed:
                choices[f.column_name] = allowed
            if name in resource.key_fields or name in resource.required_fields:
                required.add(f.column_name)
            notes.append(
                [
                    cls.sheet_name,
                    f.column_name,
                    resource.requirement(name),
                    resource.help_for(name),
                    f.widget.describe(),
                ]
            )
        specs.append(
            SheetSpec(
                title=cls.sheet_name,
                headers=headers,
                rows=[example],
                required=required,
                comments=comments,
                choices=choices,
                example=True,
            )
        )
    notes.append([])
    notes.append(["通用说明"])
    notes.extend([["", text] for text in GENERAL_NOTES])
    for cls in resource_classes:
        if cls.notes:
            notes.append([])
            notes.append([cls.sheet_name])
            notes.extend([["", str(text)] for text in cls.notes])
    return write_workbook(specs, notes=notes)


class ClerkXLSX(base_formats.XLSX):
    """xlsx export with text columns formatted as text and no cell ever written as a formula."""

    def export_data(self, dataset, **kwargs):
        spec = SheetSpec(
            title=dataset.title or "Sheet1", headers=list(dataset.headers), rows=[list(r) for r in dataset]
        )
        return write_workbook([spec])


class ClerkCSV(base_formats.CSV):
    """CSV export; the admin encodes it as UTF-8 with a BOM so Excel shows the Chinese."""

    def export_data(self, dataset, **kwargs):
        return write_csv(list(dataset.headers), [list(r) for r in dataset])
