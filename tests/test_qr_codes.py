"""Printed QR codes: issued once, never broken, counted, drawn so that a phone reads them."""

import datetime
import io
import re
import shutil
import subprocess

import cv2
import numpy as np
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from portal import codes
from portal.models import QRCode, QRScanDay
from tests import builders
from tests.qrdecode import decode_qr

BASE = "https://bm.ruihe.example.cn"


def scan(client, code):
    return client.get(f"/q/{code}")


PHONE_FRAME_PX = 800


def decode_opencv(png_bytes):
    """Decode as a phone camera would: its frame is well under 2,000 px across.

    The image is shrunk to a phone frame's width first, as a camera would see it.
    """
    image = cv2.imdecode(np.frombuffer(png_bytes, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if image.shape[1] > PHONE_FRAME_PX:
        image = cv2.resize(image, (PHONE_FRAME_PX, PHONE_FRAME_PX), interpolation=cv2.INTER_AREA)
    return decode_qr(image)


def decode_zbar(png_bytes, tmp_path):
    path = tmp_path / "code.png"
    path.write_bytes(png_bytes)
    result = subprocess.run(["zbarimg", "--raw", "--quiet", str(path)], capture_output=True, text=True, check=True)
    return result.stdout.strip()


@pytest.fixture
def hall(township):
    """A township with an office, a window, a post and a village: each should get a code on creation."""
    office = builders.make_office(township=township, name="党政综合办公室")
    return {
        "office": office,
        "window": builders.make_window(township=township, office=office, number=3),
        "post": builders.make_post(township=township, office=office, title="民政岗"),
        "village": builders.make_village(township=township, name="东垆村"),
    }


# Issuing -----------------------------------------------------------------------------------------


def test_a_code_is_short_and_free_of_look_alikes(township):
    for _ in range(200):
        code = codes.new_code()
        assert len(code) == 6
        assert not set(code) & set("0O1IlL"[:-1])  # 0, O, 1, I, l
        assert set(code) <= set(codes.ALPHABET)


def test_each_new_window_post_village_and_township_has_exactly_one_code(township, hall):
    gate = QRCode.objects.of_township(township).filter(target_type__isnull=True, board="")
    assert gate.count() == 1
    assert gate.get().placement == "大门"
    for name in ("window", "post", "village"):
        assert QRCode.objects.pointing_at(hall[name]).count() == 1, name
    assert QRCode.objects.pointing_at(hall["window"]).get().placement == "3号综合窗口"
    assert QRCode.objects.pointing_at(hall["post"]).get().placement == "民政岗职责牌"
    assert QRCode.objects.pointing_at(hall["village"]).get().placement == "东垆村微信群"
    assert not QRCode.objects.pointing_at(hall["office"]).exists()  # offices get theirs on demand

    assert codes.codes_ensure_for_township(township) == []  # idempotent
    assert QRCode.objects.of_township(township).count() == 4


def test_issue_codes_command_covers_rows_loaded_without_signals(township, hall):
    QRCode.objects.all().update(active=False)
    # A fixture load (raw save) issues nothing: simulate rows that have no code yet.
    QRCode.objects.pointing_at(hall["window"]).delete()
    QRCode.objects.of_township(township).filter(target_type__isnull=True).delete()
    out = io.StringIO()
    call_command("issue_codes", "--township", township.slug, stdout=out)
    assert "新发 2 个二维码" in out.getvalue()
    assert QRCode.objects.pointing_at(hall["window"]).count() == 1
    assert QRCode.objects.of_township(township).filter(target_type__isnull=True, board="").count() == 1
    call_command("issue_codes", stdout=out)
    assert "共新发 0 个二维码" in out.getvalue()
    assert QRCode.objects.of_township(township).count() == 4


def test_a_code_cannot_point_at_another_townships_object(township, other_township):
    office = builders.make_office(township=other_township)
    window = builders.make_window(township=other_township, office=office, number=1)
    with pytest.raises(ValidationError):
        codes.code_issue(township=township, placement="错误", target=window)
    assert not QRCode.objects.of_township(township).exclude(target_type__isnull=True).exists()


def test_an_item_with_a_long_name_gets_its_code_with_the_placement_shortened(township):
    item = builders.make_item(township=township, name="长" * 100)
    qr = codes.code_for_target(item)
    assert qr.placement == ("百事通·" + "长" * 100)[:100]
    assert codes.code_for_target(item) == qr  # asked again: the same code, not a twin


def test_codes_are_unique_even_when_the_random_draw_collides(township, monkeypatch):
    taken = codes.gate_code(township).code
    draws = iter([taken, taken, "ABCDEF"])
    monkeypatch.setattr(codes, "new_code", lambda: next(draws))
    qr = codes.code_issue(township=township, placement="公告栏")
    assert qr.code == "ABCDEF"


# Resolving ---------------------------------------------------------------------------------------


@override_settings(PORTAL_BASE_URL=BASE)
def test_scan_redirects_once_with_an_absolute_https_location_and_no_store(client, township, hall):
    qr = QRCode.objects.pointing_at(hall["window"]).get()
    response = scan(client, qr.code)
    assert response.status_code == 302
    assert response["Location"] == BASE + hall["window"].get_absolute_url()
    assert "no-store" in response["Cache-Control"]
    assert qr.printed_url() == f"{BASE}/q/{qr.code}"


@override_settings(PORTAL_BASE_URL=BASE)
def test_gate_and_board_codes_open_the_township_pages(client, township):
    gate = codes.gate_code(township)
    assert scan(client, gate.code)["Location"] == BASE + f"/t/{township.slug}/"
    board = codes.board_code(township, QRCode.Board.CERTIFICATES)
    assert scan(client, board.code)["Location"] == BASE + f"/t/{township.slug}/certificates/"
    liaison = codes.board_code(township, QRCode.Board.LIAISON)
    assert scan(client, liaison.code)["Location"] == BASE + f"/t/{township.slug}/liaison/"


def test_a_lower_case_code_typed_by_hand_still_works(client, township):
    gate = codes.gate_code(township)
    assert scan(client, gate.code.lower()).status_code == 302


@override_settings(PORTAL_BASE_URL=BASE)
def test_item_code_survives_rename_move_withdrawal_merge_and_deletion(client, township, superuser):
    office = builders.make_office(township=township, name="社会事务办")
    other_office = builders.make_office(township=township, name="便民服务中心")
    item = builders.make_item(township=township, office=office, name="高龄补贴申领")
    successor = builders.make_item(township=township, office=office, name="老年人福利补贴申领")
    qr = codes.code_for_target(item)
    item_url = BASE + item.get_absolute_url()

    item.name = "80周岁以上高龄补贴申领"
    item.save()
    assert scan(client, qr.code)["Location"] == item_url

    item.office = other_office
    item.save()
    assert scan(client, qr.code)["Location"] == item_url

    item.status, item.withdrawn_on = item.Status.WITHDRAWN, datetime.date(2026, 10, 1)
    item.save()
    assert scan(client, qr.code)["Location"] == item_url  # the item's notice page answers there

    item.status, item.withdrawn_on = item.Status.MERGED, None
    item.merged_into, item.merged_on = successor, datetime.date(2026, 10, 1)
    item.save()
    assert scan(client, qr.code)["Location"] == item_url

    # A clerk may re-point the code to the successor (in the QR admin): the sticker now opens it directly.
    staff = Client()
    staff.force_login(superuser)
    response = staff.post(
        reverse("admin:portal_qrcode_change", args=[qr.pk]),
        {
            "placement": qr.placement,
            "target_type": ContentType.objects.get_for_model(successor).pk,
            "target_id": successor.pk,
            "board": "",
            "target_label": "",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert scan(client, qr.code)["Location"] == BASE + successor.get_absolute_url()

    assert QRCode.objects.get(pk=qr.pk).total_scans() == 5

    doomed = builders.make_item(township=township, office=office, name="临时事项")
    doomed_code = codes.code_for_target(doomed)
    doomed.delete()
    assert scan(client, doomed_code.code)["Location"] == BASE + township.get_absolute_url()


@override_settings(PORTAL_BASE_URL=BASE)
def test_window_and_post_codes_survive_renames_moves_and_deletion(client, township, hall):
    window_code = QRCode.objects.pointing_at(hall["window"]).get()
    post_code = QRCode.objects.pointing_at(hall["post"]).get()
    village_code = QRCode.objects.pointing_at(hall["village"]).get()

    hall["window"].name = "社保医保窗口"
    hall["window"].office = builders.make_office(township=township, name="便民服务中心")
    hall["window"].save()
    hall["post"].title = "民政救助岗"
    hall["post"].save()
    assert scan(client, window_code.code)["Location"] == BASE + hall["window"].get_absolute_url()
    assert scan(client, post_code.code)["Location"] == BASE + hall["post"].get_absolute_url()

    hall["window"].delete()
    hall["post"].delete()
    hall["village"].delete()
    home = BASE + township.get_absolute_url()
    for qr in (window_code, post_code, village_code):
        assert scan(client, qr.code)["Location"] == home


def test_unknown_code_answers_a_friendly_page_with_the_township_directory(client, township, other_township):
    response = scan(client, "ZZZZZZ")
    assert response.status_code == 404
    body = response.content.decode()
    assert "没有找到这个二维码" in body
    assert township.name in body and other_township.name in body
    assert f'href="/t/{township.slug}/"' in body
    assert 'href="tel:0359' in body
    assert scan(client, "not-a-code!").status_code == 404


def test_inactive_code_is_counted_and_links_to_the_township_home(client, township, hall):
    qr = QRCode.objects.pointing_at(hall["village"]).get()
    qr.active = False
    qr.save()
    response = scan(client, qr.code)
    assert response.status_code == 200
    body = response.content.decode()
    assert "已停用" in body and "东垆村微信群" in body
    assert f'href="/t/{township.slug}/"' in body
    assert QRCode.objects.get(pk=qr.pk).total_scans() == 1


def test_scans_are_counted_per_day(client, township, settings):
    gate = codes.gate_code(township)
    codes.count_scan(gate, day=datetime.date(2026, 9, 30))
    codes.count_scan(gate, day=datetime.date(2026, 9, 30))
    for _ in range(3):
        scan(client, gate.code)
    days = dict(QRScanDay.objects.filter(qr_code=gate).values_list("day", "count"))
    today = timezone.localdate()
    assert days == {datetime.date(2026, 9, 30): 2, today: 3}
    assert gate.total_scans() == 5


def test_a_head_request_is_answered_but_not_counted(client, township):
    gate = codes.gate_code(township)
    assert client.head(f"/q/{gate.code}").status_code == 302
    assert gate.total_scans() == 0


def test_a_scan_costs_three_queries_whatever_the_target(client, township, hall, django_assert_num_queries):
    qr = QRCode.objects.pointing_at(hall["post"]).get()
    scan(client, qr.code)  # warm up: the day's row exists from here on
    with django_assert_num_queries(3):
        # 1. the code with its township and target type
        # 2. the target with its township (for its address)
        # 3. the day's count: one INSERT … ON CONFLICT DO UPDATE
        assert scan(client, qr.code).status_code == 302


def test_codes_cannot_be_deleted_in_the_admin_only_deactivated(admin_client, township):
    gate = codes.gate_code(township)
    response = admin_client.get(reverse("admin:portal_qrcode_delete", args=[gate.pk]))
    assert response.status_code == 403
    assert QRCode.objects.filter(pk=gate.pk).exists()


# Images ------------------------------------------------------------------------------------------


@override_settings(PORTAL_BASE_URL=BASE)
def test_png_decodes_with_opencv_to_exactly_the_printed_address(client, township):
    gate = codes.gate_code(township)
    for size in ("", "?size=300", "?size=2000"):
        response = client.get(f"/q/{gate.code}.png{size}")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert decode_opencv(response.content) == f"{BASE}/q/{gate.code}"


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg (apt zbar-tools) is not installed")
@override_settings(PORTAL_BASE_URL=BASE)
def test_png_decodes_with_zbar_to_exactly_the_printed_address(client, township, tmp_path):
    gate = codes.gate_code(township)
    response = client.get(f"/q/{gate.code}.png?size=400")
    assert decode_zbar(response.content, tmp_path) == f"{BASE}/q/{gate.code}"


@override_settings(PORTAL_BASE_URL=BASE)
def test_png_uses_the_base_url_not_the_request_host(client, township):
    gate = codes.gate_code(township)
    response = client.get(f"/q/{gate.code}.png", HTTP_HOST="127.0.0.1")
    assert decode_opencv(response.content).startswith(BASE + "/q/")


def test_png_has_a_quiet_zone_and_error_correction_of_at_least_m(client, township):
    gate = codes.gate_code(township)

    image = Image.open(io.BytesIO(client.get(f"/q/{gate.code}.png?size=410").content)).convert("L")
    pixels = np.array(image)
    symbol = codes._qr(codes.printed_url(gate.code))
    module = image.width // (symbol.modules_count + 2 * codes.QUIET_ZONE)
    assert image.width <= 410
    assert (pixels[: 4 * module, :] == 255).all() and (pixels[:, : 4 * module] == 255).all()
    assert (pixels[-4 * module :, :] == 255).all() and (pixels[:, -4 * module :] == 255).all()
    assert symbol.error_correction in (
        codes.qrcode.constants.ERROR_CORRECT_M,
        codes.qrcode.constants.ERROR_CORRECT_Q,
        codes.qrcode.constants.ERROR_CORRECT_H,
    )
    long_address = "https://" + "x" * 150 + ".example.cn/q/ABCDEF"
    assert codes.error_correction_for(long_address) == codes.qrcode.constants.ERROR_CORRECT_M


def rasterise_svg(svg, scale=8):
    """Draw the SVG's module squares (``M x,y H.. V.. H.. z``) on white and return the image for a decoder."""
    side = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    image = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, right, bottom in re.findall(r"M(\d+),(\d+)H(\d+)V(\d+)H\d+z", svg):
        draw.rectangle([int(x) * scale, int(y) * scale, int(right) * scale - 1, int(bottom) * scale - 1], fill=0)
    return np.array(image)


@override_settings(PORTAL_BASE_URL=BASE)
def test_svg_is_a_standalone_image_of_the_printed_address(client, township):
    gate = codes.gate_code(township)
    response = client.get(f"/q/{gate.code}.svg?size=500")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    body = response.content.decode()
    assert body.startswith("<?xml") and 'width="500"' in body and 'fill="white"' in body
    assert decode_qr(rasterise_svg(body)) == f"{BASE}/q/{gate.code}"


@pytest.mark.parametrize("size", ["0", "99", "2001", "abc", "-5", "1e3", "500px"])
def test_a_nonsense_size_is_refused_with_a_clear_message(client, township, size):
    gate = codes.gate_code(township)
    for suffix in ("png", "svg"):
        response = client.get(f"/q/{gate.code}.{suffix}?size={size}")
        assert response.status_code == 400
        assert "100 到 2000" in response.content.decode()


def test_image_of_an_unknown_code_is_404(client, db):
    assert client.get("/q/ZZZZZZ.png").status_code == 404


@override_settings(PORTAL_BASE_URL=BASE)
def test_wechat_group_image_shows_the_code_and_decodes(client, township, hall):
    qr = QRCode.objects.pointing_at(hall["village"]).get()
    response = client.get(reverse("print_wechat_image", kwargs={"code": qr.code}))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert decode_opencv(response.content) == f"{BASE}/q/{qr.code}"


def test_cjk_font_comes_from_the_setting_or_a_known_place(settings, tmp_path):
    assert codes.cjk_font_path()  # the pip package or a system font on this machine
    settings.PORTAL_CJK_FONT = str(tmp_path / "missing.ttf")
    with pytest.raises(ImproperlyConfigured, match="PORTAL_CJK_FONT"):
        codes.cjk_font_path()


def test_a_deactivated_code_is_never_printed_again(client, township, hall):
    old_gate = codes.gate_code(township)
    old_window = codes.code_for_target(hall["window"], township=township)
    QRCode.objects.filter(pk__in=[old_gate.pk, old_window.pk]).update(active=False)

    new_gate = codes.gate_code(township)
    new_window = codes.code_for_target(hall["window"], township=township)

    assert new_gate.active and new_gate.code != old_gate.code
    assert new_window.active and new_window.code != old_window.code
    poster = client.get(reverse("print_gate_poster", kwargs={"township": township.slug})).content.decode()
    assert new_gate.code in poster and old_gate.code not in poster
