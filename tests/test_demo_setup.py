"""The README's first command: demo_setup loads the demo once and prints logins that work."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from portal.management.commands.demo_setup import DEMO_ADMIN_PASSWORD
from portal.models import QRCode, Township, UserScope


def run_demo_setup():
    out = io.StringIO()
    call_command("demo_setup", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_setup_loads_the_demo_issues_codes_and_prints_working_logins(settings):
    settings.DEBUG = True
    printed = run_demo_setup()

    assert Township.objects.filter(slug="dongling").exists()
    assert QRCode.objects.filter(township__slug="dongling", target_type__isnull=True, board="").exists()
    assert DEMO_ADMIN_PASSWORD in printed
    for username in ("demo", "clerk-dongling", "clerk-xichuan", "reviewer-ruihe"):
        assert username in printed
        assert authenticate(username=username, password=DEMO_ADMIN_PASSWORD) is not None, username
    assert UserScope.objects.get(user__username="clerk-dongling").township.slug == "dongling"


@pytest.mark.django_db
def test_demo_setup_run_twice_changes_nothing(settings):
    settings.DEBUG = True
    run_demo_setup()
    codes = QRCode.objects.count()
    printed = run_demo_setup()
    assert "跳过演示数据" in printed
    assert QRCode.objects.count() == codes
    assert Township.objects.count() == 2


@pytest.mark.django_db
def test_demo_setup_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run_demo_setup()
    assert not Township.objects.exists()
