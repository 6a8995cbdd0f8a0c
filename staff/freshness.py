"""What each duty-board page shows, as one query that says whether it changed (see portal.caching)."""

from django.db.models import OuterRef

from portal.caching import VersionQuery, page_version
from portal.models import County, Township
from staff.models import CountyDepartment, DepartmentSection, Liaison, Office, Post, PostHolder, Staff, Window

anchor = OuterRef  # anchor("pk"): a column of the page's main row

# staff never imports services: reach the items through the reverse relation's model.
ServiceItem = Office.service_items.field.model


def _around(township_field="township_id"):
    return [Township.objects.filter(pk=anchor(township_field)), County.objects.filter(townships=anchor(township_field))]


@page_version
def office_version(township, pk):
    return VersionQuery(
        Office.objects.filter(township__slug=township, pk=pk),
        tracked=[
            *_around(),
            Window.objects.filter(office=anchor("pk")),
            Staff.objects.filter(primary_windows__office=anchor("pk")),
            Staff.objects.filter(backup_windows__office=anchor("pk")),
            CountyDepartment.objects.filter(windows__office=anchor("pk")),
            Post.objects.filter(office=anchor("pk")),
            PostHolder.objects.filter(post__office=anchor("pk")),
            Staff.objects.filter(holdings__post__office=anchor("pk")),
            ServiceItem.objects.filter(office=anchor("pk")),
        ],
        counted=[Window.departments.through.objects.filter(window__office=anchor("pk"))],
    )


@page_version
def window_version(township, pk):
    return VersionQuery(
        Window.objects.filter(township__slug=township, pk=pk),
        tracked=[
            *_around(),
            Office.objects.filter(pk=anchor("office_id")),
            Staff.objects.filter(pk=anchor("primary_staff_id")),
            Staff.objects.filter(pk=anchor("backup_staff_id")),
            CountyDepartment.objects.filter(windows=anchor("pk")),
            ServiceItem.objects.filter(window=anchor("pk")),
        ],
        counted=[Window.departments.through.objects.filter(window=anchor("pk"))],
    )


@page_version
def post_version(township, pk):
    return VersionQuery(
        Post.objects.filter(township__slug=township, pk=pk),
        tracked=[
            *_around(),
            Office.objects.filter(pk=anchor("office_id")),
            PostHolder.objects.filter(post=anchor("pk")),
            Staff.objects.filter(holdings__post=anchor("pk")),
            Liaison.objects.filter(post=anchor("pk")),
            CountyDepartment.objects.filter(liaisons__post=anchor("pk")),
            DepartmentSection.objects.filter(liaisons__post=anchor("pk")),
            ServiceItem.objects.filter(responsible_post=anchor("pk")),
        ],
    )


@page_version
def liaison_table_version(township):
    return VersionQuery(
        Township.objects.filter(slug=township),
        tracked=[
            County.objects.filter(pk=anchor("county_id")),
            Liaison.objects.filter(post__township=anchor("pk")),
            Post.objects.filter(township=anchor("pk")),
            Office.objects.filter(township=anchor("pk")),
            PostHolder.objects.filter(post__township=anchor("pk")),
            Staff.objects.filter(township=anchor("pk")),
            CountyDepartment.objects.filter(liaisons__post__township=anchor("pk")),
            DepartmentSection.objects.filter(liaisons__post__township=anchor("pk")),
        ],
    )
