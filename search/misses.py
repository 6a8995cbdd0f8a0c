"""Searches counted per township and day, those that found nothing also by normalised query — and fixing them.

Only the words are kept, never who searched: no IP address, no account, no
time of day; runs of six or more digits (an ID card or phone number typed by
mistake) are dropped before anything is stored.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from search.indexing import refresh_objects
from search.models import SearchDay, SearchEntry, SearchMiss, Synonym
from services.models import ServiceItem

WINDOW_DAYS = 30
_LONG_NUMBER = re.compile(r"\d{6,}")


def miss_key(normalised):
    """Return what is stored of a normalised query that found nothing ("" when nothing may be kept)."""
    return " ".join(_LONG_NUMBER.sub(" ", normalised).split())[: SearchMiss._meta.get_field("query").max_length]


def search_record(*, township_id, missed_query=None, found=True, day=None):
    """Count one resident's search in the township's day; on a miss also count its words (``missed_query``).

    ``found`` False with an empty ``missed_query`` (only a long number was typed) counts a miss
    without words. One upsert, two on a miss with words; nothing about who searched.
    """
    day = day or timezone.localdate()
    missed = 0 if found else 1
    table = connection.ops.quote_name(SearchDay._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (township_id, day, searches, misses) VALUES (%s, %s, 1, %s) "
            f"ON CONFLICT (township_id, day) DO UPDATE SET searches = {table}.searches + 1, "
            f"misses = {table}.misses + %s",
            [township_id, day, missed, missed],
        )
    if not found:
        miss_record(township_id=township_id, query=missed_query, day=day)


def miss_record(*, township_id, query, day=None):
    """Count one search of ``query`` that found nothing: ONE statement (an upsert), whatever came before."""
    if not query:
        return
    table = connection.ops.quote_name(SearchMiss._meta.db_table)
    # INSERT … ON CONFLICT … DO UPDATE: SQLite 3.24+ and PostgreSQL 9.5+ speak it alike.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (township_id, query, day, count) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT (township_id, query, day) DO UPDATE SET count = {table}.count + 1",
            [township_id, query, day or timezone.localdate()],
        )


def frequent_misses(township, *, today=None, limit=10):
    """Return the township's most frequent misses of the last 30 days, most frequent first (ONE query)."""
    today = today or timezone.localdate()
    return list(SearchMiss.objects.frequent(township, today - datetime.timedelta(days=WINDOW_DAYS - 1), limit))


@transaction.atomic
def miss_fix(*, township, query, item, as_synonym, user=None):
    """Teach the search that ``query`` means ``item``: as the item's keyword or as a township synonym.

    Then forget the query's misses, so the board shows what is still unanswered.
    Return a sentence saying what was done.
    """
    if item.township_id != township.pk:
        raise ValidationError(_("这个事项不属于本乡镇。"))
    query = " ".join(query.split())[:40]
    if not query:
        raise ValidationError(_("没有要添加的词。"))
    if as_synonym:
        synonym, created = Synonym.objects.get_or_create(
            township=township, phrase=query, target=item.name[:60], defaults={"created_by": user, "updated_by": user}
        )
        done = _("已添加同义词：%(synonym)s") % {"synonym": synonym}
    else:
        item = ServiceItem.objects.select_for_update().get(pk=item.pk)
        keywords = [k for k in re.split(r"[、，,；;\n]+", item.keywords) if k.strip()]
        if query not in keywords:
            keywords.append(query)
            item.keywords = "、".join(keywords)
            item.updated_by = user
            item.full_clean()
            item.save()
        refresh_objects(SearchEntry.Kind.ITEM, [item.pk])
        done = _("已把“%(word)s”加为“%(item)s”的关键词") % {"word": query, "item": item.name}
    SearchMiss.objects.filter(township=township, query=query).delete()
    return done
