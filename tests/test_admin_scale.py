"""The admin lists at a province's scale: a county filter instead of a thousand township links, codes found
exactly, lists read in an indexed order, and the same number of queries however many townships there are.

scripts/bench_scale.py measures the same lists at 1,000 townships (150,000 items) on PostgreSQL.
"""

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.accounts import staff_account_ensure
from services.models import Material, ServiceItem
from staff.models import CountyDepartment, Liaison, Post, PostHolder, Staff
from tests import builders

PASSWORD = "Scale-tests-2026!"
# The five lists a county reviewer and a superuser page through at a thousand townships.
BIG_LISTS = [ServiceItem, Material, Staff, Post, Liaison]
BIG_LIST_IDS = [model._meta.label for model in BIG_LISTS]


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _province(counties=3, townships_each=10):
    """Build ``counties`` counties of ``townships_each`` townships, each with an item (with a material),
    a person and a post with its liaison row; return the counties and the townships."""
    built = []
    county_list = [builders.make_county(name=f"规模县{c}", slug=f"scale-c{c}") for c in range(counties)]
    for county in county_list:
        department = builders.make_department(county=county)
        for t in range(townships_each):
            township = builders.make_township(county=county, name=f"{county.name}第{t}乡", slug=f"{county.slug}-{t}")
            office = builders.make_office(township=township)
            builders.make_item(township=township, office=office, materials=1)
            person = builders.make_staff(township=township)
            post = Post.objects.create(township=township, office=office, title="民政岗")
            PostHolder.objects.create(post=post, staff=person, role=PostHolder.Role.PRIMARY)
            builders.make_liaison(post=post, department=department)
            built.append(township)
    return county_list, built


