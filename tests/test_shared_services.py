"""Several app servers, one set of shared services (issue 18, items 1–2): Redis and an S3-compatible store.

The object store tests upload, serve and delete a blank form and a photo in a
local S3 server (moto, started by ``tests/conftest.py``), and read back what a
resident's browser would get from it. The last tests start two gunicorn
servers on two ports over one SQLite file, one Redis database and that S3
server, as the README's production layout does with PostgreSQL: what a clerk
saves or uploads through one is what the other serves at the next request,
a clerk logged in through one is logged in on the other (sessions in Redis, written
through to the database), and limits, scan windows and lockouts count requests to both.

Redis and the S3 server are skipped where they are missing, and fail under
CI=true (.ci/run provides both).
"""

import io
import os
import re
import sqlite3
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.models import QRScanDay
from staff.models import Staff
from tests import builders
from tests.conftest import REDIS_TEST_URL, S3_BUCKET, S3_KEYS, free_port, redis_client_or_skip, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def jpeg(width, height):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def fetch(url, **kwargs):
    import requests

    return requests.get(url, timeout=10, **kwargs)


# The object store, from this process --------------------------------------------------------------


@pytest.mark.s3
@pytest.mark.django_db
def test_a_blank_form_is_stored_with_its_type_served_as_a_download_and_deleted(s3_storage, township, client):
    item = builders.make_item(township=township, name="宅基地申请", materials=1)
    material = item.materials.get()
    material.blank_form = SimpleUploadedFile("宅基地申请表.pdf", PDF)
    material.full_clean()
    material.save()

    key = material.blank_form.name
    assert key.startswith("forms/blank/") and key.endswith(".pdf")
    stored = s3_storage.head_object(Bucket=S3_BUCKET, Key=key)
    assert stored["ContentType"] == "application/pdf"
    assert stored["ContentDisposition"] == "attachment"

    # The resident's item page links to the object; the store hands it out as a download.
    url = material.blank_form.url
    assert url.startswith(f"{s3_storage.meta.endpoint_url}/{S3_BUCKET}/forms/blank/")
    assert "Signature" not in url  # a public address: the same on every rendering of the page
    assert url.replace("&", "&amp;") in client.get(item.get_absolute_url()).content.decode()
    download = fetch(url)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment"

    material.blank_form.delete()
    assert fetch(url).status_code == 404
    assert s3_storage.list_objects_v2(Bucket=S3_BUCKET).get("KeyCount") == 0


@pytest.mark.s3
@pytest.mark.django_db
def test_a_staff_photo_is_stored_re_encoded_shown_inline_and_deleted(s3_storage, township, settings):
    settings.PORTAL_IMAGE_MAX_SIDE = 800
    person = builders.make_staff(township=township, name="王小梅")
    person.photo = SimpleUploadedFile("工作照.jpg", jpeg(3000, 2000))
    person.full_clean()
    person.save()

    key = Staff.objects.get(pk=person.pk).photo.name
    stored = s3_storage.head_object(Bucket=S3_BUCKET, Key=key)
    assert stored["ContentType"] == "image/jpeg"
    assert "ContentDisposition" not in stored  # a photo is shown in the page, not downloaded

    shown = fetch(person.photo.url)
    assert shown.status_code == 200 and shown.headers["Content-Type"] == "image/jpeg"
    assert "Content-Disposition" not in shown.headers
    with Image.open(io.BytesIO(shown.content)) as image:
        assert image.size == (800, 533)  # re-encoded to a phone's size before it reached the store

    person.photo.delete()
    assert fetch(shown.url).status_code == 404


@pytest.mark.s3
@pytest.mark.django_db
def test_two_uploads_of_the_same_name_keep_both_files(s3_storage, township):
    item = builders.make_item(township=township, materials=2)
    first, second = item.materials.all()
    for material, body in ((first, PDF), (second, PDF + b"% another township's form\n")):
        material.blank_form = SimpleUploadedFile("申请表.pdf", body)
        material.save()
    assert first.blank_form.name != second.blank_form.name
    assert fetch(first.blank_form.url).content == PDF


@pytest.mark.s3
@pytest.mark.django_db
def test_a_private_bucket_gets_signed_addresses_that_work(s3_storage, township, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "querystring_auth": True},
        },
    }
    township.floor_plan = SimpleUploadedFile("平面图.png", _png())
    township.save()
    url = township.floor_plan.url
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=" in url
    assert fetch(url).headers["Content-Type"] == "image/png"


