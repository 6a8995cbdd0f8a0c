"""The admin as clerks and superusers use it: every page opens, edits are recorded, rules are explained."""

import datetime
import itertools

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from feedback.cases import enquiry_record, rating_submit, report_submit
from feedback.models import Case, Enquiry, Rating
from portal.models import County, QRCode, QRScanDay, Township, UserScope, Village
from search.models import SearchDay, SearchMiss, Synonym
from services.models import (
    Category,
    CertificateRule,
    LegalBasis,
    LifeEvent,
    Material,
    ResponsibilityEntry,
    ResponsibilityList,
    ServiceItem,
    Step,
)
from staff.models import Absence, CountyDepartment, DepartmentSection, Liaison, Office, Post, PostHolder, Staff, Window
from tests import builders
from workdays.models import CalendarDay

_n = itertools.count(1)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash the personas' passwords cheaply: the real hasher costs half a second per account."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(django_user_model):
    return django_user_model.objects.create_user(f"clerk-{next(_n)}")


def _post_with_holder(township):
    return builders.make_post(township=township, primary=builders.make_staff(township=township))


# How to build one more object of each registered model inside ``township``.
# A model registered later without an entry here makes the tests below fail
# with its name, so that its admin pages are covered too.
BUILDERS = {
    County: lambda t, users: builders.make_county(),
    Township: lambda t, users: builders.make_township(county=t.county),
    Village: lambda t, users: builders.make_village(township=t),
    UserScope: lambda t, users: UserScope.objects.create(user=_user(users), township=t),
    QRCode: lambda t, users: QRCode.objects.create(township=t, code=f"TST{next(_n)}", placement="大门"),
    QRScanDay: lambda t, users: QRScanDay.objects.create(
        qr_code=QRCode.objects.create(township=t, code=f"TSD{next(_n)}", placement="1号窗口"),
        day=datetime.date(2026, 3, 1),
        count=7,
    ),
    CountyDepartment: lambda t, users: builders.make_department(county=t.county),
    DepartmentSection: lambda t, users: DepartmentSection.objects.create(
        department=builders.make_department(county=t.county), name="综合股", head_name="股长甲", phone="0359-0200002"
    ),
    Office: lambda t, users: builders.make_office(township=t),
    Window: lambda t, users: builders.make_window(
        township=t,
        office=builders.make_office(township=t),
        departments=[builders.make_department(county=t.county) for _ in range(3)],
        primary_staff=builders.make_staff(township=t),
    ),
    Staff: lambda t, users: builders.make_staff(township=t),
    Post: lambda t, users: _post_with_holder(t),
    PostHolder: lambda t, users: _post_with_holder(t).holders.get(),
    Liaison: lambda t, users: builders.make_liaison(
        post=builders.make_post(township=t), department=builders.make_department(county=t.county)
    ),
    LegalBasis: lambda t, users: builders.make_legal_basis(),
    Category: lambda t, users: builders.make_category(),
    LifeEvent: lambda t, users: builders.make_life_event(),
    ServiceItem: lambda t, users: builders.make_item(township=t, materials=2, steps=2),
    Material: lambda t, users: builders.make_item(township=t, materials=1).materials.get(),
    Step: lambda t, users: builders.make_item(township=t, steps=1).steps.get(),
    ResponsibilityList: lambda t, users: builders.make_list(township=t, entries=2, version=f"第{next(_n)}版"),
    ResponsibilityEntry: lambda t, users: builders.make_list(
        township=t, entries=1, version=f"第{next(_n)}版"
    ).entries.get(),
    CertificateRule: lambda t, users: builders.make_certificate_rule(county=t.county),
    Synonym: lambda t, users: Synonym.objects.create(township=t, phrase=f"说法{next(_n)}", target="高龄补贴"),
    SearchMiss: lambda t, users: SearchMiss.objects.create(
        township=t, query=f"火星移民{next(_n)}", day=datetime.date(2026, 3, 1)
    ),
    SearchDay: lambda t, users: SearchDay.objects.create(
        township=t, day=datetime.date(2026, 3, next(_n) % 28 + 1), searches=5, misses=2
    ),
    Absence: lambda t, users: Absence.objects.create(
        staff=builders.make_staff(township=t),
        kind="meeting",
        start=datetime.date(2026, 11, 2),
        end=datetime.date(2026, 11, 3),
    ),
    CalendarDay: lambda t, users: CalendarDay.objects.get(date=datetime.date(2026, 10, 1)),
    Case: lambda t, users: report_submit(
        township=t, about="office", target=builders.make_office(township=t), problem="phone"
    ),
    Enquiry: lambda t, users: enquiry_record(user=_user(users), township=t, channel="phone", outcome="answered"),
    Rating: lambda t, users: rating_submit(township=t, level=2, channel="web"),
}


