#!/usr/bin/env python
"""Benchmark at province scale: public pages, admin lists, oversight and an import at 2 and at 1,000 townships.

    .venv/bin/python scripts/bench_scale.py                          # build both databases, measure, compare
    .venv/bin/python scripts/bench_scale.py --reuse                  # measure again on the kept databases
    .venv/bin/python scripts/bench_scale.py --townships 2 50 --reuse --requests 5

Each size gets a PostgreSQL database of its own, ``scale_bench_<N>`` on the
server of ``--server`` (default ``postgres://postgres@127.0.0.1:5432``), which is
KEPT after the run: building 1,000 townships takes a few minutes, measuring
them again with ``--reuse`` takes none (a kept database is migrated first, so
new indexes are measured too; without ``--reuse`` it is dropped and rebuilt).
Each is set to ``random_page_cost = 1.1``, as the README's PostgreSQL advice
sets a production server on SSDs.

The townships are shaped like the demo's 东岭乡 (``fixtures/*.json``), each with
its 8 offices, 6 windows, 29 staff, 25 posts with their A/B holders, 33 liaison
rows, 6 villages, 11 lists, 3 certificate rules of its own, and its 35 items
repeated to 150 (``DL-001``, ``DL-001-1`` …) with about 5 materials and 3–4 steps
each; every 12 townships share a county with 15 departments, 28 sections and
31 county-wide certificate rules. At 1,000 townships: 150k items, 760k
materials, 530k steps. Rows are written with plain ``QuerySet.bulk_create``
in large batches: no history rows, no per-row content-version bump (one bump
per table at the end would say nothing to a database nobody has cached yet).
The search index is prepared for the first township by ``search.indexing`` and
copied to the others with their ids (pinyin for 1.5 million rows would take an
hour and give the same text).

It then measures, with Django's test client in this process (DEBUG off),
median and 95th percentile of ``--requests`` requests each:

- residents' pages of the first township (home, an item, the liaison table,
  a search for 低保), served from the page cache and rendered afresh;
- the admin changelists of items, materials, staff, posts and liaison rows,
  as a superuser and as the first county's reviewer, and the items searched
  for 低保 (all, and within one county) and for an exact code;
- the county oversight page, as the reviewer;
- a 1,000-row item workbook: preview and confirmed import (rolled back).

and prints a table with the ratio big/small. Not a test: nothing asserts on
timings. Loopback only; keep ``--requests`` small on a shared machine.
"""

import argparse
import collections
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOWNSHIPS_PER_COUNTY = 12
ITEMS_PER_TOWNSHIP = 150
CHUNK = 25  # townships written per round of bulk inserts
BATCH = 5000  # rows per INSERT
TEMPLATE = "dongling"  # the demo township every built township copies
COUNTY_TEMPLATE = "ruihe"
SUPERUSER, REVIEWER = "bench-admin", "bench-reviewer"


# ---------------------------------------------------------------- the database


def _database_url(server, townships):
    return f"{server.rstrip('/')}/scale_bench_{townships}"


