"""Scans arriving while an import writes are all counted (issue 11, item 5).

A real server (gunicorn, two workers with threads) on a real database file —
not pytest's in-memory SQLite, whose single connection hides the locking — and
a second process holding a write transaction open for longer than Python's
default five-second SQLite timeout, as a slow import does. Every scan sent
meanwhile must answer 302 and be counted exactly once.

Runs on SQLite always, and on PostgreSQL when the suite itself runs there
(DATABASE_URL=postgres://…), in a database of its own.
"""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.test_settings import NoRedirect, _free_port, _wait_for_port, production_env

ROOT = Path(__file__).resolve().parent.parent
SCANS = 24
HOLD_SECONDS = 7  # longer than Python's default SQLite timeout (5 s): the old setup lost these scans

SETUP = """
from portal import codes
from portal.models import County, Township
county = County.objects.create(name="并发县", slug="concurrent-county")
township = Township.objects.create(county=county, name="并发乡", slug="concurrent")
print(codes.gate_code(township).code)
"""

IMPORT = """
import time
from django.db import transaction
from portal.models import Township
from services.models import Category
with transaction.atomic():
    Township.objects.filter(slug="concurrent").update(introduction="正在导入")
    for n in range(50):
        Category.objects.create(name=f"导入分类{n}", slug=f"import-{n}")
    print("writing", flush=True)
    time.sleep(%(hold)s)
print("committed", flush=True)
"""

COUNT = """
from portal.models import QRCode
print(QRCode.objects.get(code="%(code)s").total_scans())
"""


def _postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.sqlite3'}"
        return
    base = _postgres_url()
    if base is None:
        pytest.skip("the suite runs on SQLite; CI's PostgreSQL run covers this case")
    import psycopg

    server, _slash, _name = base.rpartition("/")
    name = f"scans_import_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _shell(code, env):
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_every_scan_during_an_import_is_counted(tmp_path, database_url):
    env = production_env(tmp_path, DATABASE_URL=database_url, SECURE_SSL_REDIRECT="0", LOG_LEVEL="ERROR")
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr
    code = _shell(SETUP, env)
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "portal.wsgi", "--bind", f"127.0.0.1:{port}", "-w", "2", "--threads", "8", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    importer = None
    try:
        _wait_for_port(port)
        importer = subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-v0", "-c", IMPORT % {"hold": HOLD_SECONDS}],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert importer.stdout.readline().strip() == "writing", importer.stderr.read()
        opener = urllib.request.build_opener(NoRedirect)

        def scan(n):
            # Each from another phone: repeats of one client are counted once by design.
            agent = f"Mozilla/5.0 (Linux; Android 13; Phone{n}) AppleWebKit/537.36 Mobile Safari/537.36"
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/q/{code}", headers={"User-Agent": agent, "Host": "127.0.0.1"}
            )
            try:
                opener.open(request, timeout=60)
            except urllib.error.HTTPError as answer:
                return answer.code
            return None

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=SCANS) as pool:
            statuses = list(pool.map(scan, range(SCANS)))
        elapsed = time.monotonic() - started
        assert importer.wait(timeout=60) == 0, importer.stderr.read()
        assert statuses == [302] * SCANS, (statuses, (tmp_path / "gunicorn.log").read_text()[-3000:])
        assert int(_shell(COUNT % {"code": code}, env)) == SCANS
        assert elapsed < HOLD_SECONDS + 20
    finally:
        if importer is not None and importer.poll() is None:
            importer.kill()
        server.terminate()
        server.wait(timeout=20)
        log.close()
