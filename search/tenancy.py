"""Whom search's rows belong to (see portal.scoping)."""

from portal import scoping
from search.models import SearchEntry, SearchMiss, Synonym

# A township's own synonyms and misses belong to its clerks; built-in synonyms (no township) to administrators.
scoping.register(Synonym, township="township")
scoping.register(SearchMiss, township="township")
scoping.register(SearchEntry, township="township", county="county")