def build(model, township, django_user_model):
    if model is django_user_model:
        return _user(django_user_model)
    if model is Group:
        return Group.objects.create(name=f"办事员{next(_n)}")
    assert model in BUILDERS, f"{model._meta.label} is registered in the admin: add a builder for it to BUILDERS"
    return BUILDERS[model](township, django_user_model)


REGISTERED = sorted(admin.site._registry.items(), key=lambda pair: pair[0]._meta.label)
MODELS = [model for model, _ in REGISTERED]
MODEL_IDS = [model._meta.label for model in MODELS]
HISTORY_MODELS = [model for model, model_admin in REGISTERED if isinstance(model_admin, SimpleHistoryAdmin)]
# The admin classes of this feature; QR codes have their own module and tests.
OUR_ADMINS = [
    (model, model_admin)
    for model, model_admin in REGISTERED
    if type(model_admin).__module__ in {"portal.admin", "staff.admin", "services.admin"}
]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response):
    """Return the POST data that submits the admin form on ``response`` unchanged, inlines included."""
    data = {}

    def add_form(form):
        for name, field in form.fields.items():
            if isinstance(field, forms.FileField):
                continue  # no upload keeps the stored file
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[key] = "on"
            elif value is None:
                data[key] = ""
            elif isinstance(value, list | tuple):
                data[key] = [str(getattr(v, "pk", v)) for v in value]
            elif isinstance(value, datetime.date):
                data[key] = value.isoformat()
            else:
                data[key] = str(getattr(value, "pk", value))

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add_form(inline.formset.management_form)
        for form in inline.formset.forms:
            add_form(form)
    return data


# ---------------------------------------------------------------- every page opens


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_every_changelist_add_and_change_page_opens_for_a_superuser(
    admin_client, rf, superuser, township, django_user_model, model
):
    obj = build(model, township, django_user_model)
    request = rf.get("/")
    request.user = superuser
    # Some records are only ever written by the system (scan counts): their admin offers no add page.
    add_status = 200 if admin.site._registry[model].has_add_permission(request) else 403

    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "add")).status_code == add_status
    change = admin_client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert str(obj) in change.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_every_changelist_answers_a_search(admin_client, township, django_user_model, model):
    obj = build(model, township, django_user_model)

    response = admin_client.get(admin_url(model, "changelist"), {"q": f"{str(obj)[:4]} 0359"})

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_no_changelist_runs_a_query_per_row(admin_client, township, django_user_model, model):
    build(model, township, django_user_model)
    url = admin_url(model, "changelist")
    with CaptureQueriesContext(_connection()) as one_row:
        assert admin_client.get(url).status_code == 200
    for _ in range(3):
        build(model, township, django_user_model)
    with CaptureQueriesContext(_connection()) as more_rows:
        assert admin_client.get(url).status_code == 200

    assert len(more_rows) == len(one_row), [q["sql"] for q in more_rows.captured_queries]


def _connection():
    from django.db import connection

    return connection


@pytest.mark.django_db
@pytest.mark.parametrize("model", [m for m, _ in OUR_ADMINS], ids=[m._meta.label for m, _ in OUR_ADMINS])
def test_every_change_form_saves_unchanged(admin_client, township, django_user_model, model):
    """A clerk who opens a record and presses 保存 without touching it is not refused."""
    obj = build(model, township, django_user_model)
    url = admin_url(model, "change", obj.pk)

    response = admin_client.post(url, form_data(admin_client.get(url)))

    errors = response.context and response.context.get("errors")
    assert response.status_code == 302, errors


