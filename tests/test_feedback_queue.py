"""The township's one queue: quick enquiry entry, filters, counts for clerks and county, masked phones, retention."""

import datetime
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from feedback.cases import case_advance, enquiry_record, rating_submit, report_submit, request_submit
from feedback.models import Case, Kind, Rating, Status
from feedback.queue import township_counts
from tests.feedback_scene import RESIDENT_PHONE, build_feedback_scene
from workdays.dates import working_day_add
from workdays.models import CalendarDay


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def scene(county, township, other_township):
    return build_feedback_scene(county=county, township=township, other_township=other_township)


def _request(s, **fields):
    return request_submit(township=s.a, item=s.item, service="proxy", name="赵大爷", phone=RESIDENT_PHONE, **fields)


def test_an_enquiry_is_recorded_from_a_compact_form_with_the_usual_defaults(client, scene):
    client.force_login(scene.clerk_a)
    url = reverse("admin:feedback_enquiry_add")
    form = client.get(url).context["adminform"].form
    assert (form["channel"].value(), form["outcome"].value(), form["township"].value()) == (
        "phone",
        "answered",
        scene.a.pk,
    )
    # The township is preset (the clerk's only one): one tap on 保存 records a phone enquiry answered.
    response = client.post(url, {"township": scene.a.pk, "channel": "phone", "outcome": "answered", "_save": "1"})
    assert response.status_code == 302 and response["Location"] == url
    case = Case.objects.get()
    assert (case.kind, case.status, case.owner, case.channel) == (Kind.ENQUIRY, Status.DONE, scene.clerk_a, "phone")


def test_an_enquiry_passed_on_stays_open_in_the_queue_and_names_whom(client, scene):
    client.force_login(scene.clerk_a)
    url = reverse("admin:feedback_enquiry_add")
    data = {"township": scene.a.pk, "item": scene.item.pk, "channel": "window", "outcome": "passed_on", "_save": "1"}
    assert "转交他人时请写转给谁" in client.post(url, data).content.decode()
    client.post(url, {**data, "passed_to": "社保岗李明"})
    case = Case.objects.get()
    assert case.is_open and case.passed_to == "社保岗李明" and case.due_on is not None


def test_the_queue_filters_by_kind_status_owner_and_overdue(client, scene):
    old = report_submit(township=scene.a, about="post", target=scene.post, problem="phone")
    Case.objects.filter(pk=old.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    mine = _request(scene)
    client.force_login(scene.clerk_a)
    client.post(reverse("admin:feedback_case_changelist"), {"action": "take_cases", "_selected_action": [mine.pk]})
    url = reverse("admin:feedback_case_changelist")

    def refs(query):
        return set(client.get(url, query).context["cl"].queryset.values_list("reference", flat=True))

    assert refs({"overdue": "yes"}) == {old.reference}
    assert refs({"kind__exact": "request"}) == {mine.reference}
    assert refs({"owner": "mine"}) == {mine.reference}
    assert refs({"owner": "none"}) == {old.reference}
    assert refs({"status__exact": "new"}) == {old.reference}


def test_phones_are_masked_in_the_list_and_the_export_and_whole_on_the_case(client, scene):
    case = _request(scene)
    client.force_login(scene.clerk_a)
    listing = client.get(reverse("admin:feedback_case_changelist")).content.decode()
    assert RESIDENT_PHONE not in listing and "100****5678" in listing
    export = client.post(
        reverse("admin:feedback_case_changelist"), {"action": "_export_masked", "_selected_action": [case.pk]}
    )
    text = export.content.decode("utf-8-sig")
    assert "100****5678" in text and RESIDENT_PHONE not in text
    assert quote(f"群众反馈-{timezone.localdate():%Y-%m-%d}.csv") in export["Content-Disposition"]
    page = client.get(reverse("admin:feedback_case_change", args=[case.pk])).content.decode()
    assert f"tel:{RESIDENT_PHONE}" in page


def test_counts_of_new_and_overdue_show_on_the_admin_index_and_the_board(client, scene):
    overdue = report_submit(township=scene.a, about="post", target=scene.post, problem="phone")
    Case.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=2))
    _request(scene)
    report_submit(township=scene.b, about="office", target=scene.b_office, problem="hours")
    client.force_login(scene.clerk_a)
    for url in ("/admin/", "/admin/board/"):
        page = client.get(url)
        html = page.content.decode()
        assert '<td id="feedback-new">2</td>' in html, url
        assert '<td id="feedback-overdue">1</td>' in html, url


def test_the_county_reviewer_sees_counts_per_township_and_no_personal_data(client, scene):
    _request(scene)
    report_submit(
        township=scene.b, about="office", target=scene.b_office, problem="hours", name="周", phone="10055556666"
    )
    client.force_login(scene.reviewer)
    assert client.get(reverse("admin:feedback_case_changelist")).status_code == 403
    assert client.get(reverse("admin:feedback_rating_changelist")).status_code == 403
    page = client.get(reverse("admin:feedback_counts"))
    html = page.content.decode()
    assert page.status_code == 200
    rows = {row["township"].slug: row for row in page.context["rows"]}
    assert rows[scene.a.slug]["requests"] == 1 and rows[scene.b.slug]["reports"] == 1
    for secret in ("赵大爷", RESIDENT_PHONE, "周", "10055556666", "5678", "6666"):
        assert secret not in html
    index = client.get("/admin/").content.decode()
    assert "feedback-counts" in index and "赵大爷" not in index


