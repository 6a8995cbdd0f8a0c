"""A clerk's board (工作台): what in the township's lists has not been checked for a while, and what is incomplete.

``township_board()`` reads each list with one named query (a fixed number,
whatever the size of the township) and returns sections of ``(label, admin
URL)`` rows, so the page can link every problem to the form that fixes it.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Village
from services.models import CertificateRule, ResponsibilityList, ServiceItem
from staff.models import Liaison, Office, Post, Staff, Window
from staff.oversight import admin_change_url


@dataclass
class Section:
    key: str
    title: str
    rows: list
    label: object = str
    changelist: str = ""
    # Appended to the changelist's address: its "not checked lately" filter, where the list has one.
    query: str = ""

    @property
    def entries(self):
        return [(self.label(obj), admin_change_url(obj)) for obj in self.rows]


@dataclass
class Board:
    township: object
    today: datetime.date
    cutoff: datetime.date
    days: int
    stale: list
    incomplete: list

    @property
    def count(self):
        return sum(len(s.rows) for s in self.stale + self.incomplete)

    def section(self, key):
        return next(s for s in self.stale + self.incomplete if s.key == key)


def _checked(date):
    return date.isoformat() if date else _("从未核对")


def _draft_label(item):
    """Name a draft and what keeps it from being published (or the day it will be)."""
    missing = item.missing_for_publication()
    if item.status == ServiceItem.Status.DRAFT:
        state = _("缺少：") + "、".join(map(str, missing)) if missing else _("齐全，可以发布")
    else:
        state = _("定于%(date)s发布") % {"date": item.publish_from.isoformat()}
    return f"{item.code} {item.name}（{state}）"


def township_board(township, *, today=None):
    """Return the ``Board`` of ``township``: 15 queries, one per section."""
    today = today or timezone.localdate()
    days = settings.PORTAL_STALE_AFTER_DAYS
    cutoff = today - datetime.timedelta(days=days)
    items = ServiceItem.objects.of_township(township).in_force().order_by("code")

    stale = [
        Section(
            "items",
            _("服务事项"),
            list(items.not_checked_since(cutoff).only("pk", "code", "name", "last_checked_on")),
            lambda i: f"{i.code} {i.name}（{_checked(i.last_checked_on)}）",
            "admin:services_serviceitem_changelist",
            "?checked=stale",
        ),
        Section(
            "offices",
            _("办公室（位置、时间、电话）"),
            list(Office.objects.of_township(township).not_checked_since(cutoff).order_by("order", "name")),
            lambda o: f"{o.name} {o.phone}（{_checked(o.last_checked_on)}）",
            "admin:staff_office_changelist",
        ),
        Section(
            "windows",
            _("窗口（人员、受理部门）"),
            list(Window.objects.of_township(township).not_checked_since(cutoff).order_by("number")),
            lambda w: f"{w}（{_checked(w.last_checked_on)}）",
            "admin:staff_window_changelist",
        ),
        Section(
            "staff_phones",
            _("工作人员电话"),
            list(Staff.objects.of_township(township).phone_not_checked_since(cutoff).order_by("name")),
            lambda s: f"{s.name} {s.office_phone or s.mobile}（{_checked(s.phone_checked_on)}）",
            "admin:staff_staff_changelist",
        ),
        Section(
            "liaisons",
            _("县乡对接联系表"),
            list(
                Liaison.objects.of_township(township)
                .not_confirmed_since(cutoff)
                .select_related("post", "department", "section")
                .order_by("post__title", "department__name")
            ),
            lambda r: (
                f"{r.post.title} ↔ {r.department.display_name}"
                f" {r.county_person} {r.county_phone}（{_checked(r.confirmed_on if r.is_confirmed else None)}）"
            ),
            "admin:staff_liaison_changelist",
        ),
        Section(
            "certificates",
            _("村级证明事项（本乡镇）"),
            list(CertificateRule.objects.filter(township=township).not_checked_since(cutoff).order_by("name")),
            lambda c: f"{c.name}（{_checked(c.last_checked_on)}）",
            "admin:services_certificaterule_changelist",
            "?checked=stale",
        ),
        Section(
            "lists",
            _("清单"),
            list(ResponsibilityList.objects.of_township(township).not_checked_since(cutoff).order_by("title")),
            lambda rl: f"{rl.title} {rl.version}（{_checked(rl.last_checked_on)}）",
            "admin:services_responsibilitylist_changelist",
            "?checked=stale",
        ),
        Section(
            "villages",
            _("村（社区）代办员"),
            list(Village.objects.of_township(township).not_checked_since(cutoff).order_by("order", "name")),
            lambda v: f"{v.name} {v.agent_name} {v.agent_phone}（{_checked(v.last_checked_on)}）",
            "admin:portal_village_changelist",
            "?checked=stale",
        ),
    ]
    incomplete = [
        Section(
            "drafts",
            _("草稿和待发布的事项"),
            list(ServiceItem.objects.of_township(township).drafts().with_publication_check().order_by("code")),
            _draft_label,
            "admin:services_serviceitem_changelist",
            "?status__exact=draft",
        ),
        Section(
            "published_incomplete",
            _("已发布但缺少内容的事项"),
            [i for i in items.lacking_for_publication().order_by("code") if i.missing_for_publication()],
            lambda i: f"{i.code} {i.name}（{_('缺少：')}{'、'.join(map(str, i.missing_for_publication()))}）",
            "admin:services_serviceitem_changelist",
        ),
        Section(
            "without_materials",
            _("事项没有申请材料"),
            list(items.without_materials()),
            lambda i: f"{i.code} {i.name}",
        ),
        Section("without_steps", _("事项没有办理步骤"), list(items.without_steps()), lambda i: f"{i.code} {i.name}"),
        Section(
            "without_time_limit",
            _("事项没有承诺时限"),
            list(items.without_time_limit()),
            lambda i: f"{i.code} {i.name}",
        ),
        Section(
            "alternative_gone",
            _("不再出具的证明，替代事项已取消或合并"),
            list(
                CertificateRule.objects.for_township(township)
                .alternative_gone()
                .select_related("alternative_item")
                .order_by("name")
            ),
            lambda c: f"{c.name} → {c.alternative_item.name}（{c.alternative_item.get_status_display()}）",
        ),
        Section(
            "posts_without_backup",
            _("岗位没有B角"),
            list(Post.objects.of_township(township).without_backup().order_by("title")),
            lambda p: p.title,
        ),
    ]
    return Board(township=township, today=today, cutoff=cutoff, days=days, stale=stale, incomplete=incomplete)
