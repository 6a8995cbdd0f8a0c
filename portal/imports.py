"""The import engine behind the admin's 导入 button and ``manage.py import_lists``.

A clerk's file is read (``portal.spreadsheets``), each sheet is matched to a
list (a resource: ``portal.resources``, ``staff.resources``,
``services.resources``), and then, in two separate phases:

1. **Check.** Every row of every sheet is parsed and validated without
   touching the database: cells are cleaned by the resource's widgets,
   references are resolved by name or code through lookup tables loaded once
   per import (never a query per row), the model's ``clean_fields()``,
   ``clean()`` and check constraints are run, duplicates in the file are
   caught, and each row is marked 新增 / 修改 / 无变化 / 错误 (child lists
   also list what they will 删除). The preview shows exactly this.
2. **Apply.** Only if no row has an error, everything is written in one
   ``transaction.atomic()``: one ``save()`` per changed row, so
   django-simple-history records each change with the acting user and a
   change reason naming the file; ``created_by``/``updated_by`` are set when
   a user is known. Unchanged rows are not written at all.

The township always comes from the caller (the clerk's account, the
superuser's choice on the form, or ``--township``), never from the file.

Resources here are django-import-export ``ModelResource`` classes, so the
admin's export button, its format choice and its field selection work as
usual; only the import path is replaced by this engine because
django-import-export saves row by row while validating, keys on ids by
default, and reports errors in English without the spreadsheet's row
numbers.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, IntegrityError, router, transaction
from django.db.models import CheckConstraint, F, Q
from django.db.models.signals import post_save, pre_save
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from import_export import resources
from import_export import widgets as ie_widgets
from import_export.formats import base_formats
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from portal import checking, history, scoping
from portal.spreadsheets import (
    EXPLANATION_SHEET,
    MAX_ROWS,
    Rejected,
    SheetSpec,
    data_rows,
    escape_formula,
    find_header,
    normalise_name,
    read_upload,
    unescape_formula,
    write_csv,
    write_workbook,
)

NEW, UPDATE, SKIP, ERROR, DELETE = "new", "update", "skip", "error", "delete"
STATUS_LABELS = {NEW: "新增", UPDATE: "修改", SKIP: "无变化", ERROR: "错误", DELETE: "删除"}

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
        obj = ctx.table(self).get(self.normalise(text))
        if obj is None:
            raise ValueError(self.missing % {"value": text})
        return obj


def window_number(text):
    """Return a window number from what a clerk writes: 3, '3', '3号', '3号窗口'."""
    if isinstance(text, int):
        return text
    match = re.match(r"^\s*(\d+)", str(text))
    return int(match.group(1)) if match else normalise_name(text)


class ImportContext:
    """One import run: the township, the acting user, and the lookup tables loaded so far."""

    def __init__(self, township, user=None, file_name=""):
        self.township = township
        self.county = township.county
        self.user = user if (user is not None and user.is_authenticated) else None
        self.file_name = file_name
        self.change_reason = (_("表格导入：%(file)s") % {"file": file_name or "-"})[:100]
        self._tables = {}

    def table(self, lookup):
        if lookup.name not in self._tables:
            self._tables[lookup.name] = lookup.load(self)
        return self._tables[lookup.name]

    def remember(self, lookup, obj):
        table = self.table(lookup)
        for key in lookup.keys(obj):
            table.setdefault(key, obj)

    @property
    def can_edit_county(self):
        """Whether county-wide rows may be changed: an operator at the command line, a superuser, a reviewer."""
        if self.user is None:
            return True
        scope = scoping.scope_of(self.user)
        return scope.is_all or (scope.is_reviewer and scope.county_id == self.county.pk)

    def may_add(self, model):
        """Whether this import may add rows of ``model`` (shared reference data: superusers and operators only)."""
        return self.user is None or scoping.may_add(self.user, model)

    def stamp(self, obj, created):
        """Record who writes ``obj`` (TrackedModel fields and the history entry)."""
        history.stamp_user(obj, self.user, created=created)
        obj._change_reason = self.change_reason


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
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            value = value.isoformat()
        text = unescape_formula(str(value))
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)

    def describe(self):
        return _("文字")


class PhoneWidget(TextWidget):
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
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
            # An Excel date serial, as a date cell saved without its format gives.
            return datetime.date(1899, 12, 30) + datetime.timedelta(days=int(value))
        text = str(value).strip()
        for fmt in self.FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(_("日期「%(value)s」无法识别，请写成 2024-01-05 这样的格式。") % {"value": value})

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
            raise ValueError("".join(self.lookup.missing % {"value": m} for m in missing))
        return found

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if hasattr(value, "all"):
            value = value.all()
        return self.joiner.join(self.lookup.label(v) for v in value)

    def describe(self):
        return self.hint


# --- rows and results -------------------------------------------------------


@dataclass
class RowResult:
    """What will happen to one row of a sheet, and why not if it cannot."""

    number: int | None
    status: str = ""
    label: str = ""
    errors: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    instance: object = None
    values: dict = field(default_factory=dict)

    def error(self, column, message):
        self.errors.append((column, str(message)))
        self.status = ERROR

    def has_error_in(self, column):
        return any(c == column for c, _m in self.errors)

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, "")

    def messages(self):
        out = []
        for column, message in self.errors:
            where = _("第%(row)d行") % {"row": self.number} if self.number else ""
            out.append(f"{where}「{column}」：{message}" if column else f"{where}：{message}")
        return out


@dataclass
class SheetReport:
    """The check of one sheet: its rows, what child rows it will delete, and its header problems."""

    sheet_name: str
    list_name: str
    resource: object = None
    header_row: int | None = None
    rows: list = field(default_factory=list)
    deletions: list = field(default_factory=list)
    rejected: list = field(default_factory=list)

    def count(self, status):
        if status == DELETE:
            return len(self.deletions)
        return sum(1 for r in self.rows if r.status == status)

    @property
    def counts(self):
        return {status: self.count(status) for status in (NEW, UPDATE, SKIP, ERROR, DELETE)}

    @property
    def has_errors(self):
        return bool(self.rejected) or any(r.status == ERROR for r in self.rows)

    def error_messages(self):
        prefix = _("工作表「%(sheet)s」") % {"sheet": self.sheet_name}
        out = [f"{prefix}：{m}" if not m.startswith(prefix) else m for m in self.rejected]
        for row in self.rows:
            out.extend(f"{prefix}{m}" for m in row.messages())
        return out

    @property
    def all_rows(self):
        """Rows in file order, then the deletions (which have no row in the file)."""
        return self.rows + self.deletions


@dataclass
class ImportResult:
    """The check (and, unless a dry run or an error, the apply) of one file."""

    file_name: str = ""
    township: object = None
    reports: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    applied: bool = False
    dry_run: bool = True

    @property
    def has_errors(self):
        return bool(self.rejected) or any(r.has_errors for r in self.reports)

    def error_messages(self):
        out = list(self.rejected)
        for report in self.reports:
            out.extend(report.error_messages())
        return out

    @property
    def totals(self):
        totals = dict.fromkeys((NEW, UPDATE, SKIP, ERROR, DELETE), 0)
        for report in self.reports:
            for status, count in report.counts.items():
                totals[status] += count
        return totals

    @property
    def changes(self):
        totals = self.totals
        return totals[NEW] + totals[UPDATE] + totals[DELETE]

    def summary(self):
        totals = self.totals
        return (
            _("新增 %(new)d 行，修改 %(update)d 行，无变化 %(skip)d 行，删除 %(delete)d 行，错误 %(error)d 行") % totals
        )


# --- resources --------------------------------------------------------------


class SheetResource(resources.ModelResource):
    """A list a clerk keeps in a spreadsheet: columns with Chinese headers, rows keyed by name or code.

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

    class Meta:
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def __init__(self, township=None, user=None, **kwargs):
        super().__init__(**kwargs)
        self.township = township
        self.user = user
        self._seen = {}

    @classmethod
    def get_display_name(cls):
        return cls.sheet_name

    def import_data(self, *args, **kwargs):
        # django-import-export's own import saves row by row while validating and
        # cannot resolve names through the township's lookup tables.
        raise NotImplementedError("Import through portal.imports.run_import() (the admin and import_lists do).")

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

    # --- check

    def prepare(self, ctx):
        """Load what the check needs before the first row (lookup tables are loaded on first use)."""

    def existing(self, ctx):
        """Return this list's rows already in the database, keyed like ``row_key``."""
        return ctx.table(self.lookup)

    def row_key(self, values, ctx):
        return self.lookup.normalise(values[self.key_fields[0]])

    def key_label(self, values):
        return "、".join(f"{self.column(k)}「{self.fields[k].widget.render(values.get(k))}」" for k in self.key_fields)

    def new_instance(self, values, ctx):
        return self.model(township=ctx.township)

    def row_label(self, instance, values):
        return str(instance)

    def current_value(self, instance, name):
        getter = getattr(self, f"current_{name}", None)
        if getter is not None:
            return getter(instance)
        model_field = self.model_field(name)
        if model_field.many_to_many:
            return list(getattr(instance, model_field.name).all()) if instance.pk is not None else []
        return getattr(instance, model_field.name)

    def default_for(self, name, value):
        """Return what an empty cell means: the model's default where it has one."""
        model_field = self.model_field(name)
        if model_field is None or not is_blank(value) or model_field.many_to_many:
            return value
        if model_field.has_default() and not model_field.blank:
            return model_field.get_default()
        if value is None and not model_field.null and not model_field.is_relation:
            return model_field.get_default()
        return value

    def validate_sheet(self, sheet, ctx, progress=None):
        expected = {normalise_name(f.column_name): f.column_name for f in self.fields.values()}
        report = SheetReport(sheet_name=sheet.name, list_name=self.sheet_name, resource=self)
        try:
            header = find_header(sheet, expected, [self.column(k) for k in self.header_fields])
        except Rejected as rejected:
            report.rejected.extend(rejected.messages)
            return report
        report.header_row = header.row_number
        by_column = {f.column_name: name for name, f in self.fields.items()}
        rows = list(data_rows(sheet, header))
        if len(rows) > MAX_ROWS:
            report.rejected.append(
                _("有 %(count)d 行数据，每次最多导入 %(max)d 行：请分成几个文件导入。")
                % {"count": len(rows), "max": MAX_ROWS}
            )
            return report
        self.prepare(ctx)
        for index, (number, raw) in enumerate(rows, start=1):
            report.rows.append(self.validate_row(number, {by_column[c]: v for c, v in raw.items()}, ctx))
            if progress is not None:
                progress(sheet.name, _("检查"), index, len(rows))
        self.finish(report, ctx)
        return report

    def clean_values(self, raw, row, ctx):
        values = {}
        for name, f in self.ordered_fields():
            if name not in raw:
                continue
            try:
                values[name] = self.default_for(name, f.widget.clean(raw[name], row=values, context=ctx))
            except ValueError as error:
                row.error(f.column_name, error)
        return values

    def validate_row(self, number, raw, ctx):
        row = RowResult(number=number)
        if (
            self.example
            and all(k in self.example for k in self.header_fields)
            and all(str(raw.get(k) or "") == str(self.example[k]) for k in self.header_fields)
        ):
            row.error(self.column(self.header_fields[0]), _("这是导入模板里的示例行，请删除或改写后再导入。"))
            return row
        values = self.clean_values(raw, row, ctx)
        row.values = values
        township_name = values.get("township_name")
        if township_name and normalise_name(township_name) != normalise_name(ctx.township.name):
            row.error(
                self.column("township_name"),
                _("这一行属于「%(other)s」，不能导入到「%(township)s」：乡镇由登录账号（或导入时的选择）决定。")
                % {"other": township_name, "township": ctx.township.name},
            )
        for name in self.required_fields:
            if name in raw and is_blank(values.get(name)) and not row.has_error_in(self.column(name)):
                row.error(self.column(name), _("必须填写。"))
        if row.errors:
            return row
        self.check_values(values, row, ctx)
        if row.errors:
            return row
        key = self.row_key(values, ctx)
        if key in self._seen:
            row.error(
                self.column(self.key_fields[-1]),
                _("与第%(row)d行重复（%(key)s）：同一行在文件中只能出现一次。")
                % {"row": self._seen[key], "key": self.key_label(values)},
            )
            return row
        self._seen[key] = number
        instance = self.existing(ctx).get(key)
        if instance is None:
            missing = [n for n in self.required_fields if n not in raw]
            if missing:
                for name in missing:
                    row.error(self.column(name), _("文件中没有这一列，新增时必须填写。"))
                return row
            instance = self.new_instance(values, ctx)
            before = None
        else:
            before = {
                n: comparable(self.current_value(instance, n), self.fields[n].widget.ordered)
                for n in values
                if not self.fields[n].readonly
            }
        self.assign(instance, values)
        row.instance = instance
        if before is None:
            row.status = NEW
        else:
            row.changed = [
                self.column(n)
                for n in values
                if not self.fields[n].readonly and before[n] != comparable(values[n], self.fields[n].widget.ordered)
            ]
            row.status = UPDATE if row.changed else SKIP
        row.label = self.row_label(instance, values)
        if row.status != SKIP:
            self.validate_instance(instance, values, row, ctx)
        if not row.errors and row.status == NEW:
            self.remember(instance, ctx)
        return row

    def check_values(self, values, row, ctx):
        """Check the cleaned values across columns before the row is matched (subclasses)."""

    def assign(self, instance, values):
        for name, value in values.items():
            if self.is_virtual(name):
                continue
            model_field = self.model_field(name)
            if model_field.many_to_many:
                continue
            setattr(instance, model_field.name, value)

    def remember(self, instance, ctx):
        if self.lookup is not None:
            ctx.remember(self.lookup, instance)

    def validate_instance(self, instance, values, row, ctx):
        """Run the model's field validation, ``clean()`` and check constraints; record errors by column."""
        model = self.model
        relations = [f for f in model._meta.concrete_fields if f.is_relation]
        unsaved = {
            f.name
            for f in relations
            if f.is_cached(instance)
            and f.get_cached_value(instance) is not None
            and f.get_cached_value(instance).pk is None
        }
        errors = defaultdict(list)

        def collect(error):
            if hasattr(error, "error_dict"):
                for key, messages in error.message_dict.items():
                    errors[key].extend(messages)
            else:
                errors[NON_FIELD_ERRORS].extend(error.messages)

        # References were resolved through the lookup tables: skip Django's
        # per-field existence query for them (one per foreign key per row).
        try:
            instance.clean_fields(exclude={f.name for f in relations})
        except ValidationError as error:
            collect(error)
        try:
            instance.clean()
        except ValidationError as error:
            collect(error)
        using = router.db_for_write(model)
        for constraint in model._meta.constraints:
            if isinstance(constraint, CheckConstraint):
                try:
                    check_constraint(constraint, instance, exclude=unsaved, using=using)
                except ValidationError as error:
                    errors[_condition_field(constraint.condition) or NON_FIELD_ERRORS].extend(error.messages)
        self.clean_row(instance, values, errors, ctx)
        for key, messages in errors.items():
            column = "" if key == NON_FIELD_ERRORS else (self.column_for_model_field(key) or self._column_or_key(key))
            for message in dict.fromkeys(messages):
                row.error(column, message)

    def _column_or_key(self, key):
        return self.fields[key].column_name if key in self.fields else ""

    def clean_row(self, instance, values, errors, ctx):
        """Add list-specific errors (``errors[field name]``) for a new or changed row (subclasses)."""

    def finish(self, report, ctx):
        """Complete the check once every row is seen (child lists list their deletions here)."""

    # --- apply

    def apply(self, report, ctx, progress=None):
        new = [r for r in report.rows if r.status == NEW]
        changed = [r for r in report.rows if r.status == UPDATE]
        total = len(new) + len(changed)
        if _only_history_listens(self.model):
            # One INSERT (and one for the history) per batch instead of per row; see _bulk_create.
            self._bulk_create(new, ctx)
            self._bulk_update(changed, ctx)
            for index, row in enumerate(new + changed, start=1):
                self.save_related(row.instance, row, ctx)
                if progress is not None:
                    progress(report.sheet_name, _("写入"), index, total)
            return
        for index, row in enumerate(new + changed, start=1):
            self.save_row(row, ctx)
            if progress is not None:
                progress(report.sheet_name, _("写入"), index, total)

    def _changed_attributes(self, row):
        """Return the model fields the row sets (new) or changes (update), many-to-many excluded."""
        names = []
        for name in row.values:
            model_field = self.model_field(name)
            if model_field is None or model_field.many_to_many or self.fields[name].readonly:
                continue
            if row.status == NEW or self.column(name) in row.changed:
                names.append(model_field.name)
        return names

    def _stamp(self, row, ctx):
        instance = row.instance
        ctx.stamp(instance, created=row.status == NEW)
        # A "checked on" date set or changed by the file was checked by whoever imports it.
        changed = set(self._changed_attributes(row))
        stamped = []
        for date_field, by_field in checking.check_fields(type(instance)):
            if by_field and date_field in changed:
                setattr(instance, by_field, ctx.user if getattr(instance, date_field) else None)
                stamped.append(by_field)
        return stamped

    def save_row(self, row, ctx):
        self._stamp(row, ctx)
        row.instance.save()
        self.save_related(row.instance, row, ctx)

    def _bulk_create(self, rows, ctx):
        """Insert new rows in batches with their history (simple_history's bulk helper records each one).

        Used only for models nothing but the history listens to on save (see
        _only_history_listens): e.g. windows and posts get their QR code from a
        post_save receiver, so they are saved one by one. A row pointing at a
        row new in this batch (an item merged into a new item) waits for the
        next batch.
        """
        pending = list(rows)
        for row in pending:
            self._stamp(row, ctx)
        while pending:
            ready = [r for r in pending if not _points_at_unsaved(r.instance)]
            if not ready:
                for row in pending:
                    row.instance.save()
                return
            bulk_create_with_history(
                [r.instance for r in ready],
                self.model,
                batch_size=BATCH_SIZE,
                default_user=ctx.user,
                default_change_reason=ctx.change_reason,
            )
            pending = [r for r in pending if r.instance.pk is None]

    def _bulk_update(self, rows, ctx):
        """Update changed rows in batches with their history; only the changed columns are written."""
        if not rows:
            return
        fields = {"updated_by", "updated_at"} & {f.name for f in self.model._meta.concrete_fields}
        now = timezone.now()
        for row in rows:
            fields.update(self._stamp(row, ctx))
            fields.update(self._changed_attributes(row))
            if hasattr(row.instance, "updated_at"):
                row.instance.updated_at = now  # bulk_update does not run auto_now
        if fields - {"updated_by", "updated_at"}:
            bulk_update_with_history(
                [r.instance for r in rows],
                self.model,
                sorted(fields),
                batch_size=BATCH_SIZE,
                default_user=ctx.user,
                default_change_reason=ctx.change_reason,
            )
        else:
            # Only many-to-many or other related rows changed: record the edit on the row itself too.
            for row in rows:
                row.instance.save()

    def save_related(self, instance, row, ctx):
        """Write many-to-many columns (only those that changed), after saving any new target first."""
        for name, value in row.values.items():
            model_field = self.model_field(name)
            if model_field is None or not model_field.many_to_many or self.fields[name].readonly:
                continue
            if row.status == UPDATE and self.column(name) not in row.changed:
                continue
            if row.status == NEW and not value:
                continue
            for target in value:
                if target.pk is None:
                    ctx.stamp(target, created=True)
                    target.save()
            getattr(instance, model_field.name).set(value)