@pytest.fixture(scope="module")
def province(django_db_setup, django_db_blocker):
    """Three counties of ten townships, built once for the module and rolled back after it."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield _province()
        transaction.set_rollback(True)


def _township_path(model):
    return {Material: "item__township", Liaison: "post__township"}.get(model, "township")


def _township_links(html):
    """Return the township ids the sidebar links to (``…township__id__exact=N``)."""
    return set(re.findall(r"township__id__exact=(\d+)", html))


def _county_links(html):
    return set(re.findall(r"township__county__id__exact=(\d+)", html))


@pytest.fixture
def reviewer(client, db):
    def sign_in(county):
        user, _ = staff_account_ensure(username=f"reviewer-{county.slug}", county=county, password=PASSWORD)
        client.force_login(user)
        return client

    return sign_in


@pytest.mark.django_db
@pytest.mark.parametrize("model", BIG_LISTS, ids=BIG_LIST_IDS)
def test_a_superusers_sidebar_offers_counties_not_thirty_township_links(province, admin_client, model):
    counties, townships = province

    html = admin_client.get(_changelist(model)).content.decode()

    assert _township_links(html) == set()
    assert _county_links(html) == {str(c.pk) for c in counties}


@pytest.mark.django_db
@pytest.mark.parametrize("model", BIG_LISTS, ids=BIG_LIST_IDS)
def test_after_choosing_a_county_the_sidebar_offers_its_townships_only(province, admin_client, model):
    counties, townships = province
    path = (
        "township"
        if model in (ServiceItem, Staff, Post)
        else ("item__township" if model is Material else "post__township")
    )

    response = admin_client.get(_changelist(model), {f"{path}__county__id__exact": counties[1].pk})
    html = response.content.decode()

    assert _township_links(html) == {str(t.pk) for t in townships if t.county_id == counties[1].pk}
    assert len(response.context["cl"].result_list) == 10  # one row per township of that county


@pytest.mark.django_db
def test_the_liaison_list_offers_the_departments_of_the_chosen_county_only(province, admin_client):
    counties, _ = province
    url = _changelist(Liaison)

    unfiltered = admin_client.get(url).content.decode()
    chosen = admin_client.get(url, {"post__township__county__id__exact": counties[1].pk}).content.decode()

    departments = set(CountyDepartment.objects.filter(county=counties[1]).values_list("pk", flat=True))
    assert re.findall(r"department__id__exact=(\d+)", unfiltered) == []
    assert {int(pk) for pk in re.findall(r"department__id__exact=(\d+)", chosen)} == departments


@pytest.mark.django_db
def test_a_link_naming_only_a_township_still_shows_which_one_is_chosen(province, admin_client):
    """The supervision page links to ``?township__id__exact=N``: the sidebar shows that township's county's."""
    counties, townships = province
    chosen = townships[12]

    response = admin_client.get(_changelist(ServiceItem), {"township__id__exact": chosen.pk})

    assert [item.township_id for item in response.context["cl"].result_list] == [chosen.pk]
    assert _township_links(response.content.decode()) == {
        str(t.pk) for t in townships if t.county_id == chosen.county_id
    }


@pytest.mark.django_db
def test_a_reviewer_sees_the_townships_of_the_county_and_no_county_filter(province, reviewer):
    counties, townships = province
    client = reviewer(counties[2])

    html = client.get(_changelist(ServiceItem)).content.decode()

    assert _township_links(html) == {str(t.pk) for t in townships if t.county_id == counties[2].pk}
    assert _county_links(html) == set()


@pytest.mark.django_db
def test_a_clerk_has_no_township_filter(province, client):
    counties, townships = province
    user, _ = staff_account_ensure(username="clerk-scale", township=townships[0], password=PASSWORD)
    client.force_login(user)

    response = client.get(_changelist(ServiceItem))

    assert response.status_code == 200
    assert _township_links(response.content.decode()) == set()
    assert [item.township_id for item in response.context["cl"].result_list] == [townships[0].pk]


# Queries of each list's first page for a superuser, at 30 townships as at 1,000: 1 session, 2 user,
# 3 the counties of the 县（区） filter, 4 count of the rows, 5 the page with its joined columns, and
# the list's own: the 分类 filter's categories (items), the holders of the page's posts (posts).
SUPERUSER_QUERIES = {ServiceItem: 6, Material: 5, Staff: 5, Post: 6, Liaison: 5}
# Lists whose 县直部门 filter lists one county's departments: one more query once the county is known.
COUNTY_DEPARTMENTS = {Liaison: 1}


@pytest.mark.django_db
@pytest.mark.parametrize("model", BIG_LISTS, ids=BIG_LIST_IDS)
def test_a_lists_queries_do_not_grow_with_the_number_of_townships(
    province, admin_client, reviewer, django_assert_num_queries, model
):
    counties, _ = province
    url = _changelist(model)
    path = _township_path(model)

    with django_assert_num_queries(SUPERUSER_QUERIES[model]):
        assert admin_client.get(url).status_code == 200
    # A county chosen: its ten townships are listed, in one more query (and its departments, in another).
    with django_assert_num_queries(SUPERUSER_QUERIES[model] + 1 + COUNTY_DEPARTMENTS.get(model, 0)):
        assert admin_client.get(url, {f"{path}__county__id__exact": counties[0].pk}).status_code == 200
    # A reviewer: its permissions (user's and groups', two queries), its scope, and its county's townships
    # instead of the counties.
    client = reviewer(counties[0])
    with django_assert_num_queries(SUPERUSER_QUERIES[model] + 3 + COUNTY_DEPARTMENTS.get(model, 0)):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_an_item_code_is_found_whole_not_as_part_of_a_longer_one(admin_client, township):
    wanted = builders.make_item(township=township, code="DL-001", implementation_code="11140000MB0000001X")
    builders.make_item(township=township, code="DL-0010", implementation_code="11140000MB0000001X01")

    by_code = admin_client.get(_changelist(ServiceItem), {"q": "dl-001"}).context["cl"].result_list
    by_implementation = admin_client.get(_changelist(ServiceItem), {"q": "11140000MB0000001X"}).context["cl"]

    assert list(by_code) == [wanted]
    assert list(by_implementation.result_list) == [wanted]


@pytest.mark.django_db
def test_a_material_is_found_by_its_items_whole_code(admin_client, township):
    wanted = builders.make_item(township=township, code="DL-002", materials=1).materials.get()
    builders.make_item(township=township, code="DL-0020", materials=1)

    found = admin_client.get(_changelist(Material), {"q": "DL-002"}).context["cl"].result_list

    assert list(found) == [wanted]


def _index_column_lists(table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [info["columns"] for info in constraints.values() if info["index"] or info["unique"]]


@pytest.mark.django_db
@pytest.mark.parametrize("model", BIG_LISTS, ids=BIG_LIST_IDS)
def test_a_lists_default_order_is_read_from_an_index(rf, superuser, model):
    request = rf.get("/")
    request.user = superuser
    ordering = admin.site._registry[model].get_ordering(request)
    columns = []
    for name in ordering:
        assert "__" not in name, f"{model._meta.label} is ordered through a join: {name}"
        field = model._meta.pk if name.lstrip("-") == "pk" else model._meta.get_field(name.lstrip("-"))
        # By a relation's name Django orders by the related model's own ordering, through joins.
        assert not field.is_relation or name.lstrip("-") == field.attname, (
            f"{model._meta.label}: order by {field.attname}"
        )
        columns.append(field.column)

    indexes = _index_column_lists(model._meta.db_table)

    assert any(index[: len(columns)] == columns for index in indexes), (columns, indexes)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's choice is PostgreSQL's")
@pytest.mark.parametrize("narrowed_to", ["township", "county"])
def test_a_search_within_a_township_or_county_is_read_through_the_township_index(admin_client, township, narrowed_to):
    """低保 within one township or county: the filter is in the search's own query, so an index narrows it first."""
    builders.make_item(township=township, name="最低生活保障（低保）申请")
    narrowing = {
        "township": {"township__id__exact": township.pk},
        "county": {"township__county__id__exact": township.county_id},
    }

    plan = _plan_of_page_query(admin_client, ServiceItem, {"q": "低保", **narrowing[narrowed_to]})

    assert "Seq Scan on services_serviceitem" not in plan, plan


@pytest.mark.django_db
def test_a_chinese_term_still_finds_items_by_any_part_of_their_name(admin_client, township):
    wanted = builders.make_item(township=township, code="DL-003", name="最低生活保障（低保）申请")
    builders.make_item(township=township, code="DL-004", name="高龄补贴申领")

    found = admin_client.get(_changelist(ServiceItem), {"q": "低保"}).context["cl"].result_list

    assert list(found) == [wanted]


def _plan_of_page_query(client, model, params):
    """Return PostgreSQL's plan for the changelist's page query, as if the table were too big to read whole."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_changelist(model), params).status_code == 200
    table = model._meta.db_table
    page = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'SELECT "{table}"."id"'))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # as on 150,000 rows: use an index if one serves
        cursor.execute(f"EXPLAIN {page}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's choice is PostgreSQL's")
def test_a_code_search_is_read_through_the_code_indexes(admin_client, township):
    builders.make_item(township=township, code="DL-005")

    plan = _plan_of_page_query(admin_client, ServiceItem, {"q": "dl-005"})

    assert "Seq Scan on services_serviceitem" not in plan, plan
