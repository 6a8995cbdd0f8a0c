"""Prepare the search text of everything a resident can find, when it is saved, not when it is searched.

``search_index_refresh(township)`` brings a township's whole index up to date
(a few queries to read the sources, pinyin only for rows whose source
changed): imports, commands and the demo call it after a bulk write, which
sends no per-row signal. A save through the admin, a form or the shell
updates the rows it touches at once (``connect()``), so a clerk's change to an
item's keywords is searchable on the next request. Nothing here runs on a
resident's GET.
"""

import hashlib

from django.db import transaction
from django.db.models import Prefetch, Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from portal.models import Township, Village
from search import text
from search.models import SearchEntry
from services.models import CertificateRule, Material, ResponsibilityEntry, ServiceItem
from staff.models import Office, Post, PostHolder, Staff, Window

Kind = SearchEntry.Kind

_STATUS_NOTICE = {
    ServiceItem.Status.SUSPENDED: "暂停办理",
    ServiceItem.Status.WITHDRAWN: "已取消",
}


def _where(office, window):
    """Where a resident goes for an item: the window and ITS floor, or the office and its floor.

    The window may sit in the service hall on another floor than the item's office.
    """
    if window is not None:
        return f"{window.office.floor_label} {window.number}号{window.name}"
    if office is None:
        return ""
    return f"{office.floor_label} {office.name}"


def _item_row(item):
    notice = _STATUS_NOTICE.get(item.status, "")
    if item.status == ServiceItem.Status.MERGED and item.merged_into_id:
        notice = f"已合并到“{item.merged_into.name}”"
    materials = [m.name for m in item.materials.all()]
    return {
        "township_id": item.township_id,
        "title": item.name,
        "detail": _where(item.office, item.window) if item.is_available else "",
        "summary": item.summary,
        "status": item.status,
        "notice": notice,
        "retired": not item.is_available,
        "order": item.order,
        "link_id": item.merged_into_id,
        "link_township": item.township_id,
        "name": item.name,
        "keywords": item.keywords,
        "extra": " ".join([item.summary, item.result, *materials]),
        "shown_from": item.publish_from,
        "retired_from": item.withdraw_from if item.is_available else None,
    }


def _rule_row(rule):
    alternative = rule.alternative_item
    return {
        "township_id": rule.township_id,
        "title": rule.name,
        "detail": (rule.alternative or "")[:300],
        "summary": rule.purpose,
        "status": "may" if rule.may_issue else "may_not",
        "notice": "村（社区）可以出具" if rule.may_issue else "村（社区）不再出具",
        "retired": False,
        "order": rule.order,
        "link_id": alternative.pk if alternative else None,
        "link_township": alternative.township_id if alternative else None,
        "name": rule.name,
        # A resident asks for 出生证明 or just 出生 / 开证明: the rule's name without 证明 is a keyword too.
        "keywords": "、".join(filter(None, [rule.name.removesuffix("证明"), rule.requesting_department])),
        "extra": " ".join([rule.purpose, rule.data_holder, rule.alternative]),
    }


def _entry_row(entry):
    rlist = entry.responsibility_list
    where = f"{rlist.village.name} · {rlist.title}" if rlist.village_id else rlist.title
    return {
        "township_id": rlist.township_id,
        "title": entry.name,
        "detail": where[:300],
        "summary": entry.power_type,
        "status": "",
        "notice": "",
        "retired": False,
        "order": entry.number,
        "link_id": rlist.pk,
        "link_township": rlist.township_id,
        "name": entry.name,
        "keywords": entry.power_type,
        "extra": " ".join([entry.duties, entry.note]),
    }


def _office_row(office):
    return {
        "township_id": office.township_id,
        "title": office.name,
        "detail": " ".join(filter(None, [office.floor_label, office.room, office.directions]))[:300],
        "summary": "",
        "status": "",
        "notice": "",
        "retired": False,
        "order": office.order,
        "link_id": None,
        "link_township": None,
        "name": office.name,
        "keywords": "",
        "extra": office.responsibilities,
    }