BATCH_SIZE = 500


def _only_history_listens(model):
    """Whether saving ``model`` triggers nothing but django-simple-history (so a bulk write loses nothing)."""
    try:
        saved = [r for group in post_save._live_receivers(model) for r in group]
        presaved = [r for group in pre_save._live_receivers(model) for r in group]
    except (AttributeError, TypeError, ValueError):  # a Django without this private helper: play safe
        return False
    return not presaved and len(saved) == 1 and isinstance(getattr(saved[0], "__self__", None), HistoricalRecords)


def _points_at_unsaved(instance):
    for f in instance._meta.concrete_fields:
        if f.is_relation and f.is_cached(instance):
            target = f.get_cached_value(instance)
            if target is not None and target.pk is None:
                return True
    return False


class _NotInPython(Exception):
    """A constraint condition the Python evaluator does not handle: ask the database instead."""


_COMPARE = {
    "exact": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _and(values):
    values = list(values)
    if False in values:
        return False
    return None if None in values else True


def _or(values):
    values = list(values)
    if True in values:
        return True
    return None if None in values else False


def _field_value(instance, name):
    if name == "pk":
        return instance.pk
    return getattr(instance, instance._meta.get_field(name).attname)


def _evaluate(condition, instance):
    """Evaluate a check constraint's ``Q`` on an unsaved instance with SQL's three-valued logic.

    Return True, False or None (unknown: NULL in a comparison, which a CHECK
    constraint lets pass). Handles the lookups the models' constraints use
    (exact, isnull, in, gt/gte/lt/lte, F() of a field); raise _NotInPython
    for anything else.
    """
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(_evaluate(child, instance))
            continue
        lookup, rhs = child
        name, _sep, operator = lookup.partition("__")
        operator = operator or "exact"
        if "__" in operator:
            raise _NotInPython(lookup)
        value = _field_value(instance, name)
        literal_none = rhs is None
        if isinstance(rhs, F):
            rhs = _field_value(instance, rhs.name)
        elif hasattr(rhs, "resolve_expression"):
            raise _NotInPython(lookup)
        elif hasattr(rhs, "_meta") and hasattr(rhs, "pk"):
            rhs = rhs.pk
        if operator == "isnull":
            results.append((value is None) == bool(rhs))
        elif operator == "exact" and literal_none:
            results.append(value is None)  # Django turns "= None" into IS NULL
        elif operator == "in":
            results.append(None if value is None else value in rhs)
        elif operator in _COMPARE:
            results.append(None if value is None or rhs is None else _COMPARE[operator](value, rhs))
        else:
            raise _NotInPython(lookup)
    result = _and(results) if condition.connector == Q.AND else _or(results)
    if condition.negated:
        result = None if result is None else not result
    return result


def _condition_fields(condition):
    for child in condition.children:
        if isinstance(child, Q):
            yield from _condition_fields(child)
        else:
            lookup, rhs = child
            yield lookup.split("__")[0]
            if isinstance(rhs, F):
                yield rhs.name


_CONDITION_FIELDS = {}


def check_constraint(constraint, instance, exclude=(), using="default"):
    """Validate a CheckConstraint like ``constraint.validate()``, in Python when possible.

    Django asks the database (one query per constraint per row, 3 ms each
    with every field annotated): for 1,000 rows and nine constraints that is
    most of a 30-second preview. The conditions here are simple comparisons,
    evaluated in Python with SQL's NULL semantics; anything else still goes
    to the database.
    """
    fields = _CONDITION_FIELDS.get(id(constraint))  # constraints live as long as their model class
    if fields is None:
        fields = _CONDITION_FIELDS[id(constraint)] = frozenset(_condition_fields(constraint.condition))
    if fields & set(exclude):
        return  # as Django does: a constraint on an excluded field is not checked
    try:
        result = _evaluate(constraint.condition, instance)
    except _NotInPython:
        constraint.validate(type(instance), instance, exclude=exclude, using=using)
        return
    if result is False:
        raise ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)


