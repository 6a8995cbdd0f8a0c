"""Admin of the printed codes: list with scans, re-pointing, downloads and print pages, scan statistics.

Codes are never deleted (a deleted code could one day be drawn again and a
sticker on a wall would change meaning): the admin offers "停用" instead.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portal import codes, scoping
from portal.admin_base import TrackedAdmin
from portal.history import stamp_user
from portal.models import QRCode, QRScanDay


class QRCodeForm(forms.ModelForm):
    """Validate a (re-)pointing: the target exists, belongs to the code's township, and is not also a board."""

    class Meta:
        model = QRCode
        fields = ["township", "placement", "target_type", "target_id", "board", "target_label", "active"]

    #: The signed-in account, set per request by ``QRCodeAdmin.get_form``: a target out of its sight is "missing".
    user = None

    def clean(self):
        data = super().clean()
        township = data.get("township") or getattr(self.instance, "township", None)
        target_type, target_id, board = data.get("target_type"), data.get("target_id"), data.get("board")
        if target_type is not None and board:
            raise forms.ValidationError(_("二维码要么指向一项内容，要么指向一个公示栏，不能两者都填。"))
        if (target_type is None) != (target_id is None):
            raise forms.ValidationError(_("指向的类型和编号要么都填，要么都不填（不填即指向乡镇首页）。"))
        if target_type is not None and township is not None:
            model = target_type.model_class()
            rows = model._default_manager.all() if model else None
            if isinstance(rows, scoping.RestrictedQuerySet):
                rows = rows.restrict(self.user, scoping.VIEW)
            target = rows.filter(pk=target_id).first() if rows is not None else None
            if target is None:
                self.add_error(
                    "target_id",
                    _("没有编号为 %(id)s 的%(type)s。") % {"id": target_id, "type": target_type.name},
                )
            elif error := codes.target_error(township, target):
                self.add_error("target_id", error)
            elif not data.get("target_label"):
                data["target_label"] = str(target)[:200]
        return data


class PointsAtFilter(admin.SimpleListFilter):
    """Filter by what a code opens: the township home, a board, or one registered kind (not every model)."""

    title = _("指向")
    parameter_name = "points_at"

    def lookups(self, request, model_admin):
        kinds = [(f"type:{kind.label}", kind.model._meta.verbose_name) for kind in codes.target_kinds()]
        return [("home", _("乡镇首页（大门）")), ("board", _("公示栏")), *kinds]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "home":
            return queryset.filter(target_type__isnull=True, board="")
        if value == "board":
            return queryset.exclude(board="")
        if value and value.startswith("type:"):
            app_label, _dot, model = value.removeprefix("type:").partition(".")
            return queryset.filter(target_type__app_label=app_label, target_type__model=model)
        return queryset


