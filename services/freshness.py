"""What each residents' page shows, as one query that says whether it changed (see portal.caching).

Every function returns ``(last_modified, signature)`` for one page: the
newest ``updated_at`` and the count of each kind of row the page displays,
read in a single SQL statement made of scalar subqueries. A clerk's save
bumps an ``updated_at``; a deletion changes a count; either changes the
signature, so the cached page is not served again.
"""

from django.db.models import Q, Subquery

from portal.caching import VersionQuery, page_version
from portal.models import County, Township, Village
from services.models import (
    Category,
    CertificateRule,
    LegalBasis,
    LifeEvent,
    Material,
    ResponsibilityEntry,
    ResponsibilityList,
    ServiceItem,
    Step,
)
from staff.models import CountyDepartment, Office, Post, PostHolder, Staff, Window


def _township(slug):
    return Township.objects.filter(slug=slug)


def _around_township(slug):
    """Rows every page shows in its header and footer: the township and its county."""
    return [_township(slug), County.objects.filter(townships__slug=slug)]


@page_version
def township_home_version(township):
    items = ServiceItem.objects.filter(township__slug=township)
    return VersionQuery(
        _township(township),
        tracked=[
            County.objects.filter(townships__slug=township),
            Office.objects.filter(township__slug=township),
            Window.objects.filter(township__slug=township),
            CountyDepartment.objects.filter(windows__township__slug=township),
            items,
            Village.objects.filter(township__slug=township),
        ],
        counted=[
            Window.departments.through.objects.filter(window__township__slug=township),
            ServiceItem.life_events.through.objects.filter(serviceitem__in=items),
            Category.objects.all(),
            LifeEvent.objects.all(),
        ],
    )


@page_version
def service_item_version(township, pk):
    item = ServiceItem.objects.filter(township__slug=township, pk=pk)
    return VersionQuery(
        item,
        tracked=[
            *_around_township(township),
            Office.objects.filter(service_items__in=item),
            Window.objects.filter(service_items__in=item),
            Office.objects.filter(windows__service_items__in=item),
            Staff.objects.filter(
                Q(primary_windows__service_items__in=item) | Q(backup_windows__service_items__in=item)
            ),
            Post.objects.filter(service_items__in=item),
            PostHolder.objects.filter(post__service_items__in=item),
            Staff.objects.filter(holdings__post__service_items__in=item),
            CountyDepartment.objects.filter(service_items__in=item),
            ServiceItem.objects.filter(merged_items__in=item),
            Material.objects.filter(item__in=item),
            Step.objects.filter(item__in=item),
            LegalBasis.objects.filter(service_items__in=item),
        ],
        counted=[LifeEvent.objects.filter(items__in=item)],
        extra={"_category_name": Subquery(Category.objects.filter(items__in=item).values("name")[:1])},
    )


@page_version
def search_version(township):
    items = ServiceItem.objects.filter(township__slug=township)
    return VersionQuery(
        _township(township),
        tracked=[
            County.objects.filter(townships__slug=township),
            items,
            Material.objects.filter(item__in=items),
            Office.objects.filter(township__slug=township),
            Window.objects.filter(township__slug=township),
            Staff.objects.filter(township__slug=township),
        ],
        counted=[ServiceItem.life_events.through.objects.filter(serviceitem__in=items), Category.objects.all()],
    )


@page_version
def list_index_version(township):
    lists = ResponsibilityList.objects.filter(township__slug=township)
    return VersionQuery(
        _township(township),
        tracked=[
            County.objects.filter(townships__slug=township),
            lists,
            ResponsibilityEntry.objects.filter(responsibility_list__in=lists),
            Village.objects.filter(township__slug=township),
        ],
    )


@page_version
def responsibility_list_version(township, pk):
    rlist = ResponsibilityList.objects.filter(township__slug=township, pk=pk)
    entries = ResponsibilityEntry.objects.filter(responsibility_list__in=rlist)
    return VersionQuery(
        rlist,
        tracked=[
            *_around_township(township),
            Village.objects.filter(responsibility_lists__in=rlist),
            entries,
            Office.objects.filter(entries__in=entries),
            CountyDepartment.objects.filter(entries__in=entries),
            LegalBasis.objects.filter(entries__in=entries),
        ],
        counted=[ResponsibilityEntry.legal_bases.through.objects.filter(responsibilityentry__in=entries)],
    )


@page_version
def certificate_boards_version(township):
    rules = CertificateRule.objects.filter(
        Q(township__isnull=True, county__townships__slug=township) | Q(township__slug=township)
    )
    return VersionQuery(
        _township(township),
        tracked=[
            County.objects.filter(townships__slug=township),
            rules,
            ServiceItem.objects.filter(certificate_rules__in=rules),
            LegalBasis.objects.filter(certificate_rules__in=rules),
        ],
        counted=[CertificateRule.legal_bases.through.objects.filter(certificaterule__in=rules)],
    )


@page_version
def village_version(township, pk):
    village = Village.objects.filter(township__slug=township, pk=pk)
    items = ServiceItem.objects.filter(township__slug=township, handling=ServiceItem.Handling.VILLAGE_PROXY)
    return VersionQuery(
        village,
        tracked=[
            *_around_township(township),
            ResponsibilityList.objects.filter(village__in=village),
            ResponsibilityEntry.objects.filter(responsibility_list__village__in=village),
            items,
        ],
    )
