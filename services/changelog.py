"""The public 更新记录 of a township: when its service catalogue and its lists changed, and how.

Derived from django-simple-history's records, which every save writes
(admin, imports, commands), so nothing else has to remember to log:

- the catalogue: items added, withdrawn, merged into another, restored, or
  removed, grouped by date, with the number of items in force after each
  date (the reports' "175 → 168");
- each list: its published versions and, per date, the entries added,
  removed or changed;
- the village certificate boards: certificates added to or removed from
  them, and those moved between "may issue" and "no longer issued".

Rows loaded from fixtures carry no history (loaddata writes none, not even
for many-to-many fields: see ``portal.history``); they form the catalogue as
it was when records began, and a load is no day of changes. Their
``withdrawn_on`` and ``merged_on`` still date their withdrawal or merger. The
official dates are also preferred when a history record has them, so a
withdrawal entered late shows its real date. The number in force after a
date is given only from the day records began.

Scheduled dates (``publish_from``, ``withdraw_from``) take effect by
themselves, without a save: an item published for a later date enters the
catalogue on that date, and one set to be withdrawn leaves it on that date.
Until then they are listed apart as upcoming (将于…起施行/停止办理); once the
date has passed they are history on that date like any other change.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from services.models import CertificateRule, ResponsibilityEntry, ResponsibilityList, ServiceItem

ADDED, WITHDRAWN, MERGED, RESTORED, REMOVED, CHANGED = "added", "withdrawn", "merged", "restored", "removed", "changed"
NOW_ISSUED, NO_LONGER_ISSUED = "now_issued", "no_longer_issued"
EVENT_LABELS = {
    ADDED: _("新增"),
    WITHDRAWN: _("取消"),
    MERGED: _("合并"),
    RESTORED: _("恢复办理"),
    REMOVED: _("撤下"),
    CHANGED: _("修改"),
}
# How each kind of event changes the number of items in force.
DELTA = {ADDED: 1, RESTORED: 1, WITHDRAWN: -1, MERGED: -1, REMOVED: -1}

IN_CATALOGUE = {ServiceItem.Status.IN_FORCE, ServiceItem.Status.SUSPENDED}
ITEM_FIELDS = (
    "id",
    "code",
    "name",
    "status",
    "created_at",
    "withdrawn_on",
    "merged_on",
    "merged_into_id",
    "publish_from",
    "withdraw_from",
)
# How an upcoming scheduled change is announced.
UPCOMING_LABELS = {
    ADDED: _("将于%(date)s起施行"),
    RESTORED: _("将于%(date)s起恢复办理"),
    WITHDRAWN: _("将于%(date)s起停止办理"),
}


@dataclass
class Event:
    kind: str
    date: object
    code: str
    name: str
    target: str = ""

    @property
    def label(self):
        return EVENT_LABELS[self.kind]

    @property
    def upcoming_label(self):
        """Return how the change is announced before its date: 将于2027年1月1日起施行."""
        return UPCOMING_LABELS.get(self.kind, EVENT_LABELS[self.kind]) % {"date": _cn_date(self.date)}


@dataclass
class Version:
    """One date on which the catalogue changed, and its size afterwards."""

    date: object
    events: list
    total_after: int = 0

    def count(self, kind):
        return sum(1 for e in self.events if e.kind == kind)

    @property
    def summary(self):
        kinds = (ADDED, WITHDRAWN, MERGED, RESTORED, REMOVED)
        return [(EVENT_LABELS[k], self.count(k)) for k in kinds if self.count(k)]


@dataclass
class ListChanges:
    rlist: object
    days: list = field(default_factory=list)  # [(date, {kind: [entry names]})], newest first


def _cn_date(day):
    return f"{day.year}年{day.month}月{day.day}日"


def _effective(when, scheduled):
    """Return the day a change recorded on ``when`` takes effect: its scheduled date if that is later."""
    return max(when, scheduled) if scheduled else when


def _local_date(value):
    """Return the local calendar date of a datetime (dates pass through)."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _item_events(records, names):
    """Turn one item's records (oldest first: dicts of ITEM_FIELDS + history fields) into events.

    An item whose records do not begin with its creation ("+") was already
    there when records began (loaded with the demo, or kept since later): it
    is part of the starting catalogue, not "added" on any day. If its first
    known state is withdrawn or merged, the official date of that (a filled
    field) is still news.
    """
    events = []
    first = records[0]
    state, ever_in = None, False
    if first["history_type"] != "+":
        scheduled = first["publish_from"] and first["publish_from"] > _local_date(first["history_date"])
        if first["status"] in IN_CATALOGUE and scheduled:
            state = None  # published for a later date: it enters the catalogue then, as an addition
        elif first["status"] in IN_CATALOGUE or first["status"] == ServiceItem.Status.DRAFT:
            state, ever_in = first["status"], first["status"] in IN_CATALOGUE
        else:
            state, ever_in = ServiceItem.Status.IN_FORCE, True  # in force before it was withdrawn or merged
    entered = None  # the event by which it last entered the catalogue, while that may still be rescheduled
    for record in records:
        when = _local_date(record["history_date"])
        new = None if record["history_type"] == "-" else record["status"]
        was_in, now_in = state in IN_CATALOGUE, new in IN_CATALOGUE
        code, name = record["code"], record["name"]
        # Only entering or leaving the catalogue is news to a resident (a suspension is shown on the item).
        if now_in and not was_in:
            # A draft's first publication is its addition; coming back after a withdrawal is a restoration.
            entered = Event(RESTORED if ever_in else ADDED, _effective(when, record["publish_from"]), code, name)
            events.append(entered)
            ever_in = True
        elif now_in and entered is not None and entered.date > when:
            # Not in effect yet when this was recorded: its publication date may have been moved.
            entered.date = _effective(when, record["publish_from"])
        elif was_in and new == ServiceItem.Status.DRAFT and entered is not None and entered.date >= when:
            # Taken back to a draft before it took effect (the admin does this at once when a new item
            # lacks what residents need): it never was in the catalogue.
            events.remove(entered)
            entered = None
            ever_in = any(e.kind in (ADDED, RESTORED) for e in events)
        elif was_in and (new is None or new == ServiceItem.Status.DRAFT):
            events.append(Event(REMOVED, when, code, name))
        elif was_in and new == ServiceItem.Status.WITHDRAWN:
            events.append(Event(WITHDRAWN, record["withdrawn_on"] or when, code, name))
        elif was_in and new == ServiceItem.Status.MERGED:
            target = names.get(record["merged_into_id"], "")
            events.append(Event(MERGED, record["merged_on"] or when, code, name, target))
        state = new
    last = records[-1]
    if state in IN_CATALOGUE and last["withdraw_from"]:
        # A scheduled withdrawal needs no save on the day: it leaves the catalogue on that date.
        events.append(Event(WITHDRAWN, last["withdraw_from"], last["code"], last["name"]))
    return _in_order(events)