def _window_row(window):
    return {
        "township_id": window.township_id,
        "title": f"{window.number}号{window.name}",
        "detail": window.office.floor_label if window.office_id else "",
        "summary": window.handles,
        "status": "",
        "notice": "",
        "retired": False,
        "order": window.number,
        "link_id": None,
        "link_township": None,
        "name": window.name,
        "keywords": window.handles,
        "extra": "",
    }


def _post_row(post):
    # Searching a person's name finds their post; someone who has left is not named.
    on_duty = [h for h in post.holders.all() if h.staff.active]
    people = [h.staff.name for h in on_duty]
    return {
        "people": "\n".join(f"{h.role}|{h.staff.name}|{h.staff.public_phone}" for h in on_duty),
        "township_id": post.township_id,
        "title": post.title,
        "detail": post.office.name,
        "summary": "",
        "status": "",
        "notice": "",
        "retired": False,
        "order": post.order,
        "link_id": None,
        "link_township": None,
        "name": post.title,
        "keywords": "、".join(people),
        "extra": post.duties,
    }


def _village_row(village):
    return {
        "township_id": village.township_id,
        "title": village.name,
        "detail": village.service_room,
        "summary": "",
        "status": "",
        "notice": "",
        "retired": False,
        "order": village.order,
        "link_id": None,
        "link_township": None,
        "name": village.name,
        "keywords": village.agent_name,
        "extra": "",
    }


def _items(q):
    # A draft has no public page: it is not found until a clerk publishes it (a save, which indexes it).
    # One published for a later date is indexed now with ``shown_from`` and found from that day (engine).
    return (
        ServiceItem.objects.filter(q)
        .exclude(status=ServiceItem.Status.DRAFT)
        .select_related("office", "window__office", "merged_into")
        .prefetch_related(
            Prefetch("materials", queryset=Material.objects.only("pk", "item_id", "name").order_by("order", "pk"))
        )
    )


def _posts(q):
    return (
        Post.objects.filter(q)
        .select_related("office")
        .prefetch_related(
            Prefetch("holders", queryset=PostHolder.objects.select_related("staff").order_by("role", "order"))
        )
    )


# kind → (rows of one township, rows by primary key, how to describe one)
SOURCES = {
    Kind.ITEM: (lambda t: _items(Q(township=t)), lambda ids: _items(Q(pk__in=ids)), _item_row),
    Kind.RULE: (
        lambda t: CertificateRule.objects.filter(township=t).select_related("alternative_item"),
        lambda ids: CertificateRule.objects.filter(pk__in=ids).select_related("alternative_item"),
        _rule_row,
    ),
    Kind.ENTRY: (
        lambda t: ResponsibilityEntry.objects.filter(responsibility_list__township=t).select_related(
            "responsibility_list__village"
        ),
        lambda ids: ResponsibilityEntry.objects.filter(pk__in=ids).select_related("responsibility_list__village"),
        _entry_row,
    ),
    Kind.OFFICE: (
        lambda t: Office.objects.filter(township=t),
        lambda ids: Office.objects.filter(pk__in=ids),
        _office_row,
    ),
    Kind.WINDOW: (
        lambda t: Window.objects.filter(township=t).select_related("office"),
        lambda ids: Window.objects.filter(pk__in=ids).select_related("office"),
        _window_row,
    ),
    Kind.POST: (lambda t: _posts(Q(township=t)), lambda ids: _posts(Q(pk__in=ids)), _post_row),
    Kind.VILLAGE: (
        lambda t: Village.objects.filter(township=t),
        lambda ids: Village.objects.filter(pk__in=ids),
        _village_row,
    ),
}