def test_the_reviewer_sees_the_counts_move_when_a_case_is_closed(client, scene):
    case = _request(scene)
    before = township_counts([scene.a])[0]
    case_advance(case=case, user=scene.clerk_a, status=Status.DONE, resolution="已代办")
    after = township_counts([scene.a])[0]
    assert (before["open"], after["open"], after["closed_30"]) == (1, 0, 1)


def test_personal_data_is_erased_after_the_retention_period_and_the_counts_stay(scene, settings):
    settings.PORTAL_PERSONAL_DATA_DAYS = 30
    old = _request(scene, note="住在村东头")
    case_advance(case=old, user=scene.clerk_a, status=Status.DONE, resolution="已代办给赵大爷")
    rating_submit(township=scene.a, case=old, level=5, channel="web", comment="赵大爷说太慢")
    recent = _request(scene)
    case_advance(case=recent, user=scene.clerk_a, status=Status.DONE, resolution="已代办")
    still_open = _request(scene)
    enquiry_record(user=scene.clerk_a, township=scene.a, channel="phone", outcome="answered")
    long_ago = timezone.now() - datetime.timedelta(days=31)
    Case.objects.filter(pk=old.pk).update(closed_at=long_ago)
    followup = Case.objects.get(kind=Kind.FOLLOWUP)
    case_advance(
        case=followup, user=scene.clerk_a, status=Status.DONE, resolution="已回访", callback_result="赵大爷满意"
    )
    Case.objects.filter(pk=followup.pk).update(closed_at=long_ago)
    before = township_counts([scene.a])[0]

    call_command("erase_personal_data")

    old.refresh_from_db()
    followup.refresh_from_db()
    assert (old.name, old.phone, old.note, old.resolution) == ("", "", "", "")
    assert (followup.phone, followup.callback_result) == ("", "")
    assert old.personal_data_erased_on == timezone.localdate()
    assert Rating.objects.get().comment == ""
    assert "赵大爷" not in "".join(old.events.values_list("note", flat=True))
    for kept in (recent, still_open):
        kept.refresh_from_db()
        assert kept.phone == RESIDENT_PHONE
    assert township_counts([scene.a])[0] == before
    assert Case.objects.count() == 5 and Rating.objects.count() == 1


def test_a_comment_left_with_a_rating_on_an_item_page_is_erased_after_the_same_period(scene, settings):
    settings.PORTAL_PERSONAL_DATA_DAYS = 30
    old = rating_submit(township=scene.a, item=scene.item, level=2, channel="web", comment="李会计人很好，电话100")
    new = rating_submit(township=scene.a, item=scene.item, level=1, channel="web", comment="很方便")
    Rating.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    before = township_counts([scene.a])[0]

    call_command("erase_personal_data")

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.comment, old.level) == ("", 2)  # the words go, the rating still counts
    assert new.comment == "很方便"
    assert township_counts([scene.a])[0] == before


def test_a_clerk_records_a_rating_given_at_the_window(client, scene):
    client.force_login(scene.clerk_a)
    url = reverse("admin:feedback_rating_add")
    assert client.get(url).context["adminform"].form["channel"].value() == "window"
    data = {"township": scene.a.pk, "item": scene.item.pk, "level": "4", "channel": "window", "comment": "等太久"}
    assert client.post(url, data).status_code == 302
    rating = Rating.objects.get()
    assert (rating.channel, rating.level, rating.recorded_by) == ("window", 4, scene.clerk_a)
    assert Case.objects.get(kind=Kind.FOLLOWUP).poor_rating == rating


def test_another_townships_clerk_sees_none_of_the_ratings_or_enquiries(client, scene):
    rating_submit(township=scene.a, item=scene.item, level=1, channel="web", comment="好")
    enquiry_record(user=scene.clerk_a, township=scene.a, channel="phone", outcome="answered")
    client.force_login(scene.clerk_b)
    for name in ("feedback_rating", "feedback_enquiry"):
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.context["cl"].result_count == 0, name


def test_a_due_date_counted_without_the_years_holidays_says_provisional_in_the_queue(client, scene):
    year = timezone.localdate().year
    # The calendar holds this year and the next (a holiday of each is enough to cover it): the date is firm.
    CalendarDay.objects.get_or_create(date=datetime.date(year + 1, 1, 1), defaults={"kind": "holiday", "name": "元旦"})
    firm = _request(scene)
    assert firm.due_provisional is False
    # Before the State Council publishes a year, a superuser cannot add it: counted on weekends only, a forecast.
    CalendarDay.objects.filter(date__year__gte=year).delete()
    forecast = _request(scene)
    assert forecast.due_provisional is True and forecast.due_on == working_day_add(timezone.localdate(), 3).date
    client.force_login(scene.clerk_a)
    rows = client.get(reverse("admin:feedback_case_changelist")).content.decode()

    def row_of(case):
        start = rows.index(case.reference)
        return rows[start : rows.index("</tr>", start)]

    assert f"{forecast.due_on}（预计）" in row_of(forecast)
    assert "预计" not in row_of(firm)
    page = client.get(reverse("admin:feedback_case_change", args=[forecast.pk])).content.decode()
    assert f"{forecast.due_on}（预计）" in page
