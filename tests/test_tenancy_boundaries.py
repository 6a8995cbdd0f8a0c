"""Each tenancy boundary, tried through the admin's real URLs as a signed-in clerk of township A (东岭乡).

B (西川镇) is a township of the same county; its rows must not appear in
A's lists, searches, autocompletes or exports, and viewing, changing,
deleting or importing into them must fail. A county reviewer reads every
township of the county but changes only county rows.
"""

import csv
import io
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import Township, Village
from services.models import CertificateRule, Material, ResponsibilityEntry, ResponsibilityList, ServiceItem, Step
from staff.models import CountyDepartment, Liaison, Office, Post, PostHolder, Staff, Window
from tests.admin_forms import form_data
from tests.spreadsheet_files import xlsx
from tests.tenancy_scene import build_tenancy_scene, certificate_rules_of

TOWNSHIP_MODELS = [
    Township,
    Village,
    Office,
    Window,
    Staff,
    Post,
    PostHolder,
    Liaison,
    ServiceItem,
    Material,
    Step,
    ResponsibilityList,
    ResponsibilityEntry,
    CertificateRule,
]


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def rows_of(scene, model, owner):
    return [pk for pk, o in scene.owners[model].items() if o == owner]


@pytest.fixture
def scene(db):
    return build_tenancy_scene()


@pytest.fixture
def clerk(client, scene):
    client.force_login(scene.clerk_a)
    return client


@pytest.fixture
def reviewer(client, scene):
    client.force_login(scene.reviewer_x)
    return client


# --- lists, searches, filters, autocompletes, exports -------------------------------------------


def test_a_search_finds_only_the_clerks_own_rows(clerk, scene):
    found = clerk.get(url(ServiceItem, "changelist") + "?q=事项").context["cl"].queryset
    assert sorted(i.name for i in found) == ["东岭乡事项0", "东岭乡事项1"]

    assert not clerk.get(url(ServiceItem, "changelist") + "?q=西川镇").context["cl"].queryset.exists()
    assert not clerk.get(url(Staff, "changelist") + "?q=西川镇").context["cl"].queryset.exists()


def test_the_filter_sidebar_names_no_other_township(clerk, scene):
    for model in (ServiceItem, Office, Post, Liaison, Material, Village):
        page = clerk.get(url(model, "changelist")).content.decode()
        assert "西川镇" not in page and "南山乡" not in page, model


@pytest.mark.parametrize(
    ("app_label", "model_name", "field_name", "target", "owner"),
    [
        ("services", "serviceitem", "merged_into", ServiceItem, ("t", "a")),
        ("services", "material", "item", ServiceItem, ("t", "a")),
        ("services", "certificaterule", "alternative_item", ServiceItem, ("t", "a")),
        ("services", "responsibilityentry", "responsibility_list", ResponsibilityList, ("t", "a")),
        ("staff", "liaison", "post", Post, ("t", "a")),
        ("staff", "postholder", "staff", Staff, ("t", "a")),
        ("staff", "liaison", "department", CountyDepartment, ("c", "x")),
    ],
)
def test_autocompletes_offer_only_rows_in_scope(clerk, scene, app_label, model_name, field_name, target, owner):
    response = clerk.get(
        "/admin/autocomplete/",
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": ""},
    )

    assert response.status_code == 200
    offered = {int(r["id"]) for r in response.json()["results"]}
    assert offered == set(rows_of(scene, target, owner))


def test_autocomplete_searches_never_reach_another_township(clerk, scene):
    params = {"app_label": "services", "model_name": "material", "field_name": "item", "term": "西川镇"}
    assert clerk.get("/admin/autocomplete/", params).json()["results"] == []


def _export_csv(client, model, resource=0):
    form = client.get(url(model, "export")).context["form"]
    data = {"format": next(value for value, label in form.fields["format"].choices if label == "csv")}
    data["resource"] = resource
    for name, field in form.fields.items():
        if getattr(field, "resource_index", None) == resource:
            data[name] = "on"
    response = client.post(url(model, "export"), data)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("model", [ServiceItem, Staff, Liaison, ResponsibilityEntry, Village])
def test_exports_hold_only_the_clerks_own_rows(clerk, scene, model):
    rows = _export_csv(clerk, model)

    text = "\n".join(",".join(r) for r in rows)
    assert "西川镇" not in text and "南山乡" not in text
    assert len(rows) - 1 == len(rows_of(scene, model, ("t", "a")))


# --- another township's rows by URL ------------------------------------------------------------


