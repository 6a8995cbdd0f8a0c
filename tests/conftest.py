"""Shared fixtures: named personas, a small township, Debian's Chromium, Redis and a local S3 server.

``pytest --redis-cache`` runs the chosen tests with the default cache in Redis
(``PORTAL_TEST_REDIS_URL``, database 15 by default, flushed first) instead of
each process's memory; CI runs the cache, rate-limit and freshness tests so.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import builders

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parent.parent / "test-results"

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# refuses to run there unless told this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


REDIS_TEST_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def in_ci():
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def service_missing(reason):
    """Skip a test whose service (Redis, the S3 server) is missing here; in CI, where it must be there, fail."""
    if in_ci():
        pytest.fail(f"{reason} (CI must provide it)")
    pytest.skip(reason)


def pytest_addoption(parser):
    parser.addoption(
        "--redis-cache",
        action="store_true",
        help=f"run the tests with the default cache in Redis ({REDIS_TEST_URL}, emptied first), as servers share it",
    )


def redis_client_or_skip():
    """Return a client of the tests' Redis database; skip the test where Redis does not answer (fail in CI)."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        service_missing(f"redis-server does not answer at {REDIS_TEST_URL}: {error}")
    return client


REDIS_CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_TEST_URL},
}


@pytest.fixture
def per_process_cache(settings):
    """The single-machine default, a per-process cache, even in a ``--redis-cache`` run.

    For tests of what only that set-up does (the change stamp kept in a file under ``VAR_DIR``).
    """
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test"}}


@pytest.fixture(scope="session", autouse=True)
def _redis_cache_for_the_run(request):
    """With ``--redis-cache``: every test of the run uses the Redis cache (its own database, emptied first)."""
    if not request.config.getoption("--redis-cache"):
        yield
        return
    from django.test import override_settings

    client = redis_client_or_skip()
    client.flushdb()
    with override_settings(CACHES=REDIS_CACHES):
        yield
    client.flushdb()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, seconds=20, process=None):
    """Wait until something listens on ``port``; OSError after ``seconds`` or when ``process`` has exited."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or (process is not None and process.poll() is not None):
                raise
            time.sleep(0.2)


S3_BUCKET = "portal-test-media"
S3_KEYS = {"access_key": "test-access-key", "secret_key": "test-secret-key"}
PUBLIC_READ_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{S3_BUCKET}/*",
        }
    ],
}


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A local S3-compatible server (moto) on a free port with an empty bucket; yields its endpoint URL."""
    moto = Path(sys.executable).with_name("moto_server")
    if not moto.exists():
        service_missing("moto_server is not installed (pip install 'moto[server]')")
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    server = subprocess.Popen([str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process=server)
    except OSError:
        server.kill()
        service_missing(f"moto_server did not start on port {port} (see {log.name})")
    endpoint = f"http://127.0.0.1:{port}"
    client = s3_client(endpoint)
    client.create_bucket(Bucket=S3_BUCKET)
    # Anyone may read (README, Production): everything uploaded is published to residents.
    client.put_bucket_policy(Bucket=S3_BUCKET, Policy=json.dumps(PUBLIC_READ_POLICY))
    yield endpoint
    server.terminate()
    server.wait(timeout=20)
    log.close()


def s3_client(endpoint):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_KEYS["access_key"],
        aws_secret_access_key=S3_KEYS["secret_key"],
        region_name="us-east-1",
    )


@pytest.fixture
def s3_storage(s3_server, settings):
    """This test's uploads go to the local S3 server's bucket (as S3_BUCKET=… would set), emptied afterwards."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "portal.object_storage.ObjectMediaStorage",
            "OPTIONS": {
                "bucket_name": S3_BUCKET,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "addressing_style": "path",
                "querystring_auth": False,
                "signature_version": "s3v4",
                "file_overwrite": False,
                **S3_KEYS,
            },
        },
    }
    settings.MEDIA_URL = f"{s3_server}/{S3_BUCKET}/"
    client = s3_client(s3_server)
    yield client
    for entry in client.list_objects_v2(Bucket=S3_BUCKET).get("Contents", []):
        client.delete_object(Bucket=S3_BUCKET, Key=entry["Key"])


def pytest_collection_modifyitems(config, items):
    """Skip browser tests where Chromium is missing, unless running in CI, where they must fail."""
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        return  # let them run and fail loudly: CI must have Chromium
    skip = pytest.mark.skip(reason=f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A cheap phone: 390×844, touch, Simplified Chinese."""
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "zh-CN",
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords with MD5: the real hasher is slow on purpose and no test checks its strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# A phone's browser, so that a test's scans count as a person's (portal/scans.py leaves bots and scripts out).
PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 13; V2171A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/116.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture
def client():
    """Django's test client, sending a phone's User-Agent like the residents' browsers do."""
    from django.test import Client

    return Client(HTTP_USER_AGENT=PHONE_USER_AGENT)


@pytest.fixture(autouse=True)
def every_scan_counts(settings):
    """Count every opening: tests of the counter scan one code many times from one client.

    tests/test_scan_counting.py sets the repeat window to show it.
    """
    settings.PORTAL_SCAN_REPEAT_SECONDS = 0


@pytest.fixture(autouse=True)
def heavy_pages_unthrottled(settings):
    """Print pages and code images neither rate-limited nor cached between a test's requests.

    Tests render them many times from one client and change rows with update();
    tests/test_heavy_pages.py turns both on.
    """
    settings.PORTAL_HEAVY_RATE = ""
    settings.PORTAL_HEAVY_CACHE_SECONDS = 0


@pytest.fixture
def artefacts_dir():
    ARTEFACTS.mkdir(exist_ok=True)
    return ARTEFACTS


@pytest.fixture
def county(db):
    return builders.make_county(name="瑞河县", slug="ruihe-test")


@pytest.fixture
def township(county):
    return builders.make_township(county=county, name="东岭乡", slug="dongling-test")


@pytest.fixture
def other_township(county):
    return builders.make_township(county=county, name="西川镇", slug="xichuan-test")


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("admin-test", "admin@example.invalid", "pw-for-tests-only")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


DEMO_FIXTURES = sorted(str(p) for p in (Path(__file__).resolve().parent.parent / "fixtures").glob("*.json"))


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """Load the demo fixtures once for a module, inside a transaction rolled back afterwards.

    Loading takes seconds; tests using this share it read-only (each test's own
    ``db`` savepoint undoes what it writes).
    """
    from django.core.management import call_command
    from django.db import transaction

    assert DEMO_FIXTURES, "fixtures/ holds no demo data"
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", *DEMO_FIXTURES, verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def seeded_rows_survive_flushes(request, django_db_blocker):
    """Put back the rows migrations seed (the working-day calendar, the built-in synonyms) after a flush.

    A transactional test (every browser test's live server) empties every table when it ends, the
    migrations' rows included, and the tests after it would find a calendar without holidays. Each test
    with the database finds them again here (inside its own transaction, so it costs a query when they
    are there).
    """
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if uses_db:
        import importlib

        from django.apps import apps

        from workdays.models import CalendarDay
        from workdays.seed import seed

        with django_db_blocker.unblock():
            if not CalendarDay.objects.exists():
                seed(CalendarDay)
                importlib.import_module("search.migrations.0002_starter_synonyms").add_starter_synonyms(apps, None)
    yield
