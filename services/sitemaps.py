"""``/sitemap.xml`` for search engines: every public page, as an absolute address under PORTAL_BASE_URL.

The addresses are built from the setting, never from the request's host (as
for printed codes). Only pages a resident can open are listed: no admin, no
print page, no code redirect; items only while they can be applied for.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from portal.models import Township, Village
from services.models import ResponsibilityList, ServiceItem
from staff.models import Office, Post, Window

# Per township, the pages that have no row of their own.
TOWNSHIP_PAGES = ("township_home", "liaison_table", "list_index", "certificate_boards", "changelog")


class PublicSitemap(Sitemap):
    """Absolute addresses from PORTAL_BASE_URL; needs no django.contrib.sites."""

    def get_domain(self, site=None):
        return urlsplit(settings.PORTAL_BASE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.PORTAL_BASE_URL).scheme


class DirectorySitemap(PublicSitemap):
    priority = 1.0

    def items(self):
        return ["directory"]

    def location(self, item):
        return reverse(item)


class TownshipPagesSitemap(PublicSitemap):
    priority = 0.9

    def items(self):
        slugs = Township.objects.order_by("slug").values_list("slug", flat=True)
        return [(name, slug) for slug in slugs for name in TOWNSHIP_PAGES]

    def location(self, item):
        name, slug = item
        return reverse(name, kwargs={"township": slug})


class RowsSitemap(PublicSitemap):
    """The pages of one model's rows (each row's get_absolute_url), with the township selected in one query."""

    queryset = None

    def items(self):
        return self.queryset.select_related("township").order_by("township__slug", "pk")


def _rows(queryset, priority):
    return type("Sitemap", (RowsSitemap,), {"queryset": queryset, "priority": priority})


SITEMAPS = {
    "directory": DirectorySitemap,
    "townships": TownshipPagesSitemap,
    "items": _rows(ServiceItem.objects.in_force(), 0.8),
    "lists": _rows(ResponsibilityList.objects.all(), 0.6),
    "villages": _rows(Village.objects.all(), 0.6),
    "offices": _rows(Office.objects.all(), 0.5),
    "windows": _rows(Window.objects.all(), 0.5),
    "posts": _rows(Post.objects.all(), 0.5),
}
