"""The supervision pages: the county table for reviewers, a township's month for its clerks, the bulletin, the xlsx."""

import io
import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from supervision.closing import month_close
from supervision.periods import Period
from tests import builders, supervision_scene

pytestmark = pytest.mark.django_db

TABLE = "admin:supervision_table"


@pytest.fixture
def s(db):
    return supervision_scene.accounts(supervision_scene.build_lists(supervision_scene.build()))


def _get(client, user, name, query="", **kwargs):
    client.force_login(user)
    return client.get(reverse(name, kwargs=kwargs) + query)


def test_a_reviewer_sees_every_township_of_the_county_sorted_with_totals(client, s):
    response = _get(client, s.reviewer, TABLE, "?period=2026-10&o=-scans")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index('data-township="dongling"') < html.index('data-township="xichuan"')
    assert "全县合计" in html and "2026年10月" in html
    assert 'class="weakest"' in html
    ascending = _get(client, s.reviewer, TABLE, "?period=2026-10&o=scans").content.decode()
    assert ascending.index('data-township="xichuan"') < ascending.index('data-township="dongling"')
    # A reviewer opens any township's month from the table.
    assert reverse("admin:supervision_township", kwargs={"township": "xichuan"}) + "?period=2026-10" in html
    assert (
        _get(client, s.reviewer, "admin:supervision_township", "?period=2026-10", township="xichuan").status_code == 200
    )


def test_a_clerk_sees_only_their_own_township(client, s):
    html = _get(client, s.clerk_b, TABLE, "?period=2026-10").content.decode()
    assert 'data-township="xichuan"' in html and 'data-township="dongling"' not in html
    assert "全县合计" not in html and "<tfoot>" not in html  # one township is no county total
    # Nor in what the clerk prints and files: the bulletin and the workbook of their own township.
    bulletin = _get(client, s.clerk_b, "admin:supervision_bulletin", "?period=2026-10").content.decode()
    assert "西川镇" in bulletin and "东岭乡" not in bulletin and ">合计<" not in bulletin
    workbook = _get(client, s.clerk_b, "admin:supervision_xlsx", "?period=2026-10").content
    names = [r[0] for r in load_workbook(io.BytesIO(workbook))["汇总"].iter_rows(min_row=3, values_only=True)]
    assert names == ["西川镇"]
    assert _get(client, s.clerk_b, "admin:supervision_township", township="dongling").status_code == 404


def test_every_figure_of_a_clerks_month_links_to_the_rows_it_counts(client, s):
    response = _get(client, s.clerk_a, "admin:supervision_township", "?period=2026-10", township="dongling")
    assert response.status_code == 200
    html = response.content.decode()
    expected = {
        "scans": None,  # scan days, not scans: checked below by their sum
        "enquiries_received": 4,
        "enquiries_answered": 3,
        "reports_received": 4,
        "reports_fixed": 3,
        "requests_received": 5,
        "requests_declined": 1,
        "ratings_poor": 2,
    }
    for figure, count in expected.items():
        row = re.search(rf'data-figure="{figure}".*?href="([^"]+)"', html, re.S)
        assert row, figure
        listing = client.get(row[1].replace("&amp;", "&"))
        assert listing.status_code == 200, figure
        if count is not None:
            assert listing.context["cl"].result_count == count, figure
        else:
            assert sum(day.count for day in listing.context["cl"].result_list) == 8
    for figure, field, total in [("searches", "searches", 6), ("searches_without_result", "misses", 3)]:
        row = re.search(rf'data-figure="{figure}".*?<td class="n">.*?href="([^"]+)"[^>]*>(\d+)<', html, re.S)
        assert row and int(row[2]) == total, figure
        days = client.get(row[1].replace("&amp;", "&")).context["cl"].result_list
        assert sum(getattr(day, field) for day in days) == total, figure  # the days behind the figure add up to it
    for level, count in [(1, 2), (2, 1), (5, 1)]:
        link = re.search(rf'data-figure="rating-level-{level}".*?href="([^"]+)"', html, re.S)[1]
        assert client.get(link.replace("&amp;", "&")).context["cl"].result_count == count
    assert "<svg" in html and "扫码次数（按月）" in html


def _linked_figure(html, figure):
    """The figure's number as the page shows it and the address it links to (None when not linked)."""
    row = re.search(rf'<tr data-figure="{figure}">.*?<td class="n">(.*?)</td>', html, re.S)
    assert row, figure
    link = re.fullmatch(r'<a href="([^"]+)">(\d+)</a>', row[1])
    return (int(link[2]), link[1].replace("&amp;", "&")) if link else (row[1], None)


def test_each_linked_figure_opens_a_list_of_exactly_the_rows_it_counts(client, s):
    client.force_login(s.clerk_a)
    october = client.get(
        reverse("admin:supervision_township", kwargs={"township": "dongling"}) + "?period=2026-10"
    ).content.decode()
    # Requests: 1 done by its date; overdue: one closed late, one left open past its date (and, once 3 November
    # has passed, the one due then). Poor ratings: the 4 followed up in time, the 5 late.
    expected = {"requests_on_time": 1, "requests_overdue": None, "ratings_followed_in_time": 1}
    expected["ratings_followup_missed"] = 1
    for figure, count in expected.items():
        shown, href = _linked_figure(october, figure)
        assert href, figure
        assert client.get(href).context["cl"].result_count == shown, figure
        assert count is None or shown == count, figure
    assert _linked_figure(october, "requests_overdue")[0] >= 2
    # The lists as they are now: the current month's state figures link to exactly the rows counted (a draft,
    # a withdrawn item, a staff member who left and a confirmed liaison row are in the lists but not counted).
    now = client.get(reverse("admin:supervision_township", kwargs={"township": "dongling"})).content.decode()
    for figure in ("items_past_check", "phones_past_check", "liaisons_unconfirmed"):
        shown, href = _linked_figure(now, figure)
        assert shown == 1 and href, figure
        assert client.get(href).context["cl"].result_count == 1, figure


