"""Shared fixtures: named personas, a small township, and Debian's Chromium for browser tests."""

import os
import shutil
from pathlib import Path

import pytest

from tests import builders

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parent.parent / "test-results"

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# refuses to run there unless told this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
