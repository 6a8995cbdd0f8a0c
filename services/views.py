"""The residents' pages of a township: home, one-time notices, search, lists, certificates, villages, duty boards.

Every view reads through named queryset methods, so its number of queries is
fixed whatever the amount of data, and is wrapped by ``public_page``: a
server-side copy keyed by the township's content version, and ETags.
"""

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.caching import public_page
from portal.codes import public_url
from portal.models import Township, Village
from services.models import (
    CertificateRule,
    LifeEvent,
    ResponsibilityEntry,
    ResponsibilityList,
    ServiceItem,
    TimeUnit,
)
from staff.models import Office, Post, Window
from staff.whereabouts import absences_mark
from workdays.dates import promised_due_date


def _title(label, township):
    """Return a page title that says what and where, as WeChat shows it when a link is shared."""
    return _("%(label)s｜%(township)s便民服务") % {"label": label, "township": township.name}


def _get_township(slug):
    return get_object_or_404(Township.objects.select_related("county"), slug=slug)


def _group_by_category(items):
    """Return ``[(category or None, [items])]`` in category order, uncategorised last.

    Done in Python rather than with ORDER BY on a nullable column, whose NULLs
    sort first on SQLite and last on PostgreSQL.
    """
    groups = {}
    for item in items:
        groups.setdefault(item.category_id, (item.category, []))[1].append(item)
    return sorted(groups.values(), key=lambda g: (g[0] is None, g[0].order if g[0] else 0, g[0].name if g[0] else ""))


def _group_offices_by_floor(offices):
    """Return ``[(floor label, [offices])]`` from the lowest floor up; offices with no floor filled in last."""
    floors = {}
    for office in offices:
        floors.setdefault(office.floor, (office.floor_label, []))[1].append(office)
    return [floors[floor] for floor in sorted(floors, key=lambda f: (f is None, f or 0))]


@require_safe
@public_page()  # dated like every page: a scheduled publication or withdrawal shows on its day
def township_home(request, township):
    """What the township's QR code opens: where to go, what can be done here, the lists and the villages."""
    township = _get_township(township)
    offices = Office.objects.of_township(township).with_windows().by_floor()
    items = ServiceItem.objects.of_township(township).in_force().with_card()
    context = {
        "township": township,
        "is_home": True,
        "page_title": _("%(township)s便民服务中心：去哪里办、找谁办、怎么办") % {"township": township.name},
        "floors": _group_offices_by_floor(offices),
        "categories": _group_by_category(items),
        "life_events": LifeEvent.objects.in_use_by(township),
        "villages": Village.objects.of_township(township),
        "page_description": township.introduction
        or _("%(township)s便民服务中心：去哪里办、找谁办、带什么材料，一次告知。") % {"township": township.name},
    }
    return render(request, "services/township_home.html", context)


def _iso_duration(value, unit):
    """Return a schema.org processingTime (ISO 8601 duration) for a time limit, or None.

    ISO 8601 counts calendar days only; working days have no duration (15
    working days are about three weeks, not ``P15D``), so they are stated in
    words in the description instead.
    """
    if unit == TimeUnit.ON_THE_SPOT:
        return "PT0S"
    if value is None or unit != TimeUnit.DAYS:
        return None
    return f"P{value}D"


def _service_place(item):
    """Return the schema.org Place where the service is delivered: the window when there is one, else the office."""
    township = item.township
    if item.window:
        window = item.window
        office = window.office
        name = [f"{township.name}{office.name}", office.floor_label, office.room, f"{window.number}号{window.name}"]
    else:
        office = item.office
        name = [f"{township.name}{office.name}", office.floor_label, office.room]
    return {"@type": "Place", "name": " ".join(filter(None, name)), "address": township.address}


def _government_service_jsonld(item, url):
    """Return the schema.org GovernmentService description of an item (a plain dict, serialised by the template)."""
    township = item.township
    office = item.office
    channel = {"@type": "ServiceChannel", "serviceLocation": _service_place(item)}
    phone = _contact(item)["phone"] or office.phone or township.phone
    if phone:
        channel["servicePhone"] = {"@type": "ContactPoint", "telephone": phone}
    processing = _iso_duration(item.promised_limit_value, item.promised_limit_unit)
    if processing:
        channel["processingTime"] = processing
    elif item.promised_limit_text:
        channel["description"] = _("承诺%(limit)s办结") % {"limit": item.promised_limit_text}
    if item.online_url:
        channel["serviceUrl"] = item.online_url
    data = {
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "name": item.name,
        "url": url,
        "serviceType": item.get_item_type_display(),
        "provider": {
            "@type": "GovernmentOrganization",
            "name": f"{township.county.name}{township.name}",
            "address": township.address,
            "telephone": township.phone,
        },
        "areaServed": {"@type": "AdministrativeArea", "name": f"{township.county.name}{township.name}"},
        "availableChannel": channel,
    }
    if item.summary:
        data["description"] = item.summary
    if item.category:
        data["category"] = item.category.name
    return data


