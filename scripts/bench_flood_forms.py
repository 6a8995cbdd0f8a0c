#!/usr/bin/env python3
"""Benchmark: does a flood of form submissions slow the public pages, and how much of it is stored?

Not a test: run it by hand (``.venv/bin/python scripts/bench_flood_forms.py``) on a quiet machine. It

1. builds the same scratch database and gunicorn server as ``bench_pages.py`` (DEBUG=0, SQLite, demo data);
2. measures the item page with ``wrk`` alone (baseline);
3. measures it again while one client posts the 信息有误？ form: first at the issue's pace (500
   submissions in a minute, spread evenly), then as fast as one connection can;
4. prints requests/s of the item page in each phase, the change against the baseline, and how many
   of the flood's submissions were stored (the rest got the polite 429 page).

Phases are interleaved in slices, as in ``bench_pages.py``, so a change in the machine's load does not
favour one phase. With the default per-process cache each gunicorn worker keeps its own counter, so up
to ``limit × workers`` submissions can be stored; ``--redis-url`` (needs the ``redis`` package) shares
the counters as production should. Loopback only; every run is bounded.
"""

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_pages", ROOT / "scripts" / "bench_pages.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


class Flood(threading.Thread):
    """Post the report form from one client: ``per_minute`` submissions a minute, or as fast as possible (0)."""

    def __init__(self, url, per_minute):
        super().__init__(daemon=True)
        self.url, self.per_minute = url, per_minute
        self.stop = threading.Event()
        self.sent = 0
        self.statuses = {}
        # With DEBUG=0 the CSRF cookie is marked Secure, which urllib's cookie jar would not send over
        # plain HTTP on loopback: carry it by hand, as a browser on HTTPS would.
        with urllib.request.urlopen(url, timeout=10) as response:
            page = response.read().decode()
            cookie = next(c for c in response.headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
        self.cookie = cookie.split(";", 1)[0]
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def run(self):
        interval = 60 / self.per_minute if self.per_minute else 0
        next_at = time.monotonic()
        while not self.stop.is_set():
            body = urllib.parse.urlencode(
                {"csrfmiddlewaretoken": self.token, "problem": "phone", "note": f"flood {self.sent}"}
            ).encode()
            request = urllib.request.Request(self.url, data=body, headers={"Cookie": self.cookie})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = "error"
            self.sent += 1
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if interval:
                next_at += interval
                self.stop.wait(max(0, next_at - time.monotonic()))


def _wrk_script(url, args, seconds, script):
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "-s", str(script), url]
    text = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    return {
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "seconds": seconds,
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _count_cases(env):
    script = "from feedback.models import Case; print(Case.objects.count())"
    output = subprocess.run(
        [bench.PYTHON, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(output.stdout.strip().splitlines()[-1])


def _report_url(env, base):
    script = (
        "from services.models import ServiceItem; from django.urls import reverse;"
        "item = ServiceItem.objects.in_force().order_by('township__slug', 'code').first();"
        "print(reverse('feedback_report', kwargs={'township': item.township.slug, 'about': 'item', 'pk': item.pk}))"
    )
    output = subprocess.run(
        [bench.PYTHON, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return base + output.stdout.strip().splitlines()[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per phase (default 30, max 60)")
    parser.add_argument("--slices", type=int, default=3)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2)
    parser.add_argument("--rate", default="10/h", help="PORTAL_FEEDBACK_RATE for the run (default 10/h)")
    parser.add_argument(
        "--redis-url", default="", help="share rate-limit counters in Redis, e.g. redis://127.0.0.1:6379/7"
    )
    args = parser.parse_args()
    if args.duration > 60:
        parser.error("--duration is at most 60 s")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")

    workdir = Path(tempfile.mkdtemp(prefix="bench-flood-"))
    port = bench._free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        env = bench._prepare(workdir, port)
        env["PORTAL_FEEDBACK_RATE"] = args.rate
        if args.redis_url:
            (workdir / "bench_settings_redis.py").write_text(
                "from portal.settings import *  # noqa\n"
                f"CACHES = {{'default': {{'BACKEND': 'django.core.cache.backends.redis.RedisCache', "
                f"'LOCATION': {args.redis_url!r}}}}}\n"
            )
            env["DJANGO_SETTINGS_MODULE"] = "bench_settings_redis"
        pages = bench._pages(env)
        item_url = base + pages["item"]
        report_url = _report_url(env, base)
        phases = {"no flood": None, "500 a minute": 500, "flat out (1 connection)": 0}
        totals = {name: {"requests": 0, "seconds": 0} for name in phases}
        floods = {}
        before = _count_cases(env)
        seconds = max(1, args.duration // args.slices)
        with bench.Gunicorn(env, port, args.workers):
            bench._wait_for(item_url)
            bench._wait_for(report_url)
            bench._wrk(item_url, args, 2, ())  # warm every worker
            for _ in range(args.slices):
                for name, per_minute in phases.items():
                    flood = None
                    if per_minute is not None:
                        flood = Flood(report_url, per_minute)
                        flood.start()
                    run = bench._wrk(item_url, args, seconds, ())
                    if flood is not None:
                        flood.stop.set()
                        flood.join(timeout=15)
                        agg = floods.setdefault(name, {"sent": 0, "statuses": {}})
                        agg["sent"] += flood.sent
                        for status, n in flood.statuses.items():
                            agg["statuses"][status] = agg["statuses"].get(status, 0) + n
                    totals[name]["requests"] += run["requests"]
                    totals[name]["seconds"] += run["seconds"]
            # What one refused submission costs the server, against one item page: both flat out.
            probe = Flood(report_url, 0)
            script = workdir / "post.lua"
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": probe.token, "problem": "phone", "note": "wrk"})
            script.write_text(
                'wrk.method = "POST"\n'
                f'wrk.body = "{body}"\n'
                'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
                f'wrk.headers["Cookie"] = "{probe.cookie}"\n'
            )
            refused = _wrk_script(report_url, args, seconds, script)
            page = bench._wrk(item_url, args, seconds, ())
        stored = _count_cases(env) - before

        baseline = totals["no flood"]["requests"] / totals["no flood"]["seconds"]
        print(
            f"\ngunicorn {args.workers} sync workers, DEBUG=0, SQLite, "
            f"{'Redis' if args.redis_url else 'per-process LocMem'} rate-limit counters, "
            f"PORTAL_FEEDBACK_RATE={args.rate}; "
            f"wrk -t{args.threads} -c{args.connections} on the item page, {args.slices}×{seconds}s per phase; "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        for name in phases:
            rps = totals[name]["requests"] / totals[name]["seconds"]
            line = f"  {name:26s} item page {rps:8.1f} req/s  ({rps / baseline - 1:+.1%} vs no flood)"
            if name in floods:
                line += f"; flood sent {floods[name]['sent']}, answers {floods[name]['statuses']}"
            print(line)
        print(f"  submissions stored in all: {stored} (limit {args.rate} per client and per counter)")
        print(
            f"  flat out, no other load: refused submissions {refused['requests'] / refused['seconds']:8.1f} req/s "
            f"(non-2xx {refused['errors']}), item page {page['requests'] / page['seconds']:8.1f} req/s"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