@pytest.mark.parametrize("model", TOWNSHIP_MODELS)
def test_another_townships_row_cannot_be_viewed_changed_deleted_or_its_history_read(clerk, scene, model):
    pk = rows_of(scene, model, ("t", "b"))[0]
    before = model.objects.filter(pk=pk).values().get()
    does_not_exist = reverse("admin:index")

    for view in ("change", "delete"):
        response = clerk.get(url(model, view, pk))
        # The admin's own "does not exist" redirect, or 403 where the clerk may not delete that kind at all.
        assert response.status_code in (302, 403), view
        if response.status_code == 302:
            assert response["Location"] == does_not_exist, view
        response = clerk.post(url(model, view, pk), {"post": "yes", "name": "改掉", "title": "改掉"})
        assert response.status_code in (302, 403), view
        if response.status_code == 302:
            assert response["Location"] == does_not_exist
    assert clerk.get(url(model, "history", pk)).status_code == 403
    version = model.history.filter(id=pk).latest().history_id
    assert (
        clerk.get(
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history", args=[pk, version])
        ).status_code
        == 403
    )
    assert model.objects.filter(pk=pk).values().get() == before


def test_a_clerk_cannot_add_a_row_to_another_township(clerk, scene):
    page = clerk.get(url(Office, "add"))
    assert list(page.context["adminform"].form.fields["township"].queryset) == [scene.a]

    response = clerk.post(
        url(Office, "add"), {"township": scene.b.pk, "name": "偷偷加的办公室", "kind": "office", "floor": 1, "order": 0}
    )

    assert response.status_code == 200  # the form again, with an error on 所属乡镇
    assert "township" in response.context["adminform"].form.errors
    assert not Office.objects.filter(name="偷偷加的办公室").exists()


def test_the_add_form_offers_only_the_clerks_township_preselected_and_its_own_choices(clerk, scene):
    form = clerk.get(url(ServiceItem, "add")).context["adminform"].form

    township = form.fields["township"]
    assert list(township.queryset) == [scene.a] and township.initial == scene.a.pk and township.empty_label is None
    assert set(form.fields["office"].queryset) == set(Office.objects.filter(township=scene.a))
    assert set(form.fields["department"].queryset) == set(CountyDepartment.objects.filter(county=scene.x))
    assert set(form.fields["responsible_post"].queryset) == set(Post.objects.filter(township=scene.a))


def test_a_crafted_post_naming_another_townships_office_is_refused(clerk, scene):
    item = scene.items["a"][0]
    data = form_data(clerk.get(url(ServiceItem, "change", item.pk)))
    data["office"] = Office.objects.filter(township=scene.b).first().pk

    response = clerk.post(url(ServiceItem, "change", item.pk), data)

    assert response.status_code == 200 and "office" in response.context["adminform"].form.errors
    item.refresh_from_db()
    assert item.office.township == scene.a


def test_inline_rows_offer_only_the_clerks_own_choices(clerk, scene):
    post = Post.objects.filter(township=scene.a).first()
    page = clerk.get(url(Post, "change", post.pk))

    formsets = {f.formset.model: f.formset for f in page.context["inline_admin_formsets"]}
    holder_form = formsets[PostHolder].forms[0]
    assert set(holder_form.fields["staff"].queryset) == set(Staff.objects.filter(township=scene.a))


def test_an_import_by_a_clerk_never_touches_another_townships_rows(clerk, scene):
    theirs = scene.items["b"][0]
    upload = SimpleUploadedFile(
        "服务事项.xlsx",
        xlsx(
            {
                "服务事项": [
                    ["事项编号", "事项名称", "事项类型", "办理科室", "收费"],
                    [theirs.code, "被改掉的名称", "公共服务", "东岭乡办公室0", "不收费"],
                ]
            }
        ),
    )

    preview = clerk.post(url(ServiceItem, "import"), {"import_file": upload, "township": scene.b.pk})
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode())
    if token:
        clerk.post(url(ServiceItem, "process_import"), {"token": token.group(1)})

    theirs.refresh_from_db()
    assert theirs.name == "西川镇事项0" and theirs.township == scene.b
    assert not ServiceItem.objects.filter(township=scene.b, name="被改掉的名称").exists()


# --- actions -----------------------------------------------------------------------------------


def test_mark_checked_today_marks_only_the_clerks_rows_and_records_who(clerk, scene):
    mine = rows_of(scene, ServiceItem, ("t", "a"))
    theirs = rows_of(scene, ServiceItem, ("t", "b"))

    clerk.post(
        url(ServiceItem, "changelist"),
        {"action": "mark_checked_today", ACTION_CHECKBOX_NAME: [*mine, *theirs]},
    )

    for item in ServiceItem.objects.filter(pk__in=mine):
        assert item.last_checked_by == scene.clerk_a and item.last_checked_on == scene.today
        assert item.history.latest().history_user == scene.clerk_a
    assert not ServiceItem.objects.filter(pk__in=theirs, last_checked_by__isnull=False).exists()


