"""The county's view of every township's liaison table (县乡工作对接): who faces whom, and the gaps.

``county_oversight()`` reads everything the page and its spreadsheet show in a
fixed number of queries, whatever the number of townships and departments:
the matrix is assembled in Python from one list of liaison rows.
"""

import datetime
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import scoping
from portal.models import Township
from portal.text import escape_formula
from staff.models import CountyDepartment, Liaison, Post, Staff


def may_confirm(user, county):
    """True for a county reviewer of ``county``: the only account whose confirmation speaks for the county."""
    scope = scoping.scope_of(user)
    return scope.is_reviewer and scope.county_id == county.pk


@transaction.atomic
def liaisons_confirm(*, rows, user, on=None):
    """Record that the county confirms each liaison row's person and phone as they are now; return how many.

    Only a county reviewer of the rows' county may (``PermissionDenied``
    otherwise, for the whole call): a township clerk keeps the township side
    and cannot speak for the county. The confirmation keeps the person and
    phone it confirmed, so any later change to them (on the section or the
    row) makes it lapse by itself (``Liaison.is_confirmed``).
    """
    on = on or timezone.localdate()
    rows = list(rows)
    counties = {row.post.township.county_id for row in rows}
    scope = scoping.scope_of(user)
    if rows and not (scope.is_reviewer and counties == {scope.county_id}):
        raise PermissionDenied(_("只有本县（区）的县级审核员可以确认对接联系表。"))
    for row in rows:
        row.confirmed_on = on
        row.confirmed_by = user
        row.confirmed_contact = row.current_contact
        row._history_user = user
        row.save(update_fields=["confirmed_on", "confirmed_by", "confirmed_contact", "updated_at"])
    return len(rows)


def admin_change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _label(obj):
    """Name a row on the page so that a reader needs no other column."""
    if isinstance(obj, Post):
        return f"{obj.township.name} · {obj.title}"
    if isinstance(obj, Staff):
        phones = " / ".join(p for p in (obj.office_phone, obj.mobile) if p)
        checked = obj.phone_checked_on or _("从未核对")
        return f"{obj.township.name} · {obj.name}（{phones}；{_('核对')}：{checked}）"
    if isinstance(obj, Liaison):
        if obj.confirmed_on and not obj.is_confirmed:
            checked = _("%(date)s确认后人员或电话已改") % {"date": obj.confirmed_on}
        else:
            checked = obj.confirmed_on or _("从未确认")
        return (
            f"{obj.post.township.name} · {obj.post.title} ↔ {obj.department.display_name}"
            f"（{obj.county_person} {obj.county_phone}；{_('确认')}：{checked}）"
        )
    return str(obj)


@dataclass
class Gap:
    """One list of problems on the page, each row a model instance with an admin page."""

    key: str
    title: str
    hint: str
    rows: list

    @property
    def entries(self):
        """``(label, admin URL)`` for each row."""
        return [(_label(obj), admin_change_url(obj)) for obj in self.rows]


@dataclass
class OversightReport:
    county: object
    today: datetime.date
    cutoff: datetime.date
    townships: list
    departments: list
    # One row per township: (township, [liaison rows for each department, in ``departments`` order]).
    matrix: list
    gaps: list = field(default_factory=list)

    @property
    def gap_count(self):
        return sum(len(gap.rows) for gap in self.gaps)

    def gap(self, key):
        return next(gap for gap in self.gaps if gap.key == key)


