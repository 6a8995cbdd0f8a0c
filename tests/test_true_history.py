"""A true history (issue 14 item 7): 更新记录 counts from each row's history; a fixture load is no day of changes."""

import pytest
from django.apps import apps
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from services.models import ServiceItem
from services.publishing import item_publish
from tests import builders


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_the_change_history_of_a_fixture_load_is_empty(demo_data, db):
    for model in apps.get_models():
        history = getattr(model, "history", None)
        if history is not None and hasattr(history, "model") and model._meta.app_label != "portal":
            assert not model.history.exists(), model._meta.label


def test_the_demo_changelog_lists_no_load_day_and_claims_no_count_it_cannot_know(client, demo_data, db):
    page = client.get(reverse("changelog", kwargs={"township": "dongling"})).content.decode()
    assert "新增" not in page.split('id="catalogue"')[1].split('id="lists"')[0]
    assert "此后在办 0 项" not in page
    assert "2021年9月1日" in page  # DL-024's withdrawal, from its withdrawn_on


def test_counts_after_each_date_follow_the_records(client, superuser):
    # Its own county: the demo loaded by the tests above (same module) already has 瑞河县.
    township = builders.make_township(county=builders.make_county())

    def versions():
        cache.clear()
        response = client.get(reverse("changelog", kwargs={"township": township.slug}))
        return [(v.date, sorted(e.kind for e in v.events), v.total_after) for v in response.context["versions"]]

    today = timezone.localdate()
    builders.make_item(township=township, name="甲", materials=1)
    builders.make_item(township=township, name="乙", materials=1)
    draft = builders.make_item(
        township=township,
        name="丙",
        materials=1,
        status=ServiceItem.Status.DRAFT,
        responsible_post=builders.make_post(township=township),
    )
    assert versions() == [(today, ["added", "added"], 2)]  # a draft is not in force
    item_publish(item=draft, user=superuser)
    assert versions() == [(today, ["added", "added", "added"], 3)]
    gone = ServiceItem.objects.get(name="甲")
    gone.status, gone.withdrawn_on = ServiceItem.Status.WITHDRAWN, today
    gone.save()
    assert versions() == [(today, ["added", "added", "added", "withdrawn"], 2)]
