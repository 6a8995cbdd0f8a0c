"""Two counties, three townships and the accounts that work in them, for the tenancy tests.

County 甲县 has townships A (东岭乡) and B (西川镇); county 乙县 has township C
(南山乡). Each township gets a different number of every kind of row (A 2,
B 3, C 1) so that a count alone tells whose rows a page shows. ``owners``
records, for every row built here, whom it belongs to: ``("t", "a")`` for
township A, ``("c", "x")`` for county 甲县, ``None`` for shared reference data.
"""

import datetime
from collections import defaultdict
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.accounts import staff_account_ensure
from portal.models import QRCode, QRScanDay
from services.models import CertificateRule, Material, ResponsibilityEntry, Step
from staff.models import DepartmentSection, PostHolder
from tests import builders

PASSWORD = "Tenancy-tests-2026!"
ROWS_PER_TOWNSHIP = {"a": 2, "b": 3, "c": 1}


def _record(scene, obj, owner):
    scene.owners[type(obj)][obj.pk] = owner


def build_tenancy_scene():
    s = SimpleNamespace(owners=defaultdict(dict))
    s.x = builders.make_county(name="甲县", slug="jia")
    s.y = builders.make_county(name="乙县", slug="yi")
    s.a = builders.make_township(county=s.x, name="东岭乡", slug="dongling")
    s.b = builders.make_township(county=s.x, name="西川镇", slug="xichuan")
    s.c = builders.make_township(county=s.y, name="南山乡", slug="nanshan")
    counties = {"x": s.x, "y": s.y}
    townships = {"a": s.a, "b": s.b, "c": s.c}
    county_of = {"a": "x", "b": "x", "c": "y"}
    for key, county in counties.items():
        _record(s, county, ("c", key))
    for key, township in townships.items():
        _record(s, township, ("t", key))

    s.category = builders.make_category(name="社会保障", slug="social")
    s.event = builders.make_life_event(name="养老", slug="old-age")
    s.law = builders.make_legal_basis(title="《测试条例》")
    for shared in (s.category, s.event, s.law):
        _record(s, shared, None)

    s.departments = {}
    for key, county in counties.items():
        names = ["民政局", "自然资源局"] if key == "x" else ["民政局"]
        departments = [builders.make_department(county=county, name=f"{county.name}{name}") for name in names]
        s.departments[key] = departments
        for department in departments:
            _record(s, department, ("c", key))
            section = DepartmentSection.objects.create(department=department, name="综合股", phone="0359-0300009")
            _record(s, section, ("c", key))
        rule = builders.make_certificate_rule(county=county, name=f"{county.name}亲属关系证明")
        _record(s, rule, ("c", key))

    s.items = {}
    for key, township in townships.items():
        owner = ("t", key)
        department = s.departments[county_of[key]][0]
        s.items[key] = []
        for i in range(ROWS_PER_TOWNSHIP[key]):
            village = builders.make_village(township=township, name=f"{township.name}{i}村")
            office = builders.make_office(township=township, name=f"{township.name}办公室{i}")
            primary = builders.make_staff(township=township, name=f"{township.name}甲{i}")
            backup = builders.make_staff(township=township, name=f"{township.name}乙{i}")
            post = builders.make_post(
                township=township, office=office, title=f"{township.name}岗{i}", primary=primary, backups=[backup]
            )
            window = builders.make_window(township=township, office=office, number=i + 1, departments=[department])
            liaison = builders.make_liaison(post=post, department=department, county_contact_name=f"联络人{key}{i}")
            item = builders.make_item(
                township=township, office=office, name=f"{township.name}事项{i}", materials=1, steps=1
            )
            rlist = builders.make_list(township=township, title=f"{township.name}清单{i}", entries=1, version=f"v{i}")
            rule = builders.make_certificate_rule(
                county=township.county, township=township, name=f"{township.name}证明{i}"
            )
            for obj in (village, office, primary, backup, post, window, liaison, item, rlist, rule):
                _record(s, obj, owner)
            for obj in (
                *PostHolder.objects.filter(post=post),
                *Material.objects.filter(item=item),
                *Step.objects.filter(item=item),
                *ResponsibilityEntry.objects.filter(responsibility_list=rlist),
            ):
                _record(s, obj, owner)
            s.items[key].append(item)
        for code in QRCode.objects.filter(township=township):
            _record(s, code, owner)
        _record(s, QRScanDay.objects.create(qr_code=code, day=datetime.date(2026, 11, 1), count=3), owner)

    for key, township in townships.items():
        user, _ = staff_account_ensure(username=f"clerk-{key}", township=township, password=PASSWORD)
        setattr(s, f"clerk_{key}", user)
    s.reviewer_x, _ = staff_account_ensure(username="reviewer-x", county=s.x, password=PASSWORD)
    s.superuser = get_user_model().objects.create_superuser("root", "root@example.invalid", PASSWORD)
    s.today = timezone.localdate()
    return s


def visible_owners(scene, persona):
    """Return the owners whose rows ``persona`` should see (None stands for shared data)."""
    if persona == "superuser":
        return None  # everything
    if persona.startswith("clerk_"):
        key = persona.removeprefix("clerk_")
        county = {"a": "x", "b": "x", "c": "y"}[key]
        return {("t", key), ("c", county), None}
    if persona == "reviewer_x":
        return {("t", "a"), ("t", "b"), ("c", "x"), None}
    raise ValueError(persona)


def expected_pks(scene, model, persona):
    owners = visible_owners(scene, persona)
    rows = scene.owners.get(model, {})
    return {pk for pk, owner in rows.items() if owners is None or owner in owners}


def certificate_rules_of(scene, owner):
    return CertificateRule.objects.filter(pk__in=[pk for pk, o in scene.owners[CertificateRule].items() if o == owner])