@pytest.mark.parametrize(("model", "model_admin"), OUR_ADMINS, ids=[m._meta.label for m, _ in OUR_ADMINS])
def test_every_editable_field_is_on_the_form(rf, superuser_in_memory, model, model_admin):
    """No field is silently left out of the fieldsets (it would never be editable)."""
    request = rf.get("/")
    request.user = superuser_in_memory
    shown = set(flatten_fieldsets(model_admin.get_fieldsets(request, None)))
    editable = {
        field.name
        for field in [*model._meta.fields, *model._meta.many_to_many]
        if field.editable and not field.auto_created
    }

    assert editable - shown == set()


@pytest.mark.parametrize(("model", "model_admin"), OUR_ADMINS, ids=[m._meta.label for m, _ in OUR_ADMINS])
def test_every_checker_field_is_filled_from_the_form(model, model_admin):
    """A "checked by" column beside a date is set by the admin, never typed (see TrackedAdmin.checked_by)."""
    checkers = {
        field.name
        for field in model._meta.fields
        if field.name.endswith("_by")
        and field.related_model is get_user_model()
        and field.name not in {"created_by", "updated_by"}
        # A liaison row's county confirmation is given on the reviewers' page, not in a form (issue 14).
        and (model, field.name) != (Liaison, "confirmed_by")
    }

    assert checkers == set(getattr(model_admin, "checked_by", {}).values())


@pytest.fixture
def superuser_in_memory(django_user_model):
    return django_user_model(username="memory", is_superuser=True, is_staff=True)


# ---------------------------------------------------------------- history and audit


@pytest.mark.django_db
@pytest.mark.parametrize("model", HISTORY_MODELS, ids=[m._meta.label for m in HISTORY_MODELS])
def test_every_tracked_object_has_a_history_page(admin_client, township, django_user_model, model):
    obj = build(model, township, django_user_model)

    response = admin_client.get(admin_url(model, "history", obj.pk))

    assert response.status_code == 200


@pytest.mark.django_db
def test_saving_an_item_records_who_created_and_who_changed_it(admin_client, superuser, township, django_user_model):
    office = builders.make_office(township=township, name="社会事务办")
    data = {
        "township": township.pk,
        "code": "DL-101",
        "order": 0,
        "name": "高龄补贴申请",
        "item_type": ServiceItem.ItemType.PAYMENT,
        "handling": ServiceItem.Handling.LOCAL,
        "office": office.pk,
        "promised_limit_value": 5,
        "promised_limit_unit": "working_days",
        "legal_limit_unit": "working_days",
        "fee": "不收费",
        "visits": 1,
        "online_depth": "none",
        "status": "in_force",
        "last_checked_on": "2026-11-02",
        "materials-TOTAL_FORMS": 1,
        "materials-INITIAL_FORMS": 0,
        "materials-0-order": 1,
        "materials-0-name": "居民身份证",
        "materials-0-form": "original",
        "materials-0-copies": 1,
        "materials-0-necessity": "required",
        "materials-0-source": "applicant",
        "steps-TOTAL_FORMS": 0,
        "steps-INITIAL_FORMS": 0,
    }

    response = admin_client.post(admin_url(ServiceItem, "add"), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    item = ServiceItem.objects.get(township=township, code="DL-101")
    material = item.materials.get()
    assert (item.created_by, item.updated_by, item.last_checked_by) == (superuser, superuser, superuser)
    assert (material.created_by, material.updated_by) == (superuser, superuser)

    colleague = django_user_model.objects.create_superuser("colleague-test", "c@example.invalid", "pw-for-tests-only")
    admin_client.force_login(colleague)
    url = admin_url(ServiceItem, "change", item.pk)
    data = form_data(admin_client.get(url))
    data["name"] = "高龄津贴申请"
    data["materials-0-copies"] = "2"
    assert admin_client.post(url, data).status_code == 302

    item.refresh_from_db()
    material.refresh_from_db()
    assert (item.created_by, item.updated_by) == (superuser, colleague)
    assert (material.created_by, material.updated_by, material.copies) == (superuser, colleague, 2)
    history = admin_client.get(admin_url(ServiceItem, "history", item.pk)).content.decode()
    assert "colleague-test" in history and "admin-test" in history


@pytest.mark.django_db
def test_a_liaison_rows_county_confirmation_cannot_be_typed_in_the_admin(admin_client, superuser, township):
    # Issue 14: only a county reviewer confirms (on the oversight page); a form field would let anyone claim it.
    post = builders.make_post(township=township)
    liaison = builders.make_liaison(post=post, department=builders.make_department(county=township.county))
    url = admin_url(Post, "change", post.pk)
    data = form_data(admin_client.get(url))
    data["liaisons-0-confirmed_on"] = "2026-11-20"

    assert admin_client.post(url, data).status_code == 302

    liaison.refresh_from_db()
    assert (liaison.confirmed_on, liaison.confirmed_by) == (None, None)
    assert liaison.created_by is None  # built outside the admin: nobody is invented as its creator


@pytest.mark.django_db
def test_audit_fields_are_shown_folded_and_read_only(admin_client, township):
    item = builders.make_item(township=township)

    response = admin_client.get(admin_url(ServiceItem, "change", item.pk))

    form = response.context["adminform"].form
    assert not {"created_at", "created_by", "updated_at", "updated_by"} & set(form.fields)
    fieldsets = dict(response.context["adminform"].fieldsets)
    assert fieldsets["记录"]["classes"] == ["collapse"]
    assert "创建时间" in response.content.decode()


# ---------------------------------------------------------------- rules explained on the form


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "count", "message"),
    [
        (Window.Kind.GENERAL, 2, "综合窗口应受理 3 至 5 个部门的事项，现在选了 2 个。"),
        (Window.Kind.GENERAL, 6, "综合窗口应受理 3 至 5 个部门的事项，现在选了 6 个。"),
        (Window.Kind.DEDICATED, 2, "专门窗口只对应一个部门，现在选了 2 个。"),
        (Window.Kind.DEDICATED, 0, "专门窗口只对应一个部门，现在选了 0 个。"),
    ],
)
def test_window_department_count_is_explained(admin_client, township, kind, count, message):
    office = builders.make_office(township=township)
    window = builders.make_window(township=township, office=office, number=3)
    departments = [builders.make_department(county=township.county) for _ in range(count)]
    url = admin_url(Window, "change", window.pk)
    data = form_data(admin_client.get(url))
    data.update(kind=kind, departments=[str(d.pk) for d in departments])

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert window.departments.count() == 0


