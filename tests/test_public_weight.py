"""A weak rural network: the first load of an item page, HTML plus CSS, fits in 30 KB gzipped.

No web fonts, no script, no CSS framework: one small hand-written stylesheet,
inlined into the page (issue 17: one response paints the page).
"""

import gzip
import re

import pytest
from django.conf import settings
from django.core.cache import cache

from portal.styles import INLINE_CSS
from services.models import Material, Step
from tests import builders
from tests.public_scene import build_scene

BUDGET = 30 * 1024
CSS = settings.BASE_DIR / "static" / "css" / "portal.css"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def heavy_item(county, township):
    """An item as long as real ones get: 15 materials with notes, 10 steps, 5 legal bases."""
    scene = build_scene(county=county, township=township, size=0)
    item = scene.homestead
    for i in range(15):
        Material.objects.create(
            item=item,
            order=20 + i,
            name=f"申请人及共同居住家庭成员的身份证明材料第{i}项",
            form=Material.Form.BOTH,
            copies=2,
            source=Material.Source.GOVERNMENT,
            source_note="户籍所在地公安派出所出具，或在政务服务网下载电子证照",
            notes="复印件须清晰，A4纸单面复印，注明“与原件一致”并签字按手印。",
        )
    for i in range(10):
        Step.objects.create(
            item=item,
            order=20 + i,
            title=f"审核环节{i}",
            description="工作人员对申请材料进行审查，材料不齐的一次性告知需要补正的全部内容。",
            actor="乡镇便民服务中心综合窗口",
            place="一楼大厅",
            duration="3个工作日",
        )
    for i in range(5):
        item.legal_bases.add(builders.make_legal_basis(title=f"《农村宅基地管理办法（第{i}版）》", article="第十条"))
    return item


def test_item_page_html_and_css_fit_in_30_kb_gzipped(client, heavy_item):
    response = client.get(heavy_item.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    html_bytes = len(response.content)  # the stylesheet is inlined: nothing else to download
    css_bytes = len(gzip.compress(INLINE_CSS.encode(), compresslevel=9))
    print(f"item page: HTML {html_bytes} B gzipped, of which about {css_bytes} B the inlined stylesheet")
    assert html_bytes <= BUDGET, f"HTML {html_bytes} B gzipped"


def test_no_web_fonts_no_framework_no_script(client, heavy_item):
    css = CSS.read_text()
    assert "@font-face" not in css and "@import" not in css
    assert "url(" not in css  # nothing else to download
    html = client.get(heavy_item.get_absolute_url()).content.decode()
    assert re.findall(r'<link rel="stylesheet"', html) == []  # inlined: no second round trip
    assert re.findall(r"<style>(.*?)</style>", html, re.S) == [INLINE_CSS]
    assert "<script src" not in html
    assert re.findall(r"<script[^>]*>", html) == ['<script type="application/ld+json">']  # data, not code
