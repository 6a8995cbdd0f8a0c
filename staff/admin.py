"""Admin for county departments, offices, windows, staff, posts and the liaison table."""

from django import forms
from django.contrib import admin
from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _

from portal import scoping
from portal.admin_base import (
    ChoicesFilter,
    ScopedInlineFormSet,
    TrackedAdmin,
    TrackedTabularInline,
    stale_cutoff,
    stale_label,
    township_filters,
)
from spreadsheets.admin import SpreadsheetAdminMixin
from spreadsheets.lists.staff import LiaisonResource, OfficeResource, PostResource, StaffResource, WindowResource
from staff import oversight_views, whereabouts_views
from staff.models import Absence, CountyDepartment, DepartmentSection, Liaison, Office, Post, PostHolder, Staff, Window


class DepartmentSectionInline(TrackedTabularInline):
    model = DepartmentSection
    fields = ("name", "head_name", "phone")


@admin.register(CountyDepartment)
class CountyDepartmentAdmin(TrackedAdmin):
    list_display = ("name", "short_name", "county", "phone", "address", "order")
    list_filter = ("county",)
    list_select_related = ("county",)
    search_fields = ("name", "short_name", "phone", "sections__name", "sections__head_name")
    ordering = ("county__name", "order", "name")
    inlines = (DepartmentSectionInline,)
    fieldsets = (
        (_("基本信息"), {"fields": ("county", "name", "short_name", "order")}),
        (_("办公地址和电话"), {"fields": ("address", "phone")}),
    )


@admin.register(DepartmentSection)
class DepartmentSectionAdmin(TrackedAdmin):
    list_display = ("name", "department", "head_name", "phone")
    list_filter = ("department__county",)
    list_select_related = ("department",)
    search_fields = ("name", "head_name", "phone", "department__name", "department__short_name")
    autocomplete_fields = ("department",)
    ordering = ("department__name", "name")
    fieldsets = ((_("基本信息"), {"fields": ("department", "name", "head_name", "phone")}),)


@admin.register(Office)
class OfficeAdmin(SpreadsheetAdminMixin, TrackedAdmin):
    checked_by = {"last_checked_on": "last_checked_by"}
    resource_classes = [OfficeResource]  # 导入、导出、导入模板 (spreadsheets.admin)
    list_display = ("name", "kind", "township", "floor_label", "room", "phone", "order")
    list_filter = (*township_filters(), "kind")
    list_select_related = ("township",)
    search_fields = ("name", "room", "phone", "responsibilities")
    ordering = ("township__name", "order", "name")
    fieldsets = (
        (_("基本信息"), {"fields": ("township", "name", "kind", "responsibilities", "order")}),
        (_("位置和办公时间"), {"fields": ("floor", "room", "directions", ("latitude", "longitude"), "hours")}),
        (_("联系电话"), {"fields": ("phone",)}),
        (_("核对"), {"fields": (("last_checked_on", "last_checked_by"),)}),
    )

    @admin.display(description=_("楼层"), ordering="floor")
    def floor_label(self, office):
        return office.floor_label


class WindowAdminForm(forms.ModelForm):
    """The admin supplies the model and the fields; this form adds the department-count rule."""

    def clean(self):
        cleaned_data = super().clean()
        departments = cleaned_data.get("departments")
        kind = cleaned_data.get("kind")
        if departments is not None and kind:
            # The count of an M2M cannot be a database constraint: the model says what fits, the form refuses.
            error = Window(kind=kind).department_count_error(list(departments))
            if error:
                self.add_error("departments", error)
        return cleaned_data