@pytest.mark.s3
@pytest.mark.django_db
def test_public_pages_may_show_images_from_the_object_store(s3_storage, township, client):
    township.floor_plan = SimpleUploadedFile("平面图.png", _png())
    township.save()
    response = client.get(township.get_absolute_url())
    assert township.floor_plan.url in response.content.decode()
    img_src = re.search(r"img-src ([^;]*)", response["Content-Security-Policy"]).group(1).split()
    assert s3_storage.meta.endpoint_url in img_src


def _png():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


# Two app servers ----------------------------------------------------------------------------------

CLERK, CLERK_PASSWORD = "clerk-donglin", "pw-two-servers-only"
SETUP = """
from django.core.management import call_command
from portal import codes
from tests import builders
county = builders.make_county(name="瑞河县", slug="ruihe")
township = builders.make_township(county=county, name="东岭乡", slug="dongling", phone="0359-0100001")
builders.make_item(township=township, name="宅基地申请", materials=1, steps=1)
call_command("add_clerk", "{clerk}", township="dongling", verbosity=0)
print("gate:", codes.gate_code(township).code)
"""


def _server_env(tmp_path, s3_endpoint):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_URL"}}
    env.update(
        DEBUG="1",  # no collectstatic needed; the shared state does not depend on it
        PORTAL_VAR_DIR=str(tmp_path),  # var/portal.sqlite3: one database file for both servers
        REDIS_URL=REDIS_TEST_URL,
        REDIS_SESSIONS="1",
        S3_BUCKET=S3_BUCKET,
        S3_ENDPOINT_URL=s3_endpoint,
        S3_ACCESS_KEY_ID=S3_KEYS["access_key"],
        S3_SECRET_ACCESS_KEY=S3_KEYS["secret_key"],
        S3_REGION="us-east-1",
        CLIENT_IP_HEADER="HTTP_X_REAL_IP",
        PORTAL_HEAVY_RATE="6/m",
        AXES_FAILURE_LIMIT="3",
        DJANGO_CLERK_PASSWORD=CLERK_PASSWORD,
    )
    return env


def _manage(*args, env):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class TwoServers:
    def __init__(self, ports, database, gate_code, s3_endpoint):
        self.a, self.b = (f"http://127.0.0.1:{port}" for port in ports)
        self.media = f"{s3_endpoint}/{S3_BUCKET}/"
        self.database = database
        self.gate_code = gate_code

    def scans(self):
        with sqlite3.connect(self.database) as db:
            return db.execute(f"SELECT COALESCE(SUM(count), 0) FROM {QRScanDay._meta.db_table}").fetchone()[0]


@pytest.fixture(scope="module")
def two_servers(s3_server, tmp_path_factory):
    """Two gunicorn servers (one worker each) sharing one database file, Redis and the S3 bucket."""
    shared_cache = redis_client_or_skip()
    shared_cache.flushdb()
    tmp_path = tmp_path_factory.mktemp("two-servers")
    env = _server_env(tmp_path, s3_server)
    _manage("migrate", "-v0", env=env)
    gate_code = re.search(r"^gate: (\w+)$", _manage("shell", "-c", SETUP.format(clerk=CLERK), env=env), re.M).group(1)
    ports = (free_port(),)
    while len(ports) < 2:
        ports = tuple({*ports, free_port()})
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    servers, logs = [], []
    try:
        for port in ports:
            logs.append((tmp_path / f"gunicorn-{port}.log").open("w"))
            command = [gunicorn, "portal.wsgi", "--bind", f"127.0.0.1:{port}", "-w", "1"]
            servers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=logs[-1], stderr=subprocess.STDOUT))
        for port, server in zip(ports, servers, strict=True):
            wait_for_port(port, seconds=30, process=server)
        yield TwoServers(ports, tmp_path / "portal.sqlite3", gate_code, s3_server)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)
        for log in logs:
            log.close()
        shared_cache.flushdb()


