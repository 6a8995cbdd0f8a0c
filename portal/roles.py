"""The two staff roles as Django groups, kept in step with the code by ``roles_ensure()``.

A role says what *kinds* of rows an account may view, add, change or delete;
its ``UserScope`` (see ``portal.scoping``) says *which* rows. Both roles are
derived from the owners declared on the models (``ownership = Ownership(...)``,
see ``portal.scoping``), so a model declared township-owned is a clerk's to
keep without editing this file:

- 乡镇办事员 (township clerk): add, change, delete and view every
  township-owned or mixed kind of row (except the exceptions below); view the
  county's departments and sections and the shared reference data.
- 县级审核员 (county reviewer): view every kind of row and its change history;
  add and change county departments, their sections and phones, and
  certificate rules (scoping limits the last to county-wide ones).

``roles_ensure()`` runs after every ``migrate`` and from ``add_clerk``; it
*sets* each group's permissions, so a permission granted by hand in the admin
is taken away again on the next migrate: change roles here, not there.
"""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from portal import scoping

CLERK = "乡镇办事员"
REVIEWER = "县级审核员"
ROLES = (CLERK, REVIEWER)

CRUD = ("add", "change", "delete", "view")

# Township-owned rows a clerk may not keep in full: the superuser creates
# townships; scan counts are written by the code redirect only.
CLERK_LIMITS = {
    "portal.township": ("view", "change"),
    "portal.qrscanday": ("view",),
}

# What a reviewer may write besides viewing everything. Departments are never
# deleted from here: items and liaison rows refer to them. Sections are kept
# inside the department's page, where removing one is a delete.
REVIEWER_WRITES = {
    "staff.countydepartment": ("add", "change", "view"),
    "staff.departmentsection": CRUD,
    "services.certificaterule": CRUD,
}


def _history_model(model):
    history = getattr(model, "history", None)
    return getattr(history, "model", None)


def _grants():
    """Return ``{role: {(model, action), …}}`` from the owners declared on the models."""
    clerk, reviewer = set(), set()
    for model, own in scoping.registered_models().items():
        label = model._meta.label_lower
        history = _history_model(model)
        reviewer.update((model, action) for action in REVIEWER_WRITES.get(label, ("view",)))
        if history is not None:
            reviewer.add((history, "view"))
        if own.kind in (scoping.TOWNSHIP, "mixed"):
            clerk.update((model, action) for action in CLERK_LIMITS.get(label, CRUD))
            if history is not None:
                clerk.add((history, "view"))
        else:  # county-owned and shared reference data: read only
            clerk.add((model, "view"))
    return {CLERK: clerk, REVIEWER: reviewer}


def _permissions(pairs):
    from django.contrib.contenttypes.models import ContentType

    by_model = {}
    for model, action in pairs:
        by_model.setdefault(model, set()).add(f"{action}_{model._meta.model_name}")
    content_types = ContentType.objects.get_for_models(*by_model, for_concrete_models=False)
    condition = Q(pk__in=[])
    for model, codenames in by_model.items():
        condition |= Q(content_type=content_types[model], codename__in=codenames)
    return list(Permission.objects.filter(condition))


@transaction.atomic
def roles_ensure():
    """Create or update the two role groups with exactly the permissions their role needs; return them."""
    # Permissions of later apps do not exist yet when portal's post_migrate runs; make them now (idempotent).
    for app_config in apps.get_app_configs():
        if app_config.models_module is not None:
            create_permissions(app_config, verbosity=0)
    groups = {}
    for name, pairs in _grants().items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(pairs))
        groups[name] = group
    return groups


def roles_ensure_after_migrate(sender, using="default", **kwargs):
    """post_migrate receiver (connected in PortalConfig.ready)."""
    if using != "default":
        return
    roles_ensure()


def role_assign(*, user, role):
    """Put ``user`` in ``role``'s group and out of the other role's."""
    groups = roles_ensure()
    for name, group in groups.items():
        if name == role:
            user.groups.add(group)
        else:
            user.groups.remove(group)
