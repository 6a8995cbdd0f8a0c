"""The demo data: it loads with one loaddata on either database and has what the reports describe."""

import re
from collections import Counter

import pytest
from django.apps import apps

from portal.models import Township, Village
from services.models import CertificateRule, ResponsibilityList, ServiceItem
from staff.models import CountyDepartment, DepartmentSection, Liaison, Office, Post, PostHolder, Staff, Window

# 民发〔2020〕20号, the national first batch of certificates villages no longer issue,
# plus the two the Jingzhou report names.
NATIONAL_MAY_NOT = [
    "亲属关系证明",
    "居民身份信息证明",
    "户口登记项目内容变更申请证明",
    "居民养犬证明",
    "无犯罪记录证明",
    "社区戒毒社区康复人员情况证明",
    "人员失踪证明",
    "婚姻状况证明",
    "出生证明",
    "健在证明",
    "死亡证明",
    "疾病状况证明",
    "残疾状况证明",
    "婚育状况证明",
    "居民就业状况证明",
    "居民个人档案证明",
    "居民财产证明",
    "遗产继承权证明",
    "市场主体住所证明",
    "证件遗失证明",
    "名字错误证明",
    "夫妻关系证明",
]

# A landline whose local part starts with 0 is never assigned; 100 is no mobile prefix;
# five-digit numbers are public hotlines (12345).
UNREACHABLE_OR_HOTLINE = re.compile(r"^(0\d{2,3}-0\d{6,7}(-\d{1,6})?|100\d{8}|1\d{4})$")


@pytest.fixture
def demo(demo_data, db):
    """The demo data, loaded once for this module."""


def largest_township():
    return max(Township.objects.all(), key=lambda t: t.service_items.count())


def test_demo_has_one_county_with_at_least_two_townships(demo):
    assert Township.objects.values("county").distinct().count() == 1
    assert Township.objects.count() >= 2


def test_the_donglu_shaped_township_has_five_offices_one_station_two_centres(demo):
    township = largest_township()
    kinds = Counter(Office.objects.filter(township=township).values_list("kind", flat=True))
    assert kinds == {Office.Kind.OFFICE: 5, Office.Kind.STATION: 1, Office.Kind.CENTRE: 2}
    windows = Window.objects.filter(township=township)
    assert windows.filter(kind=Window.Kind.GENERAL).exists()
    assert windows.filter(kind=Window.Kind.DEDICATED).exists()
    for window in windows.prefetch_related("departments"):
        assert window.department_count_error(list(window.departments.all())) is None, window


def test_at_least_fifteen_posts_each_with_an_a_and_a_b_holder(demo):
    posts = Post.objects.filter(township=largest_township())
    assert posts.count() >= 15
    for post in posts:
        roles = Counter(post.holders.values_list("role", flat=True))
        assert roles[PostHolder.Role.PRIMARY] == 1, post
        assert roles[PostHolder.Role.BACKUP] >= 1, post


def test_someone_holds_several_posts(demo):
    counts = Counter(PostHolder.objects.values_list("staff", flat=True))
    assert max(counts.values()) >= 2


def test_thirty_items_with_materials_and_steps_some_carried_to_the_county(demo):
    items = ServiceItem.objects.filter(township=largest_township())
    assert items.count() >= 30
    assert items.filter(handling=ServiceItem.Handling.LOCAL).exists()
    assert items.filter(handling=ServiceItem.Handling.COUNTY_PROXY).exists()
    assert items.filter(status=ServiceItem.Status.WITHDRAWN).exists()
    assert items.filter(status=ServiceItem.Status.MERGED).exists()
    for item in items.in_force():
        assert item.materials.count() >= 1, item
        assert item.steps.count() >= 1, item
    names = " ".join(items.values_list("name", flat=True))
    for situation in ["党组织关系", "退役军人", "宅基地", "个体工商户", "高龄", "低保", "出生"]:
        assert situation in names, situation


def test_every_kind_of_list_has_at_least_five_entries(demo):
    for kind in ResponsibilityList.Kind.values:
        lists = ResponsibilityList.objects.filter(kind=kind)
        assert lists.exists(), kind
        assert max(rl.entries.count() for rl in lists) >= 5, kind


def test_certificate_boards_have_seven_may_issue_and_the_national_may_not_list(demo):
    assert CertificateRule.objects.may_issue().count() >= 7
    may_not = set(CertificateRule.objects.may_not_issue().values_list("name", flat=True))
    assert set(NATIONAL_MAY_NOT) <= may_not
    for rule in CertificateRule.objects.may_not_issue():
        assert rule.alternative_kind and rule.alternative, rule


def test_liaison_table_has_many_to_one_and_one_to_many(demo):
    township = largest_township()
    liaisons = Liaison.objects.of_township(township)
    per_post = Counter(liaisons.values_list("post", flat=True))
    per_department = Counter(liaisons.values_list("department", flat=True))
    assert max(per_post.values()) >= 2, "one post facing several departments (一对多)"
    assert max(per_department.values()) >= 2, "several posts facing one department (多对一)"
    assert set(per_post) == set(Post.objects.filter(township=township).values_list("pk", flat=True))


def test_villages_have_agents(demo):
    villages = Village.objects.filter(township=largest_township())
    assert villages.count() >= 3
    assert all(v.agent_name and v.agent_phone for v in villages)


def test_every_demo_row_passes_validation(demo):
    for app in ("portal", "staff", "services"):
        for model in apps.get_app_config(app).get_models():
            if model.__name__.startswith("Historical"):
                continue
            for obj in model.objects.all():
                obj.full_clean()


def test_no_demo_phone_number_can_ring_anyone(demo):
    phone_fields = [
        (Township, ["phone", "supervision_phone"]),
        (Village, ["agent_phone"]),
        (Staff, ["office_phone", "mobile"]),
        (Office, ["phone"]),
        (Post, ["phone"]),
        (Liaison, ["county_contact_phone"]),
        (CountyDepartment, ["phone"]),
        (DepartmentSection, ["phone"]),
    ]
    for model, fields in phone_fields:
        for values in model.objects.values_list(*fields):
            for number in values:
                assert not number or UNREACHABLE_OR_HOTLINE.match(number), (model.__name__, number)


def test_every_published_demo_item_states_what_a_resident_needs(demo):
    # Fee, visits, online depth, level and the offers have no model default any more: the demo states each, and every
    # published item would pass the publish check (services.publishing) as it stands.
    published = ServiceItem.objects.exclude(status=ServiceItem.Status.DRAFT).select_related("window")
    assert published.exists()
    for item in published:
        assert item.fee and item.visits is not None and item.online_depth and item.handling, item.code
        offers = (item.proxy_offered, item.home_visit_offered, item.locker_offered, item.deferral_allowed)
        assert None not in offers, item.code
        if item.is_available:
            assert item.missing_for_publication() == [], item.code