def _in_order(events):
    """Make one item's dates consistent: it was added no later than it left, and events never go back in time.

    Official dates (withdrawn_on, merged_on) often predate the day a clerk
    recorded the item; the running totals stay true only if each item's
    events are in date order.
    """
    if len(events) > 1 and events[0].kind == ADDED:
        events[0].date = min(events[0].date, events[1].date)
    for previous, event in zip(events, events[1:], strict=False):
        if event.date < previous.date:
            event.date = previous.date
    return events


def _in_force_on(row, today):
    """True when a current row (a dict of ITEM_FIELDS) is in the catalogue on ``today``, its dates read."""
    return (
        row["status"] in IN_CATALOGUE
        and (row["publish_from"] is None or row["publish_from"] <= today)
        and (row["withdraw_from"] is None or row["withdraw_from"] > today)
    )


def catalogue_changes(township, today=None):
    """Return ``(versions, total, upcoming)`` of the catalogue on ``today`` (2 queries).

    ``versions``: the dated ``[Version]`` up to ``today``, newest first;
    ``total``: the number of items in force on ``today``; ``upcoming``: the
    scheduled ``[Event]`` after ``today``, soonest first.
    """
    today = today or timezone.localdate()
    current = list(ServiceItem.objects.of_township(township).values(*ITEM_FIELDS))  # 1
    history = ServiceItem.history.filter(township_id=township.pk).order_by("id", "history_date", "history_id")
    by_item = defaultdict(list)
    records_began = None
    for record in history.values(*ITEM_FIELDS, "history_type", "history_date"):  # 2
        by_item[record["id"]].append(record)
        day = _local_date(record["history_date"])
        records_began = day if records_began is None else min(records_began, day)
    names = {row["id"]: row["name"] for row in current}
    for row in current:
        # No history (loaded from fixtures): the current row, read as a record without a "+" before it.
        by_item.setdefault(row["id"], [{**row, "history_type": "~", "history_date": row["created_at"]}])
    for records in by_item.values():
        names.setdefault(records[-1]["id"], records[-1]["name"])

    by_date = defaultdict(list)
    upcoming = []
    for records in by_item.values():
        for event in _item_events(records, names):
            if event.date is not None and event.date > today:
                upcoming.append(event)
            else:
                by_date[event.date].append(event)
    upcoming.sort(key=lambda e: (e.date, list(EVENT_LABELS).index(e.kind), e.code))

    total = sum(1 for row in current if _in_force_on(row, today))
    versions = []
    running = total
    for date in sorted((d for d in by_date if d is not None), reverse=True):
        events = sorted(by_date[date], key=lambda e: (list(EVENT_LABELS).index(e.kind), e.code))
        # Before the records began, items may have come and gone unrecorded: no count is claimed for those dates.
        known = records_began is not None and date >= records_began
        version = Version(date=date, events=events, total_after=running if known else None)
        running -= sum(DELTA.get(e.kind, 0) for e in events)
        versions.append(version)
    return versions, total, upcoming


