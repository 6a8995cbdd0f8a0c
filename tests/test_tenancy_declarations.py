"""Ownership is declared on each model and checked at start-up; one function answers where an account may act."""

from portal import scoping
from portal.models import Township
from portal.scoping import Ownership, check_ownership
from services.models import Material
from tests.tenancy_scene import build_tenancy_scene


def test_every_project_model_declares_its_owner_along_a_real_path():
    assert check_ownership() == []
    assert scoping.ownership(Material) == Ownership(township="item__township")


def test_a_wrong_path_or_a_missing_declaration_is_refused_at_start_up(monkeypatch):
    monkeypatch.setattr(Material, "ownership", Ownership(township="item__nowhere"))
    assert [error.id for error in check_ownership()] == ["portal.E004"]
    monkeypatch.setattr(Material, "ownership", Ownership(township="item"))  # leads to an item, not a township
    assert [error.id for error in check_ownership()] == ["portal.E004"]
    monkeypatch.delattr(Material, "ownership")
    assert [error.id for error in check_ownership()] == ["portal.E001"]


def test_restrict_and_townships_for_agree(db):
    s = build_tenancy_scene()
    clerk = s.clerk_a
    assert list(scoping.townships_for(clerk)) == list(Township.objects.filter(pk=s.a.pk))
    assert list(scoping.townships_for(s.reviewer_x, "change")) == []
    assert set(scoping.townships_for(s.reviewer_x)) == set(Township.objects.filter(county=s.x))
    assert Material.objects.restrict(clerk, "change").count() == Material.objects.filter(item__township=s.a).count()
