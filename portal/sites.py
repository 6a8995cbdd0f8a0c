"""The admin site: Django's, plus the staff pages an app serves inside it (its login, its look)."""

from django.contrib import admin
from django.urls import path


class PortalAdminSite(admin.AdminSite):
    """The admin site of the portal; apps add their own pages with :meth:`register_page` from their admin.py."""

    site_header = "乡镇便民服务门户 · 管理后台"
    site_title = "便民服务门户后台"
    index_title = "清单维护"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pages = []

    def register_page(self, route, view, name):
        """Serve ``view`` at ``/admin/<route>`` behind the admin's login, named ``admin:<name>``."""
        self.pages.append(path(route, self.admin_view(view), name=name))

    def get_urls(self):
        # Before the admin's own patterns, whose app-index catch-all would take ``board/``.
        return [*self.pages, *super().get_urls()]
