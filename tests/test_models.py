"""Rules the database itself keeps, whoever writes (admin, import, shell), each with a message a clerk understands."""

import datetime
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.models import County, QRCode, QRScanDay, Township, TownshipFormerSlug, UserScope, Village
from services.models import (
    Category,
    CertificateRule,
    LegalBasis,
    LifeEvent,
    Material,
    ResponsibilityList,
    ServiceItem,
    Step,
)
from staff.models import Absence, CountyDepartment, DepartmentSection, Office, Post, PostHolder, Staff, Window
from tests import builders

CJK = re.compile(r"[\u4e00-\u9fff]")
DAY = datetime.date(2026, 6, 1)


def refused_by_database(obj):
    """Save ``obj`` and return True when the database refuses it (inside a savepoint, so the test goes on)."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        return True
    return False


def clean_messages(obj):
    """Return the messages ``full_clean()`` raises for ``obj`` (all of them, flattened)."""
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.messages


# ---------------------------------------------------------------- posts and holders


@pytest.mark.django_db
def test_two_a_holders_on_one_post_are_refused(township):
    post = builders.make_post(township=township, primary=builders.make_staff(township=township))
    second = PostHolder(post=post, staff=builders.make_staff(township=township), role=PostHolder.Role.PRIMARY)

    assert "一个岗位只能有一名A角。" in clean_messages(second)
    with pytest.raises(ValidationError, match="一个岗位只能有一名A角。"):
        second.validate_constraints()
    assert refused_by_database(second)
    assert post.holders.count() == 1


@pytest.mark.django_db
def test_one_a_and_several_b_holders_are_fine(township):
    post = builders.make_post(
        township=township,
        primary=builders.make_staff(township=township),
        backups=[builders.make_staff(township=township), builders.make_staff(township=township)],
    )

    assert [holder.role for holder in post.holders.order_by("role")] == ["A", "B", "B"]


@pytest.mark.django_db
def test_the_same_person_twice_on_a_post_is_refused(township):
    person = builders.make_staff(township=township)
    post = builders.make_post(township=township, primary=person)
    again = PostHolder(post=post, staff=person, role=PostHolder.Role.BACKUP)

    assert "此人已在这个岗位上。" in clean_messages(again)
    assert refused_by_database(again)


@pytest.mark.django_db
def test_a_holder_from_another_township_is_refused(township, other_township):
    post = builders.make_post(township=township)
    stranger = PostHolder(post=post, staff=builders.make_staff(township=other_township), role="B")

    assert "所选工作人员不属于本岗位所在的乡镇。" in clean_messages(stranger)


@pytest.mark.django_db
def test_window_backup_must_differ_from_primary(township):
    person = builders.make_staff(township=township)
    window = Window(
        township=township,
        office=builders.make_office(township=township),
        number=1,
        name="综合窗口",
        kind=Window.Kind.GENERAL,
        primary_staff=person,
        backup_staff=person,
    )

    assert "窗口的A角和B角不能是同一个人。" in clean_messages(window)
    assert refused_by_database(window)


# ---------------------------------------------------------------- service items


@pytest.mark.django_db
def test_merge_target_in_another_township_is_refused(township, other_township):
    target = builders.make_item(township=other_township)
    item = builders.make_item(township=township)
    item.status, item.merged_into, item.merged_on = ServiceItem.Status.MERGED, target, DAY

    assert "只能合并到本乡镇的事项。" in clean_messages(item)


@pytest.mark.django_db
def test_merge_into_a_withdrawn_item_is_refused(township):
    target = builders.make_item(township=township, status=ServiceItem.Status.WITHDRAWN, withdrawn_on=DAY)
    item = builders.make_item(township=township)
    item.status, item.merged_into, item.merged_on = ServiceItem.Status.MERGED, target, DAY

    assert "不能合并到一个已取消或已合并的事项。" in clean_messages(item)


@pytest.mark.django_db
def test_merge_within_the_township_with_a_date_is_fine(township):
    target = builders.make_item(township=township)
    item = builders.make_item(township=township)
    item.status, item.merged_into, item.merged_on = ServiceItem.Status.MERGED, target, DAY

    item.full_clean()
    item.save()
    assert list(target.merged_items.all()) == [item]


MERGED_MESSAGE = "“已合并”的事项必须写明合并到哪个事项和合并日期；其他状态不能填“合并到”。"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": "merged", "merged_on": DAY}, MERGED_MESSAGE),
        ({"status": "merged", "merged_into": "target"}, MERGED_MESSAGE),
        ({"status": "in_force", "merged_into": "target", "merged_on": DAY}, MERGED_MESSAGE),
        ({"status": "withdrawn"}, "“已取消”的事项必须写明取消日期。"),
        ({"status": "suspended", "status_reason": "系统升级"}, "“暂停办理”的事项必须写明暂停起始日期和原因。"),
        ({"status": "suspended", "suspended_from": DAY}, "“暂停办理”的事项必须写明暂停起始日期和原因。"),
        (
            {"suspended_from": DAY, "suspended_until": DAY - datetime.timedelta(days=1)},
            "预计恢复日期不能早于暂停起始日期。",
        ),
        ({"handling": "county_proxy"}, "“受理后代办至县级部门”的事项必须写明县级审批部门。"),
        ({"promised_limit_value": None}, "承诺时限以天计时必须填写天数；当场办结请选“即办”。"),
        ({"visits": 6}, "到现场次数不应超过 5 次。"),
        ({"online_depth": "full"}, "可以网上申请的事项必须填写网办地址。"),
    ],
    ids=[
        "merged-without-target",
        "merged-without-date",
        "target-but-not-merged",
        "withdrawn-without-date",
        "suspended-without-date",
        "suspended-without-reason",
        "resumes-before-suspended",
        "county-proxy-without-department",
        "promised-limit-without-days",
        "too-many-visits",
        "online-without-address",
    ],
)
def test_item_status_and_handling_rules(township, changes, message):
    target = builders.make_item(township=township)
    item = builders.make_item(township=township)
    for name, value in changes.items():
        setattr(item, name, target if value == "target" else value)

    assert message in clean_messages(item)
    assert refused_by_database(item)


@pytest.mark.django_db
def test_item_cannot_be_merged_into_itself(township):
    item = builders.make_item(township=township)
    item.status, item.merged_into, item.merged_on = ServiceItem.Status.MERGED, item, DAY

    assert "事项不能合并到它自己。" in clean_messages(item)
    assert refused_by_database(item)


@pytest.mark.django_db
def test_item_rules_accept_complete_states(township):
    department = builders.make_department(county=township.county)
    suspended = builders.make_item(
        township=township, status="suspended", suspended_from=DAY, status_reason="系统升级", handling="local"
    )
    proxied = builders.make_item(township=township, handling="county_proxy", department=department)
    on_the_spot = builders.make_item(
        township=township, promised_limit_value=None, promised_limit_unit="on_the_spot", legal_limit_value=None
    )

    for item in (suspended, proxied, on_the_spot):
        item.full_clean()


@pytest.mark.django_db
def test_item_office_window_and_post_of_another_township_are_refused(township, other_township):
    item = builders.make_item(township=township)
    item.office = builders.make_office(township=other_township)
    item.responsible_post = builders.make_post(township=other_township)

    with pytest.raises(ValidationError) as caught:
        item.full_clean()

    assert caught.value.message_dict["office"] == ["所选内容不属于本乡镇。"]
    assert caught.value.message_dict["responsible_post"] == ["所选内容不属于本乡镇。"]


@pytest.mark.django_db
def test_item_department_of_another_county_is_refused(township):
    item = builders.make_item(township=township)
    item.handling, item.department = "county_proxy", builders.make_department(county=builders.make_county())

    assert "所选部门不属于本乡镇所在的县（区）。" in clean_messages(item)


# ---------------------------------------------------------------- materials and steps


@pytest.mark.django_db
@pytest.mark.parametrize("copies", [0, 21])
def test_material_copies_must_be_sensible(township, copies):
    item = builders.make_item(township=township)
    material = Material(item=item, name="户口簿", copies=copies)

    assert "份数应在 1 到 20 之间。" in clean_messages(material)
    assert refused_by_database(material)


@pytest.mark.django_db
def test_conditional_material_says_when(township):
    material = Material(item=builders.make_item(township=township), name="委托书", necessity="conditional")

    assert "“特定情形需要”的材料必须写明是什么情形。" in clean_messages(material)
    assert refused_by_database(material)


# ---------------------------------------------------------------- staff, offices, scopes, certificates


@pytest.mark.django_db
def test_public_mobile_needs_a_mobile(township):
    person = Staff(township=township, name="李四", mobile="", mobile_public=True)

    assert "勾选了“手机可对外公开”，但没有填写手机号。" in clean_messages(person)
    assert refused_by_database(person)


@pytest.mark.django_db
def test_public_mobile_with_a_mobile_is_shown(township):
    person = builders.make_staff(township=township, office_phone="", mobile="10012345678", mobile_public=True)

    assert person.public_phone == "10012345678"


@pytest.mark.django_db
@pytest.mark.parametrize("floor", [0, -6, 51])
def test_office_floor_is_sensible(township, floor):
    office = Office(township=township, name="党政办", kind=Office.Kind.OFFICE, floor=floor)

    assert "楼层应在 -5 到 50 之间，且不能为 0。" in clean_messages(office)
    assert refused_by_database(office)


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["both", "neither"])
def test_account_scope_is_a_township_or_a_county(township, django_user_model, scope):
    user = django_user_model.objects.create_user("scoped-test")
    both = scope == "both"
    row = UserScope(user=user, township=township if both else None, county=township.county if both else None)

    assert "账号要么属于一个乡镇（办事员），要么属于一个县（区）（审核员），二者选一。" in clean_messages(row)
    assert refused_by_database(row)


@pytest.mark.django_db
def test_may_not_certificate_without_alternative_is_refused(county):
    rule = CertificateRule(county=county, name="亲属关系证明", may_issue=False)

    assert "不再出具的证明必须写明替代途径（类型和具体办法）。" in clean_messages(rule)
    assert refused_by_database(rule)

    rule.alternative_kind = CertificateRule.AlternativeKind.HELD_DOCUMENT
    assert refused_by_database(rule), "a kind without the concrete way is not enough"

    rule.alternative = "凭户口簿、结婚证等证件办理"
    rule.full_clean()
    rule.save()


@pytest.mark.django_db
def test_may_issue_certificate_needs_no_alternative(county):
    rule = CertificateRule(county=county, name="党员到居住地报到情况反馈", may_issue=True)

    rule.full_clean()
    rule.save()


@pytest.mark.django_db
def test_township_certificate_rule_must_be_in_the_county(county):
    elsewhere = builders.make_township(county=builders.make_county())
    rule = CertificateRule(county=county, township=elsewhere, name="居住证明", may_issue=True)

    assert "所选乡镇不属于这个县（区）。" in clean_messages(rule)


# ---------------------------------------------------------------- unique names


def _duplicate_cases():
    """(label, make the first row, build an unsaved duplicate, message) for each uniqueness rule."""
    return [
        (
            "county",
            lambda t: builders.make_county(name="重名县"),
            lambda t, first: County(name="重名县", slug="other-slug"),
            "已有同名的县（区）。",
        ),
        (
            "township",
            lambda t: builders.make_township(county=t.county, name="重名乡"),
            lambda t, first: Township(county=t.county, name="重名乡", slug="other-township"),
            "本县（区）已有同名的乡镇（街道）。",
        ),
        (
            "village",
            lambda t: builders.make_village(township=t, name="重名村"),
            lambda t, first: Village(township=t, name="重名村"),
            "本乡镇已有同名的村（社区）。",
        ),
        (
            "department",
            lambda t: builders.make_department(county=t.county, name="民政局"),
            lambda t, first: CountyDepartment(county=t.county, name="民政局"),
            "本县（区）已有同名的部门。",
        ),
        (
            "section",
            lambda t: DepartmentSection.objects.create(
                department=builders.make_department(county=t.county), name="社会救助股"
            ),
            lambda t, first: DepartmentSection(department=first.department, name="社会救助股"),
            "该部门已有同名的股室。",
        ),
        (
            "office",
            lambda t: builders.make_office(township=t, name="党政综合办公室"),
            lambda t, first: Office(township=t, name="党政综合办公室", kind="office"),
            "本乡镇已有同名的办公室（站、中心）。",
        ),
        (
            "staff",
            lambda t: builders.make_staff(township=t, name="王伟"),
            lambda t, first: Staff(township=t, name="王伟"),
            "本乡镇已有同名的工作人员；如确有同名，请在姓名后加区分。",
        ),
        (
            "post",
            lambda t: builders.make_post(township=t, title="民政岗"),
            lambda t, first: Post(township=t, office=first.office, title="民政岗"),
            "本乡镇已有同名的岗位。",
        ),
        (
            "window-number",
            lambda t: builders.make_window(township=t, office=builders.make_office(township=t), number=2),
            lambda t, first: Window(township=t, office=first.office, number=2, name="公安专窗", kind="dedicated"),
            "本乡镇已有这个窗口号。",
        ),
        (
            "item-code",
            lambda t: builders.make_item(township=t, code="DL-001"),
            lambda t, first: ServiceItem(
                township=t, office=first.office, code="DL-001", name="另一个事项", item_type="other"
            ),
            "本乡镇已有这个事项编号；编号一经发布不能重复使用。",
        ),
        (
            "material",
            lambda t: builders.make_item(township=t, materials=1).materials.get(),
            lambda t, first: Material(item=first.item, name=first.name),
            "这个事项已有同名的材料。",
        ),
        (
            "step",
            lambda t: builders.make_item(township=t, steps=1).steps.get(),
            lambda t, first: Step(item=first.item, order=1, title="受理"),
            "这个事项已有相同序号的步骤。",
        ),
        (
            "legal-basis",
            lambda t: builders.make_legal_basis(title="《土地管理法》", article="第六十二条"),
            lambda t, first: LegalBasis(title="《土地管理法》", article="第六十二条"),
            "这条依据（名称+条款）已经录入过。",
        ),
        (
            "township-list-version",
            lambda t: builders.make_list(township=t, version="2026年版"),
            lambda t, first: ResponsibilityList(
                township=t, kind=first.kind, title="另一份", version="2026年版", published_on=DAY
            ),
            "本乡镇已有这一类清单的这个版本。",
        ),
        (
            "village-list-version",
            lambda t: builders.make_list(township=t, village=builders.make_village(township=t), version="2026年版"),
            lambda t, first: ResponsibilityList(
                township=t, village=first.village, kind=first.kind, title="另一份", version="2026年版", published_on=DAY
            ),
            "该村（社区）已有这一类清单的这个版本。",
        ),
        (
            "county-certificate",
            lambda t: builders.make_certificate_rule(county=t.county, name="健在证明"),
            lambda t, first: CertificateRule(
                county=t.county, name="健在证明", may_issue=False, alternative_kind="data_check", alternative="社保核验"
            ),
            "全县已有同名的证明事项。",
        ),
        (
            "township-certificate",
            lambda t: builders.make_certificate_rule(county=t.county, township=t, name="居住证明", may_issue=True),
            lambda t, first: CertificateRule(county=t.county, township=t, name="居住证明", may_issue=True),
            "本乡镇已有同名的证明事项。",
        ),
    ]


DUPLICATES = _duplicate_cases()


@pytest.mark.django_db
@pytest.mark.parametrize(("make", "duplicate", "message"), [c[1:] for c in DUPLICATES], ids=[c[0] for c in DUPLICATES])
def test_duplicate_names_are_refused(township, make, duplicate, message):
    first = make(township)
    second = duplicate(township, first)

    with pytest.raises(ValidationError) as caught:
        second.validate_constraints()
    assert message in caught.value.messages
    assert refused_by_database(second)


@pytest.mark.django_db
def test_same_names_in_different_townships_are_fine(township, other_township):
    for place in (township, other_township):
        builders.make_staff(township=place, name="王伟")
        builders.make_post(township=place, title="民政岗")
        builders.make_item(township=place, code="X-001")

    assert Staff.objects.filter(name="王伟").count() == 2


@pytest.mark.django_db
def test_same_certificate_name_county_wide_and_for_a_township_is_fine(township):
    builders.make_certificate_rule(county=township.county, name="居住证明")
    builders.make_certificate_rule(county=township.county, township=township, name="居住证明", may_issue=True)

    assert CertificateRule.objects.filter(name="居住证明").count() == 2


@pytest.mark.django_db
def test_category_and_life_event_names_are_unique():
    builders.make_category(name="社会保障")
    builders.make_life_event(name="生育")

    assert refused_by_database(Category(name="社会保障", slug="shebao-2"))
    assert refused_by_database(LifeEvent(name="生育", slug="shengyu-2"))


# ---------------------------------------------------------------- every model


APPS = ("portal", "staff", "services")
ALL_MODELS = [model for label in APPS for model in apps.get_app_config(label).get_models()]
# django-simple-history keeps a snapshot table of each many-to-many link; it is
# bookkeeping never shown by name (the history page labels the field instead).
NAMED_MODELS = [model for model in ALL_MODELS if not any(f.name == "m2m_history_id" for f in model._meta.fields)]


@pytest.fixture
def one_of_everything(township, django_user_model):
    """Build at least one row of every model of the three apps (their change history included)."""
    county = township.county
    office = builders.make_office(township=township)
    person = builders.make_staff(township=township)
    post = builders.make_post(township=township, office=office, primary=person)
    department = builders.make_department(county=county)
    DepartmentSection.objects.create(department=department, name="综合股")
    builders.make_window(township=township, office=office, departments=[department], kind="dedicated")
    builders.make_liaison(post=post, department=department)
    builders.make_village(township=township)
    UserScope.objects.create(user=django_user_model.objects.create_user("scope-test"), township=township)
    code = QRCode.objects.create(township=township, code="EVERY1", placement="大门")
    QRScanDay.objects.create(qr_code=code, day=DAY, count=3)
    TownshipFormerSlug.objects.create(township=township, slug="former-address")
    Absence.objects.create(staff=person, kind="meeting", start=DAY, end=DAY)
    item = builders.make_item(township=township, office=office, materials=1, steps=1)
    item.category = builders.make_category()
    item.save()
    item.life_events.add(builders.make_life_event())
    item.legal_bases.add(builders.make_legal_basis())
    entry = builders.make_list(township=township, entries=1).entries.get()
    entry.legal_bases.add(builders.make_legal_basis())
    rule = builders.make_certificate_rule(county=county)
    rule.legal_bases.add(builders.make_legal_basis())


@pytest.mark.django_db
@pytest.mark.parametrize("model", ALL_MODELS, ids=[m._meta.label for m in ALL_MODELS])
def test_every_model_names_its_rows(one_of_everything, model):
    row = model._default_manager.first()

    assert row is not None, f"no {model._meta.label} row was built"
    assert str(row).strip()


@pytest.mark.parametrize("model", NAMED_MODELS, ids=[m._meta.label for m in NAMED_MODELS])
def test_every_model_has_a_chinese_name(model):
    assert CJK.search(str(model._meta.verbose_name)), model._meta.verbose_name
    assert CJK.search(str(model._meta.verbose_name_plural)), model._meta.verbose_name_plural


@pytest.mark.parametrize("model", NAMED_MODELS, ids=[m._meta.label for m in NAMED_MODELS])
def test_every_field_has_a_chinese_label(model):
    untranslated = [
        field.name
        for field in [*model._meta.fields, *model._meta.many_to_many]
        if not field.auto_created
        and not CJK.search(str(field.verbose_name))
        # The change-history tables add simple_history's own columns, labelled by its translations.
        and not field.name.startswith("history_")
    ]

    assert untranslated == []


def test_an_item_without_an_office_is_told_so_instead_of_crashing(township):
    item = ServiceItem(township=township, code="NO-OFFICE", name="缺少科室的事项", item_type="public_service")
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "office" in error.value.message_dict


def test_a_posts_contact_phone_skips_someone_who_has_left(township):
    left = builders.make_staff(township=township, office_phone="0359-0100011", active=False)
    present = builders.make_staff(township=township, office_phone="0359-0100012")
    post = builders.make_post(township=township, primary=left, backups=[present])
    assert Post.objects.with_holders().get(pk=post.pk).contact_phone == "0359-0100012"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda t: builders.make_item(township=t), "last_checked_on"),
        (lambda t: builders.make_staff(township=t), "phone_checked_on"),
        (lambda t: builders.make_village(township=t), "last_checked_on"),
    ],
)
def test_a_check_date_after_today_is_refused(township, build, field):
    obj = build(township)
    setattr(obj, field, timezone.localdate() + datetime.timedelta(days=30))
    with pytest.raises(ValidationError) as error:
        obj.full_clean()
    assert error.value.message_dict[field] == ["核对日期不能晚于今天。"]
