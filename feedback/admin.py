"""The township's queue in the admin: reports, requests, poor-rating follow-ups and enquiries in one list.

Only the owning township's clerks (and superusers) open cases: they hold
residents' names and phones. A county reviewer gets the counts page
(/admin/feedback/counts/) instead; the queue, the enquiries and the ratings
are closed to them. Phones are masked in lists and exports and shown whole
only on a case's own page, to its township's clerks.
"""

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from feedback.admin_views import counts
from feedback.cases import CaseTakenError, case_advance, case_take, enquiry_record, rating_submit
from feedback.models import (
    CLOSED,
    Case,
    Channel,
    Enquiry,
    Kind,
    Outcome,
    Rating,
    RatingChannel,
    Status,
    done_on_time_q,
    followed_in_time_q,
    followup_missed_q,
    late_q,
)
from portal import scoping
from portal.admin_base import ChoicesFilter
from portal.admin_scoping import ScopedAdminMixin
from portal.validators import tel_uri


def _personal_data_allowed(user):
    """Only a township's clerks and superusers see residents' personal data; reviewers never."""
    scope = scoping.scope_of(user)
    return scope.is_all or scope.is_clerk


class PersonalDataAdminMixin(ScopedAdminMixin):
    """Close the whole admin page (list, form, module on the index) to accounts that may not see personal data."""

    def has_module_permission(self, request):
        return _personal_data_allowed(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _personal_data_allowed(request.user) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _personal_data_allowed(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # counts must survive; personal data goes by the retention command, not by deleting cases


class OverdueFilter(ChoicesFilter):
    """Open cases past their due day (是否超期), today."""

    title = _("是否超期")
    parameter_name = "overdue"
    options = {
        "yes": (_("已超期"), lambda rows, r: rows.overdue()),
        "no": (_("未超期"), lambda rows, r: rows.exclude(pk__in=rows.overdue().values("pk"))),
    }


class TimelinessFilter(ChoicesFilter):
    """按期办结 / 逾期 as the supervision figures count them (a case closed late stays 逾期), as of today."""

    title = _("办结时效")
    parameter_name = "timeliness"
    options = {
        "on_time": (_("按期办结"), lambda rows, r: rows.filter(done_on_time_q())),
        "overdue": (_("逾期（含逾期后办结）"), lambda rows, r: rows.filter(late_q(timezone.localdate()))),
    }


class FollowupTimelinessFilter(ChoicesFilter):
    """Poor ratings followed up in time or not, as the supervision figures count them."""

    title = _("差评回访")
    parameter_name = "followed_up"
    options = {
        "in_time": (_("按期回访"), lambda rows, r: rows.filter(followed_in_time_q())),
        "missed": (_("未按期回访"), lambda rows, r: rows.filter(followup_missed_q(timezone.localdate()))),
    }


class OwnerFilter(ChoicesFilter):
    """首问负责: the cases the clerk took, nobody took, or a colleague took."""

    title = _("首问负责人")
    parameter_name = "owner"
    options = {
        "mine": (_("我受理的"), lambda rows, request: rows.filter(owner=request.user)),
        "none": (_("无人受理"), lambda rows, r: rows.filter(owner__isnull=True)),
        "others": (
            _("他人受理的"),
            lambda rows, request: rows.filter(owner__isnull=False).exclude(owner=request.user),
        ),
    }


class OpenFilter(ChoicesFilter):
    """Open or closed cases (办结情况)."""

    title = _("办结情况")
    parameter_name = "open"
    options = {
        "yes": (_("未办结"), lambda rows, r: rows.open()),
        "no": (_("已办结"), lambda rows, r: rows.closed()),
    }


ACTIONS = [
    ("", _("（只保存下面的文字）")),
    ("take", _("我来受理（首问负责）")),
    (Status.IN_PROGRESS, _("办理中")),
    (Status.DONE, _("办结")),
    (Status.DECLINED, _("不予办理")),
]


class CaseForm(forms.ModelForm):
    """A case's page: the resident's words read-only, and one choice of what to do next."""

    action = forms.ChoiceField(label=_("下一步"), choices=ACTIONS, required=False)

    class Meta:
        model = Case
        fields = ("resolution", "callback_result")
        widgets = {
            "resolution": forms.Textarea(attrs={"rows": 2}),
            "callback_result": forms.Textarea(attrs={"rows": 2}),
        }


def _export_masked(modeladmin, request, queryset):
    """Return the selected cases as CSV (UTF-8 with BOM, for Excel and WPS), phones masked."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"群众反馈-{timezone.localdate():%Y-%m-%d}.csv")
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        ["编号", "类别", "状态", "事项或页面", "姓名", "电话", "收到时间", "办结期限", "受理人", "处理结果"]
    )
    for case in queryset.for_queue():
        writer.writerow(
            [
                case.reference,
                case.get_kind_display(),
                case.get_status_display(),
                _about_text(case),
                case.name,
                case.masked_phone,
                timezone.localtime(case.created_at).strftime("%Y-%m-%d %H:%M"),
                f"{case.due_on}（预计）" if case.due_on and case.due_provisional else (case.due_on or ""),
                case.owner.get_username() if case.owner else "",
                case.resolution,
            ]
        )
    return response


_export_masked.short_description = _("导出所选（CSV，电话已隐藏）")
_export_masked.allowed_permissions = ["view"]


def _about_text(case):
    target = case.target
    if target is not None:
        return str(target)
    return case.get_about_display()


@admin.register(Case)
class CaseAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """The township's one queue."""

    form = CaseForm
    list_display = ("reference", "kind", "status", "about_column", "phone_column", "owner", "due_column", "created_at")
    list_display_links = ("reference",)
    list_filter = ("kind", "status", OpenFilter, OwnerFilter, OverdueFilter, TimelinessFilter)
    search_fields = ("reference",)
    date_hierarchy = "created_at"
    actions = ["take_cases", _export_masked]
    readonly_fields = (
        "reference",
        "kind",
        "status",
        "created_at",
        "due_column",
        "owner",
        "accepted_at",
        "closed_at",
        "about",
        "target_link",
        "problem",
        "service",
        "preferred_date",
        "preferred_time",
        "channel",
        "outcome",
        "passed_to",
        "rating_column",
        "note",
        "name",
        "phone_full",
        "village_name",
        "personal_data_erased_on",
        "events_column",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "kind",
                    "status",
                    "created_at",
                    "due_column",
                    "owner",
                    "accepted_at",
                    "closed_at",
                )
            },
        ),
        (
            _("群众说了什么"),
            {
                "fields": (
                    "about",
                    "target_link",
                    "problem",
                    "service",
                    "preferred_date",
                    "preferred_time",
                    "channel",
                    "outcome",
                    "passed_to",
                    "rating_column",
                    "note",
                )
            },
        ),
        (
            _("联系方式（只有本乡镇办事员能看到）"),
            {"fields": ("name", "phone_full", "village_name", "personal_data_erased_on")},
        ),
        (_("处理"), {"fields": ("action", "resolution", "callback_result", "events_column")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).for_queue()

    def has_add_permission(self, request):
        return False  # cases come from residents; enquiries have their own quick form

    @admin.display(description=_("事项或页面"))
    def about_column(self, case):
        return _about_text(case)

    @admin.display(description=_("电话"))
    def phone_column(self, case):
        return case.masked_phone

    @admin.display(description=_("办结期限"), ordering="due_on")
    def due_column(self, case):
        if case.due_on is None:
            return "—"
        # A date counted without the year's holidays may move: the clerk sees it is a forecast.
        due = format_html("{}（{}）", case.due_on, _("预计")) if case.due_provisional else case.due_on
        if case.is_overdue():
            return format_html('<strong style="color:#ba2121">{}（{}）</strong>', due, _("已超期"))
        return due

    @admin.display(description=_("电话"))
    def phone_full(self, case):
        if not case.phone:
            return "—"
        return format_html('<a href="{}">{}</a>', tel_uri(case.phone), case.phone)

    @admin.display(description=_("涉及"))
    def target_link(self, case):
        target = case.target
        if target is None:
            return "—"
        if hasattr(target, "get_absolute_url"):
            return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', target.get_absolute_url(), target)
        return str(target)

    @admin.display(description=_("办理记录（群众查询时能看到）"))
    def events_column(self, case):
        rows = format_html_join(
            "",
            "<li>{} {} {} {}</li>",
            (
                (timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"), e.get_status_display(), e.actor_name, e.note)
                for e in case.events.all()
            ),
        )
        return format_html("<ol>{}</ol>", rows) if rows else "—"

    @admin.display(description=_("差评"))
    def rating_column(self, case):
        rating = case.poor_rating
        if rating is None:
            return "—"
        return f"{rating.level} {rating.get_level_display()}（{rating.get_channel_display()}）{rating.comment}"

    @admin.action(description=_("我来受理所选工单（首问负责）"), permissions=["change"])
    def take_cases(self, request, queryset):
        taken, refused = 0, []
        for case in queryset.open():
            try:
                case_take(case=case, user=request.user)
                taken += 1
            except (CaseTakenError, PermissionDenied) as error:
                refused.append(f"{case.reference}：{error}")
        if taken:
            self.message_user(request, _("已受理 %(n)d 件。") % {"n": taken}, messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    def save_model(self, request, obj, form, change):
        if not scoping.can_edit(request.user, obj):
            raise PermissionDenied
        action = form.cleaned_data.get("action")
        data = form.cleaned_data
        case = Case.objects.get(pk=obj.pk)
        try:
            if action == "take":
                case_take(case=case, user=request.user)
            elif action:
                case_advance(
                    case=case,
                    user=request.user,
                    status=action,
                    resolution=data.get("resolution", ""),
                    callback_result=data.get("callback_result", ""),
                )
            elif case.owner_id in (None, request.user.pk) or request.user.is_superuser:
                # Only the texts: kept on the case (its owner, or whoever takes it by writing).
                Case.objects.filter(pk=case.pk).update(
                    resolution=data.get("resolution", ""), callback_result=data.get("callback_result", "")
                )
            else:
                raise CaseTakenError(_("这件工单已由他人受理，只有受理人能处理。"))
        except (CaseTakenError, ValidationError) as error:
            messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
            request._feedback_refused = True

    def response_change(self, request, obj):
        if getattr(request, "_feedback_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def get_changeform_initial_data(self, request):
        return super().get_changeform_initial_data(request)


class EnquiryForm(forms.ModelForm):
    """电话咨询登记 in a few taps: item (optional), answered or passed on, to whom."""

    class Meta:
        model = Enquiry
        fields = ("township", "item", "channel", "outcome", "passed_to", "note")
        widgets = {
            "channel": forms.RadioSelect,
            "outcome": forms.RadioSelect,
            "note": forms.TextInput(attrs={"size": 30}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radio buttons without the empty choice, preset to the usual case: a phone call answered on the spot.
        for name, choices, initial in (
            ("channel", Channel.choices, Channel.PHONE),
            ("outcome", Outcome.choices, Outcome.ANSWERED),
        ):
            if name in self.fields:  # absent on the read-only view page
                self.fields[name].choices = choices
                self.fields[name].initial = initial
        if "note" in self.fields:
            self.fields["note"].label = _("问的什么（可不填）")

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Outcome.PASSED_ON and not data.get("passed_to"):
            self.add_error("passed_to", _("转交他人时请写转给谁。"))
        item = data.get("item")
        if item is not None and data.get("township") is not None and item.township_id != data["township"].pk:
            self.add_error("item", _("所选事项不属于本乡镇。"))
        return data


@admin.register(Enquiry)
class EnquiryAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """A compact add form with the defaults of the usual case: a phone call, answered on the spot."""

    form = EnquiryForm
    list_display = ("reference", "created_at", "channel", "item", "outcome", "passed_to", "owner", "status")
    list_filter = ("channel", "outcome", "status")
    list_select_related = ("item", "owner")
    autocomplete_fields = ("item",)
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind=Kind.ENQUIRY)

    # A proxy model has no permissions of its own in the roles (portal.roles reads concrete models):
    # an enquiry is a case, so the clerk's permissions on cases decide.
    def _may(self, request, action):
        return _personal_data_allowed(request.user) and request.user.has_perm(f"feedback.{action}_case")

    def has_module_permission(self, request):
        return self._may(request, "view") or self._may(request, "change")

    def has_view_permission(self, request, obj=None):
        allowed = self._may(request, "view") or self._may(request, "change")
        return allowed and (obj is None or scoping.can_see(request.user, obj))

    def has_add_permission(self, request):
        return self._may(request, "add") and scoping.may_add(request.user, Case)

    def has_change_permission(self, request, obj=None):
        return False  # a passed-on enquiry is followed up in the queue (工单)

    def save_model(self, request, obj, form, change):
        obj.kind = Kind.ENQUIRY
        if not scoping.can_edit(request.user, obj):
            raise PermissionDenied
        data = form.cleaned_data
        case = enquiry_record(
            user=request.user,
            township=data["township"],
            item=data.get("item"),
            channel=data["channel"],
            outcome=data["outcome"],
            passed_to=data.get("passed_to", ""),
            note=data.get("note", ""),
        )
        obj.pk, obj.reference = case.pk, case.reference

    def response_add(self, request, obj, post_url_continue=None):
        # The next call is usually already ringing: back to an empty form.
        self.message_user(request, _("已登记（编号 %(ref)s）。") % {"ref": obj.reference}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:feedback_enquiry_add"))


class RatingForm(forms.ModelForm):
    class Meta:
        model = Rating
        fields = ("township", "item", "level", "channel", "comment")
        widgets = {"level": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "channel" in self.fields:
            self.fields["channel"].initial = RatingChannel.WINDOW


@admin.register(Rating)
class RatingAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """Ratings; a clerk records those given at the window (窗口评价器 or paper) with the window channel."""

    form = RatingForm
    list_display = ("created_at", "level_column", "channel", "item", "comment", "followup_column")
    list_filter = ("level", "channel", FollowupTimelinessFilter)
    list_select_related = ("item", "followup")
    autocomplete_fields = ("item",)
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):
        return False  # a rating is the resident's word

    @admin.display(description=_("评价"), ordering="level")
    def level_column(self, rating):
        return f"{rating.level} {rating.get_level_display()}"

    @admin.display(description=_("回访工单"))
    def followup_column(self, rating):
        followup = getattr(rating, "followup", None)
        if followup is None:
            return "—"
        url = reverse("admin:feedback_case_change", args=[followup.pk])
        done = followup.status in CLOSED
        return format_html('<a href="{}">{}</a>{}', url, followup.reference, "" if not done else "（已回访）")

    def save_model(self, request, obj, form, change):
        if not scoping.can_edit(request.user, obj):
            raise PermissionDenied
        data = form.cleaned_data
        rating = rating_submit(
            township=data["township"],
            item=data.get("item"),
            level=data["level"],
            channel=data["channel"],
            comment=data.get("comment", ""),
            user=request.user,
        )
        obj.pk = rating.pk


admin.site.register_page("feedback/counts/", counts, name="feedback_counts")
