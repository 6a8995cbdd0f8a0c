"""Checking and applying: the import engine behind the admin's 导入 button and ``manage.py import_lists``.

A clerk's file is read (``spreadsheets.files``), each sheet is matched to a
list (``spreadsheets.lists``), and then, in two separate phases:

1. **Check.** Every row of every sheet is parsed and validated without
   touching the database: cells are cleaned by the list's widgets
   (``spreadsheets.columns``), references are resolved by name or code
   through lookup tables loaded once per import (never a query per row), the
   model's ``clean_fields()``, ``clean()`` and check constraints are run
   (``spreadsheets.constraints``), duplicates in the file are caught, and
   each row is marked 新增 / 修改 / 无变化 / 错误 (child lists also list what
   they will 删除). The preview shows exactly this.
2. **Apply.** Only if no row has an error, everything is written in one
   ``transaction.atomic()``: new and changed rows in batches, with one
   history entry per row (django-simple-history's bulk helpers) carrying the
   acting user and a change reason naming the file; ``created_by`` /
   ``updated_by`` are set when a user is known; unchanged rows are not
   written at all. Then the printed codes the new windows, posts and
   villages need are issued explicitly (``issue_codes``): a bulk write sends
   no signal, and nothing here depends on what listens.

The township always comes from the caller (the clerk's account, the
superuser's choice on the form, or ``--township``), never from the file.

django-import-export's own import (``Resource.import_data``) is not used: it
saves row by row while validating, resolves references by id or with a
query per row, and reports errors in English without the spreadsheet's row
numbers; bending it to do otherwise meant overriding its private methods.
Its export is used as it is (see ``spreadsheets.columns``).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, IntegrityError, router, transaction
from django.db.models import CheckConstraint
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from portal import checking, history, scoping
from portal.codes import codes_for_targets, kind_for_model
from portal.models import Village
from portal.text import clean_field_value
from search.indexing import search_index_refresh
from spreadsheets.columns import Columns, comparable, is_blank, lost_zeros
from spreadsheets.constraints import check_constraint, condition_field
from spreadsheets.files import (
    CHOICES_SHEET,
    EXPLANATION_SHEET,
    MAX_ROWS,
    Rejected,
    data_rows,
    find_header,
    normalise_name,
    read_upload,
)
from spreadsheets.xlsx import CellProblem
from staff.models import Post, Window

NEW, UPDATE, SKIP, ERROR, DELETE = "new", "update", "skip", "error", "delete"
STATUS_LABELS = {NEW: "新增", UPDATE: "修改", SKIP: "无变化", ERROR: "错误", DELETE: "删除"}
BATCH_SIZE = 500
CODED_ON_IMPORT = (Village, Window, Post)  # what gets its printed code as soon as an import adds it


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

    def cache(self, key, build):
        """Return what ``build()`` returns, built once per import (an index over a lookup table)."""
        if key not in self._tables:
            self._tables[key] = build()
        return self._tables[key]

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
    # What the clerk should know although the row is written (an item kept as a draft, and why).
    notes: list = field(default_factory=list)

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

    def notices(self):
        """Return the notes of its rows, each with the sheet and row number."""
        prefix = _("工作表「%(sheet)s」") % {"sheet": self.sheet_name}
        return [f"{prefix}{_('第%(row)d行') % {'row': row.number}}：{note}" for row in self.rows for note in row.notes]

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

    def notices(self):
        """Return what the clerk should know about rows that are written (``RowResult.notes``), sheet by sheet."""
        return [notice for report in self.reports for notice in report.notices()]

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


# --- checking and applying a list --------------------------------------------


class SheetResource(Columns):
    """A list's rows: how they are found (``key_fields``, ``lookup``), checked and written.

    Subclasses (``spreadsheets.lists``) declare the columns (see ``Columns``)
    and override the hooks below where a list needs more: ``prepare`` /
    ``existing`` / ``row_key`` / ``new_instance`` to find rows,
    ``check_values`` and ``clean_row`` to add errors, ``save_related`` to
    write what is not a column of the row itself.
    """

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
        self._seen = {}
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
        for index, (number, raw, merged) in enumerate(rows, start=1):
            row = self.validate_row(number, {by_column[c]: v for c, v in raw.items()}, ctx)
            row.errors = [
                (column, message + _("（这一格的值来自合并单元格 %(range)s。）") % {"range": merged[column]})
                if column in merged
                else (column, message)
                for column, message in row.errors
            ]
            report.rows.append(row)
            if progress is not None:
                progress(sheet.name, _("检查"), index, len(rows))
        self.finish(report, ctx)
        return report

    def clean_values(self, raw, row, ctx):
        values = {}
        for name, f in self.ordered_fields():
            if name not in raw:
                continue
            if isinstance(raw[name], CellProblem):
                row.error(f.column_name, raw[name].message())  # never a blank that overwrites a stored value
                continue
            try:
                value = f.widget.clean(raw[name], row=values, context=ctx)
                if isinstance(value, str) and self.model_field(name) is not None:
                    value = clean_field_value(self.model_field(name), value)  # as an admin form stores it
                values[name] = self.default_for(name, value)
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
        self.restore_leading_zeros(raw, values, row, ctx)
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

    def restore_leading_zeros(self, raw, values, row, ctx):
        """Match a code a spreadsheet turned into a number (1 for 001) to the stored code, rather than add a row."""
        if self.lookup is None or len(self.key_fields) != 1:
            return
        name = self.key_fields[0]
        if not isinstance(raw.get(name), int) or ctx.table(self.lookup).get(self.row_key(values, ctx)) is not None:
            return
        padded = self.lookup.padded(ctx, raw[name])
        if len(padded) == 1:
            values[name] = getattr(padded[0], self.model_field(name).name)
        elif padded:
            row.error(self.column(name), lost_zeros(raw[name], [self.lookup.label(o) for o in padded]))

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
        # A changed phone whose row gives no new check date is not checked (staff.models.PhoneCheckFollowsPhone):
        # bulk writes skip save(), so the model is asked here and the two cleared fields are written too.
        forget = getattr(instance, "forget_phone_check_if_changed", None)
        if forget is not None and forget():
            _phones, date_name, by_name = instance.phone_check
            instance._phone_check_forgotten = (date_name, by_name)

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
                    errors[condition_field(constraint.condition) or NON_FIELD_ERRORS].extend(error.messages)
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

    def after_file(self, report, result, ctx):
        """Adjust this list's checked rows once every sheet of the file is checked (subclasses).

        For decisions that depend on other lists of the same file (an item's
        materials are another sheet). Runs in the preview and on confirm
        alike, so what the preview shows is what is written.
        """

    # --- apply

    def apply(self, report, ctx, progress=None):
        new = [r for r in report.rows if r.status == NEW]
        changed = [r for r in report.rows if r.status == UPDATE]
        # One INSERT or UPDATE (and one for the history) per batch instead of per row.
        self._bulk_create(new, ctx)
        self._bulk_update(changed, ctx)
        for index, row in enumerate(new + changed, start=1):
            self.save_related(row.instance, row, ctx)
            if progress is not None:
                progress(report.sheet_name, _("写入"), index, len(new) + len(changed))

    def _changed_attributes(self, row):
        """Return the model fields the row sets (new) or changes (update), many-to-many excluded."""
        names = []
        for name in row.values:
            model_field = self.model_field(name)
            if model_field is None or model_field.many_to_many or self.fields[name].readonly:
                continue
            if row.status == NEW or self.column(name) in row.changed:
                names.append(model_field.name)
        names.extend(n for n in getattr(row.instance, "_phone_check_forgotten", ()) if n not in names)
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

    def _bulk_create(self, rows, ctx):
        """Insert new rows in batches with their history (simple_history's bulk helper records each one).

        A row pointing at a row new in this batch (an item merged into a new
        item) waits for the next batch.
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


def _points_at_unsaved(instance):
    for f in instance._meta.concrete_fields:
        if f.is_relation and f.is_cached(instance):
            target = f.get_cached_value(instance)
            if target is not None and target.pk is None:
                return True
    return False


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


def issue_codes(result, township, user):
    """Issue the printed codes of the windows, posts and villages this import added, explicitly and in one go.

    A bulk write sends no signal, so nothing else would. Rows the import did
    not add are left alone, and so are new service items: their codes are
    issued when the booklet is printed or by ``manage.py issue_codes``, as
    before (an items import writes items, materials and steps only).
    """
    added = defaultdict(list)
    for report in result.reports:
        for row in report.rows:
            if row.status == NEW and isinstance(row.instance, CODED_ON_IMPORT):
                added[type(row.instance)].append(row.instance)
    for model, objects in added.items():
        kind = kind_for_model(model)
        if kind is not None and kind.auto:
            codes_for_targets(township, objects, user=user)


def match_sheets(sheets, resource_classes, chosen=None):
    """Return [(resource class, sheet)] in import order; raise Rejected when a sheet matches no list.

    A workbook's sheets are told apart by name (see each resource's
    ``sheet_name``); a single sheet or a CSV file whose name is not a list's
    name is read as ``chosen``. The explanation sheet and empty sheets are
    ignored.
    """
    known = {normalise_name(cls.sheet_name): cls for cls in resource_classes}
    hidden = [s.name for s in sheets if s.hidden and normalise_name(s.name) in known and not s.is_empty]
    if hidden:
        raise Rejected(
            _(
                "工作表%(sheets)s是隐藏的：导入的内容必须是看得见的。请在表格软件中取消隐藏、核对后再导入，或删除这些工作表。"
            )
            % {"sheets": "、".join(f"「{name}」" for name in hidden)}
        )
    # Other hidden sheets are a workbook's helpers (the lookup table behind a VLOOKUP, our drop-down values).
    ignored = {EXPLANATION_SHEET, CHOICES_SHEET}
    content = [s for s in sheets if normalise_name(s.name) not in ignored and not s.is_empty and not s.hidden]
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
        for report in result.reports:
            report.resource.after_file(report, result, ctx)
        if not result.has_errors and not any(r.rows for r in result.reports):
            result.rejected.append(_("文件中只有表头，没有要导入的数据行。"))
        if result.has_errors or dry_run:
            return result
        try:
            with transaction.atomic():
                for report in result.reports:
                    report.resource.apply(report, ctx, progress)
                issue_codes(result, township, ctx.user)
                # A bulk write sends no per-row signal: the search text of what changed is prepared here.
                search_index_refresh(township)
        except (IntegrityError, ValidationError, DatabaseError) as error:
            result.rejected.append(
                _("保存时数据库拒绝了修改，已全部撤销，数据库没有任何改动：%(error)s") % {"error": error}
            )
            return result
        result.applied = True
    return result
