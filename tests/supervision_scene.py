"""October 2026 in two townships of one county, every row placed by hand so each figure can be counted on paper.

Township A (东岭乡) holds the rows the hand counts below are made of; township B
(西川镇) holds a few rows that must never leak into A's figures.
"""

import datetime
import itertools
from types import SimpleNamespace

from django.utils import timezone

from feedback.models import Case, Level, Rating
from portal import codes
from portal.accounts import staff_account_ensure
from portal.models import QRScanDay
from search.misses import search_record
from supervision.periods import Period
from tests import builders

PASSWORD = "Supervision-tests-2026!"
OCTOBER = Period.month(2026, 10)
AFTER_OCTOBER = datetime.date(2026, 11, 2)  # "today" for the overdue counts: h2 (due 11-03) is not yet late
_refs = itertools.count(10_000_000)


def at(month, day, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime(2026, month, day, hour, minute))


def case(township, kind, created, *, closed=None, status="new", due=None, **fields):
    defaults = {
        "report": {"problem": "phone"},
        "request": {"service": "proxy"},
        "enquiry": {"channel": "phone", "outcome": "answered"},
        "followup": {},
    }[kind]
    if status == "declined":
        fields.setdefault("resolution", "不属于本乡镇办理")
    return Case.objects.create(
        township=township,
        kind=kind,
        reference=str(next(_refs)),
        created_at=created,
        closed_at=closed,
        status=status,
        due_on=due,
        **{**defaults, **fields},
    )


def rating(township, level, created):
    return Rating.objects.create(township=township, level=level, created_at=created)


def build(county=None, a=None, b=None):
    county = county or builders.make_county(name="瑞河县", slug="ruihe")
    s = SimpleNamespace(county=county)
    s.a = a or builders.make_township(county=county, name="东岭乡", slug="dongling")
    s.b = b or builders.make_township(county=county, name="西川镇", slug="xichuan")
    a = s.a
    d = datetime.date
    # Scans: 5 + 2 + 1 in October; September and November outside.
    gate = codes.code_issue(township=a, placement="大门")
    hall = codes.code_issue(township=a, placement="综合窗口")
    for code, day, n in [(gate, 3, 5), (gate, 20, 2), (hall, 31, 1)]:
        QRScanDay.objects.create(qr_code=code, day=datetime.date(2026, 10, day), count=n)
    QRScanDay.objects.create(qr_code=gate, day=datetime.date(2026, 9, 30), count=100)
    QRScanDay.objects.create(qr_code=gate, day=datetime.date(2026, 11, 1), count=50)
    # Searches: 4 on 3 October (1 found nothing), 2 on the 31st (both found nothing); September and November outside.
    for day, found in [(3, True), (3, True), (3, False), (3, True), (31, False), (31, False)]:
        search_record(township_id=a.pk, missed_query="" if found else "火星移民", found=found, day=d(2026, 10, day))
    for day in [d(2026, 9, 30)] * 3 + [d(2026, 11, 1)] * 2:
        search_record(township_id=a.pk, found=True, day=day)
    # Enquiries: 4 in October (3 answered; the last at 23:30 on the 31st, Beijing time), one in September.
    case(a, "enquiry", at(10, 8))
    case(a, "enquiry", at(10, 9))
    case(a, "enquiry", at(10, 9), outcome="passed_on", passed_to="民政岗")
    case(a, "enquiry", at(10, 31, 23, 30))
    case(a, "enquiry", at(9, 30))
    # Reports: received in October r1 r2 r3 r5 (4); fixed in October r1 (2 days) r2 (6) r4 (3): median 3.
    case(a, "report", at(10, 2, 8), closed=at(10, 4, 8), status="done")
    case(a, "report", at(10, 10), closed=at(10, 16), status="done")
    case(a, "report", at(10, 30))
    case(a, "report", at(9, 28), closed=at(10, 1), status="done")
    case(a, "report", at(10, 5), closed=at(10, 6), status="declined")
    case(a, "report", at(11, 1, 0, 10))  # ten past midnight on 1 November, Beijing time: not October
    # Requests received in October: 5.
    case(a, "request", at(10, 6), due=d(2026, 10, 10), closed=at(10, 9), status="done")  # on time
    case(a, "request", at(10, 6), due=d(2026, 10, 10), closed=at(10, 12), status="done")  # overdue
    s.declined = case(
        a, "request", at(10, 14), due=d(2026, 10, 20), closed=at(10, 15), status="declined", service="appointment"
    )
    s.late_open = case(a, "request", at(10, 20), due=d(2026, 10, 25), service="home_visit")  # overdue, open
    case(a, "request", at(10, 31), due=d(2026, 11, 3), service="home_visit")  # not due yet on 11-02
    case(a, "request", at(9, 20), due=d(2026, 9, 25))
    # Ratings in October: 1 1 2 3 4 5; the 4 followed up in time, the 5 late; a September 5 outside.
    for level in (1, 1, 2, 3):
        rating(a, level, at(10, 11))
    poor4 = rating(a, Level.DISSATISFIED, at(10, 12))
    poor5 = rating(a, Level.VERY_DISSATISFIED, at(10, 13))
    rating(a, Level.VERY_DISSATISFIED, at(9, 13))
    case(a, "followup", at(10, 12), poor_rating=poor4, due=d(2026, 10, 15), closed=at(10, 14), status="done")
    case(a, "followup", at(10, 13), poor_rating=poor5, due=d(2026, 10, 16), closed=at(10, 20), status="done")
    # Township B: one report and one poor rating in October.
    case(s.b, "report", at(10, 3))
    rating(s.b, Level.VERY_DISSATISFIED, at(10, 3))
    search_record(township_id=s.b.pk, found=True, day=d(2026, 10, 5))
    return s


def build_lists(s):
    """Items, staff and liaison rows of A: 1 item, 1 phone and 1 liaison row past their dates (as of today)."""
    today = timezone.localdate()
    long_ago = today - datetime.timedelta(days=200)
    office = builders.make_office(township=s.a)
    s.fresh_item = builders.make_item(township=s.a, office=office, last_checked_on=today)
    s.stale_item = builders.make_item(township=s.a, office=office, last_checked_on=long_ago)
    builders.make_item(township=s.a, office=office, last_checked_on=None, status="withdrawn", withdrawn_on=long_ago)
    builders.make_item(township=s.a, office=office, last_checked_on=None, status="draft")  # not in force: not counted
    s.stale_staff = builders.make_staff(township=s.a, mobile="10012345678", phone_checked_on=None)
    builders.make_staff(township=s.a, mobile="10012345679", phone_checked_on=today)
    builders.make_staff(township=s.a, mobile="10012345670", phone_checked_on=None, active=False)  # left: not counted
    post = builders.make_post(township=s.a, office=office)
    s.liaison = builders.make_liaison(post=post, department=builders.make_department(county=s.county))
    builders.make_liaison(post=post, department=builders.make_department(county=s.county), confirmed_on=today)
    return s


def accounts(s):
    s.clerk_a, _ = staff_account_ensure(username="sv-clerk-a", township=s.a, password=PASSWORD)
    s.clerk_b, _ = staff_account_ensure(username="sv-clerk-b", township=s.b, password=PASSWORD)
    s.reviewer, _ = staff_account_ensure(username="sv-reviewer", county=s.county, password=PASSWORD)
    return s
