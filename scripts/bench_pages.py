#!/usr/bin/env python3
"""Benchmark the residents' pages under gunicorn in production mode, against a static file.

Not a test: run it by hand and read the numbers::

    apt-get install -y wrk                                   # once
    .venv/bin/python scripts/bench_pages.py                  # 2 × CPUs workers, 10 s per page
    .venv/bin/python scripts/bench_pages.py --workers 1 --duration 8 --gzip

It

1. builds a scratch SQLite database in a temporary folder from the demo
   fixtures (``fixtures/*.json``), runs ``collectstatic``;
2. starts gunicorn on 127.0.0.1 with DEBUG=0, a random SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1 and SECURE_SSL_REDIRECT=0, saves the homestead
   item page's HTML as a static file under STATIC_ROOT (served by the same
   gunicorn through WhiteNoise);
3. runs ``wrk`` against the township home, the item page, the item page as
   a link shared in WeChat (``?from=singlemessage&isappinstalled=0``), that
   static copy and Django's floor (a redirect with no database and no
   template), once with the server-side page cache on and once with it off
   (PORTAL_PAGE_CACHE_SECONDS=0), in interleaved slices so that a change in
   the machine's load hits every page alike, and prints requests/s, p50/p99
   latency and each page's share of the static file's rate *in the same run*
   (issue 17 asks for at least 80 % for cached pages).

wrk sends no cookie, so the cached pages are answered by
``portal.caching.CachedPageMiddleware`` (no session, no query). Loopback only;
every run is bounded by ``--duration`` (at most 60 s per page; the whole run
takes about 2 × 5 × duration seconds plus 20 s of set-up). The machine's load
average is printed: on a shared machine, compare figures of the same run only.
"""

import argparse
import gzip
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WECHAT_QUERY = "?from=singlemessage&isappinstalled=0"  # what WeChat appends to a link shared in a chat


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args, env, **kwargs):
    subprocess.run(args, cwd=ROOT, env=env, check=True, **kwargs)


