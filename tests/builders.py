"""Builders for test data: small, explicit, and independent of the demo fixtures.

Each builder takes keyword arguments for what a test cares about and fills
the rest with plausible values. Phone numbers follow the demo rule: landline
local parts start with 0, mobiles start with 100, so nothing can ring.

Townships, villages, posts and windows get their printed code as the admin
gives it when it creates them (``portal.codes.code_ensure_for``); items get
theirs only when a test issues them.
"""

import datetime
import itertools

from portal import codes
from portal.models import County, Township, Village
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
from staff.models import CountyDepartment, Liaison, Office, Post, PostHolder, Staff, Window

_counter = itertools.count(1)


def _n():
    return next(_counter)


def _with_code(obj):
    codes.code_ensure_for(obj)
    return obj


def make_county(*, name=None, slug=None):
    n = _n()
    return County.objects.create(name=name or f"测试县{n}", slug=slug or f"county-{n}")


def make_township(*, county=None, name=None, slug=None, **fields):
    n = _n()
    fields.setdefault("address", "测试县测试路1号")
    fields.setdefault("opening_hours", "周一至周五 8:00-12:00，14:30-17:30")
    fields.setdefault("phone", "0359-0100001")
    fields.setdefault("supervision_phone", "12345")
    return _with_code(
        Township.objects.create(
            county=county or make_county(), name=name or f"测试乡{n}", slug=slug or f"township-{n}", **fields
        )
    )


def make_village(*, township, name=None, **fields):
    fields.setdefault("service_room", "村委会一楼")
    fields.setdefault("agent_name", "代办员甲")
    fields.setdefault("agent_phone", "0359-0100002")
    return _with_code(Village.objects.create(township=township, name=name or f"测试村{_n()}", **fields))


def make_department(*, county, name=None, **fields):
    return CountyDepartment.objects.create(county=county, name=name or f"测试局{_n()}", **fields)


def make_office(*, township, name=None, kind=Office.Kind.OFFICE, **fields):
    fields.setdefault("floor", 1)
    fields.setdefault("room", "101室")
    return Office.objects.create(township=township, name=name or f"测试办公室{_n()}", kind=kind, **fields)


def make_staff(*, township, name=None, **fields):
    fields.setdefault("office_phone", "0359-0100003")
    return Staff.objects.create(township=township, name=name or f"测试人员{_n()}", **fields)


def make_post(*, township, office=None, title=None, primary=None, backups=(), **fields):
    """Create a post; ``primary`` and ``backups`` are Staff to hold it as A and B."""
    post = Post.objects.create(
        township=township, office=office or make_office(township=township), title=title or f"测试岗{_n()}", **fields
    )
    if primary is not None:
        PostHolder.objects.create(post=post, staff=primary, role=PostHolder.Role.PRIMARY)
    for order, person in enumerate(backups):
        PostHolder.objects.create(post=post, staff=person, role=PostHolder.Role.BACKUP, order=order)
    return _with_code(post)


def make_window(*, township, office, number=None, kind=Window.Kind.GENERAL, departments=(), **fields):
    window = Window.objects.create(
        township=township,
        office=office,
        number=number or _n(),
        name=fields.pop("name", "综合窗口"),
        kind=kind,
        **fields,
    )
    window.departments.set(departments)
    return _with_code(window)


def make_liaison(*, post, department, **fields):
    """Create a liaison row; a ``confirmed_on`` given stands as a confirmation of the person and phone it has."""
    fields.setdefault("county_contact_name", "县联络人")
    fields.setdefault("county_contact_phone", "0359-0200001")
    liaison = Liaison(post=post, department=department, **fields)
    if liaison.confirmed_on and not liaison.confirmed_contact:
        liaison.confirmed_contact = liaison.current_contact
    liaison.save()
    return liaison


def make_category(*, name=None, slug=None):
    n = _n()
    return Category.objects.create(name=name or f"分类{n}", slug=slug or f"category-{n}")


def make_life_event(*, name=None, slug=None):
    n = _n()
    return LifeEvent.objects.create(name=name or f"事件{n}", slug=slug or f"event-{n}")


def make_legal_basis(*, title=None, article="第一条", **fields):
    return LegalBasis.objects.create(title=title or f"《测试条例{_n()}》", article=article, **fields)


def make_item(*, township, office=None, code=None, name=None, materials=0, steps=0, **fields):
    """Create a service item with ``materials`` and ``steps`` numbered rows."""
    fields.setdefault("item_type", ServiceItem.ItemType.PUBLIC_SERVICE)
    # Tests build published items unless they say otherwise; a new item's own default is a draft.
    fields.setdefault("status", ServiceItem.Status.IN_FORCE)
    fields.setdefault("promised_limit_value", 5)
    fields.setdefault("legal_limit_value", 20)
    # The facts a model no longer defaults (an unfilled one reads as unfilled): tests build complete items.
    fields.setdefault("fee", "不收费")
    fields.setdefault("visits", 1)
    fields.setdefault("online_depth", ServiceItem.OnlineDepth.NONE)
    fields.setdefault("handling", ServiceItem.Handling.LOCAL)
    for offer in ("proxy_offered", "home_visit_offered", "locker_offered", "deferral_allowed"):
        fields.setdefault(offer, False)
    fields.setdefault("last_checked_on", datetime.date(2026, 11, 1))
    n = _n()
    item = ServiceItem.objects.create(
        township=township,
        office=office or make_office(township=township),
        code=code or f"T-{n:04d}",
        name=name or f"测试事项{n}",
        **fields,
    )
    for i in range(1, materials + 1):
        # As a complete list says them: the model leaves form, copies and source unfilled when not given.
        Material.objects.create(
            item=item,
            order=i,
            name=f"{item.name}材料{i}",
            form=Material.Form.ORIGINAL,
            copies=1,
            source=Material.Source.APPLICANT,
            source_note="申请人自备",
        )
    for i in range(1, steps + 1):
        Step.objects.create(item=item, order=i, title=f"环节{i}", actor="综合窗口")
    return item