def _condition_field(condition):
    """Return the first field a check constraint's condition names (to point the error at a column)."""
    for child in condition.children if isinstance(condition, Q) else []:
        if isinstance(child, Q):
            found = _condition_field(child)
            if found:
                return found
        elif isinstance(child, tuple):
            return child[0].split("__")[0]
    return None


class ChildSheetResource(SheetResource):
    """Rows that belong to a parent (materials and steps of an item, entries of a list).

    A file with a parent's rows replaces that parent's rows: rows matched by
    ``child_key`` are kept or changed, new ones added, and the parent's rows
    missing from the file are deleted. Parents without rows in the file are
    left alone.
    """

    parent_attr = "item"
    child_key = "name"

    def parent_of(self, values, ctx):
        return values[self.parent_field]

    @property
    def parent_field(self):
        return self.key_fields[0]

    def parent_key(self, parent):
        return comparable(parent)

    def row_key(self, values, ctx):
        return (self.parent_key(self.parent_of(values, ctx)), comparable(values[self.child_key]))

    def existing_children(self, ctx):
        """Return this list's rows in the database (select what ``clean()`` reads)."""
        raise NotImplementedError

    def prepare(self, ctx):
        self._children = defaultdict(dict)
        for child in self.existing_children(ctx):
            parent = getattr(child, self.parent_attr)
            self._children[self.parent_key(parent)][comparable(getattr(child, self.child_model_field))] = child
        self._parents_in_file = {}

    @property
    def child_model_field(self):
        return self.fields[self.child_key].attribute

    def existing(self, ctx):
        return _ChildIndex(self._children)

    def new_instance(self, values, ctx):
        return self.model(**{self.parent_attr: self.parent_of(values, ctx)})

    def validate_row(self, number, raw, ctx):
        row = super().validate_row(number, raw, ctx)
        if row.instance is not None:
            parent = getattr(row.instance, self.parent_attr)
            self._parents_in_file.setdefault(self.parent_key(parent), parent)
        return row

    def finish(self, report, ctx):
        kept = {r.instance.pk for r in report.rows if r.instance is not None and r.instance.pk is not None}
        for parent_key in self._parents_in_file:
            for child in self._children.get(parent_key, {}).values():
                if child.pk not in kept:
                    report.deletions.append(
                        RowResult(number=None, status=DELETE, label=self.deletion_label(child), instance=child)
                    )

    def deletion_label(self, child):
        return f"{getattr(child, self.parent_attr)}：{child}"

    def apply(self, report, ctx, progress=None):
        for row in report.deletions:
            ctx.stamp(row.instance, created=False)
            row.instance.delete()
        super().apply(report, ctx, progress)