def _database_prepare(server, townships, reuse):
    """Create ``scale_bench_<N>`` (drop it first unless ``reuse``); return True if it must be built."""
    import psycopg

    name = f"scale_bench_{townships}"
    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        build = not (exists and reuse)
        if exists and build:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if build:
            conn.execute(f'CREATE DATABASE "{name}"')
        # Measured as the README's production section sets the server up (SSD storage): with the default
        # random_page_cost of 4 the planner hashes every office and window of the province for a home page.
        conn.execute(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1')
    return build


# ---------------------------------------------------------------- building


def _fixture_rows():
    """Return ``{model label: [(pk, fields)]}`` from the demo fixtures."""
    rows = collections.defaultdict(list)
    for path in sorted((ROOT / "fixtures").glob("*.json")):
        for obj in json.loads(path.read_text(encoding="utf-8")):
            rows[obj["model"]].append((obj.get("pk"), obj["fields"]))
    return rows


def _owned_by_template(fields):
    for name in ("township", "item", "post"):
        value = fields.get(name)
        if isinstance(value, list):
            return value[0] == TEMPLATE
    return True


class Place:
    """One county or township being built: what its fixture keys became (``{model: {key: pk}}``)."""

    def __init__(self, obj, county=None):
        self.obj, self.county, self.ids = obj, county, collections.defaultdict(dict)


def _instance(model, fields, ref, skip=()):
    """Build an unsaved ``model`` from a fixture's ``fields``; return it and its many-to-many values."""
    kwargs, m2m = {}, {}
    for name, value in fields.items():
        if name in ("created_at", "updated_at", *skip):
            continue
        field = model._meta.get_field(name)
        if field.many_to_many:
            m2m[name] = value
        elif field.is_relation:
            kwargs[field.attname] = None if value is None else ref(field.related_model, value)
        else:
            kwargs[field.attname] = field.to_python(value)
    return model(**kwargs), m2m


def _bulk(model, objects):
    """INSERT ``objects`` in large batches without the per-row content-version bump of ``FreshQuerySet``."""
    from django.db import models

    return models.QuerySet(model).bulk_create(objects, batch_size=BATCH)


class Builder:
    """Writes counties and townships copied from the demo's, chunk by chunk, in bulk."""

    def __init__(self):
        from portal.models import Township
        from services.models import Category, LegalBasis, LifeEvent

        self.rows = _fixture_rows()
        self.township_fields = next(f for _, f in self.rows["portal.township"] if f["slug"] == TEMPLATE)
        self.global_ids = {
            Category: dict(Category.objects.values_list("slug", "pk")),
            LifeEvent: dict(LifeEvent.objects.values_list("slug", "pk")),
            LegalBasis: {(t, a): pk for t, a, pk in LegalBasis.objects.values_list("title", "article", "pk")},
        }
        self.sections = {pk: (f["department"][1], f["name"]) for pk, f in self.rows["staff.departmentsection"]}
        self.items = [f for _, f in self.rows["services.serviceitem"] if f["township"][0] == TEMPLATE]
        self.materials = collections.defaultdict(list)
        for _, f in self.rows["services.material"]:
            if f["item"][0] == TEMPLATE:
                self.materials[f["item"][1]].append(f)
        self.steps = collections.defaultdict(list)
        for _, f in self.rows["services.step"]:
            if f["item"][0] == TEMPLATE:
                self.steps[f["item"][1]].append(f)
        self.Township = Township

    def template(self, label):
        rows = [(pk, f) for pk, f in self.rows[label] if _owned_by_template(f)]
        if label == "services.responsibilityentry":
            lists = {pk for pk, _ in self.template("services.responsibilitylist")}
            rows = [(pk, f) for pk, f in rows if f["responsibility_list"] in lists]
        return rows

    def ref_for(self, place, variant=""):
        """Return a resolver of fixture keys (natural keys, or fixture pks) to the ids of ``place``."""
        from portal.models import County, Township

        county = place.county or place

        def ref(model, value):
            if model in self.global_ids:
                return self.global_ids[model][tuple(value) if len(value) > 1 else value[0]]
            if model is Township:
                return place.obj.pk
            if model is County:
                return county.obj.pk
            if model._meta.label == "staff.DepartmentSection":
                return county.ids[model][self.sections[value]]
            if model._meta.label == "staff.CountyDepartment":
                return county.ids[model][value[1]]
            if model._meta.label == "services.ServiceItem":
                return place.ids[model][f"{value[1]}{variant}"]
            if model._meta.label == "services.ResponsibilityList":
                return place.ids[model][value]
            return place.ids[model][value[1]]

        return ref

    # ---- counties

    def counties(self, count):
        from portal.models import County
        from staff.models import CountyDepartment, DepartmentSection

        counties = _bulk(County, [County(name=f"基准{n:03d}县", slug=f"bench-c{n:03d}") for n in range(1, count + 1)])
        places = [Place(c) for c in counties]
        departments = []
        for place in places:
            for _, fields in self.template("staff.countydepartment"):
                obj, _ = _instance(CountyDepartment, fields, self.ref_for(place))
                departments.append((place, obj))
        _bulk(CountyDepartment, [obj for _, obj in departments])
        for place, obj in departments:
            place.ids[CountyDepartment][obj.name] = obj.pk
        sections = []
        for place in places:
            for pk, fields in self.template("staff.departmentsection"):
                obj, _ = _instance(DepartmentSection, fields, self.ref_for(place))
                sections.append((place, pk, obj))
        _bulk(DepartmentSection, [obj for *_, obj in sections])
        for place, pk, obj in sections:
            place.ids[DepartmentSection][self.sections[pk]] = obj.pk
        return places

    # ---- townships

    def townships(self, county_places, count, start):
        """Create townships ``start``..``start+count-1`` with everything they hold; return their places."""
        fields = {k: v for k, v in self.township_fields.items() if k not in ("county", "created_at", "updated_at")}
        places = []
        for n in range(start, start + count):
            county = county_places[(n - 1) // TOWNSHIPS_PER_COUNTY]
            township = self.Township(**fields, county_id=county.obj.pk)
            township.name, township.slug = f"基准乡{n:04d}", f"t{n:04d}"
            township.last_checked_on = None
            places.append(Place(township, county))
            places[-1].first_in_county = (n - 1) % TOWNSHIPS_PER_COUNTY == 0
        _bulk(self.Township, [p.obj for p in places])
        self._staff_side(places)
        self._items(places)
        self._lists_and_rules(places)
        return places

    def _simple(self, places, label, key_of, skip=()):
        """Copy the template's rows of ``label`` into each place; remember each by ``key_of(fields)``."""
        from django.apps import apps

        model = apps.get_model(label)
        made = []
        for place in places:
            for pk, fields in self.template(label):
                obj, m2m = _instance(model, fields, self.ref_for(place), skip)
                made.append((place, key_of(pk, fields), obj, m2m))
        _bulk(model, [obj for _, _, obj, _ in made])
        for place, key, obj, _ in made:
            if key is not None:
                place.ids[model][key] = obj.pk
        return made

    def _through(self, model, field_name, made, target_ids):
        """Write the many-to-many rows of ``field_name`` for ``made`` (``[(place, key, obj, m2m)]``)."""
        field = model._meta.get_field(field_name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        rows = [
            through(**{f"{source}_id": obj.pk, f"{target}_id": target_ids(place, value)})
            for place, _, obj, m2m in made
            for value in m2m.get(field_name, ())
        ]
        _bulk(through, rows)

    def _staff_side(self, places):
        from staff.models import CountyDepartment, Window

        self._simple(places, "portal.village", lambda pk, f: f["name"])
        self._simple(places, "staff.office", lambda pk, f: f["name"])
        self._simple(places, "staff.staff", lambda pk, f: f["name"])
        windows = self._simple(places, "staff.window", lambda pk, f: f["number"])
        self._through(Window, "departments", windows, lambda place, value: place.county.ids[CountyDepartment][value[1]])
        self._simple(places, "staff.post", lambda pk, f: f["title"])
        self._simple(places, "staff.postholder", lambda pk, f: None)
        self._simple(places, "staff.liaison", lambda pk, f: None)

    def _item_variants(self):
        """Yield ``(variant suffix, fields)`` for 150 items: the template's 35, then copies ``-1``, ``-2`` …"""
        made = 0
        variant = 0
        while made < ITEMS_PER_TOWNSHIP:
            for fields in self.items:
                if made == ITEMS_PER_TOWNSHIP:
                    return
                yield ("" if variant == 0 else f"-{variant}"), fields
                made += 1
            variant += 1

    def _items(self, places):
        from services.models import LegalBasis, LifeEvent, Material, ServiceItem, Step

        variants = list(self._item_variants())
        # Items pointing at another item (merged into, successor) after the ones they point at.
        for linked in (False, True):
            made = []
            for place in places:
                for suffix, fields in variants:
                    if bool(fields.get("merged_into") or fields.get("successor")) != linked:
                        continue
                    obj, m2m = _instance(ServiceItem, fields, self.ref_for(place, suffix))
                    obj.code = f"{fields['code']}{suffix}"
                    if suffix:
                        obj.name = f"{fields['name']}（{suffix[1:]}）"
                    made.append((place, obj.code, obj, m2m))
            _bulk(ServiceItem, [obj for _, _, obj, _ in made])
            for place, code, obj, _ in made:
                place.ids[ServiceItem][code] = obj.pk
            self._through(ServiceItem, "life_events", made, lambda place, v: self.global_ids[LifeEvent][v[0]])
            self._through(ServiceItem, "legal_bases", made, lambda place, v: self.global_ids[LegalBasis][tuple(v)])
        materials, steps = [], []
        for place in places:
            for suffix, fields in variants:
                item_id = place.ids[ServiceItem][f"{fields['code']}{suffix}"]
                rows = self.materials[fields["code"]]
                for f in rows:
                    obj, _ = _instance(Material, f, None, skip=("item",))
                    obj.item_id = item_id
                    materials.append(obj)
                # One more paper most items ask for: about five materials an item, as real lists have.
                materials.append(Material(item_id=item_id, order=len(rows) + 1, name="其他需要补充的材料（窗口告知）"))
                for f in self.steps[fields["code"]]:
                    obj, _ = _instance(Step, f, None, skip=("item",))
                    obj.item_id = item_id
                    steps.append(obj)
        _bulk(Material, materials)
        _bulk(Step, steps)

    def _lists_and_rules(self, places):
        from services.models import CertificateRule, LegalBasis, ResponsibilityEntry

        self._simple(places, "services.responsibilitylist", lambda pk, f: pk)
        entries = self._simple(places, "services.responsibilityentry", lambda pk, f: pk)
        self._through(
            ResponsibilityEntry, "legal_bases", entries, lambda place, v: self.global_ids[LegalBasis][tuple(v)]
        )
        # Three rules of each township's own (its own village boards), after the county-wide ones.
        rules = []
        for place in places:
            for _, fields in self.template("services.certificaterule")[:3]:
                obj, _ = _instance(CertificateRule, fields, self.ref_for(place), skip=("legal_bases",))
                obj.township_id, obj.name = place.obj.pk, f"{fields['name']}（本乡补充）"
                rules.append((place, obj.name, obj, {}))
        _bulk(CertificateRule, [obj for _, _, obj, _ in rules])
        for place, name, obj, _ in rules:
            place.ids[CertificateRule][name] = obj.pk

    def county_rules(self, county, first_township):
        """The county's county-wide certificate rules, their alternatives in its first township."""
        from services.models import CertificateRule, LegalBasis

        made = []
        for _, fields in self.template("services.certificaterule"):
            obj, m2m = _instance(CertificateRule, fields, self.ref_for(first_township))
            obj.township_id = None
            made.append((first_township, obj.name, obj, m2m))
        _bulk(CertificateRule, [obj for _, _, obj, _ in made])
        for _, name, obj, _ in made:
            county.ids[CertificateRule][name] = obj.pk
        self._through(CertificateRule, "legal_bases", made, lambda place, v: self.global_ids[LegalBasis][tuple(v)])


class SearchCopier:
    """Copy the first township's search entries to the others, by what each entry's object is a copy of."""

    KINDS = {
        "item": "services.ServiceItem",
        "rule": "services.CertificateRule",
        "entry": "services.ResponsibilityEntry",
        "office": "staff.Office",
        "window": "staff.Window",
        "post": "staff.Post",
        "village": "portal.Village",
    }

    def __init__(self, first, first_county):
        from django.apps import apps

        from search.indexing import search_index_refresh
        from search.models import SearchEntry

        self.first = first
        search_index_refresh(first.obj)
        self.models = {kind: apps.get_model(label) for kind, label in self.KINDS.items()}
        self.key_of = {}
        for kind, model in self.models.items():
            for place in (first, first_county):
                for key, pk in place.ids[model].items():
                    self.key_of[(kind, pk)] = key
        item_keys = {pk: key for key, pk in first.ids[self.models["item"]].items()}
        self.entries = []
        for entry in SearchEntry.objects.filter(county_id=first_county.obj.pk).order_by("pk"):
            key = self.key_of.get((entry.kind, entry.object_id))
            if key is not None:
                self.entries.append((entry, key, item_keys.get(entry.link_id)))

    def copies(self, place, county_wide):
        """Return unsaved entries for ``place`` (a township), or for its county's county-wide rows."""
        from search.models import SearchEntry

        rows = []
        for entry, key, link_key in self.entries:
            if (entry.township_id is None) != county_wide:
                continue
            owner = place.county if county_wide else place
            object_id = owner.ids[self.models[entry.kind]].get(key)
            if object_id is None:
                continue
            copy = SearchEntry(**{f.attname: getattr(entry, f.attname) for f in SearchEntry._meta.concrete_fields})
            copy.pk, copy.object_id = None, object_id
            copy.county_id = place.county.obj.pk
            copy.township_id = None if county_wide else place.obj.pk
            if link_key is not None:
                copy.link_id = place.ids[self.models["item"]].get(link_key)
                copy.link_township_id = place.obj.pk
            rows.append(copy)
        return rows


def build(townships):
    """Write ``townships`` townships (and their counties) into the empty, migrated database."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from portal import codes
    from portal.accounts import staff_account_ensure
    from search.models import SearchEntry

    started = time.perf_counter()
    call_command("loaddata", str(ROOT / "fixtures" / "03_legal.json"), verbosity=0)  # laws, categories, events
    builder = Builder()
    with transaction.atomic():
        counties = builder.counties(-(-townships // TOWNSHIPS_PER_COUNTY))
    copier, done = None, 0
    while done < townships:
        with transaction.atomic():
            places = builder.townships(counties, min(CHUNK, townships - done), done + 1)
            for place in places:
                if place.first_in_county:
                    builder.county_rules(place.county, place)
            entries = []
            if copier is None:
                # The first township's index is prepared for real, with its county's county-wide rules.
                copier = SearchCopier(places[0], places[0].county)
                codes.codes_ensure_for_township(places[0].obj)
            for place in places:
                if place is not copier.first:
                    entries += copier.copies(place, county_wide=False)
                    if place.first_in_county:
                        entries += copier.copies(place, county_wide=True)
            _bulk(SearchEntry, entries)
        done += len(places)
        print(f"  {done}/{townships} 个乡镇，{time.perf_counter() - started:.0f} 秒", file=sys.stderr, flush=True)
    from django.contrib.auth import get_user_model

    from portal.models import County

    get_user_model().objects.create_superuser(SUPERUSER, "bench@example.invalid", secrets.token_hex(16))
    first_county = County.objects.order_by("pk").first()
    staff_account_ensure(username=REVIEWER, county=first_county, password=secrets.token_hex(16) + "Aa1")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  建库用时 {time.perf_counter() - started:.0f} 秒", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- measuring


def _workbook(rows, offices, post):
    """Return an xlsx of ``rows`` new service items for the first township, as a clerk fills it in."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "服务事项"
    sheet.append(["基准乡便民服务事项目录（基准测试）"])
    sheet.append(
        ["事项编号", "事项名称", "群众常用说法", "事项类型", "办理方式", "办理科室", "受理窗口", "责任岗位"]
        + ["受理条件", "法定时限", "承诺时限", "承诺时限单位", "收费", "到现场次数", "帮代办", "状态"]
    )
    for n in range(1, rows + 1):
        sheet.append(
            [
                f"B-{n:04d}",
                f"基准事项{n}",
                "办证、开证明、补贴",
                "公共服务",
                "本级办理",
                offices[n % 2],
                1 + n % 2,
                post,
            ]
            + ["本乡镇户籍居民。\n材料齐全。", 20, 5, "个工作日", "不收费", 1, "是", "草稿（未发布）"]
        )
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _timed(function, repeat):
    """Return ``(median ms, p95 ms, median ms spent in SQL)`` of ``repeat`` calls (after one untimed warm-up)."""
    from django.db import connection

    sql = [0.0]

    def in_sql(execute, query, params, many, context):
        start = time.perf_counter()
        try:
            return execute(query, params, many, context)
        finally:
            sql[0] += time.perf_counter() - start

    function()
    times, sql_times = [], []
    with connection.execute_wrapper(in_sql):
        for _ in range(repeat):
            sql[0] = 0.0
            start = time.perf_counter()
            function()
            times.append((time.perf_counter() - start) * 1000)
            sql_times.append(sql[0] * 1000)
    times.sort()
    return (
        statistics.median(times),
        times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        statistics.median(sql_times),
    )


def measure(repeat):
    """Return ``[(label, median ms, p95 ms, SQL ms)]`` for every page and operation the benchmark times."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from portal.models import Township
    from services.models import ServiceItem
    from spreadsheets.lists import import_lists_file
    from staff.models import Office, Post

    township = Township.objects.select_related("county").get(slug="t0001")
    item = ServiceItem.objects.get(township=township, code="DL-005")
    users = get_user_model().objects
    superuser, reviewer = users.get(username=SUPERUSER), users.get(username=REVIEWER)
    results = []

    def get(client, url, data=None, uncached=False):
        def call():
            if uncached:
                cache.clear()
            response = client.get(url, data or {})
            assert response.status_code == 200, (url, response.status_code)

        return call

    resident = Client()
    public = {
        "首页": reverse("township_home", args=[township.slug]),
        "事项页": reverse("service_item", args=[township.slug, item.pk]),
        "对接表": reverse("liaison_table", args=[township.slug]),
        "搜索 低保": reverse("search", args=[township.slug]) + "?q=低保",
    }
    for label, url in public.items():
        results.append((f"公开 {label}（缓存）", *_timed(get(resident, url), repeat)))
        results.append((f"公开 {label}（不缓存）", *_timed(get(resident, url, uncached=True), repeat)))

    lists = {
        "事项": "services_serviceitem",
        "材料": "services_material",
        "人员": "staff_staff",
        "岗位": "staff_post",
        "对接": "staff_liaison",
    }
    for who, user in (("超管", superuser), ("县审核员", reviewer)):
        client = Client()
        client.force_login(user)
        for label, name in lists.items():
            url = reverse(f"admin:{name}_changelist")
            results.append((f"后台 {who} {label}列表", *_timed(get(client, url), repeat)))
        items = reverse("admin:services_serviceitem_changelist")
        results.append((f"后台 {who} 事项搜 低保", *_timed(get(client, items, {"q": "低保"}), repeat)))
        township_only = {"township__id__exact": township.pk, "q": "低保"}
        results.append((f"后台 {who} 事项 一乡镇内搜 低保", *_timed(get(client, items, township_only), repeat)))
        county_only = {"township__county__id__exact": township.county_id, "q": "低保"}
        if user is superuser and client.get(items, county_only).status_code == 200:  # the county filter is new
            results.append((f"后台 {who} 事项 一县内搜 低保", *_timed(get(client, items, county_only), repeat)))
        results.append((f"后台 {who} 事项搜编号", *_timed(get(client, items, {"q": "DL-005-3"}), repeat)))
        if user is reviewer:
            oversight = reverse("admin:oversight")
            results.append((f"后台 {who} 县乡对接总览", *_timed(get(client, oversight), repeat)))

    offices = list(Office.objects.filter(township=township).values_list("name", flat=True)[:2])
    post = Post.objects.filter(township=township).values_list("title", flat=True).first()
    data = _workbook(1000, offices, post)

    def import_once(dry_run):
        def call():
            with transaction.atomic():
                result = import_lists_file(data, "bench.xlsx", township=township, user=superuser, dry_run=dry_run)
                assert not result.has_errors, result.error_messages()[:3]
                transaction.set_rollback(True)

        return call

    import_repeat = max(1, min(3, repeat))
    results.append(("导入 1000 行 预览", *_timed(import_once(True), import_repeat)))
    results.append(("导入 1000 行 确认（回滚）", *_timed(import_once(False), import_repeat)))
    return results


# ---------------------------------------------------------------- running


def _child(args):
    """Build (unless kept) and measure one size; print the results as one JSON line on stdout."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Static addresses without the collected manifest (production reads it from memory: the same cost).
    staticfiles = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": staticfiles}

    from portal.models import Township
    from services.models import ServiceItem

    call_command("migrate", interactive=False, verbosity=0)
    if not Township.objects.exists():
        build(args.child)
    sizes = {"townships": Township.objects.count(), "items": ServiceItem.objects.count()}
    print(json.dumps({"sizes": sizes, "results": measure(args.requests)}, ensure_ascii=False))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--townships", type=int, nargs="+", default=[2, 1000], help="sizes to compare (2 1000)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--reuse", action="store_true", help="measure the kept scale_bench_<N> databases again")
    parser.add_argument("--requests", type=int, default=10, help="timed requests per page (after one warm-up)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args)

    runs = {}
    for townships in args.townships:
        _database_prepare(args.server, townships, args.reuse)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": _database_url(args.server, townships),
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "0",
            "CACHE_URL": "locmem://",
        }
        print(f"{townships} 个乡镇：scale_bench_{townships}", file=sys.stderr, flush=True)
        command = [sys.executable, __file__, "--child", str(townships), "--requests", str(args.requests)]
        output = subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout
        runs[townships] = json.loads(output.strip().splitlines()[-1])

    sizes = list(runs)
    print()
    print(" | ".join(f"{n} 个乡镇：{runs[n]['sizes']['items']} 个事项" for n in sizes))
    header = ["", *(f"{n} 乡镇 中位 / p95（其中 SQL）ms" for n in sizes)]
    if len(sizes) > 1:
        header.append(f"{sizes[-1]}/{sizes[0]}")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    table = {n: {label: numbers for label, *numbers in runs[n]["results"]} for n in sizes}
    for label, *_ in runs[sizes[0]]["results"]:
        cells = [label]
        for n in sizes:
            median, p95, sql = table[n].get(label, (float("nan"),) * 3)
            cells.append(f"{median:.1f} / {p95:.1f}（{sql:.1f}）")
        if len(sizes) > 1:
            big, small = table[sizes[-1]].get(label, (float("nan"),))[0], table[sizes[0]][label][0]
            cells.append(f"{big / small:.2f}")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
