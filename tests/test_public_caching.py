"""Pages can be cached and stay correct; large text follows the resident from page to page.

A page says ``Cache-Control: public, no-cache`` (browsers ask again on every
visit), carries an ETag and a Last-Modified date, and varies on Cookie (large
text changes the page). A browser that asks again with its ETag gets 304 while
nothing changed, and the new page (200) as soon as a clerk saves anything the
page shows.
"""

import datetime
import gzip

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils.http import parse_http_date
from pytest_django.asserts import assertContains, assertNotContains

from portal.context_processors import LARGE_TEXT_COOKIE
from services.models import Material
from tests.public_scene import build_scene


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def scene(county, township):
    return build_scene(county=county, township=township, size=0)


def _revalidate(client, url, etag):
    return client.get(url, HTTP_IF_NONE_MATCH=etag)


def test_public_page_is_revalidated_on_every_visit_and_varies_on_cookie(client, scene):
    # Issue 10: no max-age, so a returning resident never sees a page older than a clerk's fix.
    response = client.get(scene.homestead.get_absolute_url())
    assert "public" in response["Cache-Control"]
    assert "no-cache" in response["Cache-Control"]
    assert "max-age" not in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    assert response["ETag"].startswith('"')
    # The township's newest change (issue 10: one content version per township), so no older than the item's steps.
    last_modified = parse_http_date(response["Last-Modified"])
    newest = max(step.updated_at for step in scene.homestead.steps.all())
    assert last_modified >= int(newest.timestamp())
    scene.township.refresh_from_db()
    assert last_modified == int(scene.township.content_changed_at.timestamp())


def test_unchanged_page_revalidates_to_304(client, scene):
    url = scene.homestead.get_absolute_url()
    etag = client.get(url)["ETag"]
    response = _revalidate(client, url, etag)
    assert response.status_code == 304
    assert response.content == b""
    # Even after the server's copy is gone, the same content gives the same ETag.
    cache.clear()
    assert _revalidate(client, url, etag).status_code == 304


def test_clerks_save_of_the_item_shows_on_the_next_request(client, scene):
    url = scene.homestead.get_absolute_url()
    etag = client.get(url)["ETag"]
    scene.homestead.fee = "工本费10元"
    scene.homestead.save()
    response = _revalidate(client, url, etag)
    assert response.status_code == 200
    assertContains(response, "工本费10元")
    assert response["ETag"] != etag


@pytest.mark.parametrize(
    "change, expected, gone",
    [
        ("material_renamed", "不动产权属证明", "居民户口簿"),
        ("material_deleted", None, "居民户口簿"),
        ("holder_phone", "0359-0177777", "0359-0100021"),
        ("office_moved", "305室", "203室"),
        ("township_phone", "0359-0166666", "0359-0100001"),
    ],
)
def test_saves_to_what_the_item_page_shows_appear_on_the_next_request(client, scene, change, expected, gone):
    url = scene.homestead.get_absolute_url()
    etag = client.get(url)["ETag"]
    if change == "material_renamed":
        material = Material.objects.get(item=scene.homestead, name="居民户口簿")
        material.name = "不动产权属证明"
        material.save()
    elif change == "material_deleted":
        Material.objects.get(item=scene.homestead, name="居民户口簿").delete()
    elif change == "holder_phone":
        scene.land_a.office_phone = "0359-0177777"
        scene.land_a.save()
    elif change == "office_moved":
        scene.land.room = "305室"
        scene.land.save()
    elif change == "township_phone":
        scene.township.phone = "0359-0166666"
        scene.township.save()
    response = _revalidate(client, url, etag)
    assert response.status_code == 200
    if expected:
        assertContains(response, expected)
    assertNotContains(response, gone)


def test_saves_show_on_home_liaison_list_and_certificate_pages(client, scene, township):
    pages = {
        "home": township.get_absolute_url(),
        "liaison": reverse("liaison_table", kwargs={"township": township.slug}),
        "list": scene.powers.get_absolute_url(),
        "certificates": reverse("certificate_boards", kwargs={"township": township.slug}),
    }
    etags = {name: client.get(url)["ETag"] for name, url in pages.items()}

    scene.general.handles = "残疾人补贴、医保"
    scene.general.save()
    liaison = scene.civil_post.liaisons.get(department=scene.civil)
    liaison.county_contact_phone = "0359-0288888"
    liaison.save()
    entry = scene.powers.entries.get(number=99)
    entry.duties = "受理、审查、公示宅基地申请"
    entry.save()
    scene.may_not.alternative = "到县医院开具《出生医学证明》。"
    scene.may_not.save()

    expected = {
        "home": "残疾人补贴、医保",
        "liaison": "0359-0288888",
        "list": "受理、审查、公示宅基地申请",
        "certificates": "到县医院开具《出生医学证明》。",
    }
    for name, url in pages.items():
        response = _revalidate(client, url, etags[name])
        assert response.status_code == 200, name
        assertContains(response, expected[name], msg_prefix=name)