def _contact(item):
    """Return ``{"person", "phone", "away", "all_away"}`` for the card's 找谁 (the post's first holder, else window A).

    Call after ``absences_mark`` on the people shown: an A away today is passed
    over for a B who is in, and named as ``away`` so the card says why;
    ``all_away`` when nobody who could be named is in today.
    """
    if item.responsible_post:
        person, phone = item.responsible_post.first_contact
        holders = item.responsible_post.public_holders
        first = holders[0].staff if holders else None
    else:
        first = item.window.public_primary_staff if item.window else None
        backup = item.window.public_backup_staff if item.window else None
        person = backup if first and first.absence_today and backup and not backup.absence_today else first
        phone = person.public_phone if person else ""
    away = first if first is not None and first != person and first.absence_today else None
    # Everyone who could be named is away today: the card says so and gives the office's number instead.
    all_away = person is not None and bool(person.absence_today)
    return {"person": person, "phone": phone, "away": away, "all_away": all_away}


def _people_shown(item):
    """Return the staff an item's page names as whom to see: the post's holders, else the window's A and B."""
    if item.responsible_post:
        return [holder.staff for holder in item.responsible_post.public_holders]
    if item.window:
        return [item.window.public_primary_staff, item.window.public_backup_staff]
    return []


def _whom_to_ask(item):
    """Return ``{"label", "phone"}``: whom a resident calls about what the notice does not say yet."""
    if item.office.phone:
        return {"label": item.office.name, "phone": item.office.phone}
    return {"label": _("咨询电话"), "phone": item.township.phone}


@require_safe
@public_page()  # dated like every page: the due date next to 承诺N个工作日 is counted from today
def service_item(request, township, pk):
    """The one-time notice (一次性告知) of an item; withdrawn and merged items still answer here."""
    # A draft has no public page yet; a scheduled withdrawal reads as withdrawn from its date (as_of).
    item = get_object_or_404(ServiceItem.objects.public().for_notice_page(), township__slug=township, pk=pk).as_of()
    url = public_url(item.get_absolute_url())
    post = item.responsible_post
    absences_mark(_people_shown(item))
    materials = list(item.materials.all())
    context = {
        "township": item.township,
        "item": item,
        "page_title": _title(
            item.name
            if item.is_available
            else _("%(name)s（%(status)s）") % {"name": item.name, "status": item.get_status_display()},
            item.township,
        ),
        "post": post,
        "contact": _contact(item),
        "ask": _whom_to_ask(item),
        # "Started today" is true only of an item one can apply for today.
        "due": promised_due_date(item.promised_limit_value, item.promised_limit_unit)
        if item.status == ServiceItem.Status.IN_FORCE
        else None,
        "materials": materials,
        "deferrable_count": sum(m.necessity == m.Necessity.DEFERRABLE for m in materials),
        "page_url": url,
        "page_description": item.summary
        or _("办理“%(item)s”要带什么、去哪里、找谁、多久办好：%(township)s一次性告知。")
        % {"item": item.name, "township": item.township.name},
        "jsonld": _government_service_jsonld(item, url) if item.is_available else None,
    }
    return render(request, "services/service_item.html", context)


@require_safe
@public_page()
def list_index(request, township):
    """All published lists: the township's own, then each village's under its name."""
    township = _get_township(township)
    lists = ResponsibilityList.objects.of_township(township).with_entry_count()
    own = [rlist for rlist in lists if rlist.village_id is None]
    by_village = {}
    for rlist in lists:
        if rlist.village_id is not None:
            by_village.setdefault(rlist.village_id, (rlist.village, []))[1].append(rlist)
    context = {
        "township": township,
        "page_title": _title(_("清单公开"), township),
        "own_lists": own,
        "village_lists": sorted(by_village.values(), key=lambda v: (v[0].order, v[0].name)),
    }
    return render(request, "services/list_index.html", context)