def catalogue_versions(township, today=None):
    """Return the catalogue's ``[Version]``, newest first, and the number of items in force now (2 queries)."""
    versions, total, _upcoming = catalogue_changes(township, today)
    return versions, total


def list_changes(township):
    """Return a ``ListChanges`` per list of the township (its versions and entry changes by date): 2 queries."""
    lists = list(
        ResponsibilityList.objects.of_township(township)
        .select_related("village")
        .annotate(entry_count=Count("entries"))
        .order_by("village__order", "village__name", "kind", "-published_on")
    )  # 1
    for rlist in lists:
        rlist.township = township  # for get_absolute_url(), without a query per list
    by_list = {rl.pk: ListChanges(rl) for rl in lists}
    grouped = defaultdict(lambda: defaultdict(list))
    records = (
        ResponsibilityEntry.history.filter(responsibility_list_id__in=list(by_list))
        .order_by("history_date")
        .values("responsibility_list_id", "history_type", "history_date", "number", "name")
    )  # 2
    kinds = {"+": ADDED, "-": REMOVED, "~": CHANGED}
    for record in records:
        day = _local_date(record["history_date"])
        grouped[(record["responsibility_list_id"], day)][kinds[record["history_type"]]].append(
            f"{record['number']}. {record['name']}"
        )
    for (list_id, day), kinds_on_day in grouped.items():
        by_list[list_id].days.append((day, {k: sorted(set(v)) for k, v in kinds_on_day.items()}))
    for changes in by_list.values():
        changes.days.sort(key=lambda pair: pair[0], reverse=True)
    return list(by_list.values())


def certificate_changes(township):
    """Return ``[(date, {kind: [certificate names]})]``, newest first, for the township's two boards: 1 query.

    Kinds: added, removed, now_issued (moved to the may-issue board) and
    no_longer_issued. Saves that change neither (a new alternative route, a
    last-checked date) are not news on a board and are left out.
    """
    records = (
        CertificateRule.history.filter(
            Q(township_id=township.pk) | Q(township_id__isnull=True, county_id=township.county_id)
        )
        .order_by("id", "history_date", "history_id")
        .values("id", "name", "may_issue", "history_type", "history_date")
    )
    days = defaultdict(lambda: defaultdict(list))
    previous = {}
    for record in records:
        day = _local_date(record["history_date"])
        before = previous.get(record["id"])
        if record["history_type"] == "+":
            kind = ADDED
        elif record["history_type"] == "-":
            kind = REMOVED
        elif before is not None and before["may_issue"] != record["may_issue"]:
            kind = NOW_ISSUED if record["may_issue"] else NO_LONGER_ISSUED
        else:
            kind = None
        if kind is not None:
            days[day][kind].append(record["name"])
        previous[record["id"]] = record
    return [(day, {k: sorted(v) for k, v in kinds.items()}) for day, kinds in sorted(days.items(), reverse=True)]
