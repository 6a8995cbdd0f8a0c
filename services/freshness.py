"""What each residents' page shows, as one query that says whether it changed (see portal.caching).

Each function describes, for one page, the rows it displays: the page's main
row (the anchor, found from the URL) and, through subqueries correlated to
it, every other kind of row. ``page_version`` turns the description into
one SQL statement returning the newest ``updated_at`` and the count of each
kind. A clerk's save bumps an ``updated_at``; a deletion changes a count;
either changes the signature, so the cached page is not served again. A
superset of the rows shown is harmless: it only renders a page afresh.
"""

from django.db.models import OuterRef, Subquery

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

anchor = OuterRef  # anchor("pk"): a column of the page's main row


def _township_page(slug, *tracked, counted=()):
    """A page anchored on the township: its county and the given rows."""
    return VersionQuery(
        Township.objects.filter(slug=slug),
        tracked=[County.objects.filter(pk=anchor("county_id")), *tracked],
        counted=counted,
    )


def _around(township_field="township_id"):
    """The township and county of an anchor that belongs to a township (shown in every header and footer)."""
    return [Township.objects.filter(pk=anchor(township_field)), County.objects.filter(townships=anchor(township_field))]


@page_version
def township_home_version(township):
    return _township_page(
        township,
        Office.objects.filter(township=anchor("pk")),
        Window.objects.filter(township=anchor("pk")),
        CountyDepartment.objects.filter(windows__township=anchor("pk")),
        ServiceItem.objects.filter(township=anchor("pk")),
        Village.objects.filter(township=anchor("pk")),
        counted=[
            Window.departments.through.objects.filter(window__township=anchor("pk")),
            ServiceItem.life_events.through.objects.filter(serviceitem__township=anchor("pk")),
            Category.objects.all(),
            LifeEvent.objects.all(),
        ],
    )


@page_version
def service_item_version(township, pk):
    return VersionQuery(
        ServiceItem.objects.filter(township__slug=township, pk=pk),
        tracked=[
            *_around(),
            Office.objects.filter(pk=anchor("office_id")),
            Window.objects.filter(pk=anchor("window_id")),
            Office.objects.filter(windows=anchor("window_id")),
            Staff.objects.filter(primary_windows=anchor("window_id")),
            Staff.objects.filter(backup_windows=anchor("window_id")),
            Post.objects.filter(pk=anchor("responsible_post_id")),
            Office.objects.filter(posts=anchor("responsible_post_id")),  # named under 找谁
            PostHolder.objects.filter(post=anchor("responsible_post_id")),
            Staff.objects.filter(holdings__post=anchor("responsible_post_id")),
            CountyDepartment.objects.filter(pk=anchor("department_id")),
            ServiceItem.objects.filter(pk=anchor("merged_into_id")),
            Material.objects.filter(item=anchor("pk")),
            Step.objects.filter(item=anchor("pk")),
            LegalBasis.objects.filter(service_items=anchor("pk")),
        ],
        counted=[LifeEvent.objects.filter(items=anchor("pk"))],
        extra={"_category_name": Subquery(Category.objects.filter(pk=anchor("category_id")).values("name")[:1])},
    )


@page_version
def search_version(township):
    return _township_page(
        township,
        ServiceItem.objects.filter(township=anchor("pk")),
        Material.objects.filter(item__township=anchor("pk")),
        Office.objects.filter(township=anchor("pk")),
        Window.objects.filter(township=anchor("pk")),
        Staff.objects.filter(township=anchor("pk")),
        counted=[
            ServiceItem.life_events.through.objects.filter(serviceitem__township=anchor("pk")),
            Category.objects.all(),
            LifeEvent.objects.all(),
        ],
    )


@page_version
def list_index_version(township):
    return _township_page(
        township,
        ResponsibilityList.objects.filter(township=anchor("pk")),
        ResponsibilityEntry.objects.filter(responsibility_list__township=anchor("pk")),
        Village.objects.filter(township=anchor("pk")),
    )


@page_version
def responsibility_list_version(township, pk):
    return VersionQuery(
        ResponsibilityList.objects.filter(township__slug=township, pk=pk),
        tracked=[
            *_around(),
            Village.objects.filter(pk=anchor("village_id")),
            ResponsibilityEntry.objects.filter(responsibility_list=anchor("pk")),
            Office.objects.filter(entries__responsibility_list=anchor("pk")),
            CountyDepartment.objects.filter(entries__responsibility_list=anchor("pk")),
            LegalBasis.objects.filter(entries__responsibility_list=anchor("pk")),
        ],
        counted=[
            ResponsibilityEntry.legal_bases.through.objects.filter(
                responsibilityentry__responsibility_list=anchor("pk")
            )
        ],
    )


@page_version
def certificate_boards_version(township):
    # Every rule of the county (a superset of the township's), the items they point to and their townships.
    return _township_page(
        township,
        CertificateRule.objects.filter(county=anchor("county_id")),
        ServiceItem.objects.filter(certificate_rules__county=anchor("county_id")),
        Township.objects.filter(county=anchor("county_id")),
        LegalBasis.objects.filter(certificate_rules__county=anchor("county_id")),
        counted=[CertificateRule.legal_bases.through.objects.filter(certificaterule__county=anchor("county_id"))],
    )


@page_version
def village_version(township, pk):
    return VersionQuery(
        Village.objects.filter(township__slug=township, pk=pk),
        tracked=[
            *_around(),
            ResponsibilityList.objects.filter(village=anchor("pk")),
            ResponsibilityEntry.objects.filter(responsibility_list__village=anchor("pk")),
            ServiceItem.objects.filter(township=anchor("township_id"), handling=ServiceItem.Handling.VILLAGE_PROXY),
        ],
    )
