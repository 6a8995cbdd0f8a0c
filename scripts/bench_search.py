"""Benchmark one search (not a test): median and p95 on a township of 150 and one of 1,500 items.

Builds its own database (SQLite in a temporary file, or the PostgreSQL of
DATABASE_URL with a database of its own), loads the demo, copies the demo
township's items until it has N, prepares the search text and times
``search.engine.search`` over the 170 resident queries of
tests/data/search_queries.csv (a warm worker: the prepared rows are kept).

    .venv/bin/python scripts/bench_search.py                      # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search .venv/bin/python scripts/bench_search.py
"""

import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def grow(township, size):
    from services.models import Material, ServiceItem

    items = list(ServiceItem.objects.filter(township=township))
    materials = list(Material.objects.filter(item__township=township))
    n, copies = len(items), []
    round_ = ServiceItem.objects.filter(township=township).count()  # a fresh suffix for every call
    while n + len(copies) < size:
        for item in items:
            if n + len(copies) >= size:
                break
            copy = ServiceItem(
                **{f.attname: getattr(item, f.attname) for f in item._meta.concrete_fields if f.name != "id"}
            )
            copy.code = f"{item.code}-{round_}"
            copy.name = f"{item.name}（第{round_}类）"
            copies.append(copy)
        round_ += 1
    ServiceItem.objects.bulk_create(copies, batch_size=500)
    by_code = {m.item.code: [] for m in materials}
    for m in materials:
        by_code[m.item.code].append(m.name)
    new = []
    for copy in copies:
        for order, name in enumerate(by_code.get(copy.code.split("-")[0] + "-" + copy.code.split("-")[1], []), 1):
            new.append(Material(item_id=copy.pk, order=order, name=name))
    Material.objects.bulk_create(new, batch_size=1000)


def main():
    from portal.models import Township
    from search import engine
    from search.indexing import search_index_refresh

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        fixtures = sorted(str(p) for p in (ROOT / "fixtures").glob("*.json"))
        call_command("loaddata", *fixtures, verbosity=0)
        with (ROOT / "tests" / "data" / "search_queries.csv").open(encoding="utf-8") as handle:
            queries = [row["query"] for row in csv.DictReader(handle)]
        township = Township.objects.get(slug="dongling")
        engine.search(township, "预热")  # load jieba's dictionary once, as a worker does
        print(f"{connection.vendor}  {len(queries)} queries")
        for size in (150, 1500):
            grow(township, size)
            started = time.perf_counter()
            search_index_refresh(township)
            prepared = time.perf_counter() - started
            engine.search(township, "预热")
            times = []
            for _round in range(3):
                for query in queries:
                    started = time.perf_counter()
                    engine.search(township, query)
                    times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            print(
                f"{size:>5} items: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms "
                f"(index prepared in {prepared:.1f} s)"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