def test_a_new_item_appears_on_the_home_page_at_once(client, scene, township):
    from tests import builders

    url = township.get_absolute_url()
    etag = client.get(url)["ETag"]
    builders.make_item(township=township, office=scene.centre, name="新开办的事项")
    response = _revalidate(client, url, etag)
    assert response.status_code == 200
    assertContains(response, "新开办的事项")


def test_missing_pages_are_404_and_not_cached(client, scene, township):
    url = reverse("service_item", kwargs={"township": township.slug, "pk": 999999})
    response = client.get(url)
    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")
    assert client.get("/t/no-such-township/").status_code == 404


def test_public_pages_refuse_posts(client, scene):
    assert client.post(scene.homestead.get_absolute_url()).status_code == 405


# Large text ------------------------------------------------------------------------------------


def test_large_text_link_sets_a_cookie_for_a_year_and_goes_back(client, scene):
    url = scene.homestead.get_absolute_url()
    response = client.get(reverse("text_size"), {"large": "1", "next": url})
    assert response.status_code == 302
    assert response["Location"] == url
    cookie = response.cookies[LARGE_TEXT_COOKIE]
    assert cookie.value == "1"
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    assert cookie["samesite"] == "Lax"


def test_large_text_stays_on_across_pages_and_can_be_switched_off(client, scene, township):
    assertNotContains(client.get(township.get_absolute_url()), 'class="large-text"')
    client.get(reverse("text_size"), {"large": "1", "next": township.get_absolute_url()})
    for url in (township.get_absolute_url(), scene.homestead.get_absolute_url(), scene.centre.get_absolute_url()):
        response = client.get(url)
        assertContains(response, '<html lang="zh-Hans" class="large-text">', msg_prefix=url)
        assertContains(response, "标准字号", msg_prefix=url)
    response = client.get(reverse("text_size"), {"large": "0", "next": township.get_absolute_url()})
    assert response.cookies[LARGE_TEXT_COOKIE].value == ""
    assertNotContains(client.get(township.get_absolute_url()), 'class="large-text"')


def test_large_and_normal_text_are_cached_apart(client, scene):
    url = scene.homestead.get_absolute_url()
    normal = client.get(url)
    client.cookies[LARGE_TEXT_COOKIE] = "1"
    large = client.get(url)
    assert normal["ETag"] != large["ETag"]
    assertContains(large, 'class="large-text"')
    # A browser holding the normal page does not get a 304 for the large one.
    assert _revalidate(client, url, normal["ETag"]).status_code == 200