@pytest.mark.parametrize(
    ("model", "date_field", "by_field"),
    [
        (Staff, "phone_checked_on", "phone_checked_by"),
        # Not Liaison: its county confirmation is a reviewer's, never a clerk's "checked today" (issue 14).
        (CertificateRule, "last_checked_on", "last_checked_by"),
    ],
)
def test_mark_checked_today_is_offered_for_phones_liaison_rows_and_certificates(
    clerk, scene, model, date_field, by_field
):
    mine = rows_of(scene, model, ("t", "a"))
    clerk.post(url(model, "changelist"), {"action": "mark_checked_today", ACTION_CHECKBOX_NAME: mine})

    for row in model.objects.filter(pk__in=mine):
        assert getattr(row, date_field) == scene.today and getattr(row, by_field) == scene.clerk_a


def test_bulk_delete_skips_the_county_rules_a_clerk_can_only_read(clerk, scene):
    county_rules = list(certificate_rules_of(scene, ("c", "x")).values_list("pk", flat=True))
    own = rows_of(scene, CertificateRule, ("t", "a"))

    confirm = clerk.post(
        url(CertificateRule, "changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [*county_rules, *own], "post": "yes"},
    )

    assert confirm.status_code == 302
    assert CertificateRule.objects.filter(pk__in=county_rules).count() == len(county_rules)
    assert not CertificateRule.objects.filter(pk__in=own).exists()


def test_a_clerk_reads_county_rules_and_departments_but_cannot_change_them(clerk, scene):
    rule = certificate_rules_of(scene, ("c", "x")).get()
    department = scene.departments["x"][0]

    for model, obj in ((CertificateRule, rule), (CountyDepartment, department)):
        page = clerk.get(url(model, "change", obj.pk))
        assert page.status_code == 200 and page.context["has_change_permission"] is False
        assert clerk.post(url(model, "change", obj.pk), {"name": "改掉"}).status_code == 403
    rule.refresh_from_db()
    assert rule.name == "甲县亲属关系证明"


# --- the county reviewer -----------------------------------------------------------------------


def test_a_reviewer_reads_every_township_of_the_county_but_changes_none(reviewer, scene):
    for key in ("a", "b"):
        item = scene.items[key][0]
        page = reviewer.get(url(ServiceItem, "change", item.pk))
        assert page.status_code == 200 and page.context["has_change_permission"] is False
        data = form_data(page)
        data["name"] = "审核员改的"
        assert reviewer.post(url(ServiceItem, "change", item.pk), data).status_code == 403
        assert reviewer.post(url(ServiceItem, "delete", item.pk), {"post": "yes"}).status_code == 403
        item.refresh_from_db()
        assert item.name != "审核员改的"
    assert reviewer.get(url(ServiceItem, "add")).status_code == 403
    assert reviewer.get(url(ServiceItem, "change", scene.items["c"][0].pk)).status_code == 302  # another county


def test_a_reviewer_cannot_restore_an_old_version_of_township_data(reviewer, scene):
    item = scene.items["a"][0]
    item.name = "改过一次"
    item.save()
    old = item.history.earliest()

    response = reviewer.post(
        reverse("admin:services_serviceitem_simple_history", args=[item.pk, old.history_id]),
        {},
    )

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.name == "改过一次"


def test_a_reviewer_edits_the_countys_departments_and_is_recorded(reviewer, scene):
    department = scene.departments["x"][0]
    page = reviewer.get(url(CountyDepartment, "change", department.pk))
    assert page.context["has_change_permission"] is True
    data = form_data(page)
    data["phone"] = "0359-0300123"

    response = reviewer.post(url(CountyDepartment, "change", department.pk), data)

    assert response.status_code == 302
    department.refresh_from_db()
    assert department.phone == "0359-0300123"
    assert department.history.latest().history_user == scene.reviewer_x
    other = scene.departments["y"][0]
    assert reviewer.get(url(CountyDepartment, "change", other.pk)).status_code == 302


def test_a_reviewer_edits_county_rules_but_not_a_townships_own(reviewer, scene):
    county_rule = certificate_rules_of(scene, ("c", "x")).get()
    data = form_data(reviewer.get(url(CertificateRule, "change", county_rule.pk)))
    data["alternative"] = "凭户口簿，到派出所核查"
    assert reviewer.post(url(CertificateRule, "change", county_rule.pk), data).status_code == 302
    county_rule.refresh_from_db()
    assert county_rule.alternative == "凭户口簿，到派出所核查"

    township_rule = CertificateRule.objects.get(pk=rows_of(scene, CertificateRule, ("t", "a"))[0])
    page = reviewer.get(url(CertificateRule, "change", township_rule.pk))
    assert page.context["has_change_permission"] is False


def test_a_reviewers_new_certificate_rule_is_county_wide(reviewer, scene):
    form = reviewer.get(url(CertificateRule, "add")).context["adminform"].form

    assert list(form.fields["township"].queryset) == []
    assert list(form.fields["county"].queryset) == [scene.x]