@pytest.mark.django_db
def test_window_with_three_departments_saves(admin_client, township):
    window = builders.make_window(township=township, office=builders.make_office(township=township), number=3)
    departments = [builders.make_department(county=township.county) for _ in range(3)]
    url = admin_url(Window, "change", window.pk)
    data = form_data(admin_client.get(url))
    data["departments"] = [str(d.pk) for d in departments]

    assert admin_client.post(url, data).status_code == 302
    assert set(window.departments.all()) == set(departments)


@pytest.mark.django_db
def test_window_offers_only_departments_of_its_county(admin_client, township):
    window = builders.make_window(township=township, office=builders.make_office(township=township))
    ours = builders.make_department(county=township.county, name="本县民政局")
    builders.make_department(county=builders.make_county(), name="外县民政局")

    response = admin_client.get(admin_url(Window, "change", window.pk))

    choices = list(response.context["adminform"].form.fields["departments"].queryset)
    assert choices == [ours]


@pytest.mark.django_db
def test_item_merged_into_another_townships_item_is_explained(admin_client, township, other_township):
    item = builders.make_item(township=township)
    elsewhere = builders.make_item(township=other_township)
    url = admin_url(ServiceItem, "change", item.pk)
    data = form_data(admin_client.get(url))
    data.update(status="merged", merged_into=str(elsewhere.pk), merged_on="2026-06-01")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "只能合并到本乡镇的事项" in response.content.decode()
    item.refresh_from_db()
    assert item.status == ServiceItem.Status.IN_FORCE


@pytest.mark.django_db
def test_new_item_with_an_office_of_another_township_is_explained(admin_client, township, other_township):
    data = {
        "township": township.pk,
        "code": "DL-102",
        "order": 0,
        "name": "低保申请",
        "item_type": "payment",
        "handling": "local",
        "office": builders.make_office(township=other_township).pk,
        "promised_limit_value": 5,
        "promised_limit_unit": "working_days",
        "legal_limit_unit": "working_days",
        "fee": "不收费",
        "visits": 1,
        "online_depth": "none",
        "status": "in_force",
        "materials-TOTAL_FORMS": 0,
        "materials-INITIAL_FORMS": 0,
        "steps-TOTAL_FORMS": 0,
        "steps-INITIAL_FORMS": 0,
    }

    response = admin_client.post(admin_url(ServiceItem, "add"), data)

    assert response.status_code == 200
    assert "所选内容不属于本乡镇。" in response.content.decode()

    data["office"] = ""
    response = admin_client.post(admin_url(ServiceItem, "add"), data)

    assert response.status_code == 200
    assert "这个字段是必填项。" in response.content.decode()
    assert not ServiceItem.objects.filter(code="DL-102").exists()


