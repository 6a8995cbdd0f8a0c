#!/usr/bin/env python
"""Benchmark: the county supervision table for 137 townships with a year of records.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_supervision .venv/bin/python scripts/bench_supervision.py
    .venv/bin/python scripts/bench_supervision.py --townships 20        # SQLite in memory, smaller

Runs in a throwaway test database, builds the records with bulk_create (codes
scanned every day, reports, requests, enquiries, ratings with follow-ups,
items, staff, liaison rows), then times what a reviewer waits for: the county
table page for the year and for a quarter, through the admin, as a superuser.
The target is under 2 s on PostgreSQL. Not a test: nothing asserts on timings.
"""

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

YEAR = 2025


def build(townships_wanted):
    from django.utils import timezone

    from feedback.models import Case, Rating
    from portal.models import County, QRCode, QRScanDay, Township
    from services.models import ServiceItem
    from staff.models import CountyDepartment, Liaison, Office, Post, Staff

    rng = random.Random(16)
    county = County.objects.create(name="基准市", slug="bench")
    townships = Township.objects.bulk_create(
        [Township(county=county, name=f"基准乡{n:03d}", slug=f"bench-{n:03d}") for n in range(townships_wanted)]
    )
    offices = Office.objects.bulk_create([Office(township=t, name="便民服务中心") for t in townships])
    departments = CountyDepartment.objects.bulk_create(
        [CountyDepartment(county=county, name=f"基准局{n}") for n in range(5)]
    )
    posts = Post.objects.bulk_create(
        [Post(township=o.township, office=o, title=f"岗位{n}") for o in offices for n in range(5)]
    )
    Liaison.objects.bulk_create(
        [
            Liaison(post=p, department=d, county_contact_name="联络人", county_contact_phone="0359-0200001")
            for p in posts
            for d in departments[:2]
        ]
    )
    day0 = datetime.date(YEAR, 1, 1)
    Staff.objects.bulk_create(
        [
            Staff(township=t, name=f"人员{n}", mobile=f"100{n:08d}", phone_checked_on=day0 + datetime.timedelta(n * 17))
            for t in townships
            for n in range(20)
        ]
    )
    ServiceItem.objects.bulk_create(
        [
            ServiceItem(
                township=o.township,
                office=o,
                code=f"B-{o.pk}-{n}",
                name=f"事项{n}",
                item_type="public_service",
                last_checked_on=day0 + datetime.timedelta(n * 6),
            )
            for o in offices
            for n in range(60)
        ],
        batch_size=2000,
    )
    codes = QRCode.objects.bulk_create(
        [QRCode(township=t, code=f"B{t.pk:04d}{n}", placement=f"位置{n}") for t in townships for n in range(3)]
    )
    scans = [
        QRScanDay(qr_code=c, day=day0 + datetime.timedelta(d), count=rng.randint(0, 20))
        for c in codes
        for d in range(365)
    ]
    QRScanDay.objects.bulk_create(scans, batch_size=5000)

    def at(day, hour=9):
        return timezone.make_aware(datetime.datetime.combine(day0 + datetime.timedelta(day), datetime.time(hour)))

    cases, ref = [], 10_000_000
    for t in townships:
        for n in range(300):
            ref += 1
            day = rng.randrange(365)
            kind = ("report", "request", "enquiry")[n % 3]
            fields = {
                "report": {"problem": "phone"},
                "request": {"service": rng.choice(["proxy", "appointment", "home_visit"])},
                "enquiry": {"channel": "phone", "outcome": "answered"},
            }[kind]
            status, closed = "new", None
            if rng.random() < 0.8:
                status, closed = "done", at(min(day + rng.randint(0, 8), 364), 16)
            cases.append(
                Case(
                    township=t,
                    kind=kind,
                    reference=str(ref),
                    created_at=at(day),
                    due_on=day0 + datetime.timedelta(day + 5),
                    status=status,
                    closed_at=closed,
                    **fields,
                )
            )
    Case.objects.bulk_create(cases, batch_size=5000)
    ratings = Rating.objects.bulk_create(
        [
            Rating(township=t, level=rng.choice([1, 1, 2, 2, 3, 4, 5]), created_at=at(rng.randrange(365)))
            for t in townships
            for _ in range(100)
        ],
        batch_size=5000,
    )
    followups = []
    for r in ratings:
        if r.level >= 4:
            ref += 1
            followups.append(
                Case(
                    township_id=r.township_id,
                    kind="followup",
                    reference=str(ref),
                    created_at=r.created_at,
                    poor_rating=r,
                    due_on=r.created_at.date() + datetime.timedelta(3),
                    status="done",
                    closed_at=r.created_at + datetime.timedelta(days=rng.randint(0, 6)),
                )
            )
    Case.objects.bulk_create(followups, batch_size=5000)
    return county, len(scans), len(cases) + len(followups), len(ratings)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--townships", type=int, default=137)
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_supervision_{os.getpid()}"
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = None  # in memory
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.townships)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(townships):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    started = time.monotonic()
    county, scans, cases, ratings = build(townships)
    print(
        f"数据库：{connection.vendor}；{townships} 个乡镇，{YEAR} 年：扫码日记录 {scans}，工单 {cases}，评价 {ratings}"
        f"（建数 {time.monotonic() - started:.1f} s）"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    user = get_user_model().objects.create_superuser("bench", "bench@example.invalid", "Bench-2026-password!")
    client = Client()
    client.force_login(user)
    for period in (str(YEAR), f"{YEAR}-Q4", f"{YEAR}-11"):
        for name in ("admin:supervision_table", "admin:supervision_bulletin", "admin:supervision_xlsx"):
            url = reverse(name) + f"?period={period}&county={county.pk}"
            client.get(url)  # warm
            timings = []
            for _ in range(3):
                with CaptureQueriesContext(connection) as queries:
                    t0 = time.monotonic()
                    response = client.get(url)
                    timings.append(time.monotonic() - t0)
                assert response.status_code == 200, response.status_code
            print(
                f"{name.split(':')[1]:22} {period:8} 最快 {min(timings):.2f} s，中位 {sorted(timings)[1]:.2f} s，"
                f"{len(queries.captured_queries)} 次查询，{len(response.content) / 1024:.0f} KB"
            )


if __name__ == "__main__":
    main()