def make_list(*, township, village=None, kind=ResponsibilityList.Kind.POWERS, entries=0, **fields):
    fields.setdefault("title", f"测试清单{_n()}")
    fields.setdefault("version", "2026年版")
    fields.setdefault("published_on", datetime.date(2026, 1, 1))
    rlist = ResponsibilityList.objects.create(township=township, village=village, kind=kind, **fields)
    for i in range(1, entries + 1):
        ResponsibilityEntry.objects.create(responsibility_list=rlist, number=i, name=f"条目{i}", power_type="公共服务")
    return rlist


def make_certificate_rule(*, county, township=None, name=None, may_issue=False, **fields):
    if not may_issue:
        fields.setdefault("alternative_kind", CertificateRule.AlternativeKind.HELD_DOCUMENT)
        fields.setdefault("alternative", "凭户口簿办理")
    return CertificateRule.objects.create(
        county=county, township=township, name=name or f"测试证明{_n()}", may_issue=may_issue, **fields
    )


def make_service_hall(*, township, items=3):
    """Build a township shaped like the demo's: offices, windows, posts with A/B holders, villages,
    ``items`` items in force plus a suspended, a withdrawn and a merged one, a list and both
    certificate boards. Return the objects in a dict by kind.
    """
    county = township.county
    departments = [make_department(county=county, name=f"{township.name}测试局{i}") for i in range(1, 5)]
    centre = make_office(township=township, name="便民服务中心", kind=Office.Kind.CENTRE, floor=1, room="大厅")
    social = make_office(township=township, name="社会事务办", floor=2, room="203室", phone="0359-0100020")
    staff = [make_staff(township=township, name=f"{township.name}人员{i}", job_title="干事") for i in range(1, 5)]
    windows = [
        make_window(
            township=township, office=centre, number=1, departments=departments[:3], handles="社保、医保、低保"
        ),
        make_window(
            township=township,
            office=centre,
            number=2,
            kind=Window.Kind.DEDICATED,
            name="公安专窗",
            departments=departments[3:],
            primary_staff=staff[0],
            backup_staff=staff[1],
        ),
    ]
    posts = [
        make_post(
            township=township,
            office=social,
            title="民政岗",
            primary=staff[0],
            backups=[staff[1]],
            duties="低保、特困供养、临时救助的受理和入户核查。",
        ),
        make_post(
            township=township, office=centre, title="社保岗", primary=staff[2], duties="城乡居民养老保险参保缴费。"
        ),
    ]
    villages = [make_village(township=township, name=f"{township.name[:2]}{name}村") for name in ("东垆", "西沟")]
    in_force = [
        make_item(
            township=township,
            office=social,
            window=windows[0],
            responsible_post=posts[0],
            name=f"测试事项{i}号",
            materials=3,
            steps=3,
        )
        for i in range(1, items + 1)
    ]
    suspended = make_item(
        township=township,
        office=social,
        name="暂停事项",
        status=ServiceItem.Status.SUSPENDED,
        suspended_from=datetime.date(2026, 10, 1),
        status_reason="系统升级",
        materials=1,
    )
    withdrawn = make_item(
        township=township,
        office=social,
        name="已取消事项",
        status=ServiceItem.Status.WITHDRAWN,
        withdrawn_on=datetime.date(2026, 6, 1),
    )
    merged = make_item(
        township=township,
        office=social,
        name="已合并事项",
        status=ServiceItem.Status.MERGED,
        merged_into=in_force[0],
        merged_on=datetime.date(2026, 6, 1),
    )
    may = [
        make_certificate_rule(
            county=county,
            township=township,
            name=f"可出具证明{i}",
            may_issue=True,
            requesting_department="县委组织部",
            purpose="发展党员政审",
        )
        for i in range(1, 3)
    ]
    may_not = [
        make_certificate_rule(county=county, township=township, name=f"不再出具证明{i}", data_holder="公安派出所")
        for i in range(1, 4)
    ]
    return {
        "departments": departments,
        "offices": [centre, social],
        "staff": staff,
        "windows": windows,
        "posts": posts,
        "villages": villages,
        "items": in_force,
        "suspended": suspended,
        "withdrawn": withdrawn,
        "merged": merged,
        "list": make_list(township=township, entries=5),
        "liaison": make_liaison(post=posts[0], department=departments[0]),
        "may_issue": may,
        "may_not_issue": may_not,
    }