def test_a_closed_months_list_figures_do_not_link_to_todays_lists(client, s):
    month_close([s.a, s.b], supervision_scene.OCTOBER)
    client.force_login(s.clerk_a)
    html = client.get(
        reverse("admin:supervision_township", kwargs={"township": "dongling"}) + "?period=2026-10"
    ).content.decode()
    assert "该时段结束时留存的数" in html
    for figure in ("items_past_check", "phones_past_check", "liaisons_unconfirmed"):
        shown, href = _linked_figure(html, figure)
        assert href is None and shown != "未留存", figure


def test_the_county_table_page_costs_the_same_queries_for_2_and_20_townships(client, s):
    client.force_login(s.reviewer)
    url = reverse(TABLE) + "?period=2026-Q4"
    client.get(url)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as two:
        assert client.get(url).status_code == 200
    for _ in range(9):
        supervision_scene.build(
            county=s.county, a=builders.make_township(county=s.county), b=builders.make_township(county=s.county)
        )
    with CaptureQueriesContext(connection) as twenty:
        html = client.get(url).content.decode()
    assert html.count("data-township=") == 20
    assert len(two.captured_queries) == len(twenty.captured_queries)


def test_the_xlsx_has_the_table_with_chinese_headers_and_a_frozen_header(client, s):
    response = _get(client, s.reviewer, "admin:supervision_xlsx", f"?period=2026-10&county={s.county.pk}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["汇总"]
    assert sheet.freeze_panes == "B3"
    headers = [c.value for c in sheet[2]]
    assert headers[0] == "乡镇" and "扫码·扫码次数" in headers and "办事申请·逾期" in headers
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["东岭乡"][headers.index("扫码·扫码次数")] == 8
    assert rows["东岭乡"][headers.index("信息有误反馈·改正用时中位数（天）")] == 3.0
    assert rows["合计"][headers.index("好差评·评价数")] == 7
    assert quote(f"{s.county.name}2026年10月督查考核数据.xlsx") in response["Content-Disposition"]
    assert sheet.column_dimensions["A"].width == 16


def test_the_bulletin_has_the_table_and_a_page_per_township(client, s):
    response = _get(client, s.reviewer, "admin:supervision_bulletin", "?period=2026-Q4&issuer=瑞河县政务服务中心")
    html = response.content.decode()
    assert response.status_code == 200
    assert "瑞河县2026年第四季度乡镇便民服务工作情况通报" in html
    assert "发文单位：瑞河县政务服务中心" in html
    assert html.count('class="sheet township"') == 2
    assert html.count("<svg") == 6


def test_a_share_of_nothing_shows_a_dash_and_only_a_closed_months_unkept_list_figures_show_not_kept(client, s):
    # August 2026: no searches, no ratings, no fixes, and close_month never ran.
    html = _get(client, s.reviewer, TABLE, "?period=2026-08").content.decode()
    row = re.search(r'<tr data-township="dongling">(.*?)</tr>', html, re.S)[1]
    cells = dict(re.findall(r'<td data-column="([a-z_]+)"[^>]*>([^<]*)</td>', row))
    for key in ("searches_without_result_percent", "ratings_satisfied_percent", "reports_median_days"):
        assert cells[key] == "—", key
    for key in ("items_past_check", "phones_past_check", "liaisons_unconfirmed"):
        assert cells[key] == "未留存", key
    assert cells["searches"] == "0"
    township = _get(
        client, s.reviewer, "admin:supervision_township", "?period=2026-08", township="dongling"
    ).content.decode()
    assert re.search(r'data-figure="searches_without_result_percent">.*?<td class="n">—</td>', township, re.S)
    assert re.search(r'data-figure="ratings_satisfied_percent">.*?<td class="n">—</td>', township, re.S)
    response = _get(client, s.reviewer, "admin:supervision_xlsx", f"?period=2026-08&county={s.county.pk}")
    sheet = load_workbook(io.BytesIO(response.content))["汇总"]
    headers = [c.value for c in sheet[2]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    for name in ("东岭乡", "合计"):
        assert rows[name][headers.index("搜索·没搜到占比（%）")] == "—"
        assert rows[name][headers.index("好差评·满意率（%）")] == "—"
        assert rows[name][headers.index("清单维护·事项超期未核对")] == "未留存"


def test_the_bulletin_of_a_period_still_running_is_counted_up_to_its_issue_date(client, s):
    today = timezone.localdate()
    running = Period.quarter(today.year, (today.month - 1) // 3 + 1)
    html = _get(client, s.reviewer, "admin:supervision_bulletin", f"?period={running.key}").content.decode()
    start, issued = f"{running.start.year}年{running.start.month}月1日", f"{today.year}年{today.month}月{today.day}日"
    assert f"统计时段：{start}—{issued}（截至印发日）" in html
    last = running.last_day
    assert f"{last.year}年{last.month}月{last.day}日" not in html or last == today
    ended = running.previous()
    html = _get(client, s.reviewer, "admin:supervision_bulletin", f"?period={ended.key}").content.decode()
    last = ended.last_day
    assert f"—{last.year}年{last.month}月{last.day}日</span>" in html and "截至印发日" not in html