class _ChildIndex:
    def __init__(self, children):
        self.children = children

    def get(self, key):
        parent_key, child_key = key
        return self.children.get(parent_key, {}).get(child_key)


# --- the run ----------------------------------------------------------------


def match_sheets(sheets, resource_classes, chosen=None):
    """Return [(resource class, sheet)] in import order; raise Rejected when a sheet matches no list.

    A workbook's sheets are told apart by name (see each resource's
    ``sheet_name``); a single sheet or a CSV file whose name is not a list's
    name is read as ``chosen``. The explanation sheet and empty sheets are
    ignored.
    """
    known = {normalise_name(cls.sheet_name): cls for cls in resource_classes}
    content = [s for s in sheets if normalise_name(s.name) != EXPLANATION_SHEET and not s.is_empty]
    if not content:
        raise Rejected(_("文件中没有数据。"))

    def by_name(sheet):
        name = normalise_name(sheet.name)
        if name in known:
            return known[name]
        # A CSV file is named after its list, perhaps with a date: 申请材料-2026-01-05.csv
        for key in sorted(known, key=len, reverse=True):
            if name.startswith(key) and len(sheets) == 1:
                return known[key]
        return None

    named = [(by_name(s), s) for s in content]
    if len(content) == 1 and named[0][0] is None:
        cls = chosen or (resource_classes[0] if len(resource_classes) == 1 else None)
        if cls is None:
            raise Rejected(
                _("无法判断工作表「%(sheet)s」是哪一个清单：请把工作表改名为%(names)s之一，或在导入时选择清单。")
                % {"sheet": content[0].name, "names": "、".join(f"「{c.sheet_name}」" for c in resource_classes)}
            )
        return [(cls, content[0])]
    unknown = [s.name for cls, s in named if cls is None]
    if unknown:
        raise Rejected(
            _("工作表%(sheets)s不是可导入的清单。可导入的工作表名：%(names)s。请改名或删除这些工作表。")
            % {
                "sheets": "、".join(f"「{u}」" for u in unknown),
                "names": "、".join(f"「{c.sheet_name}」" for c in resource_classes),
            }
        )
    seen = {}
    for cls, sheet in named:
        if cls in seen:
            raise Rejected(
                _("工作表「%(a)s」和「%(b)s」都是「%(list)s」，请合并成一个工作表。")
                % {"a": seen[cls], "b": sheet.name, "list": cls.sheet_name}
            )
        seen[cls] = sheet.name
    return sorted(named, key=lambda pair: pair[0].rank)


