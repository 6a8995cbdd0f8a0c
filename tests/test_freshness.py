"""Every write residents could see changes the pages' cache key; no model can be forgotten (portal.freshness).

The models are not listed here: the tests go through every model of the
project's apps (``watched_models()``), so a new model is checked the day it
is added, and fails here if its writes do not reach the township's pages.
"""

import contextlib

import pytest
from django.core.cache import cache
from django.db import models, transaction

from portal import caching, freshness
from services.models import Material
from staff.models import DepartmentSection
from tests.public_scene import build_scene

WATCHED = freshness.watched_models()


@pytest.fixture
def scene(county, township):
    cache.clear()
    scene = build_scene(county=county, township=township, size=1)
    DepartmentSection.objects.create(department=scene.civil, name="社会救助股")
    return scene


def _page_key(township):
    """What a township page is cached under (besides its address): its township's and county's versions."""
    return caching.township_versions(township.slug)[0]


def _changes_page(township, write):
    before = _page_key(township)
    write()
    return _page_key(township) != before


def _some_field(model):
    return next(f for f in model._meta.concrete_fields if not f.primary_key and not f.is_relation)


@pytest.mark.parametrize("model", WATCHED, ids=lambda m: m._meta.label)
def test_saving_updating_and_deleting_any_row_changes_the_page(scene, model):
    obj = model._default_manager.first()
    assert obj is not None, f"build_scene has no {model._meta.label}: add one, so its writes are checked"
    field = _some_field(model)
    township = scene.township
    assert _changes_page(township, obj.save), "save"
    same = {field.attname: getattr(obj, field.attname)}
    assert _changes_page(township, lambda: model._default_manager.filter(pk=obj.pk).update(**same)), "update"
    assert _changes_page(township, lambda: model._default_manager.bulk_update([obj], [field.name])), "bulk_update"
    # Rows still referring to it may forbid the deletion: then no page can lose it.
    with transaction.atomic(), contextlib.suppress(models.ProtectedError, models.RestrictedError):
        assert _changes_page(township, obj.delete), "delete"
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    "field",
    [f for model in WATCHED for f in model._meta.local_many_to_many],
    ids=lambda f: f"{f.model._meta.label}.{f.name}",
)
def test_adding_and_removing_links_changes_the_page(scene, field):
    obj = field.model._default_manager.first()
    other = field.related_model._default_manager.first()
    links = getattr(obj, field.name)
    links.remove(other)
    assert _changes_page(scene.township, lambda: links.add(other)), "add"
    assert _changes_page(scene.township, lambda: links.remove(other)), "remove"
    assert _changes_page(scene.township, links.clear), "clear"


def test_bulk_create_changes_the_page(scene):
    item = scene.homestead
    assert _changes_page(scene.township, lambda: Material.objects.bulk_create([Material(item=item, name="新材料")]))


def test_writes_in_another_township_leave_the_page_alone(scene, other_township):
    from tests import builders

    assert not _changes_page(scene.township, lambda: builders.make_office(township=other_township, name="他乡办公室"))


def test_a_row_moved_to_another_township_leaves_the_old_townships_page(scene, other_township):
    office = scene.land
    office.township = other_township
    assert _changes_page(scene.township, office.save)


def test_every_watched_model_bumps_on_bulk_writes():
    # The system check fails start-up when a model's default manager forgets FreshQuerySet.
    assert freshness.check_fresh_querysets() == []
    # Leaving a model out is a decision to make here, in sight of a reviewer: residents never see these.
    assert {
        "portal.QRScanDay",
        "portal.UserScope",
        # residents' cases and ratings (the queue's, not page content) and the supervision figures (staff only)
        "feedback.Case",
        "feedback.Enquiry",
        "feedback.CaseEvent",
        "feedback.Rating",
        "supervision.MonthlyFigures",
        # searches that found nothing (the clerk's board only)
        "search.SearchMiss",
        "search.SearchDay",
    } == freshness.UNSEEN
    assert {"services.ServiceItem", "staff.Office", "portal.Township"} <= {m._meta.label for m in WATCHED}


def test_a_write_shows_on_the_next_request_not_a_cached_copy(client, scene, django_assert_num_queries):
    url = scene.township.get_absolute_url()
    client.get(url)
    with django_assert_num_queries(0):  # nothing written since: the copy, without reading the versions
        client.get(url)
    Material.objects.filter(item=scene.homestead).update(notes="新说明")
    assert client.get(url, HTTP_IF_NONE_MATCH="x").status_code == 200
    with django_assert_num_queries(0):
        client.get(url)
