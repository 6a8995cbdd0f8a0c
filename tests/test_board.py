"""The clerk's board (/admin/board/): what has not been checked lately and what is incomplete, each linked."""

import datetime
import itertools

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal.accounts import staff_account_ensure
from services.models import ServiceItem, TimeUnit
from staff.models import Office, Window
from tests import builders

URL = "/admin/board/"
_versions = itertools.count(1)
PASSWORD = "Board-tests-2026!"
TODAY = timezone.localdate()  # only for dates far from the edge: a test run can cross midnight
RECENT = TODAY - datetime.timedelta(days=2)
LONG_AGO = TODAY - datetime.timedelta(days=settings.PORTAL_STALE_AFTER_DAYS + 1)


@pytest.fixture
def clerk(township):
    user, _ = staff_account_ensure(username="clerk", township=township, password=PASSWORD)
    return user


def build_township(township, *, size=1):
    """A township where each kind of problem occurs ``size`` times next to rows that are fine."""
    county = township.county
    gaps = {}
    fine_staff = builders.make_staff(township=township, phone_checked_on=RECENT)
    backup = builders.make_staff(township=township, phone_checked_on=RECENT)
    fine_post = builders.make_post(township=township, primary=fine_staff, backups=[backup])
    department = builders.make_department(county=county)
    builders.make_liaison(post=fine_post, department=department, confirmed_on=RECENT)
    builders.make_item(township=township, responsible_post=fine_post, materials=1, steps=1, last_checked_on=RECENT)
    builders.make_list(township=township, last_checked_on=RECENT, version=f"v{next(_versions)}")
    builders.make_village(township=township, last_checked_on=RECENT)
    for n in range(size):
        gaps.setdefault("stale_items", []).append(
            builders.make_item(
                township=township,
                responsible_post=fine_post,
                materials=1,
                steps=1,
                last_checked_on=LONG_AGO,
                name=f"久未核对{n}",
            )
        )
        gaps.setdefault("stale_staff", []).append(builders.make_staff(township=township, phone_checked_on=None))
        post = builders.make_post(township=township, primary=fine_staff)
        gaps.setdefault("no_backup", []).append(post)
        gaps.setdefault("stale_liaisons", []).append(
            builders.make_liaison(post=post, department=builders.make_department(county=county), confirmed_on=LONG_AGO)
        )
        gaps.setdefault("stale_lists", []).append(
            builders.make_list(township=township, last_checked_on=None, version=f"v{next(_versions)}")
        )
        gaps.setdefault("stale_villages", []).append(builders.make_village(township=township, last_checked_on=LONG_AGO))
        gaps.setdefault("stale_certificates", []).append(
            builders.make_certificate_rule(county=county, township=township, last_checked_on=LONG_AGO)
        )
        gaps.setdefault("no_materials", []).append(
            builders.make_item(
                township=township, responsible_post=fine_post, steps=1, last_checked_on=RECENT, name=f"缺材料{n}"
            )
        )
        gaps.setdefault("no_steps", []).append(
            builders.make_item(
                township=township, responsible_post=fine_post, materials=1, last_checked_on=RECENT, name=f"缺步骤{n}"
            )
        )
        gaps.setdefault("no_limit", []).append(
            builders.make_item(
                township=township,
                responsible_post=fine_post,
                materials=1,
                steps=1,
                last_checked_on=RECENT,
                promised_limit_value=None,
                legal_limit_value=None,
                name=f"缺时限{n}",
            )
        )
        gaps.setdefault("no_fee", []).append(
            builders.make_item(
                township=township,
                responsible_post=fine_post,
                materials=1,
                steps=1,
                last_checked_on=RECENT,
                fee="",
                name=f"缺收费{n}",
            )
        )
        withdrawn = builders.make_item(
            township=township,
            responsible_post=fine_post,
            materials=1,
            steps=1,
            last_checked_on=RECENT,
            status=ServiceItem.Status.WITHDRAWN,
            withdrawn_on=RECENT,
        )
        gaps.setdefault("alternative_gone", []).append(
            builders.make_certificate_rule(
                county=county, township=township, alternative_item=withdrawn, last_checked_on=RECENT
            )
        )
    # Neither stale nor incomplete: an on-the-spot item without a number of days, a withdrawn item never checked.
    builders.make_item(
        township=township,
        responsible_post=fine_post,
        materials=1,
        steps=1,
        last_checked_on=RECENT,
        promised_limit_value=None,
        legal_limit_value=None,
        promised_limit_unit=TimeUnit.ON_THE_SPOT,
    )
    builders.make_item(
        township=township, status=ServiceItem.Status.WITHDRAWN, withdrawn_on=RECENT, last_checked_on=None
    )
    # Offices and windows are checked too (issue 14); here they are all fine.
    Office.objects.filter(township=township).update(last_checked_on=RECENT)
    Window.objects.filter(township=township).update(last_checked_on=RECENT)
    return gaps


