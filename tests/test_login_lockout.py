"""Guessed passwords meet a lockout (issue 11, item 3): django-axes behind the admin's login."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "pw-for-tests-only"


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user("clerk-lock", password=PASSWORD, is_staff=True)


def attempt(client, password, username="clerk-lock"):
    return client.post(LOGIN, {"username": username, "password": password})


def test_the_eleventh_wrong_password_is_locked_out_and_so_is_the_right_one(clerk):
    client = Client()
    for n in range(9):
        response = attempt(client, f"wrong-{n}")
        assert response.status_code == 200, n  # the login form again, with Django's Chinese error
        assert "请输入一个正确的" in response.content.decode()
    assert attempt(client, "wrong-9").status_code == 429  # the tenth failure locks the account
    locked = attempt(client, "wrong-10")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "账号已暂时锁定" in page and "30 分钟" in page
    assert "Account locked" not in page
    assert int(locked["Retry-After"]) == 30 * 60
    assert attempt(client, PASSWORD).status_code == 429  # the right password too, until the cool-off
    assert attempt(Client(REMOTE_ADDR="10.7.7.7"), PASSWORD).status_code == 429  # from anywhere


def test_the_unlock_command_lifts_the_lock_at_once(clerk):
    client = Client()
    for n in range(11):
        attempt(client, f"wrong-{n}")
    assert attempt(client, PASSWORD).status_code == 429
    out = StringIO()
    call_command("unlock_account", "clerk-lock", stdout=out)
    assert "已解锁账号“clerk-lock”" in out.getvalue()
    response = attempt(client, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_unlocking_an_account_that_is_not_locked_says_so(clerk):
    out = StringIO()
    call_command("unlock_account", "clerk-lock", stdout=out)
    assert "没有被锁定" in out.getvalue()


def test_a_few_typos_then_the_right_password_logs_in_and_start_the_count_afresh(clerk):
    client = Client()
    for n in range(9):
        attempt(client, f"typo-{n}")
    assert attempt(client, PASSWORD).status_code == 302
    client.logout()
    for n in range(9):
        assert attempt(client, f"typo-again-{n}").status_code == 200
    assert attempt(client, PASSWORD).status_code == 302


def test_one_address_guessing_many_usernames_is_stopped(clerk):
    client = Client(REMOTE_ADDR="10.8.8.8")
    for n in range(10):
        attempt(client, "guess", username=f"someone-{n}")
    assert attempt(client, PASSWORD).status_code == 429


def test_force_login_and_authenticate_without_a_request_still_work(clerk):
    from django.contrib.auth import authenticate

    assert authenticate(username="clerk-lock", password=PASSWORD) == clerk  # commands, the shell
    client = Client()
    client.force_login(clerk)
    assert client.get("/admin/").status_code == 200
