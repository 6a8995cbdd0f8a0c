"""The import checks the models' check constraints in Python (fast); it must agree with the database."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint

from services.models import CertificateRule, Material, ServiceItem
from spreadsheets.constraints import check_constraint
from staff.models import Office, PostHolder, Staff, Window
from tests import builders

DAY = datetime.date(2026, 5, 1)


def _variants(township):
    office = builders.make_office(township=township)
    target = builders.make_item(township=township, office=office)
    person, other = builders.make_staff(township=township), builders.make_staff(township=township)
    item = dict(township=township, office=office, code="C-1", name="事项", item_type="other")
    yield from (
        ServiceItem(**item),
        ServiceItem(**item, status="merged"),
        ServiceItem(**item, status="merged", merged_into=target, merged_on=DAY),
        ServiceItem(**item, status="in_force", merged_into=target),
        ServiceItem(**item, status="withdrawn"),
        ServiceItem(**item, status="withdrawn", withdrawn_on=DAY),
        ServiceItem(**item, status="suspended", suspended_from=DAY),
        ServiceItem(**item, status="suspended", suspended_from=DAY, status_reason="升级"),
        ServiceItem(**item, suspended_from=DAY, suspended_until=DAY - datetime.timedelta(days=1)),
        ServiceItem(**item, suspended_until=DAY),
        ServiceItem(**item, handling="county_proxy"),
        ServiceItem(**item, promised_limit_unit="days", legal_limit_value=5),
        ServiceItem(**item, promised_limit_unit="on_the_spot", legal_limit_value=5),
        ServiceItem(**item, visits=6),
        ServiceItem(**item, online_depth="apply"),
        ServiceItem(**item, online_depth="info"),
        ServiceItem(**item, online_depth="full", online_url="https://zwfw.example.gov.cn/"),
        Staff(township=township, name="甲", mobile_public=True),
        Staff(township=township, name="乙", mobile_public=True, mobile="10012345678"),
        Window(township=township, office=office, number=1, name="窗", kind="general"),
        Window(township=township, office=office, number=0, name="窗", kind="general"),
        Window(township=township, office=office, number=2, name="窗", kind="general", primary_staff=person),
        Window(
            township=township,
            office=office,
            number=3,
            name="窗",
            kind="general",
            primary_staff=person,
            backup_staff=person,
        ),
        Window(
            township=township,
            office=office,
            number=4,
            name="窗",
            kind="general",
            primary_staff=person,
            backup_staff=other,
        ),
        Material(item=target, name="材料", copies=0),
        Material(item=target, name="材料", copies=21),
        Material(item=target, name="材料", necessity="conditional"),
        Material(item=target, name="材料", necessity="conditional", condition_note="代办时"),
        Office(township=township, name="办", kind="office", floor=0),
        Office(township=township, name="办", kind="office", floor=-6),
        Office(township=township, name="办", kind="office", floor=-1),
        PostHolder(role="C"),
        PostHolder(role="A"),
        CertificateRule(county=township.county, name="证明", may_issue=False),
        CertificateRule(county=township.county, name="证明", may_issue=False, alternative_kind="pledge"),
        CertificateRule(
            county=township.county, name="证明", may_issue=False, alternative_kind="pledge", alternative="签"
        ),
        CertificateRule(county=township.county, name="证明", may_issue=True),
    )


def _passes(check):
    try:
        check()
    except ValidationError:
        return False
    return True


@pytest.mark.django_db
def test_every_check_constraint_gives_the_same_answer_in_python_as_in_the_database(township):
    compared = 0
    for instance in _variants(township):
        model = type(instance)
        for constraint in model._meta.constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            in_python = _passes(lambda c=constraint, i=instance: check_constraint(c, i))
            in_database = _passes(lambda c=constraint, i=instance, m=model: c.validate(m, i))
            assert in_python == in_database, (constraint.name, instance.__dict__)
            compared += 1
    assert compared > 150
