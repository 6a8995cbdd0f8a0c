"""Search a township's service items the way residents type: 宅基地, 低保, 营业执照, 出生.

The query runs as plain SQL that SQLite and PostgreSQL answer alike: each
term is matched with ``icontains`` (LIKE; Chinese has no letter case, so both
databases agree), terms are ANDed, and relevance is computed in SQL with
Case/When so the order is the same everywhere. No full-text engine: a
township has a few hundred items at most.
"""

import re

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

from services.models import Material, ServiceItem

MAX_TERMS = 5
MAX_TERM_LENGTH = 30

# Residents separate words with spaces or Chinese punctuation.
_SEPARATORS = re.compile(r"[\s、，,；;。．.：:/|]+")

# What a match in each place is worth: a name match beats a keyword, which beats a material.
NAME_WEIGHT = 4
KEYWORD_WEIGHT = 2
MATERIAL_WEIGHT = 1


def split_terms(query):
    """Return up to MAX_TERMS distinct, trimmed search terms from what the resident typed."""
    terms = []
    for part in _SEPARATORS.split(query or ""):
        part = part.strip()[:MAX_TERM_LENGTH]
        if part and part not in terms:
            terms.append(part)
    return terms[:MAX_TERMS]


def search_items(township, query="", *, category=None, life_event=None):
    """Return the township's items matching every term, best first; retired items last.

    Withdrawn and merged items still match (a resident may know an old name)
    so their page can send them on; in-force and suspended items come first.
    With no terms, ``category`` or ``life_event`` browse in-force items.
    """
    terms = split_terms(query)
    items = (
        ServiceItem.objects.of_township(township).public().select_related("office", "window", "category", "merged_into")
    )
    if not terms and category is None and life_event is None:
        return items.none()
    if category is not None:
        items = items.in_force().filter(category=category)
    if life_event is not None:
        items = items.in_force().filter(life_events=life_event)
    relevance = Value(0, output_field=IntegerField())
    for term in terms:
        in_name = Q(name__icontains=term)
        in_keywords = Q(keywords__icontains=term) | Q(summary__icontains=term)
        in_materials = Exists(Material.objects.filter(item=OuterRef("pk"), name__icontains=term))
        items = items.filter(in_name | in_keywords | in_materials)
        relevance = relevance + Case(
            When(in_name, then=Value(NAME_WEIGHT)),
            When(in_keywords, then=Value(KEYWORD_WEIGHT)),
            default=Value(MATERIAL_WEIGHT),
            output_field=IntegerField(),
        )
    retired = Case(
        When(status__in=[ServiceItem.Status.IN_FORCE, ServiceItem.Status.SUSPENDED], then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return items.annotate(relevance=relevance, retired=retired).order_by("retired", "-relevance", "order", "code", "pk")