@admin.register(Window)
class WindowAdmin(SpreadsheetAdminMixin, TrackedAdmin):
    checked_by = {"last_checked_on": "last_checked_by"}
    resource_classes = [WindowResource]
    form = WindowAdminForm
    list_display = ("number", "name", "kind", "township", "office", "primary_staff", "backup_staff", "department_count")
    list_display_links = ("number", "name")
    list_filter = (*township_filters(), "kind")
    list_select_related = ("township", "office", "primary_staff", "backup_staff")
    search_fields = ("name", "handles", "departments__name", "departments__short_name")
    # Select2's search box is translated; the two-list widget's instructions are still English in Django 5.2.
    autocomplete_fields = ("departments",)
    ordering = ("township__name", "number")
    fieldsets = (
        (_("基本信息"), {"fields": ("township", "office", "number", "name", "kind", "handles")}),
        (_("受理部门"), {"fields": ("departments",)}),
        (_("A角和B角"), {"fields": ("primary_staff", "backup_staff")}),
        (_("核对"), {"fields": (("last_checked_on", "last_checked_by"),)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(department_count=Count("departments"))

    @admin.display(description=_("受理部门数"), ordering="department_count")
    def department_count(self, window):
        return window.department_count

    def choice_filters(self, request, obj):
        township = {"township_id": obj.township_id}
        return {
            "office": township,
            "primary_staff": township,
            "backup_staff": township,
            "departments": {"county_id": obj.township.county_id},
        }


class HoldingInline(TrackedTabularInline):
    """The posts a person holds, edited from the person's side when someone changes post."""

    model = PostHolder
    fields = ("post", "role", "order")
    verbose_name = _("所任岗位")
    verbose_name_plural = _("所任岗位")

    def row_choice_filters(self, request, parent):
        return {"post": {"township_id": parent.township_id}} if parent.township_id else {}


class PhoneCheckedFilter(ChoicesFilter):
    """In-post staff with a phone on record nobody has rung lately: the supervision's 电话超期未核对."""

    title = _("电话核对")
    parameter_name = "phone_checked"
    options = {
        "stale": (
            stale_label(_("在岗且超过 %(days)d 天未核对电话")),
            lambda rows, r: rows.phone_not_checked_since(stale_cutoff()),
        )
    }


@admin.register(Staff)
class StaffAdmin(SpreadsheetAdminMixin, TrackedAdmin):
    resource_classes = [StaffResource]
    list_display = (
        "name",
        "township",
        "job_title",
        "office_phone",
        "mobile",
        "mobile_public",
        "active",
        "phone_checked_on",
    )
    list_filter = (*township_filters(), "active", "mobile_public", PhoneCheckedFilter)
    list_select_related = ("township",)
    search_fields = ("name", "job_title", "office_phone", "mobile")
    ordering = ("township_id", "name")  # the index of staff_name_unique_in_township
    show_full_result_count = False
    inlines = (HoldingInline,)
    checked_by = {"phone_checked_on": "phone_checked_by"}
    fieldsets = (
        (_("基本信息"), {"fields": ("township", "name", "job_title", "photo", "active")}),
        (
            _("联系电话"),
            {"fields": ("office_phone", "mobile", "mobile_public", ("phone_checked_on", "phone_checked_by"))},
        ),
    )


class PostHolderFormSet(ScopedInlineFormSet):
    def clean(self):
        """Refuse two A holders among the rows being saved.

        Each row is checked against the database on its own, so two new A
        rows in one submission would both pass and the second would hit the
        database's unique constraint; this check sees all rows at once.
        """
        super().clean()
        primaries = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", {}).get("role") == PostHolder.Role.PRIMARY
            and not self._should_delete_form(form)
        ]
        if len(primaries) > 1:
            raise forms.ValidationError(_("一个岗位只能有一名A角。"))


class PostHolderInline(TrackedTabularInline):
    model = PostHolder
    formset = PostHolderFormSet
    fields = ("staff", "role", "order")
    verbose_name = _("在岗人员")
    verbose_name_plural = _("在岗人员")

    def row_choice_filters(self, request, parent):
        return {"staff": {"township_id": parent.township_id}} if parent.township_id else {}


class LiaisonInline(TrackedTabularInline):
    model = Liaison
    fields = ("department", "section", "matters", "county_contact_name", "county_contact_phone", "confirmed_on")
    readonly_fields = ("confirmed_on",)  # given by a county reviewer only (县乡对接总览 › 县级确认)
    verbose_name = _("对接的县直部门")
    verbose_name_plural = _("对接的县直部门（县乡工作对接联系表）")

    def row_choice_filters(self, request, parent):
        if not parent.township_id:
            return {}
        county_id = parent.township.county_id
        return {"department": {"county_id": county_id}, "section": {"department__county_id": county_id}}


class BackupFilter(ChoicesFilter):
    """Posts missing a named A or B holder: every post must have a backup (AB角)."""

    title = _("A角/B角配备")
    parameter_name = "holders"
    options = {
        "no_primary": (_("缺A角"), lambda rows, r: rows.exclude(holders__role=PostHolder.Role.PRIMARY)),
        "no_backup": (_("缺B角"), lambda rows, r: rows.without_backup()),
    }


@admin.register(Post)
class PostAdmin(SpreadsheetAdminMixin, TrackedAdmin):
    resource_classes = [PostResource]
    list_display = ("title", "office", "township", "primary_names", "backup_names", "phone", "order")
    list_filter = (*township_filters(), BackupFilter)
    list_select_related = ("township", "office")
    search_fields = ("title", "duties", "phone", "holders__staff__name", "office__name")
    ordering = ("township_id", "order", "title")  # indexed (post_township_order)
    show_full_result_count = False
    inlines = (PostHolderInline, LiaisonInline)
    fieldsets = (
        (_("基本信息"), {"fields": ("township", "office", "title", "duties", "order")}),
        (_("联系电话"), {"fields": ("phone",)}),
    )

    def get_queryset(self, request):
        # One query for the holders of all posts on the page, not one per row.
        holders = PostHolder.objects.select_related("staff").order_by("role", "order")
        return super().get_queryset(request).prefetch_related(Prefetch("holders", queryset=holders))

    @admin.display(description=_("A角"))
    def primary_names(self, post):
        return "、".join(holder.staff.name for holder in post.primary_holders)

    @admin.display(description=_("B角"))
    def backup_names(self, post):
        return "、".join(holder.staff.name for holder in post.backup_holders)

    def choice_filters(self, request, obj):
        return {"office": {"township_id": obj.township_id}}


@admin.register(PostHolder)
class PostHolderAdmin(TrackedAdmin):
    list_display = ("staff", "post", "role", "township", "order")
    list_filter = (*township_filters("post__township"), "role")
    list_select_related = ("staff", "post", "post__township")
    search_fields = ("staff__name", "post__title")
    autocomplete_fields = ("post", "staff")
    ordering = ("post__township__name", "post__title", "role", "order")
    fieldsets = ((_("基本信息"), {"fields": ("post", "staff", "role", "order")}),)

    @admin.display(description=_("乡镇"), ordering="post__township__name")
    def township(self, holder):
        return holder.post.township


class LiaisonDepartmentFilter(admin.SimpleListFilter):
    """县直部门 of one county: a superuser's once a county is chosen (a province has over a thousand), others' own."""

    title = _("县直部门")
    parameter_name = "department__id__exact"  # Django's own related filter's, so links keep working
    county_parameter = "post__township__county__id__exact"  # township_filters("post__township")

    def lookups(self, request, model_admin):
        scope = scoping.scope_of(request.user)
        county = scope.county_id
        if scope.is_all:
            chosen = request.GET.get(self.county_parameter, "")
            county = int(chosen) if chosen.isdigit() else None
        if county is None:
            return []
        departments = CountyDepartment.objects.filter(county_id=county).order_by("order", "name")
        return [(str(pk), name) for pk, name in departments.values_list("pk", "name")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(department_id=int(value) if value.isdigit() else None)


class ConfirmedFilter(ChoicesFilter):
    """Rows the county side has not confirmed lately (or whose contact changed since): 对接未确认."""

    title = _("县级确认")
    parameter_name = "confirmed"
    options = {
        "stale": (
            stale_label(_("超过 %(days)d 天未确认或联系人已变")),
            lambda rows, r: rows.not_confirmed_since(stale_cutoff()),
        )
    }


@admin.register(Liaison)
class LiaisonAdmin(SpreadsheetAdminMixin, TrackedAdmin):
    resource_classes = [LiaisonResource]
    list_display = (
        "post",
        "township",
        "department",
        "section",
        "matters",
        "county_contact_name",
        "county_contact_phone",
        "confirmed_on",
    )
    list_filter = (*township_filters("post__township"), LiaisonDepartmentFilter, ConfirmedFilter)
    list_select_related = ("post", "post__township", "department", "section", "section__department")
    search_fields = (
        "post__title",
        "matters",
        "department__name",
        "department__short_name",
        "section__name",
        "county_contact_name",
        "county_contact_phone",
    )
    autocomplete_fields = ("post", "department", "section")
    ordering = ("post_id", "department_id")  # the index of liaison_once_per_post_and_department
    township_order = "post__township_id"
    show_full_result_count = False
    # The county confirmation is given by a reviewer on the oversight page, never typed in here.
    readonly_fields = ("confirmed_on", "confirmed_by", "confirmed_contact")
    fieldsets = (
        (_("乡镇岗位"), {"fields": ("post", "matters")}),
        (_("县级对接"), {"fields": ("department", "section", "county_contact_name", "county_contact_phone")}),
        (_("县级确认"), {"fields": (("confirmed_on", "confirmed_by"), "confirmed_contact")}),
    )

    @admin.display(description=_("乡镇"), ordering="post__township__name")
    def township(self, liaison):
        return liaison.post.township

    def choice_filters(self, request, obj):
        county_id = obj.post.township.county_id
        return {"department": {"county_id": county_id}, "section": {"department__county_id": county_id}}


# The county oversight page, served inside the admin (its login, its look): /admin/oversight/.
admin.site.register_page("oversight/", oversight_views.oversight, "oversight")
admin.site.register_page("oversight/confirm/", oversight_views.confirm_liaisons, "oversight_confirm")
admin.site.register_page("whereabouts/", whereabouts_views.whereabouts, "whereabouts")


@admin.register(Absence)
class AbsenceAdmin(TrackedAdmin):
    """The 去向牌 with its dates; the quick page (/admin/whereabouts/) records today's in two taps."""

    list_display = ("staff", "kind", "note", "start", "end")
    list_filter = (*township_filters("staff__township"), "kind")
    list_select_related = ("staff",)
    search_fields = ("staff__name", "note")
    autocomplete_fields = ("staff",)
    date_hierarchy = "start"
    ordering = ("-start", "staff__name")
    fieldsets = ((None, {"fields": ("staff", "kind", "note", ("start", "end"))}),)
