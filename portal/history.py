"""Who made a change, for saves outside a web request (management commands, scripts, imports).

django-simple-history takes the acting user from ``instance._history_user``
or from the request that ``HistoryRequestMiddleware`` keeps for the duration
of a web request. A command has no request: it wraps its writes in
``recorded_as(user)`` (the user named by its ``--user`` option), so every
history record written inside carries that user.
"""

from contextlib import contextmanager
from types import SimpleNamespace

from django.db.models.signals import pre_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords


@receiver(pre_save, dispatch_uid="portal.history.no_history_for_fixture_loads")
def no_history_for_fixture_loads(sender, instance, raw=False, **kwargs):
    """Write no history for a row loaded from a fixture, including its many-to-many fields.

    loaddata saves rows "raw", for which django-simple-history writes
    nothing, but then sets their many-to-many fields, for which it would
    write a "changed" record dated the day of the load: the demo's load would
    read as a day of changes in 更新记录. The flag lives on the instance
    loaddata is about to discard.
    """
    if raw:
        instance.skip_history_when_saving = True


@contextmanager
def recorded_as(user):
    """Attribute every history record written inside the block to ``user`` (restoring any outer one after)."""
    context = HistoricalRecords.context
    missing = object()
    outer = getattr(context, "request", missing)
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if outer is missing:
            del context.request
        else:
            context.request = outer


def stamp_user(obj, user, *, created=None):
    """Record ``user`` as the one who changes ``obj``: last editor, creator if new, and its history entry.

    The one place the acting account is written onto a row before it is
    saved, whoever saves it (admin, imports, "mark checked"). ``created``
    defaults to whether ``obj`` is still unsaved. Models without the audit
    fields get the history entry only.
    """
    if created is None:
        created = obj._state.adding
    if created and hasattr(obj, "created_by_id") and obj.created_by_id is None:
        obj.created_by = user
    if hasattr(obj, "updated_by_id"):
        obj.updated_by = user
    obj._history_user = user
