"""Done when: two clerks of two townships and a county reviewer each see exactly their own scope.

Every model registered in the admin is opened as each persona through its
real changelist URL; the rows listed are compared with the rows the scene
built for that persona's township or county (see tests/tenancy_scene.py).
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.tenancy_scene import PASSWORD, build_tenancy_scene, expected_pks

PERSONAS = ["clerk_a", "clerk_b", "clerk_c", "reviewer_x", "superuser"]
# Accounts, groups and scopes are the superuser's to manage.
SUPERUSER_ONLY = {"auth.user", "auth.group", "portal.userscope", "workdays.calendarday"}
# Residents' names and phones: their township's clerks only; the county sees counts (/admin/feedback/counts/).
CLERKS_ONLY = {"feedback.case", "feedback.enquiry", "feedback.rating"}


@pytest.fixture
def scene(db):
    return build_tenancy_scene()


def changelist_pks(client, model):
    response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    if response.status_code != 200:
        return response.status_code, None
    return 200, set(response.context["cl"].queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_admin_list_shows_exactly_the_personas_rows(client, scene, persona):
    user = getattr(scene, persona)
    assert client.login(username=user.username, password=PASSWORD)  # signs in as a new user would

    for model in admin.site._registry:
        label = model._meta.label_lower
        status, seen = changelist_pks(client, model)
        if label in SUPERUSER_ONLY and persona != "superuser" or label in CLERKS_ONLY and persona == "reviewer_x":
            assert status == 403, label
            continue
        assert status == 200, label
        if persona == "superuser":
            expected = set(model._default_manager.values_list("pk", flat=True))
        else:
            expected = expected_pks(scene, model, persona)
        assert seen == expected, label


def test_the_scene_gives_each_township_a_different_number_of_rows(scene):
    """Guard for the test above: counts alone tell A, B and C apart."""
    from services.models import ServiceItem

    counts = {key: ServiceItem.objects.filter(township=getattr(scene, key)).count() for key in "abc"}
    assert counts == {"a": 2, "b": 3, "c": 1}


@pytest.mark.parametrize("persona", ["clerk_a", "clerk_b", "reviewer_x"])
def test_the_admin_index_lists_only_what_the_persona_may_open(client, scene, persona):
    client.force_login(getattr(scene, persona))
    page = client.get("/admin/").content.decode()

    assert "/admin/auth/user/" not in page and "/admin/portal/userscope/" not in page
    assert "/admin/services/serviceitem/" in page
