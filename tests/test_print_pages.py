"""Printable pages: each shows what the wall, the counter or the kitchen shelf needs, with its code inline."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import codes
from portal.models import QRCode
from tests import builders

BASE = "https://bm.ruihe.example.cn"


@pytest.fixture
def hall(township):
    return builders.make_service_hall(township=township, items=3)


def get_page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@override_settings(PORTAL_BASE_URL=BASE)
def test_gate_poster_has_name_large_code_slogan_hours_and_phones(client, township):
    body = get_page(client, reverse("print_gate_poster", kwargs={"township": township.slug}))
    gate = codes.gate_code(township)
    assert township.name in body
    assert "扫一扫：去哪里办、找谁办、怎么办" in body
    assert township.opening_hours in body and township.phone in body and township.supervision_phone in body
    assert f"{BASE}/q/{gate.code}" in body
    assert body.count("<svg") == 1 and "@page" in body and "size: A4" in body
    assert "<link" not in body and "<script" not in body  # one request prints it all


def test_window_card_shows_number_departments_holders_and_its_code(client, township, hall):
    window = hall["windows"][1]
    body = get_page(client, reverse("print_window_card", kwargs={"township": township.slug, "pk": window.pk}))
    qr = QRCode.objects.pointing_at(window).get()
    assert "2号 公安专窗" in body
    assert hall["departments"][3].name in body
    assert hall["staff"][0].name in body and hall["staff"][1].name in body
    assert qr.code in body and "<svg" in body


def test_duty_card_shows_post_holders_with_photo_placeholders_duties_phone_and_code(client, township, hall):
    post = hall["posts"][0]
    body = get_page(client, reverse("print_duty_card", kwargs={"township": township.slug, "pk": post.pk}))
    assert "民政岗" in body and "低保、特困供养" in body
    assert "A角（主办）" in body and "B角（备岗）" in body
    assert hall["staff"][0].name in body and hall["staff"][1].name in body
    assert body.count('aria-label="暂无照片"') == 2  # nobody has a photo yet
    assert post.contact_phone in body
    assert QRCode.objects.pointing_at(post).get().code in body


TINY_PNG_HEX = (
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478da63f8cfc0000003010100"
    "c9fe92ef0000000049454e44ae426082"
)


def test_duty_card_shows_a_photo_when_there_is_one(client, township, hall, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person = hall["staff"][0]
    # A real (tiny) PNG: the media storage re-encodes every image it saves (portal/storage.py).
    person.photo.save("a.png", ContentFile(bytes.fromhex(TINY_PNG_HEX)), save=True)
    body = get_page(client, reverse("print_duty_card", kwargs={"township": township.slug, "pk": hall["posts"][0].pk}))
    assert f'src="{person.photo.url}"' in body
    assert body.count('aria-label="暂无照片"') == 1


def test_code_sheet_holds_every_active_code_of_the_township_twelve_to_a_page(client, township, other_township, hall):
    for i in range(10):
        codes.code_issue(township=township, placement=f"公告栏{i}")
    stopped = codes.code_issue(township=township, placement="已撕掉的旧码")
    stopped.active = False
    stopped.save()
    foreign = codes.gate_code(other_township)
    body = get_page(client, reverse("print_code_sheet", kwargs={"township": township.slug}))
    active = QRCode.objects.of_township(township).active()
    assert active.count() == 1 + 2 + 2 + 2 + 10  # gate, windows, posts, villages, notice boards
    for qr in active:
        assert qr.code in body
    assert stopped.code not in body and foreign.code not in body
    assert body.count('class="sheet"') == 2  # 17 codes: 12 + 5
    assert body.count("<svg") == 17


def test_booklet_lists_items_in_force_with_toc_and_a_code_each(client, township, hall):
    codes.codes_ensure_for_township(township)  # as issue_codes or the admin does; the page only reads
    body = get_page(client, reverse("print_booklet", kwargs={"township": township.slug}))
    shown = [*hall["items"], hall["suspended"]]
    for item in shown:
        assert f">{item.name}</a>" in body  # in the table of contents
        assert f"<h2>{item.name}</h2>" in body  # on its own page
        assert QRCode.objects.pointing_at(item).get().code in body
    assert "暂停办理：系统升级" in body
    assert hall["withdrawn"].name not in body and hall["merged"].name not in body
    assert "目录" in body and "便民服务百事通" in body
    assert body.count('class="sheet item"') == len(shown)
    assert "测试事项1号材料1" in body and "环节2" in body


def test_booklet_issues_no_code_and_says_where_one_is_missing(client, township, hall):
    url = reverse("print_booklet", kwargs={"township": township.slug})
    first = set(QRCode.objects.of_township(township).values_list("code", flat=True))
    body = get_page(client, url)
    assert set(QRCode.objects.of_township(township).values_list("code", flat=True)) == first
    assert body.count(codes.MISSING_NOTICE) == len(hall["items"]) + 1  # the items in force, the suspended one


@pytest.mark.parametrize("items", [2, 12])
def test_booklet_queries_do_not_grow_with_items(client, township, items, django_assert_num_queries):
    builders.make_service_hall(township=township, items=items)
    url = reverse("print_booklet", kwargs={"township": township.slug})
    codes.codes_ensure_for_township(township)  # the item codes, issued once (the page never issues)
    with django_assert_num_queries(9):
        # 1. the township with its county
        # 2. the items in force, with office, window, category, department, post, merged-into, checker
        # 3–7. prefetched: materials, steps, legal bases, life events, the post's holders with staff
        # 8. the items' codes with their township (one query for all)
        # 9. the gate code
        get_page(client, url)


def test_certificate_boards_show_both_lists_with_alternatives_and_the_board_code(client, township, hall):
    codes.board_code(township, QRCode.Board.CERTIFICATES)  # issued by a clerk in the QR admin
    body = get_page(client, reverse("print_certificate_boards", kwargs={"township": township.slug}))
    assert "可以出具的证明事项" in body and "不再出具的证明事项" in body
    for rule in hall["may_issue"] + hall["may_not_issue"]:
        assert rule.name in body
    assert "凭已有证件" in body and "凭户口簿办理" in body and "公安派出所" in body
    board = QRCode.objects.of_township(township).get(board=QRCode.Board.CERTIFICATES)
    assert board.code in body
    assert body.count('class="sheet board"') == 2


def test_every_codes_print_page_answers(client, township, hall):
    codes.code_for_target(hall["items"][0])
    codes.code_for_target(hall["offices"][0])
    codes.board_code(township, QRCode.Board.CERTIFICATES)
    codes.board_code(township, QRCode.Board.LISTS)
    for qr in QRCode.objects.of_township(township).select_related("township"):
        url = codes.print_url_for(qr)
        response = client.get(url)
        assert response.status_code == 200, (qr.placement, url)
        if url.endswith(".png"):
            assert response["Content-Type"] == "image/png"
        else:
            assert qr.code in response.content.decode(), (qr.placement, url)


def test_issue_codes_completes_the_code_sheet_after_a_fixture_load(client, township, hall):
    window = hall["windows"][0]
    QRCode.objects.pointing_at(window).delete()  # as after loaddata, which issues nothing
    url = reverse("print_code_sheet", kwargs={"township": township.slug})
    get_page(client, url)
    assert not QRCode.objects.pointing_at(window).exists()  # the page only reads
    call_command("issue_codes", "--township", township.slug, stdout=io.StringIO())
    body = get_page(client, url)
    assert QRCode.objects.pointing_at(window).get().code in body


WRITES = ("INSERT", "UPDATE", "DELETE")


def test_an_anonymous_visit_to_any_print_page_writes_nothing(client, township, hall):
    """Before any item or board code exists, and after: every print page only reads."""
    item_qr = codes.code_for_target(hall["items"][0])
    village_qr = QRCode.objects.pointing_at(hall["villages"][0]).get()
    slug = township.slug
    urls = [
        reverse("print_gate_poster", kwargs={"township": slug}),
        reverse("print_window_card", kwargs={"township": slug, "pk": hall["windows"][0].pk}),
        reverse("print_duty_card", kwargs={"township": slug, "pk": hall["posts"][0].pk}),
        reverse("print_code_sheet", kwargs={"township": slug}),
        reverse("print_booklet", kwargs={"township": slug}),
        reverse("print_certificate_boards", kwargs={"township": slug}),
        reverse("print_code_card", kwargs={"code": item_qr.code}),
        reverse("print_wechat_image", kwargs={"code": village_qr.code}),
    ]
    QRCode.objects.of_township(township).filter(target_type__isnull=True, board="").delete()  # no gate code yet
    before = QRCode.objects.count()
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
        assert writes == [], url
    assert QRCode.objects.count() == before
    body = get_page(client, reverse("print_gate_poster", kwargs={"township": slug}))
    assert codes.MISSING_NOTICE in body
