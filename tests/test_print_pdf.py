"""The print pages as Chromium prints them: A4, the expected number of pages, nothing cut off."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from portal import codes
from tests import builders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MM = 96 / 25.4
A4_CONTENT_WIDTH = round((210 - 2 * 12) * MM)  # @page margin 12 mm on each side: 703 CSS px

# Every element must lie within the printable width, and no box that hides
# overflow may be hiding any: that is what "clipped" looks like on paper.
FIND_CLIPPED = """
(limit) => {
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const name = el.tagName + (el.className && el.className.baseVal === undefined ? '.' + el.className : '');
    if (box.right > limit + 1 || box.left < -1) bad.push(name + ' sticks out: ' + Math.round(box.right));
    const style = getComputedStyle(el);
    if (style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) bad.push(name + ' cut on the side');
    if (style.overflowY !== 'visible' && el.scrollHeight > el.clientHeight + 1) bad.push(name + ' cut below');
  }
  return bad;
}
"""


@pytest.fixture
def scene(db):
    township = builders.make_township(
        name="打印乡", slug="print-test", opening_hours="周一至周五 8:00-12:00，14:30-17:30"
    )
    hall = builders.make_service_hall(township=township, items=3)
    return township, hall


def pdf_of(page, url, artefacts_dir, name):
    page.goto(url)
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    artefacts_dir.mkdir(exist_ok=True)  # another pytest-playwright session may have just emptied it
    (artefacts_dir / f"print-{name}.pdf").write_bytes(pdf)
    return PdfReader(io.BytesIO(pdf))


def clipped(page):
    page.set_viewport_size({"width": A4_CONTENT_WIDTH, "height": 1000})
    page.emulate_media(media="print")
    try:
        return page.evaluate(FIND_CLIPPED, A4_CONTENT_WIDTH)
    finally:
        page.emulate_media(media="null")  # back to no emulation: page.pdf() prints with print media


def test_print_pages_have_the_expected_page_count_and_nothing_clipped(page, live_server, scene, artefacts_dir):
    township, hall = scene
    for i in range(10):
        codes.code_issue(township=township, placement=f"公告栏{i}")  # 7 + 10 = 17 codes: two sheets
    slug = township.slug
    expected = {
        "gate": (reverse("print_gate_poster", kwargs={"township": slug}), 1),
        "window": (reverse("print_window_card", kwargs={"township": slug, "pk": hall["windows"][0].pk}), 1),
        "duty": (reverse("print_duty_card", kwargs={"township": slug, "pk": hall["posts"][0].pk}), 1),
        "codes": (reverse("print_code_sheet", kwargs={"township": slug}), 2),
        # cover, table of contents, then one page for each of the 4 items in force (3 + 1 suspended)
        "booklet": (reverse("print_booklet", kwargs={"township": slug}), 6),
        "certificates": (reverse("print_certificate_boards", kwargs={"township": slug}), 2),
        "card": (reverse("print_code_card", kwargs={"code": codes.code_for_target(hall["items"][0]).code}), 1),
    }
    for name, (path, pages) in expected.items():
        reader = pdf_of(page, live_server.url + path, artefacts_dir, name)
        assert len(reader.pages) == pages, name
        first = reader.pages[0].mediabox
        assert (round(float(first.width) / 72 * 25.4), round(float(first.height) / 72 * 25.4)) == (210, 297), name
        assert clipped(page) == [], name
        text = "".join(p.extract_text() for p in reader.pages)
        assert township.name in text, name  # the Chinese text is real text in the PDF, not boxes


def test_a_long_booklet_flows_onto_more_pages_without_clipping(page, live_server, artefacts_dir, db):
    township = builders.make_township(name="长册乡", slug="long-booklet-test")
    builders.make_service_hall(township=township, items=40)
    path = reverse("print_booklet", kwargs={"township": township.slug})
    reader = pdf_of(page, live_server.url + path, artefacts_dir, "booklet-long")
    # cover, a table of contents of 41 rows (two pages), one page for each item in force
    assert len(reader.pages) == 1 + 2 + 41
    assert clipped(page) == []
