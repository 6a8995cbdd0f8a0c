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
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminURLFieldWidget, AutocompleteMixin
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import Q
from django.forms import ModelChoiceField, ModelMultipleChoiceField, Select
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal import codes, scoping
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


class EstimatedCountPaginator(Paginator):
    """A changelist paginator that reads the size of a whole big table from PostgreSQL's statistics.

    Counting 760,000 materials to print "共 N 条" above an unfiltered list took longer than the page it
    heads. On PostgreSQL, a list with no condition (a superuser's, unfiltered, unsearched) of a table
    the statistics put at ``ESTIMATE_FROM`` rows or more shows the planner's estimate (as fresh as the
    last ANALYZE, which autovacuum runs as a table grows); any filtered list, any smaller table, and
    every other database count exactly. One query either way.
    """

    ESTIMATE_FROM = 100_000

    @cached_property
    def count(self):
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        connection = connections[queryset.db] if query is not None else None
        if connection is None or connection.vendor != "postgresql" or query.where or query.distinct:
            return super().count
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN reltuples >= %s THEN reltuples::bigint "
                f"ELSE (SELECT COUNT(*) FROM {table}) END FROM pg_class WHERE oid = %s::regclass",
                [self.ESTIMATE_FROM, table],
            )
            return cursor.fetchone()[0]


class TrackedAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Admin for a ``TrackedModel``: the audit fields read-only in a folded “记录” section,
    ``created_by``/``updated_by`` taken from the signed-in user (for inline rows too),
    and a 历史 page per object from django-simple-history.
    """

    audit_fieldset = (_("记录"), {"classes": ["collapse"], "fields": AUDIT_FIELDS})
    paginator = EstimatedCountPaginator
    #: The township column reached through a relation (``"item__township_id"``), sorted by first for an
    #: account that sees one county or township, when the list's own order starts with a column of its
    #: own table (``item_id``). A reviewer's rows are then found from the county's townships and sorted;
    #: led by ``item_id``, the planner walked every material of the province to find the last county's.
    township_order = None
    #: ``{date field: user field}``, e.g. ``{"last_checked_on": "last_checked_by"}``: whoever
    #: changes the date on the form is recorded, read-only, as the one who checked.
    checked_by = {}
    # Government sites are served over HTTPS: a typed "www.example.gov.cn" becomes an https:// link.
    formfield_overrides = {models.URLField: {"widget": AdminURLFieldWidget, "assume_scheme": "https"}}

    def action_checkbox(self, obj):
        # Django renders this box through the form widget templates: 0.8 ms a row, the slowest column of a
        # 100-row list. The same markup, written out.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    def get_ordering(self, request):
        ordering = super().get_ordering(request)
        if self.township_order and not scoping.scope_of(request.user).is_all:
            return (self.township_order, *ordering)
        return ordering

    def lookup_allowed(self, lookup, value, request):
        # A parameter a list filter of ours reads (``item__township__id__exact``, see township_filters) is that
        # filter's to check: Django asks before the filter takes it and refuses a path through two relations.
        claimed = {getattr(entry, "parameter_name", None) for entry in self.get_list_filter(request)}
        return lookup in claimed or super().lookup_allowed(lookup, value, request)

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


class ChoicesFilter(admin.SimpleListFilter):
    """A list filter declared as data: ``options`` maps each value in the address to ``(label, narrow)``.

    ``narrow(queryset, request)`` returns the rows the choice shows; a label
    may be a callable, read when the filter is drawn (a text naming a setting).
    An unknown value leaves the list as it is.
    """

    options = {}

    def lookups(self, request, model_admin):
        return [(value, label() if callable(label) else label) for value, (label, _narrow) in self.options.items()]

    def queryset(self, request, queryset):
        choice = self.options.get(self.value())
        return choice[1](queryset, request) if choice else queryset


def stale_cutoff():
    """Return the day before which a check or confirmation counts as stale (PORTAL_STALE_AFTER_DAYS ago)."""
    return timezone.localdate() - datetime.timedelta(days=settings.PORTAL_STALE_AFTER_DAYS)


def stale_label(text):
    """Return a callable label: ``text`` with ``%(days)d`` filled from the setting when the filter is drawn."""
    return lambda: text % {"days": settings.PORTAL_STALE_AFTER_DAYS}


class LastCheckedFilter(ChoicesFilter):
    """Filter rows by when a clerk last checked them against reality (最近核对日期)."""

    title = _("核对情况")
    parameter_name = "checked"
    options = {
        "recent": (
            stale_label(_("%(days)d 天内核对过")),
            lambda rows, r: rows.filter(last_checked_on__gte=stale_cutoff()),
        ),
        "stale": (
            stale_label(_("超过 %(days)d 天未核对")),
            lambda rows, r: rows.filter(Q(last_checked_on__lt=stale_cutoff()) | Q(last_checked_on__isnull=True)),
        ),
        "never": (_("从未核对"), lambda rows, r: rows.filter(last_checked_on__isnull=True)),
    }


def township_filters(path="township"):
    """Return the list filters 县（区） and 乡镇 for rows that reach their township through ``path``.

    A province has a thousand townships: a sidebar of a thousand links helps
    nobody and costs a query of them all. A superuser picks a county first and
    then sees its townships (a dozen or so); a county reviewer sees the
    townships of the county; a clerk, who sees one township, no filter at all.
    The parameters are those of Django's own related-field filter
    (``township__id__exact``, ``township__county__id__exact``), so links built
    elsewhere (the supervision page, the board) keep working. Both narrow the
    query itself, so the planner can read a ``(township, …)`` index.
    """
    county_parameter = f"{path}__county__id__exact"
    township_parameter = f"{path}__id__exact"

    def _id(value):
        return int(value) if value and str(value).isdigit() else None

    class CountyFilter(admin.SimpleListFilter):
        title = _("县（区）")
        parameter_name = county_parameter

        def lookups(self, request, model_admin):
            if not scoping.scope_of(request.user).is_all:
                return []  # a reviewer's county, and a clerk's, is the only one in sight
            from portal.models import County

            return [(str(pk), name) for pk, name in County.objects.order_by("name").values_list("pk", "name")]

        def queryset(self, request, queryset):
            if self.value() is None:
                return queryset
            return queryset.filter(**{f"{path}__county_id": _id(self.value())})

    class TownshipFilter(admin.SimpleListFilter):
        title = _("乡镇（街道）")
        parameter_name = township_parameter

        def lookups(self, request, model_admin):
            scope = scoping.scope_of(request.user)
            if scope.is_clerk or scope.kind == scoping.NONE:
                return []
            townships = scoping.townships_for(request.user, scoping.VIEW)
            if scope.is_all:
                county, township = _id(request.GET.get(county_parameter)), _id(self.value())
                if county is not None:
                    townships = townships.filter(county_id=county)
                elif township is not None:  # a link naming only the township: its county's townships
                    townships = townships.filter(county__townships=township)
                else:
                    return []  # pick a county first
            return [(str(pk), name) for pk, name in townships.order_by("name").values_list("pk", "name")]

        def queryset(self, request, queryset):
            if self.value() is None:
                return queryset
            return queryset.filter(**{f"{path}__id": _id(self.value())})

    return CountyFilter, TownshipFilter
