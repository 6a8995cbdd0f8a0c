"""A resident on a 390×844 phone with JavaScript off reports a wrong phone, asks for a home visit, checks it, rates it.

In between, two clerks of the township work the queue in the admin, and the
county reviewer's counts move. Screenshots land in test-results/.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache

from feedback.cases import case_advance, case_take
from feedback.models import Case, Kind, Rating, Status
from feedback.queue import township_counts
from tests.feedback_scene import RESIDENT_PHONE, build_feedback_scene

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(transactional_db, county, township, other_township):
    cache.clear()
    return build_feedback_scene(county=county, township=township, other_township=other_township)


@pytest.fixture
def phone(new_context):
    context = new_context(java_script_enabled=False)
    return context.new_page()


def test_a_resident_reports_asks_checks_and_rates_without_javascript(phone, live_server, scene, artefacts_dir):
    page = phone
    counts_before = township_counts([scene.a])[0]

    # 1. The item page: 信息有误？ → a wrong phone number.
    page.goto(live_server.url + scene.item.get_absolute_url())
    page.get_by_role("link", name="信息有误？告诉我们").click()
    page.wait_for_url(re.compile(r"/report/item/\d+/$"))
    page.get_by_label("电话不对").check()
    page.get_by_label("具体说明").fill("社保岗电话是空号")
    page.screenshot(path=artefacts_dir / "feedback-01-report.png", full_page=True)
    page.get_by_role("button", name="提交").click()
    assert page.get_by_role("heading", name="已收到，谢谢您").is_visible()

    # 2. A home visit: first with a mistyped phone, which is shown again with the rest as typed.
    page.goto(live_server.url + scene.item.get_absolute_url())
    page.get_by_role("link", name="申请上门办").click()
    assert page.get_by_label("上门办").is_checked()
    page.get_by_label("姓名").fill("赵大爷")
    page.get_by_label("手机或电话").fill("1001234")
    page.get_by_label("所在村（社区）").fill("东岭村")
    page.get_by_role("button", name="提交申请").click()
    assert page.get_by_text("电话号码格式不正确").is_visible()
    assert page.get_by_label("姓名").input_value() == "赵大爷"
    page.screenshot(path=artefacts_dir / "feedback-02-request-error.png", full_page=True)
    page.get_by_label("手机或电话").fill(RESIDENT_PHONE)
    page.get_by_role("button", name="提交申请").click()
    reference = page.locator("#reference").inner_text()
    assert re.fullmatch(r"\d{8}", reference)
    page.screenshot(path=artefacts_dir / "feedback-03-reference.png", full_page=True)

    # 3. Two clerks: the first takes both, fixes the number and closes both.
    report = Case.objects.get(kind=Kind.REPORT)
    request = Case.objects.get(kind=Kind.REQUEST, reference=reference)
    for case in (report, request):
        case_take(case=case, user=scene.clerk_a)
    case_advance(case=report, user=scene.clerk_a, status=Status.DONE, resolution="已改为 0359-0100099")
    case_advance(case=request, user=scene.clerk_a, status=Status.DONE, resolution="已上门办结")

    # 4. The resident checks with the reference and the last four digits, sees it done, rates it.
    page.get_by_role("link", name="查询进度").click()
    assert page.get_by_label("申请编号").input_value() == reference
    page.get_by_label("手机号后四位").fill("0000")
    page.get_by_role("button", name="查询").click()
    assert page.get_by_text("没有查到").is_visible()
    assert page.get_by_text("赵大爷").count() == 0
    page.get_by_label("申请编号").fill(reference)
    page.get_by_label("手机号后四位").fill(RESIDENT_PHONE[-4:])
    page.get_by_role("button", name="查询").click()
    assert page.locator("#case-status").inner_text() == "已办结"
    assert page.get_by_text("首问负责人：王芳").is_visible()
    page.screenshot(path=artefacts_dir / "feedback-04-status-done.png", full_page=True)
    page.get_by_label("1 非常满意").check()
    page.get_by_role("button", name="提交评价").click()
    assert page.get_by_role("heading", name="谢谢您的评价").is_visible()
    assert Rating.objects.get(case=request).level == 1

    # 5. The county's counts moved: two more cases, both closed, one more rating.
    after = township_counts([scene.a])[0]
    assert after["total"] == counts_before["total"] + 2
    assert after["closed_30"] == counts_before["closed_30"] + 2 and after["open"] == counts_before["open"]
    assert after["ratings"] == counts_before["ratings"] + 1


def test_the_forms_have_no_serious_accessibility_violations(page, live_server, scene):
    axe = Axe()
    slug = scene.a.slug
    problems = []
    for path in (
        f"/t/{slug}/report/item/{scene.item.pk}/",
        f"/t/{slug}/items/{scene.item.pk}/request/",
        f"/t/{slug}/items/{scene.item.pk}/rate/",
        f"/t/{slug}/status/",
    ):
        page.goto(live_server.url + path)
        for violation in Axe.run(axe, page).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                problems.append(f"{path}: {violation['id']} {[n['target'] for n in violation['nodes']][:3]}")
    assert problems == []


def test_a_clerk_records_a_phone_enquiry_on_a_phone_in_one_tap(page, live_server, scene, artefacts_dir):
    """电话咨询登记: sign in once, then each enquiry is the add page and one tap on 保存 (defaults: phone, answered)."""
    import time

    from tests.feedback_scene import PASSWORD

    page.goto(live_server.url + "/admin/login/?next=/admin/feedback/enquiry/add/")
    page.get_by_label("用户名").fill(scene.clerk_a.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/admin/feedback/enquiry/add/$"))
    page.screenshot(path=artefacts_dir / "feedback-05-enquiry-form.png", full_page=True)
    started = time.monotonic()
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/feedback/enquiry/add/$"))
    elapsed = time.monotonic() - started
    assert page.get_by_text("已登记").is_visible()
    case = Case.objects.get(kind=Kind.ENQUIRY)
    assert (case.channel, case.outcome, case.township, case.owner) == ("phone", "answered", scene.a, scene.clerk_a)
    assert elapsed < 5, elapsed  # the server's share of the 15 seconds; the rest is one tap