def _prepared(kind, county_id, obj_id, row):
    """Return the field values of a SearchEntry for ``row`` (pinyin computed here, once per change)."""
    name = text.normalise(row["name"])
    phrases = text.split_list(row["keywords"])
    keywords = " | ".join(phrases)
    return {
        "county_id": county_id,
        "township_id": row["township_id"],
        "kind": kind,
        "object_id": obj_id,
        "title": row["title"][:200],
        "detail": row["detail"][:300],
        "summary": (row["summary"] or "")[:300],
        "status": row["status"],
        "notice": row["notice"][:200],
        "retired": row["retired"],
        "order": row["order"] or 0,
        "link_id": row["link_id"],
        "link_township_id": row["link_township"],
        "name": name,
        "name_pinyin": text.fuzzy_pinyin(name),
        "name_letters": text.letters(name),
        "name_initials": text.initials(name),
        "keywords": keywords,
        "keywords_pinyin": "|".join(text.fuzzy_pinyin(p) for p in phrases),
        "keywords_letters": " ".join(text.letters(p) for p in phrases),
        "keywords_initials": " ".join(text.initials(p) for p in phrases),
        "extra": text.normalise(row["extra"]),
        "people": row.get("people", ""),
        "shown_from": row.get("shown_from"),
        "retired_from": row.get("retired_from"),
    }


PREPARED_FIELDS = [
    "county_id", "township_id", "object_id", "title", "detail", "summary", "status", "notice", "retired", "order",
    "link_id", "link_township_id", "name", "name_pinyin", "name_letters", "name_initials", "keywords",
    "keywords_pinyin", "keywords_letters", "keywords_initials", "extra", "people", "shown_from",
    "retired_from",
]  # fmt: skip


def _digest(county_id, row):
    return hashlib.sha1(repr((county_id, sorted(row.items()))).encode()).hexdigest()


def _write(kind, objects, county_of, existing):
    """Create or update the rows of ``objects`` whose digest changed; return the ids seen."""
    seen = set()
    now = timezone.now()
    creates, updates = [], []
    for obj in objects:
        row = SOURCES[kind][2](obj)
        county_id = county_of(obj, row)
        digest = _digest(county_id, row)
        seen.add(obj.pk)
        current = existing.get(obj.pk)
        if current is not None and current.digest == digest:
            continue
        values = _prepared(kind, county_id, obj.pk, row)
        if current is None:
            creates.append(SearchEntry(digest=digest, **values))
        else:
            values["updated_at"] = now  # bulk_update does not run auto_now; the search's version reads it
            for field, value in values.items():
                setattr(current, field, value)
            current.digest = digest
            updates.append(current)
    SearchEntry.objects.bulk_create(creates, batch_size=500)
    if updates:
        SearchEntry.objects.bulk_update(updates, [*PREPARED_FIELDS, "digest", "updated_at"], batch_size=500)
    return seen


def search_index_refresh(township):
    """Bring the search text of everything ``township`` shows up to date; return the number of rows changed.

    Safe to call at any time and idempotent: rows whose source did not change
    are left alone, rows of deleted sources removed. County-wide certificate
    rules of the township's county are refreshed too.
    """
    county_id = township.county_id
    changed = 0
    with transaction.atomic():
        for kind, (of_township, _by_ids, _describe) in SOURCES.items():
            objects = list(of_township(township))
            if kind == Kind.RULE:
                objects += list(
                    CertificateRule.objects.filter(county_id=county_id, township__isnull=True).select_related(
                        "alternative_item"
                    )
                )
            ids = {obj.pk for obj in objects}
            existing = {e.object_id: e for e in SearchEntry.objects.filter(kind=kind, object_id__in=ids)}
            before = {pk: e.digest for pk, e in existing.items()}
            _write(kind, objects, lambda obj, row: _county_of(obj, row, county_id), existing)
            changed += sum(1 for pk, e in existing.items() if e.digest != before[pk]) + len(ids - set(existing))
            stale = SearchEntry.objects.filter(kind=kind).filter(
                Q(township=township) | Q(township__isnull=True, county_id=county_id)
            )
            changed += stale.exclude(object_id__in=ids).delete()[0]
    return changed


def _county_of(obj, row, default):
    return getattr(obj, "county_id", None) or default


