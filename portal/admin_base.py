"""What every admin page of the portal shares: the audit record, the change history, narrowed choices.

``TrackedAdmin`` is the base of the admin classes of every ``TrackedModel``
in portal, staff and services; ``TrackedInline`` is the base of their inlines.
Choices are narrowed in two overridable steps so that a later row-level
tenancy layer can compose with them: Django's ``get_queryset`` and
``formfield_for_foreignkey`` decide what a user may see at all, then
``choice_filters`` / ``row_choice_filters`` keep the object's own township
(or county) from that.
"""

import datetime
import functools

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.widgets import AdminURLFieldWidget, AutocompleteMixin
from django.db import models
from django.db.models import Q
from django.forms import ModelChoiceField, ModelMultipleChoiceField, Select
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal import codes
from portal.admin_scoping import ScopedAdminMixin, ScopedInlineMixin
from portal.history import stamp_user

AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")


def stamp_checker(obj, changed_data, checked_by, user):
    """Record ``user`` as the checker for each date in ``checked_by`` that the form changed."""
    for date_name, user_name in checked_by.items():
        if date_name in changed_data:
            setattr(obj, user_name, user if getattr(obj, date_name) else None)


def narrow_field(field, lookups):
    """Keep only the choices of ``field`` (a form field) that match ``lookups``."""
    if lookups and isinstance(field, ModelChoiceField):
        field.queryset = field.queryset.filter(**lookups)


class ScopedInlineFormSet(BaseInlineFormSet):
    """An inline formset whose select boxes are narrowed to the parent and query once for all rows.

    Django copies each form's fields from the formset's form class, and every
    copy of a select box queries its choices again when it renders: a list
    with 148 entries and two select columns would run 296 queries. Here the
    first row evaluates the choices and the others reuse that list.

    ``filters_for_parent`` (set per request by ``TrackedInline.get_formset``)
    returns the lookups narrowing each select for the parent object. The
    parent is the one being saved, so on an add page the rows are checked
    against the township just chosen above them.
    """

    filters_for_parent = None

    @cached_property
    def row_choice_filters(self):
        if self.filters_for_parent is None:
            return {}
        return self.filters_for_parent(self.instance) or {}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        cache = self.__dict__.setdefault("_choice_cache", {})
        for name, field in form.fields.items():
            if not isinstance(field, ModelChoiceField) or isinstance(field, ModelMultipleChoiceField):
                continue
            if name == self.fk.name:
                continue
            narrow_field(field, self.row_choice_filters.get(name))
            widget = getattr(field.widget, "widget", field.widget)  # inside the admin's "+" wrapper
            if not isinstance(widget, Select) or isinstance(widget, AutocompleteMixin):
                continue  # autocomplete and raw-id inputs render only the chosen value
            if name not in cache:
                cache[name] = list(iter(field.choices))  # iter(): list() would ask len() first, a COUNT query
            field.choices = cache[name]


class TrackedAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Admin for a ``TrackedModel``: the audit fields read-only in a folded “记录” section,
    ``created_by``/``updated_by`` taken from the signed-in user (for inline rows too),
    and a 历史 page per object from django-simple-history.
    """

    audit_fieldset = (_("记录"), {"classes": ["collapse"], "fields": AUDIT_FIELDS})
    #: ``{date field: user field}``, e.g. ``{"last_checked_on": "last_checked_by"}``: whoever
    #: changes the date on the form is recorded, read-only, as the one who checked.
    checked_by = {}
    # Government sites are served over HTTPS: a typed "www.example.gov.cn" becomes an https:// link.
    formfield_overrides = {models.URLField: {"widget": AdminURLFieldWidget, "assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + [name for name in (*self.checked_by.values(), *AUDIT_FIELDS) if name not in readonly]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if not self.fieldsets:
            # Django's single default section lists the read-only audit fields too: keep them for “记录”.
            fieldsets = [
                (name, {**options, "fields": [f for f in options["fields"] if f not in AUDIT_FIELDS]})
                for name, options in fieldsets
            ]
        return [*fieldsets, self.audit_fieldset]

    def choice_filters(self, request, obj):
        """Return ``{field name: lookups}`` narrowing the choices on ``obj``'s change form.

        Called only for an existing object; the add form keeps what
        ``formfield_for_foreignkey`` offers and the model's ``clean()`` refuses
        a mismatch.
        """
        return {}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            # get_form builds a new form class on every call, so narrowing its fields is per request.
            for name, lookups in self.choice_filters(request, obj).items():
                if name in form.base_fields:
                    narrow_field(form.base_fields[name], lookups)
        return form

    def save_model(self, request, obj, form, change):
        stamp_user(obj, request.user)
        stamp_checker(obj, form.changed_data, self.checked_by, request.user)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Printed codes are issued here, where rows are created, not by a signal (see portal.codes):
        # a new township its gate code, a new window, post, village or item in force its own.
        created = [] if change else [form.instance]
        created += [row for formset in formsets for row in getattr(formset, "new_objects", ())]
        for obj in created:
            codes.code_ensure_for(obj, user=request.user)

    def save_formset(self, request, form, formset, change):
        # The formset saves exactly the rows that changed; stamping an unchanged row is harmless.
        checked_by = getattr(formset, "checked_by", {})
        for row in formset.forms:
            if row.has_changed():
                stamp_user(row.instance, request.user)
                stamp_checker(row.instance, row.changed_data, checked_by, request.user)
        super().save_formset(request, form, formset, change)


class TrackedInline(ScopedInlineMixin):
    """Mix-in for inlines of a ``TrackedModel``: select boxes query once for all rows,
    ``row_choice_filters`` narrows them to the parent, and ``TrackedAdmin.save_formset``
    stamps each saved row with the user.
    """

    formset = ScopedInlineFormSet
    extra = 1
    #: As ``TrackedAdmin.checked_by``, for the rows of this inline.
    checked_by = {}

    def row_choice_filters(self, request, parent):
        """Return ``{field name: lookups}`` narrowing each row's choices for ``parent``.

        ``parent`` may be unsaved (an add page being submitted) or blank (an
        empty add page): return no lookups when what they need is missing.
        """
        return {}

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # inlineformset_factory returns a new class on every call: this attribute is per request.
        formset.filters_for_parent = functools.partial(self.row_choice_filters, request)
        formset.checked_by = self.checked_by
        return formset


class TrackedTabularInline(TrackedInline, admin.TabularInline):
    pass


class LastCheckedFilter(admin.SimpleListFilter):
    """Filter rows by when a clerk last checked them against reality (最近核对日期)."""

    title = _("核对情况")
    parameter_name = "checked"

    def lookups(self, request, model_admin):
        days = settings.PORTAL_STALE_AFTER_DAYS
        return [
            ("recent", _("%(days)d 天内核对过") % {"days": days}),
            ("stale", _("超过 %(days)d 天未核对") % {"days": days}),
            ("never", _("从未核对")),
        ]

    def queryset(self, request, queryset):
        cutoff = timezone.localdate() - datetime.timedelta(days=settings.PORTAL_STALE_AFTER_DAYS)
        if self.value() == "recent":
            return queryset.filter(last_checked_on__gte=cutoff)
        if self.value() == "stale":
            return queryset.filter(Q(last_checked_on__lt=cutoff) | Q(last_checked_on__isnull=True))
        if self.value() == "never":
            return queryset.filter(last_checked_on__isnull=True)
        return queryset
