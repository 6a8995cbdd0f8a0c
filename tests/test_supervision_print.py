"""The bulletin (通报) as Chromium prints it, and the xlsx as LibreOffice reads it."""

import csv
import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests import builders, supervision_scene
from tests.supervision_scene import PASSWORD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_quarters_bulletin_prints_the_table_landscape_and_a_page_per_township(page, live_server, artefacts_dir):
    s = supervision_scene.accounts(supervision_scene.build_lists(supervision_scene.build()))
    third = builders.make_township(county=s.county, name="南山镇", slug="nanshan")
    supervision_scene.build(county=s.county, a=third, b=builders.make_township(county=s.county, name="北坡乡"))
    path = reverse("admin:supervision_bulletin") + f"?period=2026-Q4&county={s.county.pk}&issuer=瑞河县便民服务中心"
    page.goto(live_server.url + "/admin/login/?next=" + reverse("admin:supervision_table"))
    page.get_by_label("用户名").fill(s.reviewer.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{reverse('admin:supervision_table')}")
    page.goto(live_server.url + path)
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    artefacts_dir.mkdir(exist_ok=True)
    (artefacts_dir / "supervision-bulletin.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    # the county table on one landscape page, then one portrait page for each of the 4 townships
    assert len(reader.pages) == 1 + 4

    def mm(box):
        return round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)

    assert mm(reader.pages[0].mediabox) == (297, 210)
    assert all(mm(p.mediabox) == (210, 297) for p in reader.pages[1:])
    first = "".join(reader.pages[0].extract_text().split())
    assert "2026年第四季度" in first and "瑞河县便民服务中心" in first and "东岭乡" in first
    assert "南山镇" in "".join(p.extract_text() for p in reader.pages[1:])


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_xlsx(client, tmp_path):
    s = supervision_scene.accounts(supervision_scene.build_lists(supervision_scene.build()))
    client.force_login(s.reviewer)
    response = client.get(reverse("admin:supervision_xlsx") + f"?period=2026-10&county={s.county.pk}")
    (tmp_path / "figures.xlsx").write_bytes(response.content)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "figures.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    rows = list(csv.reader((tmp_path / "figures.csv").read_text(encoding="utf-8").splitlines()))
    assert rows[1][0] == "乡镇"
    names = [r[0] for r in rows[2:]]
    assert names == ["东岭乡", "西川镇", "合计"]
    assert rows[2][rows[1].index("扫码·扫码次数")] == "8"