@require_safe
@public_page(reads=("type",))
def responsibility_list(request, township, pk):
    """One list with its entries, its version and date; ``?type=`` keeps one type of power."""
    rlist = get_object_or_404(
        ResponsibilityList.objects.select_related("township__county", "village"), township__slug=township, pk=pk
    )
    entries = list(ResponsibilityEntry.objects.filter(responsibility_list=rlist).with_details())
    types = sorted({e.power_type for e in entries if e.power_type})
    chosen = request.GET.get("type", "")
    if chosen in types:
        entries = [e for e in entries if e.power_type == chosen]
    else:
        chosen = ""
    context = {
        "township": rlist.township,
        "rlist": rlist,
        "page_title": _title(rlist.title, rlist.township),
        "entries": entries,
        "types": types,
        "chosen_type": chosen,
    }
    return render(request, "services/responsibility_list.html", context)


@require_safe
@public_page(scope="county")
def certificate_boards(request, township):
    """The two boards at a village committee's door: certificates it may issue, and those it no longer issues."""
    township = _get_township(township)
    rules = list(CertificateRule.objects.for_township(township).with_alternative())
    context = {
        "township": township,
        "page_title": _title(_("村（社区）证明事项"), township),
        "may_issue": [r for r in rules if r.may_issue],
        "may_not_issue": [r for r in rules if not r.may_issue],
    }
    return render(request, "services/certificate_boards.html", context)


@require_safe
@public_page()  # dated like every page: a scheduled publication or withdrawal shows on its day
def village(request, township, pk):
    """A village: its service room, its agent, its lists and what the agent can carry to the township."""
    village = get_object_or_404(Village.objects.select_related("township__county"), township__slug=township, pk=pk)
    context = {
        "township": village.township,
        "village": village,
        "page_title": _title(_("%(village)s便民服务室") % {"village": village.name}, village.township),
        "lists": ResponsibilityList.objects.filter(village=village).with_entry_count(),
        "proxy_items": ServiceItem.objects.of_township(village.township)
        .in_force()
        .filter(handling=ServiceItem.Handling.VILLAGE_PROXY),
    }
    return render(request, "services/village.html", context)


# Duty boards (职责牌): staff rows, with the items each office, window or post handles.


@require_safe
@public_page()  # dated like every page: a scheduled publication or withdrawal shows on its day
def office(request, township, pk):
    """An office, station or centre: where it is, its windows, its posts and who holds them, what it handles."""
    office = get_object_or_404(
        Office.objects.with_duty_board().select_related("township__county"), township__slug=township, pk=pk
    )
    absences_mark(
        [
            person
            for window in office.windows.all()
            for person in (window.public_primary_staff, window.public_backup_staff)
        ]
        + [holder.staff for post in office.posts.all() for holder in post.public_holders]
    )
    context = {
        "township": office.township,
        "office": office,
        "page_title": _title(office.name, office.township),
        "items": ServiceItem.objects.filter(office=office).in_force().with_card(),
    }
    return render(request, "staff/office.html", context)


@require_safe
@public_page()  # dated like every page: a scheduled publication or withdrawal shows on its day
def window(request, township, pk):
    """A counter of the service hall: who sits there (A and B), which departments' items it accepts."""
    window = get_object_or_404(
        Window.objects.with_people().select_related("township__county"), township__slug=township, pk=pk
    )
    absences_mark([window.public_primary_staff, window.public_backup_staff])
    context = {
        "township": window.township,
        "window": window,
        "page_title": _title(str(window), window.township),
        "items": ServiceItem.objects.filter(window=window).in_force().with_card(),
    }
    return render(request, "staff/window.html", context)


@require_safe
@public_page()  # dated like every page: a scheduled publication or withdrawal shows on its day
def post(request, township, pk):
    """A post's duty board: its duties, its A and B holders with phones, its county counterparts."""
    post = get_object_or_404(
        Post.objects.with_holders().select_related("township__county"), township__slug=township, pk=pk
    )
    absences_mark([holder.staff for holder in post.public_holders])
    context = {
        "township": post.township,
        "post": post,
        "page_title": _title(_("%(post)s 职责牌") % {"post": post.title}, post.township),
        "liaisons": post.liaisons.select_related("department", "section"),
        "items": ServiceItem.objects.filter(responsible_post=post).in_force().with_card(),
    }
    return render(request, "staff/post.html", context)
