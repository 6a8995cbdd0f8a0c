"""Done when: every code of a demo-like township, read from its image as a phone would, lands on the right page."""

import io
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from portal import codes
from portal.models import QRCode, Township
from tests import builders
from tests.qrdecode import decode_qr

BASE = "https://bm.ruihe.example.cn"


def as_a_phone_sees_it(png_bytes, tilt_degrees=9):
    """Return the image a phone camera would get: smaller, tilted, slightly blurred, on a grey wall."""
    image = cv2.imdecode(np.frombuffer(png_bytes, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    image = cv2.resize(image, (360, 360), interpolation=cv2.INTER_AREA)
    wall = np.full((520, 520), 150, dtype=np.uint8)
    wall[80:440, 80:440] = image
    tilt = cv2.getRotationMatrix2D((260, 260), tilt_degrees, 1.0)
    wall = cv2.warpAffine(wall, tilt, (520, 520), borderValue=150)
    return cv2.GaussianBlur(wall, (3, 3), 0.8)


def decode_like_a_phone(png_bytes):
    """Decode as a phone does: frame after frame, as the hand steadies, until one reads.

    A decoder can miss a tilted, blurred frame; a phone
    simply takes the next frame, so three frames at shrinking tilts are tried.
    """
    for tilt_degrees in (9, 5, 2):
        address = decode_qr(as_a_phone_sees_it(png_bytes, tilt_degrees))
        if address:
            return address
    return ""


def expected_path(qr):
    if qr.board:
        return reverse(codes.BOARD_URL_NAMES[qr.board], kwargs={"township": qr.township.slug})
    if qr.target is None:
        return qr.township.get_absolute_url()
    return qr.target.get_absolute_url()


@override_settings(PORTAL_BASE_URL=BASE)
def test_every_code_of_the_demo_townships_lands_on_its_page_and_the_counts_add_up(
    client, admin_client, county, township, other_township, tmp_path
):
    halls = [builders.make_service_hall(township=t, items=4) for t in (township, other_township)]
    call_command("issue_codes", stdout=io.StringIO())
    for t, hall in zip((township, other_township), halls, strict=True):
        codes.codes_for_targets(t, hall["items"] + [hall["suspended"], hall["withdrawn"], hall["merged"]])
        for board in (QRCode.Board.CERTIFICATES, QRCode.Board.LIAISON, QRCode.Board.LISTS):
            codes.board_code(t, board)
        codes.code_for_target(hall["list"])

    all_codes = list(QRCode.objects.select_related("township").order_by("pk"))
    assert len(all_codes) == 2 * (1 + 2 + 2 + 2 + 7 + 3 + 1)  # gate, windows, posts, villages, items, boards, list
    use_zbar = shutil.which("zbarimg") is not None
    scans = 0
    for qr in all_codes:
        png = client.get(f"/q/{qr.code}.png?size=600").content
        address = decode_like_a_phone(png)
        assert address == f"{BASE}/q/{qr.code}", qr.placement
        if use_zbar:
            path = tmp_path / f"{qr.code}.png"
            cv2.imwrite(str(path), as_a_phone_sees_it(png))
            zbar = subprocess.run(["zbarimg", "--raw", "--quiet", str(path)], capture_output=True, text=True)
            assert zbar.stdout.strip() == address, qr.placement

        response = client.get(address.removeprefix(BASE))  # the one redirect
        scans += 1
        assert response.status_code == 302, qr.placement
        location = response["Location"]
        assert location == BASE + expected_path(qr), qr.placement
        landing = client.get(location.removeprefix(BASE))
        assert landing.status_code == 200, (qr.placement, location)

    gate = codes.gate_code(township)
    for _ in range(5):
        client.get(f"/q/{gate.code}")
    scans += 5

    totals = QRCode.objects.with_scan_totals()
    assert sum(qr.total_scans() for qr in totals) == scans
    assert totals.get(pk=gate.pk).total_scans() == 6
    stats = admin_client.get(reverse("admin:portal_qrcode_stats")).context
    assert stats["total"] == scans
    assert sum(row["total"] for row in stats["by_month"]) == scans
    assert sum(row["total"] for row in stats["by_placement"]) == scans


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg (apt zbar-tools) is not installed")
@override_settings(PORTAL_BASE_URL=BASE)
def test_the_smallest_booklet_code_still_reads(client, township, tmp_path):
    """The booklet prints item codes 30 mm wide: at 300 dpi that is about 350 px; try well under it."""
    gate = codes.gate_code(township)
    png = client.get(f"/q/{gate.code}.png?size=150").content
    path = tmp_path / "small.png"
    path.write_bytes(png)
    result = subprocess.run(["zbarimg", "--raw", "--quiet", str(path)], capture_output=True, text=True)
    assert result.stdout.strip() == f"{BASE}/q/{gate.code}"


@override_settings(PORTAL_BASE_URL=BASE)
def test_every_code_of_the_demo_fixtures_lands_on_its_page(client, db):
    """The demo as the README brings it up: loaddata (no codes yet), issue_codes, then print and scan."""
    fixtures = sorted(str(p) for p in (Path(settings.BASE_DIR) / "fixtures").glob("*.json"))
    if not fixtures:
        pytest.skip("no demo fixtures yet")
    call_command("loaddata", *fixtures, verbosity=0)
    assert not QRCode.objects.exists()  # raw fixture saves issue nothing: issue_codes does
    call_command("issue_codes", stdout=io.StringIO())
    for township in Township.objects.all():
        # Printing the booklet and the certificate boards issues the item and board codes.
        assert client.get(reverse("print_booklet", kwargs={"township": township.slug})).status_code == 200
        assert client.get(reverse("print_certificate_boards", kwargs={"township": township.slug})).status_code == 200
        assert QRCode.objects.of_township(township).filter(target_type__isnull=True, board="").count() == 1

    all_codes = list(QRCode.objects.select_related("township").order_by("pk"))
    assert len(all_codes) > 50
    for qr in all_codes:
        png = client.get(f"/q/{qr.code}.png?size=400").content
        address = decode_like_a_phone(png)
        assert address == f"{BASE}/q/{qr.code}", qr.placement
        response = client.get(address.removeprefix(BASE))
        assert response.status_code == 302 and response["Location"] == BASE + expected_path(qr), qr.placement
        assert client.get(response["Location"].removeprefix(BASE)).status_code == 200, qr.placement
    assert sum(qr.total_scans() for qr in QRCode.objects.with_scan_totals()) == len(all_codes)
