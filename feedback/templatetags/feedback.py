"""Template helpers linking the public pages to the residents' forms, and the queue's counts for the admin."""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from feedback.queue import counts_for_user
from portal import scoping

register = template.Library()

# A page's object → the ``about`` part of the report address.
ABOUT_OF_MODEL = {
    "serviceitem": "item",
    "office": "office",
    "window": "window",
    "post": "post",
    "village": "village",
    "certificaterule": "certificate",
    "liaison": "liaison",
}


@register.simple_tag
def report_url(target, township):
    """Return the 信息有误？ address for ``target`` (a page's object, or a page name such as ``"liaison"``).

    Uses only ``target.pk`` and the page's township slug: no query, whatever the page.
    """
    if isinstance(target, str):
        return reverse("feedback_report_page", kwargs={"township": township.slug, "about": target})
    about = ABOUT_OF_MODEL[target._meta.model_name]
    return reverse("feedback_report", kwargs={"township": township.slug, "about": about, "pk": target.pk})


@register.inclusion_tag("feedback/admin_counts.html", takes_context=True)
def feedback_counts(context):
    """Render the queue's counts for the signed-in account: its township's, or one row per township."""
    request = context.get("request")
    user = getattr(request, "user", None)
    scope = scoping.scope_of(user)
    if scope.kind == scoping.NONE:
        return {"rows": [], "show": False}
    rows = counts_for_user(user, today=timezone.localdate())
    return {"rows": rows, "show": True, "single": scope.is_clerk, "personal": scope.is_clerk or scope.is_all}


@register.simple_tag
def retention_days():
    """Return the number of days personal data is kept after a case is closed."""
    return settings.PORTAL_PERSONAL_DATA_DAYS