def _wait_for(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


class Gunicorn:
    def __init__(self, env, port, workers):
        self.env, self.port, self.workers = env, port, workers
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wrk(url, args, seconds, headers=()):
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True, timeout=seconds + 30)
    text = output.stdout
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    return {
        "requests": requests,
        "seconds": seconds,
        "p50": p50,
        "p99": p99,
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _measure(targets, args, headers):
    """Run wrk on every target for ``args.duration`` seconds in all, in interleaved slices.

    Interleaving keeps a change in the machine's load (other processes) from
    favouring whichever target happened to run first.
    """
    slices = max(1, args.slices)
    seconds = max(1, args.duration // slices)
    totals = {name: {"requests": 0, "seconds": 0, "errors": 0, "p50": [], "p99": []} for name in targets}
    for _ in range(slices):
        for name, url in targets.items():
            run = _wrk(url, args, seconds, headers)
            total = totals[name]
            total["requests"] += run["requests"]
            total["seconds"] += run["seconds"]
            total["errors"] += run["errors"]
            total["p50"].append(run["p50"])
            total["p99"].append(run["p99"])
    return {
        name: {
            "rps": t["requests"] / t["seconds"],
            "p50": sorted(t["p50"])[len(t["p50"]) // 2],
            "p99": max(t["p99"], key=_as_ms),
            "errors": t["errors"],
        }
        for name, t in totals.items()
    }


def _as_ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def _prepare(workdir, port):
    """Create the scratch database and static root; return the environment for the server."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "PORTAL_VAR_DIR": str(workdir / "var"),
        "STATIC_ROOT": str(workdir / "static"),
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": os.pathsep.join([str(workdir), str(ROOT)]),
    }
    _run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    fixtures = sorted(str(p) for p in (ROOT / "fixtures").glob("*.json"))
    if fixtures:
        _run([PYTHON, "manage.py", "loaddata", "-v0", *fixtures], env)
    else:
        # No demo data yet: the test scene stands in for it.
        script = (
            "from tests import builders; from tests.public_scene import build_scene;"
            "c = builders.make_county(name='瑞河县', slug='ruihe');"
            "t = builders.make_township(county=c, name='东岭乡', slug='dongling');"
            "build_scene(county=c, township=t, size=30)"
        )
        _run([PYTHON, "manage.py", "shell", "-c", script], env, stdout=subprocess.DEVNULL)
    _run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    # A settings module that turns the server-side page cache off, for the "no cache" run.
    (workdir / "bench_settings_nocache.py").write_text(
        "from portal.settings import *  # noqa\nPORTAL_PAGE_CACHE_SECONDS = 0\n"
    )
    return env


def _pages(env):
    script = (
        "import json; from services.models import ServiceItem;"
        "items = ServiceItem.objects.in_force().order_by('township__slug', 'code');"
        "item = items.filter(name__contains='宅基地').first() or items.first();"
        "print(json.dumps({'home': item.township.get_absolute_url(), 'item': item.get_absolute_url()}))"
    )
    output = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page (default 10)")
    parser.add_argument("--slices", type=int, default=5, help="interleaved wrk runs per page (default 5)")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2, help="gunicorn workers")
    parser.add_argument("--gzip", action="store_true", help="ask for gzip, as browsers do")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    if args.duration > 60:
        parser.error("--duration is at most 60 s")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")

    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    headers = ["Accept-Encoding: gzip"] if args.gzip else []
    try:
        env = _prepare(workdir, port)
        pages = _pages(env)
        # Save the item page as served, then restart: WhiteNoise indexes STATIC_ROOT at start-up.
        with Gunicorn(env, port, 1):
            html = _wait_for(base + pages["item"])
        static_path = workdir / "static" / "bench" / "item.html"
        static_path.parent.mkdir(parents=True, exist_ok=True)
        static_path.write_bytes(html)
        # WhiteNoise serves a pre-compressed sibling to clients that accept gzip (--gzip).
        static_path.with_name(static_path.name + ".gz").write_bytes(gzip.compress(html, compresslevel=9))
        targets = {
            "township home": base + pages["home"],
            "item page": base + pages["item"],
            # A link shared in WeChat: the parameters it appends are dropped, the page is the same.
            "item page from WeChat (?from=singlemessage…)": base + pages["item"] + WECHAT_QUERY,
            "same item HTML as a static file (WhiteNoise)": base + "/static/bench/item.html",
            # Django's own floor on this machine: a view with no database and no template.
            "floor: /text-size/ redirect (no DB, no template)": base + "/text-size/?next=/",
        }
        results = {}
        for label, extra_env in (
            ("with page cache", {}),
            ("without page cache", {"DJANGO_SETTINGS_MODULE": "bench_settings_nocache"}),
        ):
            run_env = {**env, **extra_env}
            with Gunicorn(run_env, port, args.workers):
                for url in targets.values():
                    _wait_for(url)
                    _wrk(url, args, 1, headers)  # warm every worker
                results[label] = _measure(targets, args, headers)

        print(
            f"\ngunicorn {args.workers} sync workers, DEBUG=0, SQLite; wrk -t{args.threads} -c{args.connections} "
            f"-d{args.duration}s per page in {args.slices} interleaved slices{' with gzip' if args.gzip else ''}; "
            f"{len(html)} bytes of item HTML; load average {os.getloadavg()[0]:.1f}"
        )
        for label, rows in results.items():
            static_rps = rows["same item HTML as a static file (WhiteNoise)"]["rps"]
            print(f"\n{label}:")
            for name, row in rows.items():
                share = row["rps"] / static_rps if static_rps else 0
                print(
                    f"  {name:48s} {row['rps']:9.1f} req/s  p50 {row['p50']:>8s}  p99 {row['p99']:>8s}"
                    f"  {share:5.0%} of static{'  NON-2xx: ' + str(row['errors']) if row['errors'] else ''}"
                )
    finally:
        if args.keep:
            print(f"\nscratch folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
