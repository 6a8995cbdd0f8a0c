"""Admin for service items and their guides, legal bases, responsibility lists and certificate rules."""

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.admin_base import ChoicesFilter, LastCheckedFilter, TrackedAdmin, TrackedTabularInline, township_filters
from services import board_views
from services.models import (
    MATERIALS_MISSING,
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
from services.publishing import (
    held_back_message,
    item_held_back,
    item_publish,
    published_incomplete_message,
    published_item_missing,
)
from spreadsheets.admin import SpreadsheetAdminMixin
from spreadsheets.lists.services import (
    CertificateRuleResource,
    MaterialResource,
    ResponsibilityEntryResource,
    ResponsibilityListResource,
    ServiceItemResource,
    StepResource,
)


@admin.register(LegalBasis)
class LegalBasisAdmin(TrackedAdmin):
    list_display = ("title", "article", "document_number", "url")
    search_fields = ("title", "article", "document_number", "text")
    ordering = ("title", "article")
    fieldsets = (
        (_("基本信息"), {"fields": ("title", "document_number", "article")}),
        (_("条文"), {"fields": ("text", "url")}),
    )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order")
    list_editable = ("order",)
    search_fields = ("name", "slug")
    ordering = ("order", "name")


@admin.register(LifeEvent)
class LifeEventAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order")
    list_editable = ("order",)
    search_fields = ("name", "slug")
    ordering = ("order", "name")


class MaterialFormSet(forms.BaseInlineFormSet):
    """Refuse removing the last material of a published item that has not said it needs none."""

    def clean(self):
        super().clean()
        item = self.instance
        if item.pk is None or not item.is_available or item.no_materials_needed:
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if kept or not self.initial_form_count():
            return  # an item stored without materials already is listed on the board, not refused here
        # Judged against the stored status: a draft (or new item) being published is held back instead.
        stored = ServiceItem.objects.filter(pk=item.pk).values_list("status", flat=True).first()
        if stored in (ServiceItem.Status.IN_FORCE, ServiceItem.Status.SUSPENDED):
            raise ValidationError(published_incomplete_message(item, [MATERIALS_MISSING]))


class MaterialInline(TrackedTabularInline):
    model = Material
    formset = MaterialFormSet
    fields = (
        "order",
        "name",
        "form",
        "copies",
        "necessity",
        "condition_note",
        "source",
        "source_note",
        "blank_form",
    )
    show_change_link = True  # 载体、纸质规格、填报须知、示例样表 are on the material's own page


class StepInline(TrackedTabularInline):
    model = Step
    fields = ("order", "title", "description", "actor", "place", "duration")
    # A short box per step keeps the flow readable as a table.
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


class ServiceItemAdminForm(forms.ModelForm):
    """The admin supplies the model and the fields."""

    def _post_clean(self):
        # ServiceItem.clean() reads ``self.office``, which raises instead of
        # returning None while the office is missing; the office field then
        # already carries its own error ("这个字段是必填项。"), so there is
        # nothing more to say. Any other failure still propagates.
        try:
            super()._post_clean()
        except ServiceItem.office.RelatedObjectDoesNotExist:
            if "office" not in self.errors:
                raise
            return
        self._refuse_published_incomplete()

    def _refuse_published_incomplete(self):
        """An item residents already see may not lose what they need: refuse the save, naming what is missing.

        A draft (or a new item) given 在办 is held back as a draft instead
        (``save_related``). Materials are inline rows, judged by their formset
        (``MaterialFormSet``); here they count as present.
        """
        item = self.instance
        was_published = item.pk is not None and self.initial.get("status") in (
            ServiceItem.Status.IN_FORCE,
            ServiceItem.Status.SUSPENDED,
        )
        if not was_published or not item.is_available:
            return
        stored = ServiceItem.objects.select_related("window").get(pk=item.pk)
        # What it already lacked (written in bulk) is the board's to list; a save is refused for what it loses.
        before = published_item_missing(item=stored, material_count=1)
        missing = published_item_missing(item=item, material_count=1, before=before)
        del item.material_count  # a stand-in for the judgement above, not the item's count
        if missing:
            self.add_error(None, published_incomplete_message(item, missing))


class InForceFilter(ChoicesFilter):
    """Items a resident can apply for today (in force or suspended, within their dates): those the checks count."""

    title = _("是否在办")
    parameter_name = "in_force"
    options = {"yes": (_("在办（含暂停）"), lambda rows, r: rows.in_force())}


@admin.register(ServiceItem)
class ServiceItemAdmin(SpreadsheetAdminMixin, TrackedAdmin):
    # One workbook (or three CSV files) per township: items, their materials, their steps.
    resource_classes = [ServiceItemResource, MaterialResource, StepResource]
    form = ServiceItemAdminForm
    list_display = ("code", "name", "status", "handling", "office", "window", "township", "last_checked_on")
    list_display_links = ("code", "name")
    actions = ("publish_selected",)
    list_filter = (
        *township_filters(),
        "status",
        "handling",
        "item_type",
        "category",
        "online_depth",
        "deferral_allowed",
        LastCheckedFilter,
        InForceFilter,
    )
    list_select_related = ("township", "office", "window")
    # Codes match whole (DL-001 is not DL-0010); names, sayings and summaries match any part.
    search_fields = ("=code", "name", "keywords", "summary", "=base_code", "=implementation_code")
    # Select2's search box is translated; the two-list widget's instructions are still English in Django 5.2.
    autocomplete_fields = ("department", "merged_into", "successor", "legal_bases", "life_events")
    checked_by = {"last_checked_on": "last_checked_by"}
    # Indexed (item_township_order_code): the page is read from the index, not sorted from every item.
    # township_id, not township: a relation's name orders by the township's own ordering (county and
    # township names, through two joins).
    ordering = ("township_id", "order", "code")
    show_full_result_count = False  # a second count of every item in the province, for a "共 N 条" nobody reads
    inlines = (MaterialInline, StepInline)
    fieldsets = (
        (
            _("基本信息"),
            {
                "fields": (
                    "township",
                    ("code", "order"),
                    "name",
                    "summary",
                    "keywords",
                    "item_type",
                    "category",
                    "life_events",
                    ("base_code", "implementation_code"),
                )
            },
        ),
        (
            _("办理地点和责任人"),
            {"fields": ("handling", "department", "office", "window", "responsible_post")},
        ),
        (_("受理条件、办理结果和依据"), {"fields": ("conditions", "result", "legal_bases", "no_materials_needed")}),
        (
            _("时限与收费"),
            {
                "fields": (
                    ("promised_limit_value", "promised_limit_unit"),
                    "promised_limit_note",
                    ("legal_limit_value", "legal_limit_unit"),
                    "legal_limit_note",
                    "fee",
                    "fee_basis",
                    "visits",
                    "visit_reason",
                )
            },
        ),
        (
            _("便民服务方式"),
            {
                "fields": (
                    ("online_depth", "online_url"),
                    "proxy_offered",
                    "home_visit_offered",
                    "locker_offered",
                    "deferral_allowed",
                )
            },
        ),
        (
            _("状态"),
            {
                "fields": (
                    "status",
                    ("publish_from", "withdraw_from"),
                    ("suspended_from", "suspended_until"),
                    "status_reason",
                    ("withdrawn_on", "successor"),
                    ("merged_into", "merged_on"),
                    ("last_checked_on", "last_checked_by"),
                ),
                "description": _(
                    "新事项是草稿，群众看不到；材料、地点、找谁、承诺时限齐全后改为“在办”（或用列表页的“发布”操作）。"
                    "暂停办理须填暂停起始日期和原因；已取消须填取消日期；已合并须选合并到的本乡镇事项并填合并日期。"
                ),
            },
        ),
    )

    @admin.action(description=_("发布所选草稿（只发布齐全的）"), permissions=["change"])
    def publish_selected(self, request, queryset):
        """Publish each selected draft that lacks nothing; say which ones were refused and why."""
        published = 0
        for item in queryset.filter(status=ServiceItem.Status.DRAFT).select_related("window"):
            try:
                item_publish(item=item, user=request.user)
                published += 1
            except ValidationError as refused:
                self.message_user(request, refused.messages[0], messages.WARNING)
        self.message_user(request, _("已发布 %(count)d 项。") % {"count": published}, messages.SUCCESS)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Materials are inline rows, saved only now: this is the first moment the item can be judged complete.
        item = form.instance
        was_draft = not change or form.initial.get("status") == ServiceItem.Status.DRAFT
        if missing := item_held_back(item=item, was_draft=was_draft):
            item.status = ServiceItem.Status.DRAFT
            item.save()
            self.message_user(request, held_back_message(item, missing), messages.WARNING)

    # What a clerk types to find an item by its number: letters, digits and dashes, at least one digit, no Chinese.
    CODE_TYPED = re.compile(r"[0-9A-Za-z][0-9A-Za-z._/-]*[0-9][0-9A-Za-z._/-]*|[0-9]")

    def get_search_results(self, request, queryset, search_term):
        # A code is looked up whole in the three code columns only, through their indexes: with the
        # name's "contains" OR-ed in, finding DL-005 read every item of the province.
        term = search_term.strip()
        if self.CODE_TYPED.fullmatch(term):
            codes = Q(code__iexact=term) | Q(base_code__iexact=term) | Q(implementation_code__iexact=term)
            return queryset.filter(codes), False
        return super().get_search_results(request, queryset, search_term)

    def choice_filters(self, request, obj):
        township = {"township_id": obj.township_id}
        return {
            "office": township,
            "window": township,
            "responsible_post": township,
            "successor": township,
            "department": {"county_id": obj.township.county_id},
        }


@admin.register(Material)
class MaterialAdmin(SpreadsheetAdminMixin, TrackedAdmin):
    """Every material of every item: find which items ask for the same paper."""

    resource_classes = [MaterialResource]
    list_display = ("name", "item", "township", "form", "copies", "necessity", "source", "source_note")
    list_filter = (*township_filters("item__township"), "necessity", "form", "source", "medium")
    list_select_related = ("item", "item__township")
    search_fields = ("name", "source_note", "condition_note", "item__name", "=item__code")
    autocomplete_fields = ("item",)
    ordering = ("item_id", "order", "id")  # indexed (material_item_order)
    township_order = "item__township_id"
    show_full_result_count = False
    fieldsets = (
        (_("基本信息"), {"fields": ("item", "order", "name")}),
        (_("原件/复印件和载体"), {"fields": ("form", "copies", "medium", "paper_size")}),
        (_("是否必须"), {"fields": ("necessity", "condition_note")}),
        (_("去哪里开"), {"fields": ("source", "source_note")}),
        (_("填报须知和表格"), {"fields": ("notes", "blank_form", "sample")}),
    )

    @admin.display(description=_("乡镇"), ordering="item__township__name")
    def township(self, material):
        return material.item.township


@admin.register(Step)
class StepAdmin(SpreadsheetAdminMixin, TrackedAdmin):
    resource_classes = [StepResource]
    list_display = ("__str__", "item", "actor", "place", "duration")
    list_filter = township_filters("item__township")
    list_select_related = ("item",)
    search_fields = ("title", "description", "actor", "item__name", "=item__code")
    autocomplete_fields = ("item",)
    ordering = ("item__code", "order")
    fieldsets = ((_("基本信息"), {"fields": ("item", "order", "title", "description", "actor", "place", "duration")}),)


class ResponsibilityEntryInline(TrackedTabularInline):
    model = ResponsibilityEntry
    fields = (
        "number",
        "power_type",
        "name",
        "responsible_office",
        "responsible_department",
        "responsible_person",
    )
    show_change_link = True  # 职权依据、责任事项、追责情形 are on the entry's own page
    # A list of 148 entries posted every inline field and hit Django's field limit (TooManyFieldsSent).
    # The change page edits the first entries; a longer list is edited on the entries' own changelist
    # (paginated, searchable), linked from here.
    shown = 30

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is None or obj.pk is None:
            return formset
        total = getattr(obj, "entry_count", None)  # annotated by ResponsibilityListAdmin.get_queryset: no query
        if total is None:
            total = obj.entries.count()
        if total <= self.shown:
            return formset
        url = reverse("admin:services_responsibilityentry_changelist") + f"?responsibility_list__id__exact={obj.pk}"
        self.verbose_name_plural = format_html(
            '{}（共 {} 条，这里列出前 {} 条；<a href="{}">在条目列表中查看和修改全部条目</a>）',
            ResponsibilityEntry._meta.verbose_name_plural,
            total,
            self.shown,
            url,
        )
        shown = self.shown

        class FirstEntries(formset):
            def get_queryset(self):
                if not hasattr(self, "_first_entries"):  # one queryset, evaluated once, as Django's own
                    entries = super().get_queryset()
                    self._first_entries = entries.filter(pk__in=list(entries.values_list("pk", flat=True)[:shown]))
                return self._first_entries

        return FirstEntries

    def row_choice_filters(self, request, parent):
        if not parent.township_id:
            return {}
        return {
            "responsible_office": {"township_id": parent.township_id},
            "responsible_department": {"county_id": parent.township.county_id},
        }


@admin.register(ResponsibilityList)
class ResponsibilityListAdmin(SpreadsheetAdminMixin, TrackedAdmin):
    resource_classes = [ResponsibilityListResource, ResponsibilityEntryResource]
    list_display = ("title", "kind", "township", "village", "version", "published_on", "entry_count", "last_checked_on")
    list_filter = (*township_filters(), "kind", LastCheckedFilter)
    list_select_related = ("township", "village")
    search_fields = ("title", "version", "introduction", "village__name")
    ordering = ("township__name", "village__order", "kind", "-published_on")
    inlines = (ResponsibilityEntryInline,)
    checked_by = {"last_checked_on": "last_checked_by"}
    fieldsets = (
        (
            _("基本信息"),
            {"fields": ("township", "village", "kind", "title", ("version", "published_on"), "introduction")},
        ),
        (_("状态"), {"fields": (("last_checked_on", "last_checked_by"),)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_count=Count("entries"))

    @admin.display(description=_("条目数"), ordering="entry_count")
    def entry_count(self, rlist):
        return rlist.entry_count

    def choice_filters(self, request, obj):
        return {"village": {"township_id": obj.township_id}}


@admin.register(ResponsibilityEntry)
class ResponsibilityEntryAdmin(SpreadsheetAdminMixin, TrackedAdmin):
    resource_classes = [ResponsibilityEntryResource]
    list_display = (
        "number",
        "name",
        "responsibility_list",
        "power_type",
        "responsible_office",
        "responsible_department",
        "responsible_person",
    )
    list_display_links = ("number", "name")
    list_filter = (*township_filters("responsibility_list__township"), "responsibility_list__kind")
    list_select_related = ("responsibility_list", "responsible_office", "responsible_department")
    search_fields = ("name", "power_type", "basis_text", "duties", "responsible_person", "accountability")
    autocomplete_fields = ("responsibility_list", "legal_bases")
    ordering = ("responsibility_list__title", "number")
    fieldsets = (
        (_("基本信息"), {"fields": ("responsibility_list", "number", "power_type", "name")}),
        (_("职权依据"), {"fields": ("legal_bases", "basis_text")}),
        (
            _("责任和追责"),
            {
                "fields": (
                    "duties",
                    "responsible_office",
                    "responsible_department",
                    "responsible_person",
                    "accountability",
                )
            },
        ),
        (_("备注"), {"fields": ("note",)}),
    )

    def choice_filters(self, request, obj):
        township = obj.responsibility_list.township
        return {
            "responsible_office": {"township_id": township.pk},
            "responsible_department": {"county_id": township.county_id},
        }


@admin.register(CertificateRule)
class CertificateRuleAdmin(SpreadsheetAdminMixin, TrackedAdmin):
    resource_classes = [CertificateRuleResource]
    list_display = ("name", "may_issue", "county", "township", "alternative_kind", "alternative_item", "order")
    list_filter = ("may_issue", "alternative_kind", "county", "township", LastCheckedFilter)
    list_select_related = ("county", "township", "alternative_item")
    search_fields = (
        "name",
        "alternative",
        "requesting_department",
        "purpose",
        "data_holder",
        "source_document",
    )
    autocomplete_fields = ("alternative_item", "legal_bases")
    ordering = ("county__name", "-may_issue", "order", "name")
    checked_by = {"last_checked_on": "last_checked_by"}
    fieldsets = (
        (_("基本信息"), {"fields": ("county", "township", "name", "may_issue", "order")}),
        (
            _("谁来索要、依据什么"),
            {"fields": ("requesting_department", "purpose", "legal_bases", "source_document", "effective_on")},
        ),
        (
            _("替代途径"),
            {
                "fields": ("alternative_kind", "alternative", "data_holder", "alternative_item", "online_url"),
                "description": _("村（社区）不再出具的证明，必须写明替代途径的类型和具体办法。"),
            },
        ),
        (_("状态"), {"fields": (("last_checked_on", "last_checked_by"),)}),
    )

    def choice_filters(self, request, obj):
        return {"township": {"county_id": obj.county_id}}


# The clerk's board, served inside the admin (its login, its look): /admin/board/.
admin.site.register_page("board/", board_views.board, "board")
