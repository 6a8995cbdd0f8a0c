"""The clerk's side of the codes: list with scans, re-pointing, downloads and print links, statistics."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from portal import codes
from portal.models import QRCode, QRScanDay, UserScope
from tests import builders

CHANGELIST = "admin:portal_qrcode_changelist"


@pytest.fixture
def hall(township):
    return builders.make_service_hall(township=township, items=2)


def change_url(qr):
    return reverse("admin:portal_qrcode_change", args=[qr.pk])


def form_data(qr, **changes):
    data = {
        "placement": qr.placement,
        "target_type": qr.target_type_id or "",
        "target_id": qr.target_id or "",
        "board": qr.board,
        "target_label": qr.target_label,
        "active": "on" if qr.active else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_admin_pages_answer(admin_client, township, hall):
    qr = QRCode.objects.pointing_at(hall["windows"][0]).get()
    for url in (
        reverse(CHANGELIST),
        reverse("admin:portal_qrcode_add"),
        change_url(qr),
        reverse("admin:portal_qrcode_stats"),
        reverse("admin:portal_qrscanday_changelist"),
        reverse("admin:portal_qrcode_history", args=[qr.pk]),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_list_shows_placement_target_scans_last_scan_and_links(admin_client, township, hall):
    qr = QRCode.objects.pointing_at(hall["windows"][0]).get()
    codes.count_scan(qr, day=datetime.date(2026, 9, 1))
    codes.count_scan(qr, day=datetime.date(2026, 10, 2))
    codes.count_scan(qr, day=datetime.date(2026, 10, 2))
    body = admin_client.get(reverse(CHANGELIST), {"q": qr.code}).content.decode()
    assert qr.placement in body
    assert reverse("admin:staff_window_change", args=[hall["windows"][0].pk]) in body
    assert '<td class="field-scans">3</td>' in body
    assert "2026年10月2日" in body
    assert f"/q/{qr.code}.png?size=1200&amp;download=1" in body
    assert f"/q/{qr.code}.svg?download=1" in body
    assert reverse("print_window_card", kwargs={"township": township.slug, "pk": hall["windows"][0].pk}) in body
    assert "扫码统计" in body


@pytest.mark.parametrize("extra", [0, 25])
def test_list_queries_do_not_grow_with_codes(admin_client, township, hall, extra, django_assert_num_queries):
    for i in range(extra):
        codes.count_scan(codes.code_issue(township=township, placement=f"公告栏{i}"))
    admin_client.get(reverse(CHANGELIST))
    with django_assert_num_queries(6):
        # 1. session  2. user  3. townships for the filter
        # 4–5. the counts (filtered and total) for the paginator
        # 6. the page of codes with township, target type, scans total and last scan: never one per row
        response = admin_client.get(reverse(CHANGELIST))
    assert response.status_code == 200


def test_filter_by_what_the_code_opens_and_view_on_site_is_not_a_scan(admin_client, township, hall):
    window = QRCode.objects.pointing_at(hall["windows"][0]).get()
    gate = codes.gate_code(township)
    body = admin_client.get(reverse(CHANGELIST), {"points_at": "type:staff.window"}).content.decode()
    assert window.code in body and gate.code not in body
    body = admin_client.get(reverse(CHANGELIST), {"points_at": "home"}).content.decode()
    assert gate.code in body and window.code not in body
    assert "historical" not in admin_client.get(reverse(CHANGELIST)).content.decode()

    page = admin_client.get(change_url(window)).content.decode()
    assert f'src="/q/{window.code}.svg"' in page
    assert f'href="{hall["windows"][0].get_absolute_url()}" class="viewsitelink"' in page
    assert window.total_scans() == 0


def test_add_draws_a_fresh_code(admin_client, township):
    response = admin_client.post(
        reverse("admin:portal_qrcode_add"),
        {
            "township": township.pk,
            "placement": "公告栏",
            "target_type": "",
            "target_id": "",
            "board": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    qr = QRCode.objects.get(placement="公告栏")
    assert len(qr.code) == codes.CODE_LENGTH and set(qr.code) <= set(codes.ALPHABET)


def test_repoint_to_the_successor_keeps_the_code(admin_client, client, township, hall):
    old, new = hall["items"]
    qr = codes.code_for_target(old)
    item_type = ContentType.objects.get_for_model(old).pk
    response = admin_client.post(change_url(qr), form_data(qr, target_type=item_type, target_id=new.pk))
    assert response.status_code == 302
    qr.refresh_from_db()
    assert (qr.target_id, qr.code) == (new.pk, qr.code)
    assert client.get(f"/q/{qr.code}")["Location"].endswith(new.get_absolute_url())


def test_repoint_refuses_another_townships_object_a_missing_one_and_target_plus_board(
    admin_client, township, other_township, hall
):
    qr = QRCode.objects.pointing_at(hall["windows"][0]).get()
    office = builders.make_office(township=other_township)
    foreign = builders.make_window(township=other_township, office=office, number=9)
    window_type = ContentType.objects.get_for_model(foreign).pk
    cases = [
        (form_data(qr, target_id=foreign.pk), "不属于"),
        (form_data(qr, target_id=987654), "没有编号为 987654"),
        (form_data(qr, board=QRCode.Board.CERTIFICATES), "不能两者都填"),
        (form_data(qr, target_type=window_type, target_id=""), "要么都填"),
    ]
    for data, message in cases:
        response = admin_client.post(change_url(qr), data)
        assert response.status_code == 200
        assert message in response.content.decode()
    qr.refresh_from_db()
    assert qr.target_id == hall["windows"][0].pk


def test_repoint_to_a_board_or_the_home(admin_client, client, township, hall):
    qr = QRCode.objects.pointing_at(hall["posts"][0]).get()
    admin_client.post(change_url(qr), form_data(qr, target_type="", target_id="", board=QRCode.Board.CERTIFICATES))
    assert client.get(f"/q/{qr.code}")["Location"].endswith(f"/t/{township.slug}/certificates/")
    admin_client.post(change_url(qr), form_data(qr, target_type="", target_id="", board=""))
    assert client.get(f"/q/{qr.code}")["Location"].endswith(f"/t/{township.slug}/")


def test_no_delete_only_deactivate(admin_client, township, hall):
    qr = QRCode.objects.pointing_at(hall["villages"][0]).get()
    changelist = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "delete_selected" not in changelist
    assert admin_client.post(reverse("admin:portal_qrcode_delete", args=[qr.pk]), {"post": "yes"}).status_code == 403
    admin_client.post(reverse(CHANGELIST), {"action": "deactivate", "_selected_action": [qr.pk]})
    qr.refresh_from_db()
    assert not qr.active
    assert admin_client.get(reverse("admin:portal_qrscanday_add")).status_code == 403


def test_statistics_by_month_and_by_placement_add_up(admin_client, township, other_township, hall):
    gate = codes.gate_code(township)
    window = QRCode.objects.pointing_at(hall["windows"][0]).get()
    for day, qr, times in [
        (datetime.date(2026, 8, 30), gate, 5),
        (datetime.date(2026, 9, 1), gate, 2),
        (datetime.date(2026, 9, 2), window, 4),
        (datetime.date(2026, 10, 9), window, 1),
    ]:
        for _ in range(times):
            codes.count_scan(qr, day=day)
    codes.count_scan(codes.gate_code(other_township), day=datetime.date(2026, 9, 1))

    response = admin_client.get(reverse("admin:portal_qrcode_stats"), {"township": township.pk})
    context = response.context
    assert [(row["month"].month, row["total"]) for row in context["by_month"]] == [(8, 5), (9, 6), (10, 1)]
    assert [(row["qr_code__placement"], row["total"]) for row in context["by_placement"]] == [
        ("大门", 7),
        ("1号综合窗口", 5),
    ]
    assert context["total"] == 12 == sum(r["total"] for r in context["by_month"])
    assert sum(row["total"] for row in context["by_placement"]) == 12
    body = response.content.decode()
    assert '<strong id="qr-total">12</strong>' in body
    assert "width: 100.0%" in body  # the busiest bar is full width, drawn in CSS
    assert "<script" not in body.split('<div class="qr-stats">')[1]

    everywhere = admin_client.get(reverse("admin:portal_qrcode_stats")).context
    assert everywhere["total"] == 13
    assert gate.total_scans() + window.total_scans() == 12


def test_a_clerk_sees_and_counts_only_the_codes_of_their_township(client, township, other_township, hall):
    clerk = get_user_model().objects.create_user("clerk-qr", password="pw-for-tests-only", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__in=["view_qrcode", "change_qrcode"]))
    UserScope.objects.create(user=clerk, township=township)
    client.force_login(clerk)
    mine = codes.gate_code(township)
    theirs = codes.gate_code(other_township)
    codes.count_scan(theirs)
    body = client.get(reverse(CHANGELIST)).content.decode()
    assert mine.code in body and theirs.code not in body
    assert client.get(change_url(theirs)).status_code == 302  # not found for this clerk: back to the list
    assert client.get(reverse("admin:portal_qrcode_stats")).context["total"] == 0
    assert QRScanDay.objects.count() == 1