def import_bytes(data, file_name, resource_classes, **kwargs):
    """Read an uploaded file and run :func:`run_import` on it; a file that cannot be read is a rejected result."""
    try:
        sheets = read_upload(data, file_name)
    except Rejected as rejected:
        with translation.override("zh-hans"):
            return ImportResult(file_name=file_name, township=kwargs.get("township"), rejected=rejected.messages)
    return run_import(sheets, resource_classes, file_name=file_name, **kwargs)


def run_import(
    sheets, resource_classes, *, township, user=None, chosen=None, dry_run=True, file_name="", progress=None
):
    """Check every row of every sheet; unless ``dry_run`` or any error, apply them all in one transaction.

    Return an ImportResult. Nothing is written when there is any error.
    """
    result = ImportResult(file_name=file_name, township=township, dry_run=dry_run)
    with translation.override("zh-hans"):
        try:
            pairs = match_sheets(sheets, resource_classes, chosen)
        except Rejected as rejected:
            result.rejected.extend(rejected.messages)
            return result
        ctx = ImportContext(township, user, file_name)
        for cls, sheet in pairs:
            resource = cls(township=township, user=user)
            result.reports.append(resource.validate_sheet(sheet, ctx, progress))
        if not result.has_errors and not any(r.rows for r in result.reports):
            result.rejected.append(_("文件中只有表头，没有要导入的数据行。"))
        if result.has_errors or dry_run:
            return result
        try:
            with transaction.atomic():
                for report in result.reports:
                    report.resource.apply(report, ctx, progress)
        except (IntegrityError, ValidationError, DatabaseError) as error:
            result.rejected.append(
                _("保存时数据库拒绝了修改，已全部撤销，数据库没有任何改动：%(error)s") % {"error": error}
            )
            return result
        result.applied = True
    return result


# --- templates and export formats -----------------------------------------

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


def template_workbook(resource_classes, township=None):
    """Return the blank template (xlsx bytes): a sheet per list with one example row, and a 填写说明 sheet."""
    specs, notes = [], [["工作表", "列名", "是否必填", "含义", "可填写的值 / 格式"]]
    for cls in resource_classes:
        resource = cls(township=township)
        ordered = resource.ordered_fields()
        headers = [f.column_name for _name, f in ordered]
        example = [escape_formula(resource.example.get(name, "")) for name, _f in ordered]
        comments, choices, required = {}, {}, set()
        for name, f in ordered:
            comments[f.column_name] = f"{resource.requirement(name)}。{resource.help_for(name)}"
            if f.widget.allowed():
                choices[f.column_name] = f.widget.allowed()
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
