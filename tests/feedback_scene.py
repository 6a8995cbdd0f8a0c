"""Two townships of one county, each page residents can report on, and the people who work the queue.

Township A (东岭乡) has two clerks (``clerk_a``, ``clerk_a2``) who share its
queue; township B (西川镇) has ``clerk_b``; the county has ``reviewer``.
"""

import datetime
import re
from types import SimpleNamespace

from django.contrib.auth import get_user_model

from portal.accounts import staff_account_ensure
from services.models import ServiceItem
from tests import builders

PASSWORD = "Feedback-tests-2026!"
RESIDENT_PHONE = "10012345678"


def build_feedback_scene(*, county, township, other_township):
    s = SimpleNamespace(county=county, a=township, b=other_township)
    s.office = builders.make_office(township=township, name="便民服务中心", phone="0359-0100010")
    s.window = builders.make_window(township=township, office=s.office, number=1)
    s.staff = builders.make_staff(township=township, name="李明")
    s.post = builders.make_post(township=township, office=s.office, title="社保岗", primary=s.staff)
    s.village = builders.make_village(township=township, name="东岭村")
    s.department = builders.make_department(county=county, name="瑞河县民政局")
    s.liaison = builders.make_liaison(post=s.post, department=s.department)
    s.rule = builders.make_certificate_rule(county=county, township=township, name="居住证明", may_issue=True)
    s.item = builders.make_item(
        township=township,
        office=s.office,
        window=s.window,
        responsible_post=s.post,
        name="城乡居民养老保险参保登记",
        materials=2,
        proxy_offered=True,
        home_visit_offered=True,
    )
    s.plain_item = builders.make_item(township=township, office=s.office, name="老年人优待证办理")
    s.withdrawn = builders.make_item(
        township=township,
        office=s.office,
        name="已取消的事项",
        status=ServiceItem.Status.WITHDRAWN,
        withdrawn_on=datetime.date(2026, 1, 1),
    )
    s.b_office = builders.make_office(township=other_township, name="西川便民服务中心")
    s.b_item = builders.make_item(township=other_township, office=s.b_office, name="西川事项")
    s.clerk_a, _ = staff_account_ensure(username="clerk-a", township=township, password=PASSWORD)
    s.clerk_a.first_name = "王芳"
    s.clerk_a.save()
    s.clerk_a2, _ = staff_account_ensure(username="clerk-a2", township=township, password=PASSWORD)
    s.clerk_b, _ = staff_account_ensure(username="clerk-b", township=other_township, password=PASSWORD)
    s.reviewer, _ = staff_account_ensure(username="reviewer", county=county, password=PASSWORD)
    s.superuser = get_user_model().objects.create_superuser("root-f", "root@example.invalid", PASSWORD)
    return s


def strip_csrf(html):
    """Return a page's HTML without its per-response CSRF token, so two answers can be compared."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
