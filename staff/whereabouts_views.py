"""The clerk's 去向牌 in the admin (/admin/whereabouts/): from a phone, tap a person, tap where they went."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from portal import scoping
from staff.models import Absence, Staff
from staff.whereabouts import absence_end, absence_record, township_board

# The choices offered as buttons, with the number of days each records (today included).
QUICK = [
    (Absence.Kind.IN_VILLAGE, 1),
    (Absence.Kind.MEETING, 1),
    (Absence.Kind.BUSINESS_TRIP, 3),
    (Absence.Kind.LEAVE, 1),
]


def whereabouts(request):
    """GET: every person of the clerk's township with buttons; POST ``staff`` + ``kind`` (or ``back``): record it."""
    townships = scoping.townships_for(request.user, scoping.CHANGE).select_related("county").order_by("name")
    township = townships.filter(slug=request.GET.get("township")).first() or townships.first()
    if township is None:
        raise PermissionDenied(_("只有乡镇办事员可以更新去向牌。"))
    if request.method == "POST":
        person = get_object_or_404(Staff.objects.restrict(request.user, scoping.CHANGE), pk=request.POST.get("staff"))
        if "back" in request.POST:
            absence_end(staff=person, user=request.user)
            messages.success(request, _("%(name)s：已回岗。") % {"name": person.name})
        else:
            days = dict(QUICK).get(request.POST.get("kind"))
            if days is None:
                raise PermissionDenied
            absence = absence_record(staff=person, kind=request.POST["kind"], days=days, user=request.user)
            messages.success(
                request,
                _("%(name)s：%(kind)s，到%(end)s。")
                % {"name": person.name, "kind": absence.get_kind_display(), "end": absence.end},
            )
        return redirect(f"{request.path}?township={person.township.slug}")
    in_today, away = township_board(township)
    context = {
        **admin.site.each_context(request),
        "title": _("去向牌"),
        "township": township,
        "townships": list(townships) if townships.count() > 1 else [],
        "in_today": in_today,
        "away": away,
        "quick": [(kind.value, kind.label, days) for kind, days in QUICK],
    }
    return TemplateResponse(request, "admin/staff/whereabouts.html", context)
