"""The clerk's board section of search misses: ``{% load search_board %}{% search_misses township %}``."""

from django import template

from search import engine
from search.misses import WINDOW_DAYS, frequent_misses
from services.models import ServiceItem

register = template.Library()


@register.inclusion_tag("admin/search/misses.html", takes_context=True)
def search_misses(context, township):
    """Return the township's most frequent misses of the last 30 days, each with the closest item preselected."""
    misses = frequent_misses(township)
    items = []
    if misses:
        items = list(ServiceItem.objects.of_township(township).in_force().order_by("code").values("pk", "code", "name"))
        _synonyms, rows = engine.township_data(township)
        for miss in misses:
            query = engine.understand(miss["query"], _synonyms)
            results = engine.rank(query, rows) if query.terms else []
            best = next((r for r in results if r.kind == "item"), None)
            if best is None:
                close = engine.suggest(query, rows, limit=1)
                best = close[0]["object_id"] if close else None
            else:
                best = best.object_id
            miss["best"] = best
    return {
        "township": township,
        "misses": misses,
        "items": items,
        "days": WINDOW_DAYS,
        "csrf_token": context.get("csrf_token"),
    }
