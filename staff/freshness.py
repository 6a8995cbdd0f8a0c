"""What each duty-board page shows, as one query that says whether it changed (see portal.caching)."""

from django.db.models import Q

from portal.caching import VersionQuery, page_version
from portal.models import County, Township
from staff.models import CountyDepartment, DepartmentSection, Liaison, Office, Post, PostHolder, Staff, Window


def _around_township(slug):
    return [Township.objects.filter(slug=slug), County.objects.filter(townships__slug=slug)]


def _items_of(**lookup):
    # staff never imports services: reach the items through the reverse relation.
    return Office.service_items.rel.related_model.objects.filter(**lookup)


@page_version
def office_version(township, pk):
    office = Office.objects.filter(township__slug=township, pk=pk)
    windows = Window.objects.filter(office__in=office)
    posts = Post.objects.filter(office__in=office)
    return VersionQuery(
        office,
        tracked=[
            *_around_township(township),
            windows,
            Staff.objects.filter(Q(primary_windows__in=windows) | Q(backup_windows__in=windows)),
            CountyDepartment.objects.filter(windows__in=windows),
            posts,
            PostHolder.objects.filter(post__in=posts),
            Staff.objects.filter(holdings__post__in=posts),
            _items_of(office__in=office),
        ],
        counted=[Window.departments.through.objects.filter(window__in=windows)],
    )


@page_version
def window_version(township, pk):
    window = Window.objects.filter(township__slug=township, pk=pk)
    return VersionQuery(
        window,
        tracked=[
            *_around_township(township),
            Office.objects.filter(windows__in=window),
            Staff.objects.filter(Q(primary_windows__in=window) | Q(backup_windows__in=window)),
            CountyDepartment.objects.filter(windows__in=window),
            _items_of(window__in=window),
        ],
    )


@page_version
def post_version(township, pk):
    post = Post.objects.filter(township__slug=township, pk=pk)
    liaisons = Liaison.objects.filter(post__in=post)
    return VersionQuery(
        post,
        tracked=[
            *_around_township(township),
            Office.objects.filter(posts__in=post),
            PostHolder.objects.filter(post__in=post),
            Staff.objects.filter(holdings__post__in=post),
            liaisons,
            CountyDepartment.objects.filter(liaisons__in=liaisons),
            DepartmentSection.objects.filter(liaisons__in=liaisons),
            _items_of(responsible_post__in=post),
        ],
    )


@page_version
def liaison_table_version(township):
    liaisons = Liaison.objects.filter(post__township__slug=township)
    posts = Post.objects.filter(township__slug=township)
    return VersionQuery(
        Township.objects.filter(slug=township),
        tracked=[
            County.objects.filter(townships__slug=township),
            liaisons,
            posts,
            Office.objects.filter(township__slug=township),
            PostHolder.objects.filter(post__in=posts),
            Staff.objects.filter(township__slug=township),
            CountyDepartment.objects.filter(liaisons__in=liaisons),
            DepartmentSection.objects.filter(liaisons__in=liaisons),
        ],
    )
