"""Row-level tenancy in the admin: every page, choice, search, action and export limited to the account's scope.

``ScopedAdminMixin`` goes before Django's ``ModelAdmin`` (``TrackedAdmin``
inherits it) and ``ScopedInlineMixin`` before ``InlineModelAdmin``
(``TrackedInline`` inherits it). Both apply ``portal.scoping``:

- lists, searches, autocompletes and exports read ``get_queryset()``, which
  keeps the rows the account may see; a URL to any other row gets the
  admin's own "does not exist" answer;
- viewing needs the row in sight; changing and deleting need it editable (a
  reviewer reads a township's rows but never changes them); saving checks the
  row as it will be saved;
- select boxes, multi-selects and inline rows offer only rows in sight; the
  owner field (``township``/``county``) offers only what the account may
  write, preselected;
- actions that write run on the editable part of the selection only;
- the history page of a row out of sight answers 403, and a history version
  can be restored only by someone who may change the row.
"""

import functools

from django.contrib import admin, messages
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import checking, scoping

# Actions that only read: they keep the whole visible selection.
READ_ONLY_ACTIONS = {"export_admin_action"}


def _narrow_formfield(field, db_field, request, model):
    """Keep only the choices the account may use on a form of ``model``."""
    if field is None or not hasattr(field, "queryset"):
        return field
    user = request.user
    related = db_field.remote_field.model
    owners = scoping.owner_field_names(model)
    scope = scoping.scope_of(user)
    if scoping.is_user_model(related):
        field.queryset = scoping.users_in_scope(user, field.queryset)
    elif db_field.name in owners.values():
        role = next(role for role, name in owners.items() if name == db_field.name)
        field.queryset = scoping.owner_choices(user, model, role, field.queryset)
        fixed = scope.township_id if role == scoping.TOWNSHIP else scope.county_id
        if not scope.is_all and fixed is not None:
            # The only allowed owner: preselected, no empty choice, never left blank.
            field.required = True
            field.empty_label = None
            field.initial = fixed
    elif isinstance(field.queryset, scoping.RestrictedQuerySet):
        field.queryset = field.queryset.restrict(user, scoping.VIEW)
    # Anything else is not the project's (content types, groups): Django's permissions decide.
    return field


def _scoped_list_filter(model, list_filter, user):
    """Turn plain filters on a related owner-scoped field into "only related rows in sight" filters."""
    if scoping.scope_of(user).is_all:
        return list_filter
    result = []
    for entry in list_filter:
        if isinstance(entry, str):
            try:
                field = get_fields_from_path(model, entry)[-1]
            except (FieldDoesNotExist, NotRelationField):
                field = None
            related = getattr(getattr(field, "remote_field", None), "model", None)
            shared = getattr(scoping.ownership(related), "shared", False) if related is not None else True
            if related is not None and (scoping.is_user_model(related) or not shared):
                entry = (entry, admin.RelatedOnlyFieldListFilter)
        result.append(entry)
    return result


def _guard_action(func, name):
    """Run a writing action on the editable part of the selection only."""
    permissions = getattr(func, "allowed_permissions", None)
    if name in READ_ONLY_ACTIONS or (permissions and set(permissions) <= {"view", "export"}):
        return func

    @functools.wraps(func)
    def action(modeladmin, request, queryset):
        allowed = queryset.restrict(request.user, scoping.CHANGE)
        skipped = queryset.count() - allowed.count()
        if skipped:
            modeladmin.message_user(
                request,
                ngettext(
                    "%(count)d 条不在您的管辖范围内，未处理。",
                    "%(count)d 条不在您的管辖范围内，未处理。",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        return func(modeladmin, request, allowed)

    return action


@admin.action(description=_("标记为今天已核对"), permissions=["change"])
def mark_checked_today(modeladmin, request, queryset):
    """Set the selected rows' "checked on" date to today and "checked by" to the signed-in account."""
    count = checking.rows_mark_checked(rows=queryset, user=request.user)
    modeladmin.message_user(request, _("已将 %(count)d 条标记为今天已核对。") % {"count": count}, messages.SUCCESS)


class ScopedAdminMixin:
    """Limit a ``ModelAdmin`` to the rows of the signed-in account's township or county."""

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, scoping.VIEW)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (obj is None or scoping.can_see(request.user, obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or scoping.can_edit(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or scoping.can_edit(request.user, obj))

    def has_add_permission(self, request):
        return super().has_add_permission(request) and scoping.may_add(request.user, self.model)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _narrow_formfield(field, db_field, request, self.model)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _narrow_formfield(field, db_field, request, self.model)

    def get_list_filter(self, request):
        return _scoped_list_filter(self.model, super().get_list_filter(request), request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if checking.check_fields(self.model) and self.has_change_permission(request):
            actions.setdefault(
                "mark_checked_today", (mark_checked_today, "mark_checked_today", mark_checked_today.short_description)
            )
        return {name: (_guard_action(func, name), name, text) for name, (func, name, text) in actions.items()}

    def save_model(self, request, obj, form, change):
        # The form offered only allowed choices; this also refuses a crafted POST.
        if not scoping.can_edit(request.user, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for row in formset.forms:
            if row.has_changed() and not scoping.can_edit(request.user, row.instance):
                raise PermissionDenied
        super().save_formset(request, form, formset, change)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # django-simple-history lets anyone who may *view* the history POST a
        # version back; restoring is a change, so it needs the change permission.
        if request.method == "POST":
            obj = self.get_queryset(request).filter(pk=unquote(object_id)).first()
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScopedInlineMixin:
    """Limit an inline to rows in sight, and let it write only where its parent and its rows may be written."""

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, scoping.VIEW)

    def _may_write(self, request, obj):
        if obj is not None and not scoping.can_edit(request.user, obj):
            return False
        return scoping.may_add(request.user, self.model)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (obj is None or scoping.can_see(request.user, obj))

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._may_write(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_write(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _narrow_formfield(field, db_field, request, self.model)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _narrow_formfield(field, db_field, request, self.model)