class _FormFields(HTMLParser):
    """What a browser would send for the form with id ``form_id``: its inputs, selects and textareas."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in {"file", "submit", "button", "image", "reset"}:
                self.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            name, text = self._textarea
            self.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def _browser(address):
    import requests

    session = requests.Session()
    session.headers.update({"X-Real-IP": address, "User-Agent": "Mozilla/5.0 (Linux; Android 13) Mobile Safari/537.36"})
    return session


def _log_in(session, server, username, password):
    session.get(f"{server}/admin/login/", timeout=10)
    return session.post(
        f"{server}/admin/login/?next=/admin/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{server}/admin/login/"},
        timeout=30,
        allow_redirects=False,
    )


@pytest.mark.redis
@pytest.mark.s3
def test_a_clerks_save_and_upload_on_one_server_show_on_the_other_at_the_next_request(two_servers):
    resident = _browser("10.0.1.1")
    home_b = f"{two_servers.b}/t/dongling/"
    booklet_b = f"{two_servers.b}/t/dongling/print/booklet/"
    assert "0359-0100001" in resident.get(home_b, timeout=10).text
    assert "0359-0100001" in resident.get(booklet_b, timeout=10).text  # now kept in the shared cache

    clerk = _browser("10.0.1.2")
    assert _log_in(clerk, two_servers.a, CLERK, CLERK_PASSWORD).status_code == 302
    assert clerk.get(f"{two_servers.b}/admin/", timeout=10, allow_redirects=False).status_code == 200  # no stickiness
    change = f"{two_servers.a}/admin/portal/township/"
    listing = clerk.get(change, timeout=10).text
    change += re.search(r'href="/admin/portal/township/(\d+)/change/', listing).group(1) + "/change/"
    page = clerk.get(change, timeout=10)
    form = _FormFields("township_form")
    form.feed(page.text)
    data = [(name, value) for name, value in form.fields if name != "phone"]
    data += [("phone", "0359-0166666"), ("_save", "保存")]
    saved = clerk.post(
        change,
        data=data,
        files={"floor_plan": ("平面图.jpg", jpeg(1200, 800), "image/jpeg")},
        headers={"Referer": change},
        timeout=30,
        allow_redirects=False,
    )
    assert saved.status_code == 302, saved.text[:2000]

    home = resident.get(home_b, timeout=10).text
    assert "0359-0166666" in home and "0359-0100001" not in home
    booklet = resident.get(booklet_b, timeout=10).text
    assert "0359-0166666" in booklet and "0359-0100001" not in booklet  # not the copy B kept before the save
    plan = re.search(r'<img class="floor-plan" src="([^"]+)"', home).group(1)
    assert plan.startswith(two_servers.media + "floor-plans/")  # uploaded through A into the shared bucket
    image = fetch(plan.replace("&amp;", "&"))
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"


@pytest.mark.redis
@pytest.mark.s3
def test_a_clients_requests_to_both_servers_count_against_one_limit(two_servers):
    flooder = _browser("10.0.2.1")
    paths = [f"{server}/t/dongling/print/booklet/" for server in (two_servers.a, two_servers.b)] * 4
    statuses = [flooder.get(url, timeout=10).status_code for url in paths]
    assert statuses == [200] * 6 + [429] * 2  # PORTAL_HEAVY_RATE=6/m, counted across both servers
    assert _browser("10.0.2.2").get(paths[1], timeout=10).status_code == 200


@pytest.mark.redis
@pytest.mark.s3
def test_a_phone_opening_a_code_on_both_servers_counts_once(two_servers):
    phone = _browser("10.0.3.1")
    before = two_servers.scans()
    for server in (two_servers.a, two_servers.b, two_servers.a):
        assert phone.get(f"{server}/q/{two_servers.gate_code}", timeout=10, allow_redirects=False).status_code == 302
    assert two_servers.scans() == before + 1
    _browser("10.0.3.2").get(f"{two_servers.b}/q/{two_servers.gate_code}", timeout=10, allow_redirects=False)
    assert two_servers.scans() == before + 2


@pytest.mark.redis
@pytest.mark.s3
def test_wrong_passwords_on_both_servers_lock_the_account_on_both(two_servers):
    guesser = _browser("10.0.4.1")
    statuses = [_log_in(guesser, server, "someone", "wrong").status_code for server in (two_servers.a, two_servers.b)]
    assert statuses == [200, 200]
    assert _log_in(guesser, two_servers.a, "someone", "wrong").status_code == 429  # AXES_FAILURE_LIMIT=3 in all
    assert _log_in(_browser("10.0.4.2"), two_servers.b, "someone", "wrong").status_code == 429
