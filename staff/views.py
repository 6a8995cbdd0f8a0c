"""Duty boards (职责牌) of a township: offices, windows, posts, and the county–township liaison table.

staff must not import services: the service items an office, window or post
handles are read through the reverse relations (``office.service_items``),
whose manager carries ServiceItem's named queryset methods.
"""

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.caching import public_page
from portal.models import Township
from staff import freshness
from staff.models import Liaison, Office, Post, Window


def _title(label, township):
    return _("%(label)s｜%(township)s便民服务") % {"label": label, "township": township.name}


@require_safe
@public_page(freshness.office_version)
def office(request, township, pk):
    """An office, station or centre: where it is, its windows, its posts and who holds them, what it handles."""
    office = get_object_or_404(
        Office.objects.with_duty_board().select_related("township__county"), township__slug=township, pk=pk
    )
    context = {
        "township": office.township,
        "office": office,
        "page_title": _title(office.name, office.township),
        "items": office.service_items.in_force().with_card(),
    }
    return render(request, "staff/office.html", context)


@require_safe
@public_page(freshness.window_version)
def window(request, township, pk):
    """A counter of the service hall: who sits there (A and B), which departments' items it accepts."""
    window = get_object_or_404(
        Window.objects.with_people().select_related("township__county"), township__slug=township, pk=pk
    )
    context = {
        "township": window.township,
        "window": window,
        "page_title": _title(str(window), window.township),
        "items": window.service_items.in_force().with_card(),
    }
    return render(request, "staff/window.html", context)


@require_safe
@public_page(freshness.post_version)
def post(request, township, pk):
    """A post's duty board: its duties, its A and B holders with phones, its county counterparts."""
    post = get_object_or_404(
        Post.objects.with_holders().select_related("township__county"), township__slug=township, pk=pk
    )
    context = {
        "township": post.township,
        "post": post,
        "page_title": _title(_("%(post)s 职责牌") % {"post": post.title}, post.township),
        "liaisons": post.liaisons.select_related("department", "section"),
        "items": post.service_items.in_force().with_card(),
    }
    return render(request, "staff/post.html", context)


@require_safe
@public_page(freshness.liaison_table_version)
def liaison_table(request, township):
    """The county–township liaison table, by township post (default) or by county department (``?by=department``)."""
    township = get_object_or_404(Township.objects.select_related("county"), slug=township)
    by_department = request.GET.get("by") == "department"
    rows = Liaison.objects.of_township(township).with_both_sides()
    if by_department:
        rows = rows.by_department()
    context = {
        "township": township,
        "rows": list(rows),
        "by_department": by_department,
        "page_title": _title(_("县乡工作对接联系表"), township),
    }
    return render(request, "staff/liaison_table.html", context)
