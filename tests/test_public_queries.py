"""The number of SQL queries of every residents' page is fixed: 3 rows or 30, the page costs the same.

Each page is measured on a small township (size 3) and a large one (size 30:
ten times the items, materials, steps, posts, holders, liaisons, villages,
list entries, certificate rules and windows) against the same number. The
server-side page cache is emptied before each request, so these are the
costs of a page rendered afresh; a page served again costs no query while
nothing was written, and one (the content versions of its township and county,
see portal.caching) after a write anywhere.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse

from search import engine
from tests.public_scene import build_scene


def _pages(s):
    t = s.township.slug

    def url(name, **kwargs):
        return reverse(name, kwargs={"township": t, **kwargs})

    # (page, address, queries, what each query reads)
    return [
        (
            "township home",
            s.township.get_absolute_url(),
            8,
            "1 versions of the township and its county, 2 township and county, "
            "3 offices, 4 their windows, 5 the windows' departments, 6 in-force items with office, window and "
            "category, 7 life events in use, 8 villages",
        ),
        (
            "item",
            s.homestead.get_absolute_url(),
            9,
            "1 version, 2 item with township, county, office, window and its office and A/B staff, category, "
            "department, post and its office, merge target, 3 materials, 4 steps, 5 legal bases, 6 life events, "
            "7 the post's holders with their staff, 8 who of them is away today, "
            "9 the working-day calendar (the due date of 承诺N个工作日)",
        ),
        ("withdrawn item", s.withdrawn.get_absolute_url(), 6, "as the item, without holders of a post it lacks"),
        (
            "search with results",
            url("search") + "?q=加事项",
            6,
            "1 version, 2 township, 3 newest change of the prepared search text and synonyms, 4 synonyms, "
            "5 the prepared search text (scored in Python: the results need no further query), "
            "6 the search counted for the month's figures (one upsert)",
        ),
        (
            "search without results",
            url("search") + "?q=火星移民",
            11,
            "1 version, 2 township, 3 newest change of the search text, 4 synonyms, 5 search text, "
            "6 general windows with A/B staff, 7 their departments, 8 life events, 9 categories in use, "
            "10 the search counted for the month (one upsert), 11 its words counted as a miss (one upsert)",
        ),
        (
            "search by life event",
            url("search") + f"?event={s.birth_event.slug}",
            4,
            "1 version, 2 township, 3 the life event, 4 its in-force items",
        ),
        ("list index", url("list_index"), 3, "1 version, 2 township, 3 lists with their village and entry count"),
        (
            "responsibility list",
            s.powers.get_absolute_url(),
            4,
            "1 version, 2 list with township, county and village, 3 entries with office and department, "
            "4 their legal bases",
        ),
        ("responsibility list filtered", s.powers.get_absolute_url() + "?type=行政检查", 4, "as above"),
        (
            "certificate boards",
            url("certificate_boards"),
            4,
            "1 version, 2 township, 3 rules with alternative item and its township, 4 legal bases",
        ),
        (
            "village",
            s.village.get_absolute_url(),
            4,
            "1 version, 2 village with township and county, 3 its lists with entry counts, 4 items agents carry",
        ),
        (
            "office",
            s.centre.get_absolute_url(),
            8,
            "1 version, 2 office with township and county, 3 windows with A/B staff, 4 their departments, "
            "5 posts, 6 their holders with staff, 7 who of these people is away today, 8 in-force items",
        ),
        (
            "window",
            s.general.get_absolute_url(),
            5,
            "1 version, 2 window with office, A/B staff, township, county, 3 who of A and B is away today, "
            "4 departments, 5 in-force items",
        ),
        (
            "post",
            s.civil_post.get_absolute_url(),
            6,
            "1 version, 2 post with office, township and county, 3 holders with staff, 4 who of them is away "
            "today, 5 liaisons with department and section, 6 in-force items",
        ),
        (
            "liaison table by post",
            url("liaison_table"),
            5,
            "1 version, 2 township, 3 liaisons with post, office, department and section, 4 the posts' holders, "
            "5 who of them is away today",
        ),
        ("liaison table by department", url("liaison_table") + "?by=department", 5, "as above"),
        (
            "directory",
            reverse("directory"),
            3,
            "1 counties' versions and count (a township's own row bumps its county), 2 counties, 3 townships",
        ),
    ]


@pytest.mark.parametrize("size", [3, 30])
def test_every_page_costs_a_fixed_number_of_queries(client, county, township, size, django_assert_num_queries):
    scene = build_scene(county=county, township=township, size=size)
    for page, address, queries, reads in _pages(scene):
        cache.clear()
        engine.forget()  # a worker that has not searched this township yet
        with django_assert_num_queries(queries, info=f"{page} ({address}): {reads}"):
            response = client.get(address)
        assert response.status_code == 200, page


def test_a_page_served_again_costs_no_query(client, county, township, django_assert_num_queries):
    scene = build_scene(county=county, township=township, size=3)
    cache.clear()
    for _page, address, _queries, _reads in _pages(scene):
        client.get(address)
        # Nothing was written since, so the rendered page comes from the cache without reading the
        # versions; a search is counted again (one upsert), one that found nothing also by its words.
        searched = {"加事项": 1, "火星移民": 2}
        expected = next((n for words, n in searched.items() if words in address), 0)
        with django_assert_num_queries(expected, info=address):
            client.get(address)


def test_after_a_write_elsewhere_a_page_costs_one_query_then_none(client, county, township, other_township):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import builders

    scene = build_scene(county=county, township=township, size=3)
    cache.clear()
    url = scene.homestead.get_absolute_url()
    client.get(url)
    builders.make_office(township=other_township, name="他乡办公室")  # moves the change stamp
    for expected in (1, 0):  # 1 the versions: unchanged, so the copy is noted as checked and served
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) == expected, [q["sql"] for q in queries]
