"""The county oversight page (/admin/oversight/): every township × county department, and every gap named."""

import datetime
import io
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from portal.accounts import staff_account_ensure
from portal.models import County
from staff.models import CountyDepartment, Liaison, Post, Staff
from tests import builders

URL = "/admin/oversight/"
PASSWORD = "Oversight-tests-2026!"
TODAY = timezone.localdate()  # only for dates far from the edge: a test run can cross midnight
RECENT = TODAY - datetime.timedelta(days=3)
LONG_AGO = TODAY - datetime.timedelta(days=settings.PORTAL_STALE_AFTER_DAYS + 1)


def build_county(county, *, townships=2):
    """A county whose townships each have: a complete post, a post with no liaison, a post with no B holder.

    Returns the named problem rows so tests can look for them on the page.
    """

    def department(name, short_name):
        found, _ = CountyDepartment.objects.get_or_create(
            county=county, name=f"{county.name}{name}", defaults={"short_name": short_name}
        )
        return found

    civil = department("民政局", "民政局")
    department("自然资源局", "自然资源局")
    lonely = department("气象局", "气象局")
    gaps = {"no_counterpart": [], "no_backup": [], "stale_staff": [], "stale_liaison": []}
    first = county.townships.count()
    for n in range(first, first + townships):
        township = builders.make_township(county=county, name=f"{county.name}第{n + 1}乡")
        a = builders.make_staff(township=township, name=f"甲{n}", phone_checked_on=RECENT)
        b = builders.make_staff(township=township, name=f"乙{n}", phone_checked_on=RECENT)
        stale = builders.make_staff(township=township, name=f"久未核对{n}", phone_checked_on=LONG_AGO)
        builders.make_staff(township=township, name=f"无电话{n}", office_phone="")  # no phone: nothing to ring
        complete = builders.make_post(township=township, title=f"民政岗{n}", primary=a, backups=[b])
        builders.make_liaison(post=complete, department=civil, confirmed_on=RECENT)
        lonely_post = builders.make_post(township=township, title=f"无对接岗{n}", primary=a, backups=[b])
        no_backup = builders.make_post(township=township, title=f"无B角岗{n}", primary=stale)
        old_liaison = builders.make_liaison(
            post=no_backup, department=civil, county_contact_name=f"老联络人{n}", confirmed_on=LONG_AGO
        )
        gaps["no_counterpart"].append(lonely_post)
        gaps["no_backup"].append(no_backup)
        gaps["stale_staff"].append(stale)
        gaps["stale_liaison"].append(old_liaison)
    gaps["no_contact"] = [d for d in CountyDepartment.objects.filter(county=county) if d.name.endswith("资源局")]
    gaps["no_contact"].append(lonely)
    return gaps


@pytest.fixture
def county(db):
    return builders.make_county(name="瑞河县", slug="ruihe")


@pytest.fixture
def reviewer(county):
    user, _ = staff_account_ensure(username="reviewer", county=county, password=PASSWORD)
    return user


def test_the_page_names_every_gap_with_a_link_to_fix_it(client, county, reviewer):
    gaps = build_county(county)
    client.force_login(reviewer)

    page = client.get(URL)

    assert page.status_code == 200
    report = page.context["report"]
    assert set(report.gap("posts_without_counterpart").rows) == set(gaps["no_counterpart"])
    assert set(report.gap("departments_without_contact").rows) == set(gaps["no_contact"])
    assert set(report.gap("posts_without_backup").rows) == set(gaps["no_backup"])
    assert set(report.gap("staff_phones_not_checked").rows) == set(gaps["stale_staff"])
    assert set(report.gap("liaisons_not_confirmed").rows) == set(gaps["stale_liaison"])
    html = page.content.decode()
    for post in gaps["no_counterpart"] + gaps["no_backup"]:
        assert f"/admin/staff/post/{post.pk}/change/" in html
        assert post.title in html
    for person in gaps["stale_staff"]:
        assert person.name in html
    assert "无电话0" not in html  # a person without a phone has no phone to check
    for department in gaps["no_contact"]:
        assert department.name in html
    assert f'<strong id="gap-count">{report.gap_count}</strong>' in html
    assert report.gap_count == 2 + 2 + 2 + 2 + 2


def test_the_matrix_has_a_row_per_township_and_a_column_per_department(client, county, reviewer):
    build_county(county, townships=3)
    client.force_login(reviewer)

    report = client.get(URL).context["report"]

    assert [t.name for t, _ in report.matrix] == ["瑞河县第1乡", "瑞河县第2乡", "瑞河县第3乡"]
    assert sorted(d.short_name for d in report.departments) == sorted(["民政局", "自然资源局", "气象局"])
    for _township, cells in report.matrix:
        by_department = {d.short_name: cell for d, cell in zip(report.departments, cells, strict=True)}
        assert sorted(row.post.title[:3] for row in by_department["民政局"]) == ["无B角", "民政岗"]
        assert by_department["自然资源局"] == [] and by_department["气象局"] == []


