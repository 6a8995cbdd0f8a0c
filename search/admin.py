"""Admin for the synonyms residents' words need (importable and exportable like every list) and the misses."""

from django.contrib import admin

from portal.admin_base import TrackedAdmin
from portal.admin_scoping import ScopedAdminMixin
from search import board_views
from search.models import SearchDay, SearchMiss, Synonym
from spreadsheets.admin import SpreadsheetAdminMixin
from spreadsheets.lists.search import SynonymResource


@admin.register(Synonym)
class SynonymAdmin(SpreadsheetAdminMixin, TrackedAdmin):
    resource_classes = [SynonymResource]  # 导入、导出、导入模板 (portal.import_admin)
    list_display = ("phrase", "target", "township", "note")
    list_filter = ("township",)
    list_select_related = ("township",)
    search_fields = ("phrase", "target")
    ordering = ("township__name", "phrase")
    fields = ("township", "phrase", "target", "note")


@admin.register(SearchMiss)
class SearchMissAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """What residents searched for and did not find, per township and day (read-only; fixed from the board)."""

    list_display = ("query", "township", "day", "count")
    list_filter = ("township", "day")
    list_select_related = ("township",)
    search_fields = ("query",)
    ordering = ("-day", "-count")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SearchDay)
class SearchDayAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """How many searches residents made per township and day, and how many found nothing (read-only counts)."""

    list_display = ("day", "township", "searches", "misses")
    list_filter = ("township", "day")
    list_select_related = ("township",)
    date_hierarchy = "day"
    ordering = ("-day", "township")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The clerk's board (services) lists the misses; this page takes the one-click fix.
admin.site.register_page("board/search-misses/", board_views.fix_miss, "search_fix_miss")
