#!/usr/bin/env python3
"""The township home's throughput while eight clients hammer the print pages (issue 11's benchmark).

Not a test: run it by hand and read the numbers::

    apt-get install -y wrk                                        # once
    .venv/bin/python scripts/bench_flood.py                       # 1 and 2 gunicorn workers, protected
    .venv/bin/python scripts/bench_flood.py --workers 1 --rounds 4 --duration 6
    .venv/bin/python scripts/bench_flood.py --unprotected         # also as before issue 11 (slow: renders)
    .venv/bin/python scripts/bench_flood.py --nginx               # also behind nginx's limit_req (apt nginx)

It builds the same scratch database as bench_pages.py (demo fixtures, DEBUG=0,
SQLite, gunicorn sync workers), issues the demo's codes, and for each number
of workers (``--workers``, default 1 and 2) and each setup:

* "protected": the defaults (heavy pages rate-limited per client and cached,
  portal/throttle.py; cached public pages answered early, portal/caching.py);
* "unprotected" (``--unprotected``): PORTAL_HEAVY_RATE="" and
  PORTAL_HEAVY_CACHE_SECONDS=0, as before issue 11;
* "behind nginx" (``--nginx``): README's ``limit_req`` in front of gunicorn;

it renders every heavy page in every worker (as a flood that has gone on for a
while finds them), then runs ``--rounds`` rounds of two phases, interleaved so
that a change in the machine's load (other processes) falls on both alike:

1. *alone*: ``wrk`` on the township home for ``--duration`` seconds;
2. *flood*: eight ``wrk`` clients (one connection each, each with its own
   address in X-Real-IP, as the proxy would report it) request the code
   sheet, booklet, certificate boards, gate poster, code card, WeChat
   picture and QR PNG/SVG in a closed loop, and after two seconds ``wrk``
   measures the township home again for ``--duration`` seconds.

It prints each round and the totals: the home's requests/s alone and under the
flood, their ratio (issue 11 asks for at least 80 %), the home's p99 under the
flood, and how many flood requests were answered and how many refused (429).
With a per-process cache each worker counts a client on its own, so a client
gets up to workers × PORTAL_HEAVY_RATE.

Reading the ratio: a sync worker serves its waiting connections in turn, and a
refusal costs it about what a cached page or a static file costs (gunicorn's
own per-request work dominates: measured 473 µs of CPU for a refusal, 590 µs
for the cached home, 453 µs for a static file). Eight flooding connections
against the home's four then take about two thirds of the worker, whatever
Django does, and the faster the home, the lower its share: on 2026-11-30, the
same script, 1 worker, back to back, main kept 204 of 430 req/s (47 %), this
branch 303 of 1,059 (29 %). Behind nginx's delaying ``limit_req`` the flood
waits in nginx and costs the worker nothing (96–103 %). One run of the defaults takes about
2 × (20 + rounds × (2 × duration + 4)) seconds. The machine's load average is
printed: on a shared machine compare figures of the same run only.
"""

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

_spec = importlib.util.spec_from_file_location("bench_pages", ROOT / "scripts" / "bench_pages.py")
bench_pages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_pages)

URLS = """
import json
from portal import codes
from portal.models import Township, Village
from django.urls import reverse
t = Township.objects.order_by("slug").first()
gate = codes.gate_code(t)
village = Village.objects.filter(township=t).order_by("pk").first()
wechat = codes.code_for_target(village) if village else gate
print(json.dumps({
    "home": t.get_absolute_url(),
    "heavy": [
        reverse("print_code_sheet", kwargs={"township": t.slug}),
        reverse("print_booklet", kwargs={"township": t.slug}),
        reverse("print_certificate_boards", kwargs={"township": t.slug}),
        reverse("print_gate_poster", kwargs={"township": t.slug}),
        reverse("print_code_card", kwargs={"code": gate.code}),
        reverse("print_wechat_image", kwargs={"code": wechat.code}),
        f"/q/{gate.code}.png?size=1200",
        f"/q/{gate.code}.svg",
    ],
}))
"""