def test_another_countys_townships_and_gaps_stay_off_the_page(client, county, reviewer):
    build_county(county)
    other = builders.make_county(name="邻县", slug="linxian")
    other_gaps = build_county(other)
    client.force_login(reviewer)

    html = client.get(URL).content.decode()

    assert "邻县" not in html
    for post in other_gaps["no_counterpart"]:
        assert f"/admin/staff/post/{post.pk}/" not in html


def test_the_query_count_does_not_grow_with_the_number_of_townships(
    client, county, reviewer, django_assert_num_queries
):
    build_county(county, townships=2)
    client.force_login(reviewer)
    client.get(URL)  # warm the content-type and permission caches

    # session, user, scope, county, then the report's 8: townships, departments, liaisons,
    # posts without liaison, departments without liaison, posts without B, stale staff, stale liaisons,
    # then the admin's navigation: the user's own and the user's groups' permissions.
    with django_assert_num_queries(14):
        small = client.get(URL)
    build_county(county, townships=4)  # now 6 townships
    with django_assert_num_queries(14):
        large = client.get(URL)
    assert len(small.context["report"].townships) == 2
    assert len(large.context["report"].townships) == 6


def test_the_workbook_holds_the_matrix_and_a_sheet_per_gap(client, county, reviewer):
    gaps = build_county(county)
    builders.make_department(county=county, name="=HYPERLINK(1)局")  # a name a spreadsheet must not run
    client.force_login(reviewer)

    response = client.get(URL + "?format=xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert quote(f"{county.name}县乡对接总览-") in response["Content-Disposition"]  # saved under a Chinese name
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "对接矩阵"
    assert len(book.sheetnames) == 6
    matrix = book["对接矩阵"]
    header = [c.value for c in matrix[2]]
    assert header[0] == "乡镇"
    assert sorted(header[1:]) == sorted(["瑞河县民政局", "瑞河县自然资源局", "瑞河县气象局", "'=HYPERLINK(1)局"])
    civil_column = header.index("瑞河县民政局")
    assert "民政岗0（县联络人 0359-0200001）" in matrix.cell(row=3, column=civil_column + 1).value
    no_backup = book["岗位没有B角"]
    assert sorted(row[1] for row in no_backup.iter_rows(min_row=2, values_only=True)) == sorted(
        p.title for p in gaps["no_backup"]
    )


def test_clerks_and_accounts_without_a_scope_are_refused(client, county):
    township = builders.make_township(county=county)
    clerk, _ = staff_account_ensure(username="clerk", township=township, password=PASSWORD)
    client.force_login(clerk)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "?format=xlsx").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_superuser_picks_the_county(admin_client, county):
    build_county(county)
    other = builders.make_county(name="邻县", slug="linxian")
    build_county(other)

    page = admin_client.get(URL + "?county=linxian")

    assert page.context["county"] == other
    assert {t.county_id for t, _ in page.context["report"].matrix} == {other.pk}


DEMO_FIXTURES = sorted(Path(settings.BASE_DIR, "fixtures").glob("*.json"))


@pytest.mark.skipif(not DEMO_FIXTURES, reason="the demo fixtures are not there yet")
def test_the_demo_data_gaps_are_all_named(client, db):
    call_command("loaddata", *map(str, DEMO_FIXTURES), verbosity=0)
    county = County.objects.order_by("pk").first()
    reviewer, _ = staff_account_ensure(username="demo-reviewer", county=county, password=PASSWORD)
    client.force_login(reviewer)
    cutoff = timezone.localdate() - datetime.timedelta(days=settings.PORTAL_STALE_AFTER_DAYS)

    page = client.get(URL)

    assert page.status_code == 200
    report = page.context["report"]
    html = page.content.decode()
    expected = {
        "posts_without_counterpart": Post.objects.filter(township__county=county, liaisons__isnull=True),
        "departments_without_contact": CountyDepartment.objects.filter(county=county, liaisons__isnull=True),
        "posts_without_backup": Post.objects.filter(township__county=county).exclude(holders__role="B"),
        "staff_phones_not_checked": Staff.objects.phone_not_checked_since(cutoff).filter(township__county=county),
        "liaisons_not_confirmed": Liaison.objects.not_confirmed_since(cutoff).filter(post__township__county=county),
    }
    for key, rows in expected.items():
        assert {r.pk for r in report.gap(key).rows} == set(rows.values_list("pk", flat=True)), key
        for row in rows:
            assert f"/{row._meta.model_name}/{row.pk}/change/" in html, (key, row)
