"""With DEBUG off every error answers in Chinese with the way home (issue 11, item 7 and 8)."""

import pytest
from django.test import Client, override_settings

from portal import codes

pytestmark = pytest.mark.django_db

WAY_HOME = "乡镇目录"


def assert_chinese_error_page(response, status):
    assert response.status_code == status
    page = response.content.decode()
    assert '<html lang="zh-Hans"' in page
    assert WAY_HOME in page and 'href="/"' in page
    for english in ("Not Found", "Bad Request", "Forbidden", "Server Error", "CSRF verification failed"):
        assert english not in page
    return page


def test_an_unknown_address_gets_the_chinese_404_with_the_directory(client, settings):
    assert settings.DEBUG is False
    assert_chinese_error_page(client.get("/no/such/page/"), 404)


def test_a_404_under_a_township_names_it_with_its_home_and_phone(client, township):
    page = assert_chinese_error_page(client.get(f"/t/{township.slug}/items/999999/"), 404)
    assert township.name in page
    assert f'href="/t/{township.slug}/"' in page
    assert township.phone in page


def test_a_refused_host_gets_the_chinese_400(client, settings):
    assert_chinese_error_page(client.get("/", HTTP_HOST="evil.example.com"), 400)


def test_a_403_is_chinese(settings):
    settings.ROOT_URLCONF = "tests.error_urls"
    client = Client(raise_request_exception=False)
    assert_chinese_error_page(client.get("/forbidden/"), 403)


def test_a_bug_gets_the_chinese_500_with_the_township_phone(settings, township):
    settings.ROOT_URLCONF = "tests.error_urls"
    client = Client(raise_request_exception=False)
    assert_chinese_error_page(client.get("/boom/"), 500)
    page = assert_chinese_error_page(client.get(f"/t/{township.slug}/boom/"), 500)
    assert township.phone in page


def test_the_500_page_renders_even_when_rendering_fails(monkeypatch, rf):
    from portal import errors

    def broken(*args, **kwargs):
        raise RuntimeError("template broken")

    monkeypatch.setattr(errors, "error_page", broken)
    response = errors.server_error(rf.get("/"))
    assert response.status_code == 500
    assert "服务器出了点问题" in response.content.decode()


def test_a_csrf_failure_gets_the_chinese_page(township):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    page = assert_chinese_error_page(response, 403)
    assert "Cookie" in page


@pytest.mark.parametrize(
    "tail",
    ["/", ".", "。", "（扫码也可以）", "，查看办事指南", ")", "%EF%BC%88%E6%89%AB%E7%A0%81%EF%BC%89"],
)
def test_a_pasted_code_with_text_glued_on_reaches_its_target(client, township, tail):
    gate = codes.gate_code(township)
    clean = client.get(f"/q/{gate.code}")
    pasted = client.get(f"/q/{gate.code}{tail}")
    assert pasted.status_code == 302
    assert pasted["Location"] == clean["Location"]


def test_a_pasted_lowercase_code_reaches_its_target(client, township):
    gate = codes.gate_code(township)
    assert client.get(f"/q/{gate.code.lower()}，查看").status_code == 302


def test_a_pasted_unknown_code_gets_the_chinese_page(client, township):
    response = client.get("/q/ZZZZZZ（扫码也可以）")
    assert response.status_code == 404
    assert "没有找到这个二维码" in response.content.decode()
    assert_chinese_error_page(client.get("/q/（扫码也可以）"), 404)


@override_settings(PORTAL_BASE_URL="https://bm.ruihe.example.cn")
def test_robots_txt_keeps_crawlers_out_of_the_admin_and_the_scan_redirect_and_names_the_sitemap(client):
    response = client.get("/robots.txt", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines and "Disallow: /q/" in lines
    assert "Sitemap: https://bm.ruihe.example.cn/sitemap.xml" in lines
    assert client.get("/sitemap.xml").status_code == 200


def test_the_favicon_is_a_small_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert 0 < len(response.content) < 4096


def test_healthz_answers_ok_uncached_and_says_nothing_else(client, township):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    from portal import site_views

    class Broken:
        def cursor(self):
            raise RuntimeError("no database")

    monkeypatch.setattr(site_views, "connection", Broken())
    assert client.get("/healthz").status_code == 503