def refresh_objects(kind, ids):
    """Update (or remove) the rows of the sources of ``kind`` with these primary keys."""
    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return
    objects = list(SOURCES[kind][1](ids))
    townships = dict(
        Township.objects.filter(pk__in={row_township(kind, o) for o in objects} - {None}).values_list("pk", "county_id")
    )
    existing = {e.object_id: e for e in SearchEntry.objects.filter(kind=kind, object_id__in=ids)}
    _write(
        kind, objects, lambda obj, row: getattr(obj, "county_id", None) or townships.get(row["township_id"]), existing
    )
    gone = ids - {o.pk for o in objects}
    if gone:
        SearchEntry.objects.filter(kind=kind, object_id__in=gone).delete()


def row_township(kind, obj):
    if kind == Kind.ENTRY:
        return obj.responsibility_list.township_id
    return obj.township_id


# --- saves outside the bulk paths -------------------------------------------------------------
#
# Why receivers: a clerk's keyword, an inline material, a renamed window or a staff member who
# left must be searchable (or hidden) on the next request, whichever of the admin's forms,
# inlines, actions or a shell made the change. Bulk imports and fixtures (raw saves) send no
# useful signal; they call search_index_refresh() once at the end.


def _after(kind, ids_of):
    def receiver(sender, instance, raw=False, **kwargs):
        if raw:
            return
        ids = ids_of(instance)
        if ids:
            refresh_objects(kind, ids)

    return receiver


def _deleted(kind):
    def receiver(sender, instance, **kwargs):
        SearchEntry.objects.filter(kind=kind, object_id=instance.pk).delete()

    return receiver


def _items_of_office(office):
    # Its own items, and those whose window sits in it: a result names the window's floor.
    items = ServiceItem.objects.filter(Q(office=office) | Q(window__office=office))
    return list(items.values_list("pk", flat=True).distinct())


def _items_merged_into(item):
    return list(ServiceItem.objects.filter(merged_into=item).values_list("pk", flat=True))


def _items_of_window(window):
    return list(ServiceItem.objects.filter(window=window).values_list("pk", flat=True))


def _posts_of_staff(staff):
    return list(PostHolder.objects.filter(staff=staff).values_list("post_id", flat=True))


_RECEIVERS = []


def connect():
    """Keep the index current on every ordinary save and delete of a searchable row."""
    plan = [
        (ServiceItem, Kind.ITEM, lambda o: [o.pk]),
        (ServiceItem, Kind.ITEM, _items_merged_into),  # their notice names it
        (Material, Kind.ITEM, lambda o: [o.item_id]),
        (CertificateRule, Kind.RULE, lambda o: [o.pk]),
        (ResponsibilityEntry, Kind.ENTRY, lambda o: [o.pk]),
        (Office, Kind.OFFICE, lambda o: [o.pk]),
        (Office, Kind.ITEM, _items_of_office),
        (Window, Kind.WINDOW, lambda o: [o.pk]),
        (Window, Kind.ITEM, _items_of_window),
        (Post, Kind.POST, lambda o: [o.pk]),
        (PostHolder, Kind.POST, lambda o: [o.post_id]),
        (Staff, Kind.POST, _posts_of_staff),
        (Village, Kind.VILLAGE, lambda o: [o.pk]),
    ]
    for number, (model, kind, ids_of) in enumerate(plan):
        receiver = _after(kind, ids_of)
        _RECEIVERS.append(receiver)
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"search-{number}")
    for model, kind in [
        (ServiceItem, Kind.ITEM),
        (CertificateRule, Kind.RULE),
        (ResponsibilityEntry, Kind.ENTRY),
        (Office, Kind.OFFICE),
        (Window, Kind.WINDOW),
        (Post, Kind.POST),
        (Village, Kind.VILLAGE),
    ]:
        post_delete.connect(_deleted(kind), sender=model, weak=False, dispatch_uid=f"search-del-{model.__name__}")
    material_gone = _after(Kind.ITEM, lambda o: [o.item_id])
    post_delete.connect(material_gone, sender=Material, weak=False, dispatch_uid="search-del-Material")
    post_delete.connect(
        _after(Kind.POST, lambda o: [o.post_id]), sender=PostHolder, weak=False, dispatch_uid="search-del-PostHolder"
    )