@pytest.mark.django_db
def test_check_constraint_message_shows_on_the_item_form(admin_client, township):
    item = builders.make_item(township=township)
    url = admin_url(ServiceItem, "change", item.pk)
    data = form_data(admin_client.get(url))
    data["status"] = "withdrawn"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "“已取消”的事项必须写明取消日期。" in response.content.decode()


@pytest.mark.django_db
def test_two_a_holders_in_one_submission_are_refused_with_a_message(admin_client, township):
    post = builders.make_post(township=township)
    first, second = builders.make_staff(township=township), builders.make_staff(township=township)
    url = admin_url(Post, "change", post.pk)
    data = form_data(admin_client.get(url))
    data.update(
        {
            "holders-TOTAL_FORMS": "2",
            "holders-0-staff": str(first.pk),
            "holders-0-role": "A",
            "holders-0-order": "0",
            "holders-1-staff": str(second.pk),
            "holders-1-role": "A",
            "holders-1-order": "1",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "一个岗位只能有一名A角。" in response.content.decode()
    assert not post.holders.exists()


@pytest.mark.django_db
def test_post_holders_are_chosen_from_the_posts_township(admin_client, township, other_township):
    post = builders.make_post(township=township)
    ours = builders.make_staff(township=township, name="本乡人员")
    builders.make_staff(township=other_township, name="外乡人员")

    response = admin_client.get(admin_url(Post, "change", post.pk))

    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "holders")
    assert list(formset.forms[0].fields["staff"].queryset) == [ours]
    html = response.content.decode()
    assert "本乡人员" in html and "外乡人员" not in html


@pytest.mark.django_db
def test_item_form_offers_offices_of_its_own_township_only(admin_client, township, other_township):
    item = builders.make_item(township=township, office=builders.make_office(township=township, name="本乡办公室"))
    builders.make_office(township=other_township, name="外乡办公室")

    html = admin_client.get(admin_url(ServiceItem, "change", item.pk)).content.decode()

    assert "本乡办公室" in html and "外乡办公室" not in html


# ---------------------------------------------------------------- view on site


@pytest.mark.django_db
def test_view_on_site_leads_to_the_public_page(admin_client, township):
    item = builders.make_item(township=township)
    change = admin_client.get(admin_url(ServiceItem, "change", item.pk)).content.decode()
    shortcut = reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(item).pk, item.pk])

    response = admin_client.get(shortcut)

    assert shortcut in change
    assert response.status_code == 302
    assert response["Location"].endswith(item.get_absolute_url())


# ---------------------------------------------------------------- query counts


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_item_changelist_runs_a_fixed_number_of_queries(admin_client, township, django_assert_max_num_queries, rows):
    office = builders.make_office(township=township)
    window = builders.make_window(township=township, office=office)
    for _ in range(rows):
        builders.make_item(township=township, office=office, window=window)

    # 1 session, 2 user, 3 townships for the 所属乡镇 filter, 4 categories for
    # the 分类 filter, 5 count of the filtered rows, 6 count of all rows,
    # 7 the page of items with township, office and window joined in.
    with django_assert_max_num_queries(7):
        response = admin_client.get(admin_url(ServiceItem, "changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_list_change_page_queries_once_per_select_column(admin_client, township, django_assert_max_num_queries, rows):
    rlist = builders.make_list(township=township, entries=rows)
    builders.make_office(township=township)
    builders.make_department(county=township.county)

    # 1 session, 2 user, 3 the list, 4 its entries, 5 its township (whose
    # county the department choices need), 6 office choices and 7 department
    # choices, each once for all rows, 8 township and 9 village choices of
    # the list's own form.
    with django_assert_max_num_queries(9):
        response = admin_client.get(admin_url(ResponsibilityList, "change", rlist.pk))

    assert response.status_code == 200
