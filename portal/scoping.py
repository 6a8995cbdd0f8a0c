"""Row-level tenancy: which rows an account may see and which it may change.

Django's groups and permissions (see ``portal.roles``) say what *kinds* of
rows an account may view, add, change or delete; this module says *which*
rows. Every model of the project's apps declares on itself whom its rows
belong to, with a class attribute checked at start-up (``check_ownership``,
a system check, refuses a missing declaration or a wrong path):

- township-owned rows reach their ``Township`` through a lookup path:
  ``ownership = Ownership(township="item__township")`` on a material,
  ``Ownership(township="")`` on the township itself;
- county-owned rows reach their ``County`` the same way (a county department);
- mixed rows belong to a township when their township path is set and to the
  county otherwise (certificate rules: county-wide or a township's own);
- shared reference data (laws, categories, life events) belongs to no one:
  ``Ownership(shared=True)``;
- account data (``UserScope``) is for superusers only: ``Ownership(private=True)``.

Every caller narrows a queryset the same way, ``Model.objects.restrict(user,
"view" | "change")`` (the managers' querysets derive from
``RestrictedQuerySet``, in the spirit of NetBox's); ``townships_for(user,
action)`` is the one answer to "which townships may this account act for".

The rules, for an account with a ``UserScope``:

=================  =============================  ==================================
row owner          township clerk                 county reviewer
=================  =============================  ==================================
township           sees and edits its own         sees its county's, edits none
county             sees its own county's          sees and edits its own county's
shared             sees all, edits none           sees all, edits none
=================  =============================  ==================================

Superusers see and edit everything; any other account (no scope, or a model
declared private) sees nothing, so a forgotten rule fails closed.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db.models import Q

from portal.freshness import FreshQuerySet

ALL = "all"
TOWNSHIP = "township"
COUNTY = "county"
NONE = "none"

VIEW = "view"
CHANGE = "change"


@dataclass(frozen=True)
class Ownership:
    """How one model's rows reach their owner: lookup paths to ``Township`` and/or ``County``.

    Declared on the model as ``ownership = Ownership(...)``; ``""`` means the
    model is itself the Township (or County). Give both paths for a model
    whose rows belong to a township when the township path is set and to the
    county otherwise.
    """

    township: str | None = None
    county: str | None = None
    shared: bool = False
    private: bool = False

    @property
    def kind(self):
        if self.shared:
            return "shared"
        if self.private:
            return "private"
        if self.township is not None and self.county is not None:
            return "mixed"
        return TOWNSHIP if self.township is not None else COUNTY


def ownership(model):
    """Return the ``Ownership`` declared on ``model`` (a class or an instance), or None."""
    model = model if isinstance(model, type) else type(model)
    own = getattr(model._meta.concrete_model, "ownership", None)
    return own if isinstance(own, Ownership) else None


def _project_models():
    """The concrete models of the project's own apps (not Django's, not third parties', no history tables)."""
    from simple_history.models import HistoricalChanges

    base = str(settings.BASE_DIR)
    for app_config in apps.get_app_configs():
        if not app_config.path.startswith(base) or "site-packages" in app_config.path:
            continue
        for model in app_config.get_models():
            if model._meta.auto_created or model._meta.proxy or issubclass(model, HistoricalChanges):
                continue
            yield model


def registered_models():
    """Return ``{model: Ownership}`` for every model that declares an owner (private ones left out)."""
    return {model: own for model in _project_models() if (own := ownership(model)) is not None and not own.private}


def _path_error(model, path, target_label):
    """Return why ``path`` from ``model`` does not reach ``target_label`` through to-one relations, or None."""
    if path == "":
        return None if model._meta.label == target_label else f"{model._meta.label} is not {target_label}"
    current = model
    for hop in path.split("__"):
        try:
            related = current._meta.get_field(hop)
        except FieldDoesNotExist:
            return f"{current._meta.label} has no field {hop!r}"
        if not (related.many_to_one or related.one_to_one) or related.remote_field is None:
            return f"{current._meta.label}.{hop} is not a foreign key"
        current = related.remote_field.model
    return None if current._meta.label == target_label else f"{path!r} leads to {current._meta.label}"


@checks.register(checks.Tags.models)
def check_ownership(app_configs=None, **kwargs):
    """System check: every model of the project declares its owner, along a path that exists."""
    errors = []
    for model in _project_models():
        own = ownership(model)
        if own is None:
            errors.append(
                checks.Error(
                    f"{model._meta.label} declares no owner.",
                    hint="Add ownership = Ownership(township=...), county=..., shared=True or private=True "
                    "(see portal.scoping).",
                    obj=model,
                    id="portal.E001",
                )
            )
            continue
        if not (own.shared or own.private) and own.township is None and own.county is None:
            errors.append(checks.Error(f"{model._meta.label}: an empty Ownership.", obj=model, id="portal.E002"))
        if not isinstance(model.objects.all(), RestrictedQuerySet):
            errors.append(
                checks.Error(
                    f"{model._meta.label}.objects has no restrict(): derive its queryset from RestrictedQuerySet.",
                    obj=model,
                    id="portal.E003",
                )
            )
        for path, target in ((own.township, "portal.Township"), (own.county, "portal.County")):
            if path is not None and (error := _path_error(model, path, target)):
                errors.append(checks.Error(f"{model._meta.label}: {error}.", obj=model, id="portal.E004"))
    return errors