@admin.register(QRCode)
class QRCodeAdmin(TrackedAdmin):
    form = QRCodeForm
    list_display = ["code", "placement", "target_display", "township", "active", "scans", "last_scan", "files"]
    list_filter = ["active", "township", PointsAtFilter, "board"]
    list_select_related = ["township", "target_type"]
    search_fields = ["code", "placement", "target_label"]
    readonly_fields = ["code", "printed_address", "current_destination", "preview", "files", "scans"]
    actions = ["deactivate", "activate"]
    fieldsets = [
        (None, {"fields": ["code", "printed_address", "township", "placement", "active"]}),
        (
            _("指向（改指向不用重印：码不变，扫码打开新的内容）"),
            {
                "fields": ["target_type", "target_id", "board", "target_label", "current_destination"],
                "description": _(
                    "指向一项内容：选类型并填编号（在该内容的后台网址里能看到编号）。"
                    "指向公示栏：只选公示栏。都不填：指向乡镇首页。"
                ),
            },
        ),
        (_("下载与打印"), {"fields": ["preview", "files", "scans"]}),
    ]

    def view_on_site(self, qr):
        # The page the code opens now, without passing through /q/: a clerk's look is not a scan.
        return codes.destination_path(qr)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("township", "target_type").with_scan_totals()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # get_form builds a new class on every call: per request
        return form

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append("township")  # a code is printed for one township; it never moves to another
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The township offered is narrowed by ScopedAdminMixin (a clerk: their own); the types are
        # every printable kind, for a clerk too, and the target itself is checked in QRCodeForm.clean.
        if db_field.name == "target_type":
            models = [kind.model for kind in codes.target_kinds()]
            kwargs["queryset"] = ContentType.objects.filter(
                pk__in=[ct.pk for ct in ContentType.objects.get_for_models(*models).values()]
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new code draws its random string on its first save (see portal.codes).
        if not scoping.can_edit(request.user, obj):
            raise PermissionDenied
        stamp_user(obj, request.user)
        codes.code_save_new(obj)

    @admin.display(description=_("指向"))
    def target_display(self, qr):
        if qr.board:
            return qr.get_board_display()
        if qr.target_type_id is None:
            return _("乡镇首页")
        type_name = qr.target_type.name
        try:
            url = reverse(f"admin:{qr.target_type.app_label}_{qr.target_type.model}_change", args=[qr.target_id])
        except Exception:  # noqa: BLE001 - a model without an admin page: show the label alone
            return f"{type_name}：{qr.target_label}"
        return format_html('{}：<a href="{}">{}</a>', type_name, url, qr.target_label or qr.target_id)

    @admin.display(description=_("扫码次数"), ordering="scans_total")
    def scans(self, qr):
        return qr.total_scans() if qr.pk else 0

    @admin.display(description=_("最近扫码"), ordering="last_scan_on")
    def last_scan(self, qr):
        return getattr(qr, "last_scan_on", None) or "—"

    @admin.display(description=_("下载、打印"))
    def files(self, qr):
        if not qr.pk:
            return "—"
        links = [
            (reverse("qr_png", kwargs={"code": qr.code}) + "?size=1200&download=1", _("PNG")),
            (reverse("qr_svg", kwargs={"code": qr.code}) + "?download=1", _("SVG")),
            (codes.print_url_for(qr), _("打印页")),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    @admin.display(description=_("二维码"))
    def preview(self, qr):
        if not qr.pk:
            return "—"
        return format_html(
            '<img src="{}" width="160" height="160" alt="{}">',
            reverse("qr_svg", kwargs={"code": qr.code}),
            qr.code,
        )

    @admin.display(description=_("印在码里的网址"))
    def printed_address(self, qr):
        return codes.printed_url(qr.code) if qr.code else _("保存后生成")

    @admin.display(description=_("现在扫码打开"))
    def current_destination(self, qr):
        if not qr.pk:
            return "—"
        url = codes.destination_url(qr)
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.action(description=_("停用所选二维码（扫码时提示已停用，并引导到乡镇首页）"))
    def deactivate(self, request, queryset):
        changed = QRCode.objects.filter(pk__in=queryset.values("pk")).update(active=False)
        self.message_user(request, _("已停用 %(n)d 个二维码。") % {"n": changed}, messages.SUCCESS)

    @admin.action(description=_("重新启用所选二维码"))
    def activate(self, request, queryset):
        changed = QRCode.objects.filter(pk__in=queryset.values("pk")).update(active=True)
        self.message_user(request, _("已启用 %(n)d 个二维码。") % {"n": changed}, messages.SUCCESS)

    def get_urls(self):
        return [
            path("stats/", self.admin_site.admin_view(self.stats_view), name="portal_qrcode_stats"),
            *super().get_urls(),
        ]

    def stats_view(self, request):
        """Scans by month and by placement, with bars drawn in CSS (no JavaScript)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        townships = scoping.townships_for(request.user).order_by("name")
        days = QRScanDay.objects.restrict(request.user)
        township = None
        if request.GET.get("township", "").isdigit():
            township = townships.filter(pk=request.GET["township"]).first()
            if township is not None:
                days = days.of_township(township)
        by_month = list(days.by_month())
        by_placement = list(days.by_placement())
        total = days.aggregate(total=Sum("count"))["total"] or 0
        for rows in (by_month, by_placement):
            peak = max((row["total"] for row in rows), default=0) or 1
            for row in rows:
                row["percent"] = round(row["total"] * 100 / peak, 1)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("扫码统计"),
            "townships": townships,
            "township": township,
            "by_month": by_month,
            "by_placement": by_placement,
            "total": total,
        }
        return TemplateResponse(request, "admin/portal/qrcode/stats.html", context)


@admin.register(QRScanDay)
class QRScanDayAdmin(admin.ModelAdmin):
    """Read-only: counts are written by scans alone."""

    list_display = ["qr_code", "township", "day", "count"]
    list_filter = ["day", "qr_code__township"]
    list_select_related = ["qr_code", "qr_code__township"]
    search_fields = ["qr_code__code", "qr_code__placement"]
    date_hierarchy = "day"

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)

    @admin.display(description=_("所属乡镇"), ordering="qr_code__township__name")
    def township(self, row):
        return row.qr_code.township

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