SECTIONS = {
    "stale_items": "items",
    "stale_staff": "staff_phones",
    "stale_liaisons": "liaisons",
    "stale_certificates": "certificates",
    "stale_lists": "lists",
    "stale_villages": "villages",
    "no_materials": "without_materials",
    "no_steps": "without_steps",
    "no_limit": "without_time_limit",
    "no_fee": "published_incomplete",
    "alternative_gone": "alternative_gone",
    "no_backup": "posts_without_backup",
}


def test_each_problem_is_listed_once_in_its_section_and_links_to_its_form(client, township, clerk):
    gaps = build_township(township)
    client.force_login(clerk)

    page = client.get(URL)

    assert page.status_code == 200
    board = page.context["board"]
    html = page.content.decode()
    for key, section in SECTIONS.items():
        assert board.section(section).rows == gaps[key], key
        for row in gaps[key]:
            assert f"/admin/{row._meta.app_label}/{row._meta.model_name}/{row.pk}/change/" in html, key
    assert board.count == len(SECTIONS)


def test_another_townships_problems_stay_off_the_clerks_board(client, township, other_township, clerk):
    build_township(township)
    other = build_township(other_township)
    client.force_login(clerk)

    html = client.get(URL).content.decode()

    for rows in other.values():
        for row in rows:
            assert f"/{row._meta.model_name}/{row.pk}/change/" not in html
    assert "<select" not in html  # a clerk has no township to switch to


def test_the_query_count_does_not_grow_with_the_township(client, township, clerk, django_assert_num_queries):
    build_township(township, size=1)
    client.force_login(clerk)
    client.get(URL)

    # session, user, scope, township, then one query per section (8 stale, 8 incomplete),
    # then the admin's navigation: the user's own and the user's groups' permissions,
    # then the search misses of the last 30 days (none here),
    # then the residents' queue counts (feedback): townships in sight, cases, ratings.
    with django_assert_num_queries(25):
        client.get(URL)
    build_township(township, size=4)
    with django_assert_num_queries(25):
        page = client.get(URL)
    assert len(page.context["board"].section("without_steps").rows) == 5


def test_a_reviewer_reads_the_board_of_any_township_of_the_county(client, township, other_township):
    build_township(other_township)
    reviewer, _ = staff_account_ensure(username="reviewer", county=township.county, password=PASSWORD)
    client.force_login(reviewer)

    page = client.get(URL + f"?township={other_township.slug}")

    assert page.context["township"] == other_township
    assert {t.pk for t in page.context["townships"]} == {township.pk, other_township.pk}


def test_the_admin_home_links_to_the_board_and_for_reviewers_to_the_oversight_page(client, township, clerk):
    client.force_login(clerk)
    page = client.get("/admin/").content.decode()
    assert 'href="/admin/board/"' in page and 'href="/admin/oversight/"' not in page

    reviewer, _ = staff_account_ensure(username="reviewer", county=township.county, password=PASSWORD)
    client.force_login(reviewer)
    page = client.get("/admin/").content.decode()
    assert 'href="/admin/board/"' in page and 'href="/admin/oversight/"' in page


def test_each_list_link_opens_the_list_filtered_to_what_needs_checking(client, township, clerk):
    build_township(township)
    client.force_login(clerk)
    board = client.get(URL).context["board"]

    for section in board.stale:
        response = client.get(reverse(section.changelist) + section.query)
        assert response.status_code == 200, section.key  # not the admin's "?e=1" for an unknown filter
        if section.query:
            # The list's filter may add rows the board leaves out (withdrawn items), never the reverse.
            assert set(section.rows) <= set(response.context["cl"].queryset), section.key
