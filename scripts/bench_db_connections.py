#!/usr/bin/env python3
"""Measure the item page uncached on PostgreSQL: new connections, persistent ones, the pool, prepared statements.

Not a test: run it by hand on a quiet machine, with a database name of its own (created and dropped):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_connections .venv/bin/python scripts/bench_db_connections.py

It loads the demo fixtures into that database once, then for each way of connecting (a process of its own,
configured only through the environment, as a server would be) renders the richest demo item page
``--requests`` times with the page cache off (PORTAL_PAGE_CACHE_SECONDS=0) through Django's test client, in
the process (no HTTP, no gunicorn: what remains is the view, its queries and the connection), after
``--warmup`` requests, and prints the median and mean milliseconds per page.
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WAYS = {
    "a new connection per request (CONN_MAX_AGE=0)": {"DATABASE_CONN_MAX_AGE": "0"},
    "a persistent connection (CONN_MAX_AGE=60, the default)": {},
    "persistent + prepared statements": {"DATABASE_PREPARED_STATEMENTS": "1"},
    "the pool (DATABASE_POOL=1)": {"DATABASE_POOL": "1"},
    "the pool + prepared statements": {"DATABASE_POOL": "1", "DATABASE_PREPARED_STATEMENTS": "1"},
}

MEASURE = """
import json, statistics, time
from django.db.models import Count
from django.test import Client
from services.models import ServiceItem

item = ServiceItem.objects.annotate(n=Count("materials")).order_by("-n", "pk").first()
url = item.get_absolute_url()
client = Client()
for _ in range({warmup}):
    assert client.get(url).status_code == 200
times = []
for _ in range({requests}):
    start = time.perf_counter()
    response = client.get(url)
    times.append((time.perf_counter() - start) * 1000)
    assert response.status_code == 200
print("RESULT " + json.dumps({{"url": url, "median": statistics.median(times), "mean": statistics.fmean(times)}}))
"""


def _env(database_url, var_dir, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "CACHE_URL"))}
    env.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        PORTAL_VAR_DIR=var_dir,
        STATIC_ROOT=str(Path(var_dir) / "static"),
        PORTAL_PAGE_CACHE_SECONDS="0",
        LOG_LEVEL="ERROR",
    )
    env.update(extra)
    return env


def _manage(*args, env):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if result.returncode:
        sys.exit(result.stdout + result.stderr)
    return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2, help="each way is measured this many times, interleaved")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://…/bench_connections (a database of its own: it is dropped).")
    name = database_url.rsplit("/", 1)[1]
    server = database_url.rsplit("/", 1)[0] + "/postgres"
    with tempfile.TemporaryDirectory() as var_dir:
        subprocess.run(["psql", server, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
        subprocess.run(["psql", server, "-qc", f'CREATE DATABASE "{name}"'], check=True)
        try:
            base = _env(database_url, var_dir)
            started = time.monotonic()
            _manage("migrate", "-v0", env=base)
            _manage("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")), "-v0", env=base)
            _manage("collectstatic", "--noinput", "-v0", env=base)
            print(f"demo database ready in {time.monotonic() - started:.0f} s")
            results = {way: [] for way in WAYS}
            for _ in range(args.rounds):
                for way, extra in WAYS.items():
                    script = MEASURE.format(warmup=args.warmup, requests=args.requests)
                    output = _manage("shell", "-c", script, env=_env(database_url, var_dir, **extra))
                    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
                    results[way].append(json.loads(line[len("RESULT ") :]))
            url = results[next(iter(WAYS))][0]["url"]
            print(f"item page {url}, page cache off, {args.requests} requests × {args.rounds} rounds:")
            for way, runs in results.items():
                median = statistics.median(run["median"] for run in runs)
                mean = statistics.fmean(run["mean"] for run in runs)
                print(f"  {way:55s} median {median:5.1f} ms   mean {mean:5.1f} ms")
        finally:
            subprocess.run(["psql", server, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=False)


if __name__ == "__main__":
    main()