# --- the account's scope -----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Where an account works: everything (superuser), one township, one county, or nowhere."""

    kind: str
    township_id: int | None = None
    county_id: int | None = None
    # township id → county id, filled as a reviewer's checks need them (one query per township, per request).
    township_counties: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def is_all(self):
        return self.kind == ALL

    @property
    def is_clerk(self):
        return self.kind == TOWNSHIP

    @property
    def is_reviewer(self):
        return self.kind == COUNTY


_NOWHERE = Scope(NONE)


def scope_of(user):
    """Return the account's ``Scope``, read once per user object (one query) and kept on it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOWHERE
    cached = getattr(user, "_portal_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(ALL)
    else:
        from portal.models import UserScope

        row = (
            UserScope.objects.filter(user=user)
            .select_related("township")
            .only("township_id", "county_id", "township__county_id")
            .first()
        )
        if row is None:
            scope = _NOWHERE
        elif row.township_id is not None:
            scope = Scope(TOWNSHIP, township_id=row.township_id, county_id=row.township.county_id)
        else:
            scope = Scope(COUNTY, county_id=row.county_id)
    user._portal_scope = scope
    return scope


def forget_scope(user):
    """Drop the cached scope, after the account's ``UserScope`` changed."""
    user.__dict__.pop("_portal_scope", None)


# --- querysets ---------------------------------------------------------------------------------


def _join(path, field):
    """``_join("item__township", "county")`` → ``"item__township__county"``; ``""`` is the model itself."""
    if path == "":
        return "pk" if field == "" else field
    return f"{path}__{field}" if field else path


def _township_rows(own, township_id):
    return Q(**{_join(own.township, ""): township_id})


def _townships_of_county(own, county_id):
    return Q(**{_join(own.township, "county"): county_id})


def _county_rows(own, county_id):
    return Q(**{_join(own.county, ""): county_id})


def _without_township(own):
    return Q(**{f"{own.township}__isnull": True})


def visible_filter(user, model):
    """Return a ``Q`` selecting the rows of ``model`` the account may see, or None for all rows.

    Returns ``Q(pk__in=[])`` when it may see none.
    """
    scope = scope_of(user)
    if scope.is_all:
        return None
    own = ownership(model)
    if scope.kind == NONE or own is None or own.private:
        return Q(pk__in=[])
    if own.shared:
        return None
    if own.kind == TOWNSHIP:
        if scope.is_clerk:
            return _township_rows(own, scope.township_id)
        return _townships_of_county(own, scope.county_id)
    if own.kind == COUNTY:
        return _county_rows(own, scope.county_id)
    # Mixed: a clerk sees its township's own rows and, read-only, the county-wide ones.
    county_wide = _without_township(own) & _county_rows(own, scope.county_id)
    if scope.is_clerk:
        return _township_rows(own, scope.township_id) | county_wide
    return _townships_of_county(own, scope.county_id) | county_wide


def editable_filter(user, model):
    """Return a ``Q`` selecting the rows of ``model`` the account may change or delete (None: all)."""
    scope = scope_of(user)
    if scope.is_all:
        return None
    own = ownership(model)
    if scope.kind == NONE or own is None or own.shared or own.private:
        return Q(pk__in=[])
    if scope.is_clerk and own.kind in (TOWNSHIP, "mixed"):
        return _township_rows(own, scope.township_id)
    if scope.is_reviewer and own.kind == COUNTY:
        return _county_rows(own, scope.county_id)
    if scope.is_reviewer and own.kind == "mixed":
        return _without_township(own) & _county_rows(own, scope.county_id)
    return Q(pk__in=[])


def _apply(queryset, condition):
    if condition is None:
        return queryset
    # A path through a to-many relation could repeat a row; every declared path is to-one, so no distinct().
    return queryset.filter(condition)


def visible(user, model, queryset=None):
    """Return the rows of ``model`` (or of ``queryset``) the account may see."""
    queryset = model._default_manager.all() if queryset is None else queryset
    return _apply(queryset, visible_filter(user, model))


def editable(user, model, queryset=None):
    """Return the rows of ``model`` (or of ``queryset``) the account may change or delete."""
    queryset = model._default_manager.all() if queryset is None else queryset
    return _apply(queryset, editable_filter(user, model))


def restrict(queryset, user, action=VIEW):
    """Return the rows of ``queryset`` the account may ``action`` (``"view"`` or ``"change"``; delete is change)."""
    if action == VIEW:
        return visible(user, queryset.model, queryset)
    if action in (CHANGE, "delete"):
        return editable(user, queryset.model, queryset)
    raise ValueError(f"restrict(): unknown action {action!r}")


