"""A small township as residents see it, built from tests.builders, for the residents' page tests.

``build_scene(size=n)`` adds ``n`` extra items, materials, steps, posts,
holders, liaisons, villages, list entries and certificate rules on top of the
named rows, so the same page can be measured with little and with much data.
"""

import datetime
from types import SimpleNamespace

from portal.models import TownshipFormerSlug
from services.models import CertificateRule, Material, ResponsibilityList, ServiceItem, Step
from staff.models import Absence, Office, Window
from tests import builders

PRIVATE_MOBILE = "10099990001"  # a mobile that must never be shown on a public page
PUBLIC_MOBILE = "10088880002"


def build_scene(*, county, township, size=3):
    s = SimpleNamespace(county=county, township=township)
    s.civil = builders.make_department(county=county, name="瑞河县民政局", short_name="民政局", phone="0359-0300001")
    s.resources = builders.make_department(county=county, name="瑞河县自然资源局", short_name="自然资源局")
    s.market = builders.make_department(county=county, name="瑞河县市场监督管理局", short_name="市场监管局")
    s.health = builders.make_department(county=county, name="瑞河县卫生健康局", short_name="卫健局")

    s.centre = builders.make_office(
        township=township,
        name="便民服务中心",
        kind=Office.Kind.CENTRE,
        floor=1,
        room="大厅",
        directions="进大门右手",
        phone="0359-0100010",
    )
    s.land = builders.make_office(
        township=township, name="自然资源和规划所", floor=2, room="203室", phone="0359-0100020"
    )

    s.clerk_a = builders.make_staff(
        township=township, name="李明", office_phone="0359-0100011", mobile=PRIVATE_MOBILE, mobile_public=False
    )
    s.clerk_b = builders.make_staff(
        township=township, name="王芳", office_phone="", mobile=PUBLIC_MOBILE, mobile_public=True
    )
    s.land_a = builders.make_staff(township=township, name="赵强", office_phone="0359-0100021")

    s.general = builders.make_window(
        township=township,
        office=s.centre,
        number=1,
        name="综合受理窗口",
        kind=Window.Kind.GENERAL,
        departments=[s.civil, s.resources, s.health],
        handles="低保、高龄补贴、出生登记",
        primary_staff=s.clerk_a,
        backup_staff=s.clerk_b,
    )
    s.market_window = builders.make_window(
        township=township,
        office=s.centre,
        number=2,
        name="市场监管专窗",
        kind=Window.Kind.DEDICATED,
        departments=[s.market],
        handles="个体工商户登记",
    )

    s.civil_post = builders.make_post(
        township=township,
        office=s.centre,
        title="民政岗",
        duties="低保、特困、高龄补贴受理。",
        primary=s.clerk_a,
        backups=[s.clerk_b],
    )
    s.land_post = builders.make_post(
        township=township, office=s.land, title="宅基地管理岗", duties="农村宅基地申请审核。", primary=s.land_a
    )
    # 多对一: two posts face the civil-affairs bureau; 一对多: the civil post faces two departments.
    builders.make_liaison(post=s.civil_post, department=s.civil, county_contact_name="周县联", matters="低保审批")
    builders.make_liaison(post=s.civil_post, department=s.health, county_contact_name="吴县联", matters="出生登记")
    builders.make_liaison(post=s.land_post, department=s.resources, county_contact_name="郑县联", matters="宅基地审批")

    s.social = builders.make_category(name="社会保障", slug=f"social-{township.slug}")
    s.land_cat = builders.make_category(name="自然资源", slug=f"land-{township.slug}")
    s.birth_event = builders.make_life_event(name="生育", slug=f"birth-{township.slug}")
    s.house_event = builders.make_life_event(name="建房", slug=f"house-{township.slug}")
    s.law = builders.make_legal_basis(
        title="《中华人民共和国土地管理法》", article="第六十二条", url="https://example.invalid/law"
    )

    s.homestead = builders.make_item(
        township=township,
        office=s.land,
        window=s.general,
        responsible_post=s.land_post,
        code="DL-001",
        name="农村宅基地和建房（规划许可）审批",
        keywords="盖房、批宅基地、建房",
        summary="农村村民申请宅基地建房。",
        item_type=ServiceItem.ItemType.LICENSING,
        category=s.land_cat,
        handling=ServiceItem.Handling.LOCAL,
        promised_limit_value=15,
        legal_limit_value=20,
        visits=2,
        visit_reason="现场勘查需本人在场",
        proxy_offered=True,
        home_visit_offered=False,
        locker_offered=True,
        deferral_allowed=True,
        online_depth=ServiceItem.OnlineDepth.APPLY,
        online_url="https://example.invalid/apply",
        conditions="本村集体经济组织成员，一户一宅。",
        fee="不收费",
        last_checked_on=datetime.date(2026, 10, 8),
    )
    s.homestead.legal_bases.add(s.law)
    s.homestead.life_events.add(s.house_event)
    Material.objects.create(
        item=s.homestead,
        order=1,
        name="农村宅基地和建房（规划许可）申请表",
        form="original",
        copies=2,
        source="window",
        source_note="窗口领取",
    )
    Material.objects.create(
        item=s.homestead,
        order=2,
        name="居民户口簿",
        form="both",
        copies=1,
        source="government",
        source_note="公安派出所核发",
    )
    Material.objects.create(
        item=s.homestead,
        order=3,
        name="建房设计图",
        form="copy",
        copies=3,
        necessity="deferrable",
        source_note="可用农房设计图集",
    )
    Step.objects.create(item=s.homestead, order=1, title="申请", actor="村民", place="村委会")
    Step.objects.create(item=s.homestead, order=2, title="村级审查", actor="村委会")
    Step.objects.create(item=s.homestead, order=3, title="乡镇审批", actor="自然资源和规划所", duration="15个工作日")

    s.dibao = builders.make_item(
        township=township,
        office=s.centre,
        window=s.general,
        responsible_post=s.civil_post,
        code="DL-002",
        name="最低生活保障审核确认",
        keywords="低保、吃低保",
        item_type=ServiceItem.ItemType.PAYMENT,
        category=s.social,
        handling=ServiceItem.Handling.COUNTY_PROXY,
        department=s.civil,
        materials=2,
        steps=2,
    )
    s.licence = builders.make_item(
        township=township,
        office=s.centre,
        window=s.market_window,
        code="DL-003",
        name="个体工商户设立登记",
        keywords="营业执照、开店",
        category=s.social,
        materials=1,
    )
    s.birth = builders.make_item(
        township=township,
        office=s.centre,
        window=s.general,
        code="DL-004",
        name="生育登记",
        keywords="生孩子、准生证",
        category=s.social,
    )
    s.birth.life_events.add(s.birth_event)
    Material.objects.create(item=s.birth, order=1, name="出生医学证明", form="copy", copies=1)
    s.suspended = builders.make_item(
        township=township,
        office=s.centre,
        code="DL-005",
        name="高龄津贴申领",
        category=s.social,
        status=ServiceItem.Status.SUSPENDED,
        suspended_from=datetime.date(2026, 11, 1),
        suspended_until=datetime.date(2099, 12, 31),
        status_reason="系统升级，暂停受理",
    )
    s.withdrawn = builders.make_item(
        township=township,
        office=s.centre,
        code="DL-006",
        name="农业机械登记证明",
        category=s.social,
        status=ServiceItem.Status.WITHDRAWN,
        withdrawn_on=datetime.date(2025, 3, 1),
        status_reason="上级收回",
    )
    s.merged = builders.make_item(
        township=township,
        office=s.centre,
        code="DL-007",
        name="困难群众临时救助申请",
        category=s.social,
        status=ServiceItem.Status.MERGED,
        merged_into=s.dibao,
        merged_on=datetime.date(2025, 6, 1),
    )
    s.uncategorised = builders.make_item(township=township, office=s.land, code="DL-008", name="土地承包经营权证补办")

    s.village = builders.make_village(township=township, name="东岭村", agent_name="孙代办", agent_phone="0359-0100031")
    s.village_item = builders.make_item(
        township=township,
        office=s.centre,
        code="DL-009",
        name="残疾人证代办",
        handling=ServiceItem.Handling.VILLAGE_PROXY,
        category=s.social,
    )
    s.powers = builders.make_list(township=township, title="东岭乡权责清单", version="2026年版", entries=2)
    entry = s.powers.entries.create(
        number=99,
        name="农村宅基地审批",
        power_type="行政许可",
        responsible_office=s.land,
        responsible_department=s.resources,
    )
    entry.legal_bases.add(s.law)
    s.village_list = builders.make_list(
        township=township,
        village=s.village,
        kind=ResponsibilityList.Kind.VILLAGE_ADMISSION,
        title="东岭村工作准入清单",
        entries=2,
    )
    s.may = builders.make_certificate_rule(county=county, name="党员到居住地报到情况反馈", may_issue=True)
    s.may_not = builders.make_certificate_rule(
        county=county,
        name="出生证明",
        alternative_kind=CertificateRule.AlternativeKind.HELD_DOCUMENT,
        alternative="由医疗机构出具《出生医学证明》。",
        data_holder="助产医疗机构",
        alternative_item=s.birth,
        online_url="https://example.invalid/birth",
    )

    # The extra rows that make a page "large".
    for i in range(size):
        person = builders.make_staff(township=township, name=f"加{i}号", office_phone="0359-0100099")
        post = builders.make_post(township=township, office=s.centre, title=f"加岗{i}", primary=person)
        builders.make_liaison(post=post, department=s.civil, county_contact_name=f"县联{i}")
        item = builders.make_item(
            township=township,
            office=s.centre,
            window=s.general,
            responsible_post=s.civil_post,
            name=f"加事项{i}",
            category=s.social if i % 2 else None,
            materials=2,
            steps=2,
        )
        item.life_events.add(s.birth_event)
        item.legal_bases.add(s.law)
        Material.objects.create(item=s.homestead, order=10 + i, name=f"宅基地附加材料{i}")
        Step.objects.create(item=s.homestead, order=10 + i, title=f"附加环节{i}")
        s.powers.entries.create(number=100 + i, name=f"加条目{i}", power_type="行政检查" if i % 2 else "公共服务")
        builders.make_village(township=township, name=f"加村{i}")
        builders.make_certificate_rule(county=county, name=f"加证明{i}", may_issue=bool(i % 2))
        builders.make_window(
            township=township,
            office=s.land,
            number=10 + i,
            kind=Window.Kind.DEDICATED,
            departments=[s.market],
            name=f"加窗口{i}",
            primary_staff=person,
        )
    # A former address and a dated absence (issue 14): rows of their own kinds, so every page test sees them.
    TownshipFormerSlug.objects.create(township=township, slug=f"{township.slug}-old")
    Absence.objects.create(
        staff=s.clerk_b, kind="meeting", start=datetime.date(2026, 1, 5), end=datetime.date(2026, 1, 5)
    )
    return s
