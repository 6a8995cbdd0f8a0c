"""Admin for counties, townships, villages and account scopes.

QR codes and their scan counts have their own admin module (portal/admin_codes.py).
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from portal.admin_base import LastCheckedFilter, TrackedAdmin, township_filters
from portal.models import County, Township, UserScope, Village
from spreadsheets.admin import SpreadsheetAdminMixin
from spreadsheets.lists.villages import VillageResource


@admin.register(County)
class CountyAdmin(TrackedAdmin):
    list_display = ("name", "slug", "phone", "township_count")
    search_fields = ("name", "slug", "phone")
    ordering = ("name",)
    fieldsets = ((_("基本信息"), {"fields": ("name", "slug", "phone")}),)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(township_count=Count("townships"))

    @admin.display(description=_("乡镇数"), ordering="township_count")
    def township_count(self, county):
        return county.township_count


@admin.register(Township)
class TownshipAdmin(TrackedAdmin):
    list_display = ("name", "county", "slug", "phone", "supervision_phone", "last_checked_on")
    list_filter = ("county", LastCheckedFilter)
    list_select_related = ("county",)
    search_fields = ("name", "slug", "address", "phone", "supervision_phone")
    ordering = ("county__name", "name")
    checked_by = {"last_checked_on": "last_checked_by"}
    fieldsets = (
        (_("基本信息"), {"fields": ("county", "name", "slug", "introduction")}),
        (
            _("地址和办公时间"),
            {"fields": ("address", ("latitude", "longitude"), "opening_hours", "floor_plan", "floor_plan_text")},
        ),
        (_("联系电话"), {"fields": ("phone", "supervision_phone")}),
        (_("状态"), {"fields": (("last_checked_on", "last_checked_by"),)}),
    )


@admin.register(Village)
class VillageAdmin(SpreadsheetAdminMixin, TrackedAdmin):
    resource_classes = [VillageResource]  # 导入、导出、导入模板 (spreadsheets.admin)
    list_display = ("name", "township", "kind", "agent_name", "agent_phone", "service_room", "order", "last_checked_on")
    list_filter = (*township_filters(), "kind", LastCheckedFilter)
    list_select_related = ("township",)
    search_fields = ("name", "agent_name", "agent_phone", "service_room")
    ordering = ("township__name", "order", "name")
    checked_by = {"last_checked_on": "last_checked_by"}
    fieldsets = (
        (_("基本信息"), {"fields": ("township", "name", "kind", "order")}),
        (_("便民服务室"), {"fields": ("service_room", "service_hours", "agent_name", "agent_phone")}),
        (_("状态"), {"fields": (("last_checked_on", "last_checked_by"),)}),
    )


@admin.register(UserScope)
class UserScopeAdmin(admin.ModelAdmin):
    """Which township (clerk) or county (reviewer) an account works for; the database refuses both or neither."""

    list_display = ("user", "township", "county")
    list_filter = ("county", "township")
    list_select_related = ("user", "township", "county")
    search_fields = ("user__username", "user__first_name", "user__last_name", "township__name", "county__name")
    autocomplete_fields = ("user",)
    ordering = ("user__username",)
    fieldsets = (
        (None, {"fields": ("user",)}),
        (
            _("管辖范围（二选一）"),
            {
                "fields": ("township", "county"),
                "description": _("办事员选所属乡镇；县级审核员选县（区）。"),
            },
        ),
    )
