"""Content-Security-Policy and Permissions-Policy (issue 11, item 4).

Public pages may load the site's own stylesheet and images and run no script
at all; the admin may run Django's scripts from this site only. The browser
tests open the pages in Chromium and fail on any CSP violation it reports.
"""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from portal import codes
from tests.public_scene import build_scene

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/ld\+json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


@pytest.fixture
def scene(db, county, township):
    cache.clear()
    return build_scene(county=county, township=township, size=2)


def public_paths(scene):
    t = scene.township.slug
    return [
        "/",
        f"/t/{t}/",
        scene.homestead.get_absolute_url(),
        f"/t/{t}/search/?q=宅基地",
        f"/t/{t}/lists/",
        f"/t/{t}/certificates/",
        f"/t/{t}/liaison/",
        scene.village.get_absolute_url(),
        scene.centre.get_absolute_url(),
        scene.general.get_absolute_url(),
        "/no/such/page/",
        "/q/ZZZZZZ",
    ]


@pytest.mark.django_db
def test_every_public_page_has_the_policy_and_no_inline_script(client, scene):
    for path in public_paths(scene):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        policy = directives(response)
        assert policy["default-src"] == ["'none'"], path
        assert "script-src" not in policy, path  # falls back to default-src 'none': no script at all
        assert policy["style-src"][0] == "'self'" and "'unsafe-inline'" not in policy["style-src"], path
        assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'none'"], path
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
        page = response.content.decode()
        assert not INLINE_SCRIPT.search(page), path
        assert not EVENT_HANDLER.search(page), path


@pytest.mark.django_db
def test_the_item_page_keeps_its_json_ld_data_block(client, scene):
    page = client.get(scene.homestead.get_absolute_url()).content.decode()
    assert '<script type="application/ld+json">' in page


@pytest.mark.django_db
def test_print_pages_may_style_inline_but_run_no_script(client, scene):
    response = client.get(reverse("print_code_sheet", kwargs={"township": scene.township.slug}))
    policy = directives(response)
    assert policy["default-src"] == ["'none'"] and "script-src" not in policy
    assert "'unsafe-inline'" in policy["style-src"]


@pytest.mark.django_db
def test_the_admin_runs_only_the_sites_own_scripts(admin_client):
    policy = directives(admin_client.get("/admin/"))
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_uploads_served_by_the_demo_are_never_pages(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "申请表.pdf").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "forms" / "old.html").write_bytes(b"<script>alert(1)</script>")
    (tmp_path / "forms" / "plan.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    from django.test import override_settings
    from django.urls import clear_url_caches

    with override_settings(ROOT_URLCONF="tests.media_urls"):
        clear_url_caches()
        pdf = client.get("/media/forms/申请表.pdf")
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf["Content-Disposition"] == "attachment"
        assert pdf["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in pdf["Content-Security-Policy"]
        html = client.get("/media/forms/old.html")  # uploaded before the validators existed
        assert html["Content-Type"] == "application/octet-stream" and html["Content-Disposition"] == "attachment"
        png = client.get("/media/forms/plan.png")
        assert png["Content-Type"] == "image/png"
        assert not png.get("Content-Disposition", "").startswith("attachment")  # shown on the page
    clear_url_caches()


def test_the_deploy_check_knows_the_policy_middleware(settings):
    assert "portal.security.SecurityHeadersMiddleware" in settings.MIDDLEWARE


# In Chromium ----------------------------------------------------------------------------------------


def _csp_errors(messages):
    return [m for m in messages if "Content Security Policy" in m or "Content-Security-Policy" in m]


@pytest.fixture
def live_scene(transactional_db, county, township):
    cache.clear()
    return build_scene(county=county, township=township, size=2)


@pytest.mark.browser
def test_public_pages_report_no_csp_violation_in_chromium(page, live_server, live_scene):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    gate = codes.gate_code(live_scene.township)
    paths = [
        *public_paths(live_scene),
        reverse("print_code_sheet", kwargs={"township": live_scene.township.slug}),
        f"/q/{gate.code}.svg",
    ]
    for path in paths:
        page.goto(live_server.url + path)
    assert _csp_errors(messages) == []
    # The JSON-LD block is in the item page and was parsed as data.
    page.goto(live_server.url + live_scene.homestead.get_absolute_url())
    assert page.locator('script[type="application/ld+json"]').count() == 1
    assert _csp_errors(messages) == []


@pytest.mark.browser
def test_the_admin_works_under_its_policy_in_chromium(page, live_server, live_scene, django_user_model):
    django_user_model.objects.create_superuser("csp-admin", "csp@example.invalid", "csp-admin-pw-42")
    messages, errors = [], []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "csp-admin")
    page.fill("#id_password", "csp-admin-pw-42")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    item = live_scene.homestead
    for path in [
        reverse("admin:services_serviceitem_changelist"),
        reverse("admin:services_serviceitem_change", args=[item.pk]),
        reverse("admin:services_serviceitem_import"),
        reverse("admin:staff_staff_changelist"),
        reverse("admin:portal_township_change", args=[live_scene.township.pk]),
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
    # The admin's own scripts ran: the change form's inlines got their "add another" links.
    page.goto(live_server.url + reverse("admin:services_serviceitem_change", args=[item.pk]))
    assert page.locator(".add-row a").count() >= 1
    assert _csp_errors(messages) == [], messages
    assert errors == []