def county_oversight(county, *, today=None):
    """Return the ``OversightReport`` of ``county``: 8 queries, one per list below."""
    today = today or timezone.localdate()
    days = settings.PORTAL_STALE_AFTER_DAYS
    cutoff = today - datetime.timedelta(days=days)

    townships = list(Township.objects.in_county(county).order_by("name"))  # 1
    departments = list(CountyDepartment.objects.of_county(county))  # 2
    liaisons = list(  # 3
        Liaison.objects.in_county(county)
        .select_related("post", "department", "section")
        .order_by("post__order", "post__title", "county_contact_name")
    )
    cells = {}
    for row in liaisons:
        cells.setdefault((row.post.township_id, row.department_id), []).append(row)
    matrix = [(township, [cells.get((township.pk, d.pk), []) for d in departments]) for township in townships]

    by_township = ("township__name", "office__order", "order", "title")
    gaps = [
        Gap(
            "posts_without_counterpart",
            _("岗位没有县级对接部门"),
            _("这些乡镇岗位在对接联系表里没有任何县直部门。"),
            list(Post.objects.in_county(county).without_liaison().select_related("township").order_by(*by_township)),
        ),  # 4
        Gap(
            "departments_without_contact",
            _("县直部门没有乡镇联系人"),
            _("没有任何乡镇岗位对接这些部门。"),
            list(CountyDepartment.objects.of_county(county).without_liaison()),
        ),  # 5
        Gap(
            "posts_without_backup",
            _("岗位没有B角"),
            _("每个岗位都应有一名备岗（B角）。"),
            list(Post.objects.in_county(county).without_backup().select_related("township").order_by(*by_township)),
        ),  # 6
        Gap(
            "staff_phones_not_checked",
            _("工作人员电话超过 %(days)d 天未核对") % {"days": days},
            _("打电话确认号码仍然有效，然后在后台“标记为今天已核对”。"),
            list(
                Staff.objects.in_county(county)
                .phone_not_checked_since(cutoff)
                .select_related("township")
                .order_by("township__name", "name")
            ),
        ),  # 7
        Gap(
            "liaisons_not_confirmed",
            _("对接电话超过 %(days)d 天未经县级确认，或确认后人员、电话已改") % {"days": days},
            _("按乡镇列出；核实后在“县级确认”页勾选确认（只有县级审核员可以确认）。"),
            list(
                Liaison.objects.in_county(county)
                .not_confirmed_since(cutoff)
                .select_related("post", "post__township", "department", "section")
                .order_by("post__township__name", "post__title", "department__name")
            ),
        ),  # 8
    ]
    return OversightReport(
        county=county,
        today=today,
        cutoff=cutoff,
        townships=townships,
        departments=departments,
        matrix=matrix,
        gaps=gaps,
    )


# --- spreadsheet -------------------------------------------------------------------------------


def _liaison_text(row):
    return f"{row.post.title}（{row.county_person} {row.county_phone}）"


def _gap_columns(gap):
    """Return the header and row values of one gap's sheet."""
    if gap.key in ("posts_without_counterpart", "posts_without_backup"):
        return [_("乡镇"), _("岗位")], [[p.township.name, p.title] for p in gap.rows]
    if gap.key == "departments_without_contact":
        return [_("县直部门"), _("办公电话")], [[d.name, d.phone] for d in gap.rows]
    if gap.key == "staff_phones_not_checked":
        return (
            [_("乡镇"), _("姓名"), _("办公电话"), _("手机"), _("最近核对日期")],
            [[s.township.name, s.name, s.office_phone, s.mobile, s.phone_checked_on] for s in gap.rows],
        )
    return (
        [_("乡镇"), _("岗位"), _("县直部门"), _("县级责任人"), _("县级联系电话"), _("县级最近确认日期")],
        [
            [
                r.post.township.name,
                r.post.title,
                r.department.name,
                r.county_person,
                r.county_phone,
                r.confirmed_on if r.is_confirmed else None,
            ]
            for r in gap.rows
        ],
    )


def _fit_columns(sheet, first_row=1):
    """Widen each column to its longest line (a Chinese character is two wide); keep text as text.

    Phone numbers stay text cells with the text format, so a clerk's re-save cannot strip their zeros.
    """
    for column in sheet.iter_cols(min_row=first_row):
        lines = [line for cell in column for line in str(cell.value or "").splitlines()]
        widest = max((sum(2 if ord(c) > 0x2E7F else 1 for c in line) for line in lines), default=0)
        sheet.column_dimensions[column[0].column_letter].width = max(8, min(40, widest + 2))
        for cell in column:
            if isinstance(cell.value, str):
                cell.number_format = "@"


def oversight_workbook(report):
    """Return the report as xlsx bytes: the matrix on the first sheet, one sheet per kind of gap."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("对接矩阵")
    sheet.append([escape_formula(f"{report.county.name} 县乡工作对接情况（{report.today:%Y-%m-%d}）")])
    sheet.append([_("乡镇")] + [escape_formula(d.name) for d in report.departments])
    for township, row in report.matrix:
        sheet.append(
            [escape_formula(township.name)]
            + [escape_formula("\n".join(_liaison_text(r) for r in cell)) for cell in row]
        )
    for cells in sheet.iter_rows(min_row=3):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet["A1"].font = Font(bold=True)
    sheet.freeze_panes = "B3"

    for gap in report.gaps:
        gap_sheet = book.create_sheet(gap.title[:31])
        header, rows = _gap_columns(gap)
        gap_sheet.append([escape_formula(h) for h in header])
        for values in rows:
            gap_sheet.append([escape_formula(v) for v in values])
        for cell in gap_sheet[1]:
            cell.font = Font(bold=True)
        gap_sheet.freeze_panes = "A2"
    for each in book.worksheets:
        _fit_columns(each, first_row=2 if each is sheet else 1)

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
