"""A responsibility list as long as the reports' (148 entries) and ten times that stays editable in the admin.

Django refuses a POST of more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields
(TooManyFieldsSent): the list's change page posted every inline field and
broke at about 120 entries. The change page edits the first entries and
links to the entries' own changelist, paginated, where every entry is found
and changed; the field limit is not raised.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from services.models import ResponsibilityEntry
from tests import builders
from tests.admin_forms import form_data


@pytest.mark.django_db
@pytest.mark.parametrize("entries", [148, 1000])
def test_a_long_list_is_saved_from_its_change_page_and_every_entry_is_reachable(admin_client, township, entries):
    rlist = builders.make_list(township=township, entries=entries)
    url = reverse("admin:services_responsibilitylist_change", args=[rlist.pk])

    page = admin_client.get(url)
    data = form_data(page)
    data["title"] = "改过名字的清单"
    saved = admin_client.post(url, data)

    assert page.status_code == 200
    assert len(data) < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert saved.status_code == 302, saved.context and saved.context["adminform"].form.errors
    rlist.refresh_from_db()
    assert rlist.title == "改过名字的清单"
    assert rlist.entries.count() == entries, "the entries not shown are kept"
    entries_url = reverse("admin:services_responsibilityentry_changelist")
    changelist = f"{entries_url}?responsibility_list__id__exact={rlist.pk}"
    assert changelist.replace("&", "&amp;") in page.content.decode()
    listed = admin_client.get(changelist)
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == entries


@pytest.mark.django_db
def test_an_entry_shown_on_the_list_page_is_changed_there(admin_client, township):
    rlist = builders.make_list(township=township, entries=148)
    url = reverse("admin:services_responsibilitylist_change", args=[rlist.pk])
    data = form_data(admin_client.get(url))
    first = ResponsibilityEntry.objects.filter(responsibility_list=rlist).order_by("number").first()
    name_key = next(k for k, v in data.items() if k.endswith("-id") and v == str(first.pk)).replace("-id", "-name")
    data[name_key] = "改过的条目"

    assert admin_client.post(url, data).status_code == 302
    first.refresh_from_db()
    assert first.name == "改过的条目"
