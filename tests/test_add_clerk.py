"""`manage.py add_clerk`: a clerk of a township or a reviewer of a county, created once, moved on re-run."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from portal import roles
from portal.models import UserScope
from tests import builders

PASSWORD = "Township-clerk-2026!"


def run(*args, monkeypatch, password=PASSWORD, tty=False):
    if password is None:
        monkeypatch.delenv("DJANGO_CLERK_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("DJANGO_CLERK_PASSWORD", password)
    monkeypatch.setattr("sys.stdin.isatty", lambda: tty)
    out = io.StringIO()
    call_command("add_clerk", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def places(db):
    county = builders.make_county(name="瑞河县", slug="ruihe")
    return {
        "county": county,
        "east": builders.make_township(county=county, name="东岭乡", slug="dongling"),
        "west": builders.make_township(county=county, name="西川镇", slug="xichuan"),
    }


def test_a_new_clerk_can_sign_in_and_belongs_to_the_township_and_the_clerk_role(client, places, monkeypatch):
    out = run("wang", "--township", "dongling", monkeypatch=monkeypatch)

    user = get_user_model().objects.get(username="wang")
    assert "已创建" in out and "东岭乡" in out
    assert user.is_staff and not user.is_superuser
    assert user.scope.township == places["east"] and user.scope.county is None
    assert list(user.groups.values_list("name", flat=True)) == [roles.CLERK]
    assert client.login(username="wang", password=PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_a_reviewer_is_scoped_to_the_county(places, monkeypatch):
    run("li", "--county", "ruihe", monkeypatch=monkeypatch)

    user = get_user_model().objects.get(username="li")
    assert user.scope.county == places["county"] and user.scope.township is None
    assert list(user.groups.values_list("name", flat=True)) == [roles.REVIEWER]


def test_running_it_again_creates_nothing_new_and_keeps_the_password(client, places, monkeypatch):
    run("wang", "--township", "dongling", monkeypatch=monkeypatch)
    out = run("wang", "--township", "dongling", monkeypatch=monkeypatch, password=None)

    assert "已更新" in out and "密码未改" in out
    assert get_user_model().objects.filter(username="wang").count() == 1
    assert UserScope.objects.filter(user__username="wang").count() == 1
    assert Group.objects.filter(name__in=roles.ROLES).count() == 2
    assert client.login(username="wang", password=PASSWORD)


def test_running_it_with_another_township_or_the_county_moves_the_account(places, monkeypatch):
    run("wang", "--township", "dongling", monkeypatch=monkeypatch)
    run("wang", "--township", "xichuan", monkeypatch=monkeypatch, password=None)
    user = get_user_model().objects.get(username="wang")
    assert user.scope.township == places["west"]

    run("wang", "--county", "ruihe", monkeypatch=monkeypatch, password=None)
    user.refresh_from_db()
    assert user.scope.county == places["county"] and user.scope.township is None
    assert list(user.groups.values_list("name", flat=True)) == [roles.REVIEWER]


def test_a_new_password_from_the_environment_replaces_the_old_one(client, places, monkeypatch):
    run("wang", "--township", "dongling", monkeypatch=monkeypatch)
    run("wang", "--township", "dongling", monkeypatch=monkeypatch, password="Another-clerk-pass-77")

    assert not client.login(username="wang", password=PASSWORD)
    assert client.login(username="wang", password="Another-clerk-pass-77")


def test_without_a_terminal_and_without_the_variable_it_refuses_clearly(places, monkeypatch):
    with pytest.raises(CommandError, match="DJANGO_CLERK_PASSWORD"):
        run("wang", "--township", "dongling", monkeypatch=monkeypatch, password=None)
    assert not get_user_model().objects.filter(username="wang").exists()


def test_at_a_terminal_it_asks_twice(places, monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    run("wang", "--township", "dongling", monkeypatch=monkeypatch, password=None, tty=True)
    assert get_user_model().objects.get(username="wang").check_password(PASSWORD)


def test_two_different_answers_at_the_terminal_create_nothing(places, monkeypatch):
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="不一致"):
        run("wang", "--township", "dongling", monkeypatch=monkeypatch, password=None, tty=True)
    assert not get_user_model().objects.filter(username="wang").exists()


def test_a_weak_password_is_refused_in_chinese_and_nothing_is_written(places, monkeypatch):
    with pytest.raises(CommandError, match="密码不符合要求"):
        run("wang", "--township", "dongling", monkeypatch=monkeypatch, password="123")
    assert not get_user_model().objects.filter(username="wang").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--township", "nowhere"], "没有网址标识为 “nowhere” 的乡镇"),
        (["--county", "nowhere"], "没有网址标识为 “nowhere” 的县（区）"),
    ],
)
def test_an_unknown_place_is_named_in_the_error(places, monkeypatch, args, message):
    with pytest.raises(CommandError, match=message):
        run("wang", *args, monkeypatch=monkeypatch)


def test_township_and_county_together_are_refused(places, monkeypatch):
    with pytest.raises(CommandError):
        run("wang", "--township", "dongling", "--county", "ruihe", monkeypatch=monkeypatch)


def test_the_roles_exist_after_migrate_and_ensuring_them_again_changes_nothing(db):
    before = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    roles.roles_ensure()
    after = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}

    assert set(before) >= set(roles.ROLES)
    assert before == after


def test_the_clerk_role_keeps_township_lists_and_only_reads_county_and_shared_data(db):
    clerk = set(Group.objects.get(name=roles.CLERK).permissions.values_list("content_type__model", "codename"))

    for model in ("serviceitem", "material", "step", "post", "postholder", "liaison", "village", "staff"):
        for action in ("add", "change", "delete", "view"):
            assert (model, f"{action}_{model}") in clerk
    for model in ("countydepartment", "departmentsection", "legalbasis", "category", "lifeevent", "county"):
        assert (model, f"view_{model}") in clerk
        assert (model, f"change_{model}") not in clerk
    assert ("township", "change_township") in clerk and ("township", "delete_township") not in clerk
    assert not any(model in ("user", "group", "userscope") for model, _ in clerk)


def test_the_reviewer_role_reads_everything_and_writes_only_county_rows(db):
    reviewer = set(Group.objects.get(name=roles.REVIEWER).permissions.values_list("content_type__model", "codename"))
    writes = {(m, c) for m, c in reviewer if not c.startswith("view_")}

    assert {m for m, _ in writes} == {"countydepartment", "departmentsection", "certificaterule"}
    for model in ("serviceitem", "liaison", "post", "staff", "historicalserviceitem", "historicalliaison"):
        assert (model, f"view_{model}") in reviewer


def test_a_superuser_account_is_not_turned_into_a_clerk_that_still_sees_everything(places, monkeypatch):
    # A superuser's scope is everything whatever its UserScope says: calling it a clerk would be a lie.
    root = get_user_model().objects.create_superuser("root", "root@example.invalid", PASSWORD)

    with pytest.raises(CommandError, match="超级管理员"):
        run("root", "--township", "dongling", monkeypatch=monkeypatch)

    root.refresh_from_db()
    assert root.is_superuser and not UserScope.objects.filter(user=root).exists()