def _urls(env):
    output = subprocess.run(
        [PYTHON, "manage.py", "shell", "-v0", "-c", URLS], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def _flood(urls, seconds):
    """Start eight wrk clients, one connection each, each with its own client address."""
    processes = []
    for n in range(8):
        url = urls[n % len(urls)]
        command = ["wrk", "-t1", "-c1", f"-d{seconds}s", "-H", f"X-Real-IP: 10.0.0.{n + 1}", url]
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
    return processes


def _flood_totals(processes):
    import re

    total = refused = 0
    for process in processes:
        text = process.communicate(timeout=120)[0]
        requests = re.search(r"(\d+) requests in", text)
        non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
        total += int(requests.group(1)) if requests else 0
        refused += int(non_2xx.group(1)) if non_2xx else 0
    return total, refused


NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/nginx-body; proxy_temp_path {dir}/nginx-proxy;
    fastcgi_temp_path {dir}/nginx-fcgi; uwsgi_temp_path {dir}/nginx-uwsgi; scgi_temp_path {dir}/nginx-scgi;
    # Over loopback every client has one address: the flooders' X-Real-IP stands in for theirs
    # (README keys the zone on $binary_remote_addr).
    limit_req_zone $http_x_real_ip zone=heavy:10m rate=30r/m;
    server {{
        listen 127.0.0.1:{front};
        location / {{
            proxy_pass http://127.0.0.1:{back};
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
        }}
        location ~ ^/(t/[^/]+/print/|print/q/|q/[0-9A-Za-z]+\\.(png|svg)$) {{
            limit_req zone=heavy burst=20 delay=10;
            limit_req_status 429;
            proxy_pass http://127.0.0.1:{back};
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $http_x_real_ip;
        }}
    }}
}}
"""


@contextlib.contextmanager
def _nginx(workdir, back, wanted):
    """Run nginx in front of gunicorn with README's limit_req, keyed by the flooders' X-Real-IP."""
    if not wanted:
        yield None
        return
    front = bench_pages._free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=workdir, front=front, back=back))
    process = subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        yield f"http://127.0.0.1:{front}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def _round(home, flood_urls, wrk_args, seconds):
    """One alone phase and one flood phase; return their figures."""
    alone = bench_pages._wrk(home, wrk_args, seconds)
    flooders = _flood(flood_urls, seconds + 4)
    time.sleep(2)
    flooded = bench_pages._wrk(home, wrk_args, seconds)
    flood_total, flood_refused = _flood_totals(flooders)
    time.sleep(1)
    return {
        "alone": alone["requests"] / seconds,
        "flooded": flooded["requests"] / seconds,
        "flooded_p99": flooded["p99"],
        "home_errors": flooded["errors"],
        "flood_rps": flood_total / (seconds + 4),
        "flood_refused": flood_refused,
        "flood_total": flood_total,
    }


def _warm(heavy, workers, unprotected):
    """Render each heavy page in every worker (each has its own cache) from addresses of its own."""
    for n in range(1 if unprotected else workers * 3):  # nothing to warm without a cache
        for url in heavy:
            request = urllib.request.Request(url, headers={"X-Real-IP": f"10.9.{n}.1"})
            with urllib.request.urlopen(request, timeout=120) as response:  # slow pages: a long timeout
                response.read()


def _print_row(label, row):
    share = row["flooded"] / row["alone"] if row["alone"] else 0
    print(
        f"  {label:44s} home alone {row['alone']:7.1f} req/s, under flood {row['flooded']:7.1f} req/s "
        f"({share:4.0%}; p99 {row['flooded_p99']}); flood {row['flood_rps']:7.1f} req/s, "
        f"{row['flood_refused']} of {row['flood_total']} refused (429)"
        + (f"; home NON-2xx {row['home_errors']}" if row["home_errors"] else ""),
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds of each phase (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="alone/flood rounds per setup (default 3)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections on the home page")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--workers", default="1,2", help="gunicorn worker counts to measure, comma-separated (default 1,2)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--unprotected", action="store_true", help="also measure without limit and cache")
    parser.add_argument("--nginx", action="store_true", help="also measure behind nginx with README's limit_req")
    args = parser.parse_args()
    if args.duration > 60:
        parser.error("--duration is at most 60 s")
    worker_counts = [int(n) for n in args.workers.split(",") if n.strip()]
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    if args.nginx and not shutil.which("nginx"):
        sys.exit("nginx is missing: apt-get install -y nginx")

    workdir = Path(tempfile.mkdtemp(prefix="bench-flood-"))
    port = bench_pages._free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        env = bench_pages._prepare(workdir, port)
        env["CLIENT_IP_HEADER"] = "HTTP_X_REAL_IP"  # as behind the proxy: each flooder is its own client
        subprocess.run([PYTHON, "manage.py", "issue_codes"], cwd=ROOT, env=env, check=True, capture_output=True)
        urls = _urls(env)
        heavy = [base + path for path in urls["heavy"]]  # warmed directly, each worker from addresses of its own
        wrk_args = argparse.Namespace(threads=args.threads, connections=args.connections)
        setups = [("protected (defaults)", {}, False)]
        if args.nginx:
            setups.append(("protected, behind nginx limit_req", {}, True))
        if args.unprotected:
            setups.append(
                (
                    "unprotected (no limit, no cache)",
                    {"PORTAL_HEAVY_RATE": "", "PORTAL_HEAVY_CACHE_SECONDS": "0"},
                    False,
                )
            )
        results = []
        for workers in worker_counts:
            for label, extra, via_nginx in setups:
                title = f"{workers} worker{'s' if workers > 1 else ''}, {label}"
                print(title, flush=True)
                with (
                    bench_pages.Gunicorn({**env, **extra}, port, workers),
                    _nginx(workdir, port, via_nginx) as front,
                ):
                    home = (front or base) + urls["home"]
                    flood_urls = [(front or base) + path for path in urls["heavy"]]
                    bench_pages._wait_for(home)
                    _warm(heavy, workers, bool(extra))
                    bench_pages._wrk(home, wrk_args, 2)  # warm every worker
                    rounds = []
                    for n in range(args.rounds):
                        rounds.append(_round(home, flood_urls, wrk_args, args.duration))
                        _print_row(f"round {n + 1}", rounds[-1])
                total = {
                    key: sum(r[key] for r in rounds) / len(rounds)
                    for key in ("alone", "flooded", "flood_rps", "flood_refused", "flood_total", "home_errors")
                }
                total["flood_refused"], total["flood_total"] = (
                    sum(r["flood_refused"] for r in rounds),
                    sum(r["flood_total"] for r in rounds),
                )
                total["home_errors"] = sum(r["home_errors"] for r in rounds)
                total["flooded_p99"] = max((r["flooded_p99"] for r in rounds), key=bench_pages._as_ms)
                results.append((title, total))
        print(
            f"\ngunicorn sync workers, DEBUG=0, SQLite, demo data; home: wrk -t{args.threads} "
            f"-c{args.connections}, {args.rounds} rounds of {args.duration} s alone then {args.duration} s under "
            f"the flood (8 × wrk -c1 on {len(heavy)} heavy addresses); load average {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} CPUs"
        )
        for title, total in results:
            _print_row(title, total)
    finally:
        if args.keep:
            print(f"\nscratch folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
