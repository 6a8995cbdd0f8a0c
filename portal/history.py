"""Who made a change, for saves outside a web request (management commands, scripts, imports).

django-simple-history takes the acting user from ``instance._history_user``
or from the request that ``HistoryRequestMiddleware`` keeps for the duration
of a web request. A command has no request: it wraps its writes in
``recorded_as(user)`` (the user named by its ``--user`` option), so every
history record written inside carries that user.
"""

from contextlib import contextmanager
from types import SimpleNamespace

from simple_history.models import HistoricalRecords


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