def test_text_size_link_is_built_for_the_current_page(client, scene):
    url = scene.powers.get_absolute_url() + "?type=行政许可"
    response = client.get(url)
    assertContains(response, "/text-size/?large=1&amp;next=/t/")
    assertContains(response, "%3Ftype%3D")  # the filter survives the round trip


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "http://127.0.0.1.evil.example/",
        "javascript:alert(1)",
        "t/relative/",
        "",
    ],
)
def test_text_size_never_redirects_off_site(client, target):
    response = client.get(reverse("text_size"), {"large": "1", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_text_size_responses_are_not_stored(client):
    response = client.get(reverse("text_size"), {"large": "1", "next": "/"})
    assert response["Cache-Control"] == "no-store"


def test_last_modified_is_not_in_the_future(client, scene):
    response = client.get(scene.homestead.get_absolute_url())
    now = datetime.datetime.now(datetime.UTC).timestamp()
    assert parse_http_date(response["Last-Modified"]) <= now


def test_each_page_is_versioned_by_its_own_rows(client, scene, township, other_township):
    # The version query is compiled once and run with each request's township and pk.
    first = client.get(scene.homestead.get_absolute_url())
    second = client.get(scene.dibao.get_absolute_url())
    assertContains(first, scene.homestead.name)
    assertContains(second, scene.dibao.name)
    assert first["ETag"] != second["ETag"]
    elsewhere = reverse("service_item", kwargs={"township": other_township.slug, "pk": scene.dibao.pk})
    assert client.get(elsewhere).status_code == 404


def test_pages_come_gzipped_to_phones_that_accept_it_and_still_revalidate(client, scene):
    url = scene.homestead.get_absolute_url()
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert "Accept-Encoding" in packed["Vary"]
    assert packed["ETag"] == "W/" + plain["ETag"]  # the same page, another encoding
    for etag in (packed["ETag"], plain["ETag"]):
        assert client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize("name", ["service_item", "responsibility_list", "village", "office", "window", "post"])
def test_an_id_too_large_for_the_database_is_a_404_not_a_server_error(client, scene, township, name):
    # A mistyped or tampered shared link; SQLite cannot even bind an integer beyond 64 bits.
    url = reverse(name, kwargs={"township": township.slug, "pk": 10**20})
    assert client.get(url).status_code == 404


def test_renaming_the_office_of_the_responsible_post_shows_on_the_item_page(client, scene):
    # The post may sit in another office than the item's: the page names the post's office under 找谁.
    scene.dibao.responsible_post = scene.land_post
    scene.dibao.save()
    url = scene.dibao.get_absolute_url()
    etag = client.get(url)["ETag"]
    scene.land.name = "自然资源所（新址）"
    scene.land.save()
    response = _revalidate(client, url, etag)
    assert response.status_code == 200
    assertContains(response, "自然资源所（新址）")


def test_query_strings_a_page_does_not_read_share_its_cache_entry(client, scene, django_assert_num_queries):
    # WeChat appends from=…&isappinstalled=0 to shared links, campaigns utm_*: the same page, one cache entry.
    url = scene.homestead.get_absolute_url()
    first = client.get(url + "?from=singlemessage&isappinstalled=0")
    for variant in ("?from=timeline", "?utm_source=wechat&utm_campaign=a1", ""):
        with django_assert_num_queries(0, info=variant):  # the page comes from the cache, nothing was written
            again = client.get(url + variant)
        assert again["ETag"] == first["ETag"], variant
    assertNotContains(first, "singlemessage")  # links built from the address (text size) drop it too


def test_query_parameters_a_page_reads_make_their_own_entry(client, scene, township):
    url = reverse("search", kwargs={"township": township.slug})
    found = client.get(url, {"q": scene.homestead.name, "utm_source": "x"})
    missed = client.get(url, {"q": "火星移民", "utm_source": "x"})
    assertContains(found, scene.homestead.name)
    assert found["ETag"] != missed["ETag"]


# Served early: no query, no session ------------------------------------------------------------
# A cached page for a visitor without a session is answered by portal.caching.CachedPageMiddleware,
# before sessions, CSRF, authentication and messages, while nothing was written since its check.


def _answered_early(response):
    """Whether the request never reached SessionMiddleware and AuthenticationMiddleware."""
    return not hasattr(response.wsgi_request, "session") and not hasattr(response.wsgi_request, "user")


def test_a_cached_page_costs_no_query_and_never_reaches_the_session(client, scene, django_assert_num_queries):
    url = scene.homestead.get_absolute_url()
    first = client.get(url)
    assert not _answered_early(first)  # rendered by the view, under the whole stack
    with django_assert_num_queries(0):
        again = client.get(url)
    assert _answered_early(again)
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert "Set-Cookie" not in again and not again.cookies


def test_an_early_answer_keeps_every_security_header(client, scene):
    url = scene.homestead.get_absolute_url()
    rendered = client.get(url)
    early = client.get(url)
    assert _answered_early(early)
    for header in (
        "Content-Security-Policy",
        "Permissions-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Cache-Control",
        "Vary",
        "ETag",
        "Last-Modified",
        "Content-Type",
    ):
        assert early.get(header) == rendered.get(header), header
    assert (
        "script-src" not in early["Content-Security-Policy"]
        and "default-src 'none'" in early["Content-Security-Policy"]
    )
    assert early["X-Frame-Options"] == "DENY" and early["X-Content-Type-Options"] == "nosniff"
    assert int(early["Content-Length"]) == len(early.content)


def test_a_clerks_save_shows_at_the_next_request_after_early_answers(client, scene, django_assert_num_queries):
    url = scene.homestead.get_absolute_url()
    client.get(url)
    with django_assert_num_queries(0):
        assert _answered_early(client.get(url))
    scene.homestead.fee = "工本费20元"
    scene.homestead.save()
    response = client.get(url)
    assert not _answered_early(response)
    assertContains(response, "工本费20元")
    with django_assert_num_queries(0):
        assertContains(client.get(url), "工本费20元")


def test_a_clerks_transaction_moves_the_stamp_again_when_it_commits(scene, django_capture_on_commit_callbacks):
    # A page checked while the save is not yet committed reads the old versions: it must be checked again.
    from portal import freshness

    with django_capture_on_commit_callbacks(execute=True):
        scene.homestead.fee = "工本费30元"
        scene.homestead.save()
        during = freshness.stamp()
    assert freshness.stamp() != during


def test_a_write_by_another_process_shows_at_the_next_request(client, scene, settings, tmp_path, per_process_cache):
    # Another gunicorn worker or an import command: its versions reach the database, its stamp the
    # file every process on the machine reads (a per-process cache cannot carry it).
    from django.db import connection

    from portal import freshness

    settings.VAR_DIR = tmp_path
    url = scene.homestead.get_absolute_url()
    client.get(url)
    assert _answered_early(client.get(url))
    table, township = scene.township._meta.db_table, scene.township.pk
    with connection.cursor() as cursor:  # no signal, no FreshQuerySet: as seen from this process
        cursor.execute("UPDATE services_serviceitem SET fee = %s WHERE id = %s", ["工本费40元", scene.homestead.pk])
        cursor.execute(f"UPDATE {table} SET content_version = content_version + 1 WHERE id = %s", [township])
    (tmp_path / freshness.STAMP_FILE).write_text("moved-by-another-process")
    assertContains(client.get(url), "工本费40元")


def test_with_a_shared_cache_the_stamp_lives_in_it(client, scene, settings, tmp_path, django_assert_num_queries):
    from portal import freshness

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    }
    url = scene.homestead.get_absolute_url()
    client.get(url)
    with django_assert_num_queries(0):
        assert _answered_early(client.get(url))
    before = cache.get(freshness.STAMP_KEY)
    scene.homestead.fee = "工本费50元"
    scene.homestead.save()
    assert cache.get(freshness.STAMP_KEY) not in (None, before)
    assertContains(client.get(url), "工本费50元")


def test_large_text_is_answered_early_apart_from_normal_text(client, scene):
    url = scene.homestead.get_absolute_url()
    client.get(url)
    client.cookies[LARGE_TEXT_COOKIE] = "1"
    client.get(url)
    large = client.get(url)
    assert _answered_early(large)
    assertContains(large, 'class="large-text"')
    del client.cookies[LARGE_TEXT_COOKIE]
    normal = client.get(url)
    assert _answered_early(normal)
    assertNotContains(normal, 'class="large-text"')


def test_a_visitor_with_a_session_gets_the_copy_after_the_session_middleware(client, scene, superuser):
    url = scene.homestead.get_absolute_url()
    client.get(url)
    client.force_login(superuser)
    response = client.get(url)
    assert not _answered_early(response) and response.wsgi_request.user == superuser
    assert response.status_code == 200


def test_early_answers_keep_the_parameters_a_page_reads(client, scene):
    url = scene.powers.get_absolute_url()
    whole = client.get(url)
    filtered = client.get(url + "?type=行政检查")
    assert whole["ETag"] != filtered["ETag"]
    for variant in ("?type=行政检查", "?type=行政检查&from=singlemessage", "?from=singlemessage&type=行政检查"):
        again = client.get(url + variant)
        assert _answered_early(again) and again["ETag"] == filtered["ETag"], variant
    escaped = client.get(url + "?%74ype=行政检查")  # "type", spelled in escapes
    assert escaped["ETag"] == filtered["ETag"]
    bare = client.get(url + "?type")  # read by the view as type="": not the copy of another address
    assert not _answered_early(bare)
    assert client.get(url + "?from=timeline")["ETag"] == whole["ETag"]


def test_an_early_answer_refuses_a_host_not_allowed(client, scene):
    url = scene.homestead.get_absolute_url()
    client.get(url)
    assert client.get(url, HTTP_HOST="evil.example").status_code == 400


def test_searches_are_not_answered_early_so_misses_are_counted(client, scene, township):
    url = reverse("search", kwargs={"township": township.slug}) + "?q=火星移民"
    client.get(url)
    assert not _answered_early(client.get(url))


def test_a_scheduled_publication_shows_on_the_cached_home_on_its_date(client, scene, township, monkeypatch):
    from django.utils import timezone

    from tests import builders

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    builders.make_item(
        township=township, office=scene.centre, materials=1, name="明天发布的事项", publish_from=tomorrow
    )
    url = township.get_absolute_url()
    assertNotContains(client.get(url), "明天发布的事项")
    assertNotContains(client.get(url), "明天发布的事项")  # the copy, answered early
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + datetime.timedelta(days=1))
    assertContains(client.get(url), "明天发布的事项")  # nothing was written: the date alone


def test_without_a_stamp_file_every_hit_checks_the_versions(client, scene, settings, tmp_path, per_process_cache):
    # VAR_DIR unusable: no stamp can be shared, so no copy is trusted without a look at the versions.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    not_a_folder = tmp_path / "not-a-folder"
    not_a_folder.write_text("")
    settings.VAR_DIR = not_a_folder
    url = scene.homestead.get_absolute_url()
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.status_code == 200 and again["ETag"] == first["ETag"]
    assert len(queries) == 1  # the versions: the rendered page still comes from the cache
