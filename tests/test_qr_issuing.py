"""Codes are issued explicitly where rows are created (admin, commands), never by a signal or a page view."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from portal import codes
from portal.accounts import staff_account_ensure
from portal.models import QRCode, Village
from tests import builders


def add_data(client, url, **values):
    """The admin add form's own initial data, with ``values`` filled in."""
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: ("" if value is None or value is False else value) for name, value in data.items()}
    data.update(values)
    return data


def test_creating_a_row_in_code_issues_no_code(township):
    village = Village.objects.create(township=township, name="无码村")
    assert not QRCode.objects.pointing_at(village).exists()  # no post_save receiver: nothing behind our back


def test_the_admin_issues_the_code_of_a_village_it_creates(admin_client, township):
    url = reverse("admin:portal_village_add")
    response = admin_client.post(url, add_data(admin_client, url, township=township.pk, name="新建村"))
    assert response.status_code == 302
    village = Village.objects.get(name="新建村")
    qr = QRCode.objects.pointing_at(village).get()
    assert qr.placement == "新建村微信群"


def test_code_ensure_for_gives_items_in_force_a_code_and_others_none(township):
    item = builders.make_item(township=township)
    assert codes.code_ensure_for(item).target_id == item.pk
    withdrawn = builders.make_item(township=township, status="withdrawn", withdrawn_on="2026-10-01")
    assert codes.code_ensure_for(withdrawn) is None
    assert codes.code_ensure_for(builders.make_office(township=township)) is None  # offices: on demand


@pytest.fixture
def clerk_client(client, township):
    clerk, _ = staff_account_ensure(username="clerk-qr-types", township=township, password="pw-for-tests-only")
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["add_qrcode", "change_qrcode"]))
    client.force_login(clerk)
    return client


def test_a_clerk_sees_the_target_types_and_repoints_a_code_at_their_own_item(clerk_client, township, other_township):
    mine = builders.make_item(township=township)
    theirs = builders.make_item(township=other_township)
    qr = codes.code_issue(township=township, placement="公告栏")
    url = reverse("admin:portal_qrcode_change", args=[qr.pk])
    form = clerk_client.get(url).context["adminform"].form
    offered = {ct.model_class() for ct in form.fields["target_type"].queryset}
    assert offered == {kind.model for kind in codes.target_kinds()}

    item_type = ContentType.objects.get_for_model(mine).pk
    data = {"placement": qr.placement, "target_type": item_type, "board": "", "target_label": "", "active": "on"}
    refused = clerk_client.post(url, {**data, "target_id": theirs.pk})
    assert refused.status_code == 200 and "没有编号为" in refused.content.decode()  # out of sight: as if missing
    assert clerk_client.post(url, {**data, "target_id": mine.pk}).status_code == 302
    qr.refresh_from_db()
    assert qr.target_id == mine.pk