class RestrictedQuerySet(FreshQuerySet):
    """Base of every project model's queryset: ``Model.objects.restrict(user, "view" | "change")``."""

    def restrict(self, user, action=VIEW):
        """Keep the rows ``user`` may ``action``, by the owner declared on the model (see module docstring)."""
        return restrict(self, user, action)


def townships_for(user, action=VIEW):
    """Return the townships the account may act for, as a queryset: the one answer everywhere.

    ``"view"``: every township (superuser), a clerk's own, a reviewer's
    county's. ``"change"``: every township (superuser), a clerk's own, none
    for a reviewer (county reviewers read townships' rows, never write them).
    """
    from portal.models import Township

    return Township.objects.restrict(user, action)


def may_add(user, model):
    """Whether the account may create rows of ``model`` at all (its permissions decide the rest)."""
    scope = scope_of(user)
    if scope.is_all:
        return True
    own = ownership(model)
    if own is None or own.shared or own.private or scope.kind == NONE:
        return False
    if scope.is_clerk:
        return own.kind in (TOWNSHIP, "mixed")
    return own.kind in (COUNTY, "mixed")


# --- single objects (also those rebuilt from history, which may no longer exist) ---------------


def _follow(obj, path):
    """Return the id of the Township/County ``obj`` reaches through ``path``, or None.

    Reads ``<last hop>_id`` so the last step costs no query.
    """
    if path == "":
        return obj.pk
    *hops, last = path.split("__")
    current = obj
    try:
        for hop in hops:
            current = getattr(current, hop)
            if current is None:
                return None
    except ObjectDoesNotExist:
        return None
    return getattr(current, f"{last}_id", None)


def _county_of_township(scope, township_id):
    from portal.models import Township

    if township_id not in scope.township_counties:
        county_id = Township.objects.filter(pk=township_id).values_list("county_id", flat=True).first()
        scope.township_counties[township_id] = county_id
    return scope.township_counties[township_id]


def owner_of(obj):
    """Return ``(kind, id)``: ``("township", 7)``, ``("county", 2)``, ``("shared", None)`` or ``(None, None)``."""
    own = ownership(obj)
    if own is None or own.private:
        return None, None
    if own.shared:
        return "shared", None
    if own.township is not None:
        township_id = _follow(obj, own.township)
        if township_id is not None or own.county is None:
            return TOWNSHIP, township_id
    return COUNTY, _follow(obj, own.county)


def can_see(user, obj):
    """Whether the account may see ``obj``: the same rule as ``visible()``, checked on one instance."""
    return _check(user, obj, write=False)


def can_edit(user, obj):
    """Whether the account may change or delete ``obj`` (or save it as it now stands, if new)."""
    return _check(user, obj, write=True)


def _check(user, obj, *, write):
    scope = scope_of(user)
    if scope.is_all:
        return True
    if scope.kind == NONE:
        return False
    kind, owner_id = owner_of(obj)
    if kind == "shared":
        return not write
    if kind is None or owner_id is None:
        return False
    own = ownership(obj)
    if kind == TOWNSHIP:
        if scope.is_clerk:
            return owner_id == scope.township_id
        return not write and _county_of_township(scope, owner_id) == scope.county_id
    # County-owned (or a county-wide row of a mixed model).
    if owner_id != scope.county_id:
        return False
    if scope.is_clerk:
        return not write
    return own.kind in (COUNTY, "mixed")


# --- choices offered on forms ------------------------------------------------------------------


def owner_field_names(model):
    """Return the form fields naming a row's owner: ``{"township": ..., "county": ...}`` first hops.

    Only direct foreign keys count (``"township"``, ``"county"``); a row owned
    through its parent (a material through its item) has none.
    """
    own = ownership(model)
    names = {}
    if own is None or own.shared or own.private:
        return names
    if own.township and "__" not in own.township:
        names[TOWNSHIP] = own.township
    if own.county and "__" not in own.county:
        names[COUNTY] = own.county
    return names


def owner_choices(user, model, role, queryset):
    """Narrow ``queryset`` (of Township or County) to the owners a new or changed row of ``model`` may name.

    ``role`` is ``"township"`` or ``"county"``. A clerk names only its own
    township (and its county); a reviewer names only its county and, on a
    mixed model, no township (a county-wide row).
    """
    scope = scope_of(user)
    if scope.is_all:
        return queryset
    if scope.kind == NONE:
        return queryset.none()
    own = ownership(model)
    if role == TOWNSHIP:
        return queryset.restrict(user, CHANGE)  # a clerk's own township; none for a reviewer
    if own is not None and own.kind == COUNTY and scope.is_clerk:
        return queryset.none()
    return queryset.filter(pk=scope.county_id)


def users_in_scope(user, queryset):
    """Narrow a queryset of accounts to those working in the same township or county (for "checked by")."""
    scope = scope_of(user)
    if scope.is_all:
        return queryset
    if scope.is_clerk:
        return queryset.filter(scope__township_id=scope.township_id)
    if scope.is_reviewer:
        return queryset.filter(Q(scope__county_id=scope.county_id) | Q(scope__township__county_id=scope.county_id))
    return queryset.none()


def is_user_model(model):
    return model._meta.label == settings.AUTH_USER_MODEL
