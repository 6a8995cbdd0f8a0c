"""Deployment settings: production mode passes Django's deploy check and runs under gunicorn."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parent.parent


def production_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="bm.example.gov.cn,127.0.0.1",
        PORTAL_BASE_URL="https://bm.example.gov.cn",
        PORTAL_VAR_DIR=str(tmp_path),
    )
    env.update(extra)
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check_without_warnings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr + result.stdout


def test_production_refuses_the_demo_secret(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("PORTAL_BASE_URL", "bm.example.gov.cn/portal"),
        ("REDIS_URL", "memcached://127.0.0.1:11211"),
        ("CACHE_URL", "memcached://127.0.0.1:11211"),
        ("REDIS_SESSIONS", "1"),  # without REDIS_URL
        ("DATABASE_POOL", "1"),  # on SQLite
        ("DATABASE_PREPARED_STATEMENTS", "1"),  # on SQLite
    ],
)
def test_a_bad_environment_value_fails_loudly(tmp_path, name, value):
    result = manage("check", env=production_env(tmp_path, **{name: value}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr


SHARED_STATE = {
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "REDIS_SESSIONS": "1",
    "S3_BUCKET": "bm-media",
    "S3_ENDPOINT_URL": "https://obs.cn-north-4.example.com",
    "S3_ACCESS_KEY_ID": "key-id",
    "S3_SECRET_ACCESS_KEY": "secret",
    "S3_REGION": "cn-north-4",
    "DATABASE_URL": "postgres://portal:secret@127.0.0.1:5432/portal",
    "DATABASE_POOL": "1",
    "DATABASE_PREPARED_STATEMENTS": "1",
}
SHOW_SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "cache": [settings.CACHES["default"]["BACKEND"], settings.CACHES["default"].get("LOCATION")],
    "sessions": settings.SESSION_ENGINE,
    "storage": settings.STORAGES["default"],
    "media_url": settings.MEDIA_URL,
    "db": [db["CONN_MAX_AGE"], db.get("OPTIONS", {})],
}))
"""


def settings_in(tmp_path, **env):
    result = manage("shell", "-c", SHOW_SETTINGS, env=production_env(tmp_path, **env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_with_redis_object_storage_and_a_pool_passes_the_deploy_check(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path, **SHARED_STATE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_shared_services_one_machine_keeps_everything(tmp_path):
    found = settings_in(tmp_path)
    assert found["cache"][0] == "django.core.cache.backends.locmem.LocMemCache"
    assert found["sessions"] == "django.contrib.sessions.backends.db"
    assert found["storage"] == {"BACKEND": "portal.storage.MediaStorage"}
    assert found["media_url"] == "/media/"


def test_the_shared_services_are_connected_by_their_settings(tmp_path):
    found = settings_in(tmp_path, **SHARED_STATE)
    assert found["cache"] == ["django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/1"]
    assert found["sessions"] == "django.contrib.sessions.backends.cached_db"  # written through to the database
    assert found["storage"]["BACKEND"] == "portal.object_storage.ObjectMediaStorage"
    options = found["storage"]["OPTIONS"]
    assert options["bucket_name"] == "bm-media" and options["endpoint_url"] == "https://obs.cn-north-4.example.com"
    assert options["querystring_auth"] is False and options["file_overwrite"] is False
    assert found["media_url"] == "https://obs.cn-north-4.example.com/bm-media/"  # the CSP's img-src
    conn_max_age, db_options = found["db"]
    assert conn_max_age == 0  # Django refuses a pool with persistent connections
    assert db_options["pool"] == {"min_size": 2, "max_size": 4, "timeout": 10}
    assert db_options["server_side_binding"] is True and db_options["prepare_threshold"] == 5


def test_the_former_cache_url_still_works_and_a_custom_domain_serves_the_uploads(tmp_path):
    found = settings_in(
        tmp_path,
        CACHE_URL="redis://127.0.0.1:6379/2",
        S3_BUCKET="bm-media",
        S3_ACCESS_KEY_ID="key-id",
        S3_SECRET_ACCESS_KEY="secret",
        S3_CUSTOM_DOMAIN="media.bm.example.gov.cn",
    )
    assert found["cache"][1] == "redis://127.0.0.1:6379/2"
    assert found["media_url"] == "https://media.bm.example.gov.cn/"


def test_the_object_store_refuses_a_media_url_on_the_portals_own_host(tmp_path):
    env = {k: v for k, v in SHARED_STATE.items() if k.startswith("S3_")}
    result = manage("check", env=production_env(tmp_path, MEDIA_URL="/media/", **env))
    assert result.returncode != 0 and "MEDIA_URL" in result.stderr


def test_the_forwarded_scheme_from_the_tls_proxy_is_trusted(settings):
    request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https")
    assert request.is_secure()


def test_language_and_time_zone_are_chinese(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


@pytest.mark.django_db
def test_the_admin_speaks_chinese_whatever_language_the_browser_asks_for(client):
    page = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "用户名" in page and "登录" in page


def test_no_model_change_lacks_a_migration():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_the_portal_behind_a_tls_proxy(tmp_path):
    env = production_env(tmp_path, STATIC_ROOT=str(tmp_path / "static"))
    assert manage("migrate", "-v0", env=env).returncode == 0
    assert manage("collectstatic", "--noinput", "-v0", env=env).returncode == 0
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "portal.wsgi", "--bind", f"127.0.0.1:{port}", "-w", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port)
        opener = urllib.request.build_opener(NoRedirect)
        proxied = urllib.request.Request(
            f"http://127.0.0.1:{port}/", headers={"Host": "bm.example.gov.cn", "X-Forwarded-Proto": "https"}
        )
        response = opener.open(proxied, timeout=10)
        assert response.status == 200
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]

        plain = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": "bm.example.gov.cn"})
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(plain, timeout=10)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"] == "https://bm.example.gov.cn/"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _wait_for_port(port, seconds=20):
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
