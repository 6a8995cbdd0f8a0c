"""Find what a resident means, in their own words: sentences, Traditional characters, pinyin, slips, everyday names.

One search reads the township's synonyms and its prepared search text (two
queries, whatever the size of the township; see ``search.indexing``) and
scores every row in Python, so SQLite and PostgreSQL give the same answer.
Each word of the query is scored on its own (none is required): a match in a
name beats a keyword, which beats a material or a description; an exact
character match beats a pinyin (homophone) match; a word that many rows
contain counts less than a rare one. Withdrawn and merged items come after
the in-force ones, with their notice.
"""

import heapq
import math
import re
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from search import text
from search.models import SearchEntry, Synonym

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 100
MAX_TERMS = 8

# What a match of one word is worth, by where and how it matched.
NAME = 10.0
NAME_SOUND = 8.0
KEYWORD = 7.0
KEYWORD_SOUND = 5.5
EXTRA = 2.5
PARTIAL = 4.0
# A query whose words all appear, in order, in a name is what the resident meant.
WHOLE_NAME_BONUS = 10.0
COVERAGE_BONUS = 4.0
MIN_SCORE = 2.0
# A result scoring under this share of the best one is noise, not an answer (measured on the 170 residents'
# queries: the top-3 accuracy is the same from 0 to 0.25; 0.15 keeps 生育登记 for 小孩出生了 at 0.19).
RELATIVE_FLOOR = 0.15

# What each kind of result is worth: residents come for items and certificates; a list entry or a window
# is an answer only when nothing closer is found.
KIND_WEIGHT = {
    SearchEntry.Kind.ITEM: 1.0,
    SearchEntry.Kind.RULE: 1.0,
    SearchEntry.Kind.POST: 0.9,
    SearchEntry.Kind.VILLAGE: 0.9,
    SearchEntry.Kind.OFFICE: 0.8,
    SearchEntry.Kind.WINDOW: 0.7,
    SearchEntry.Kind.ENTRY: 0.6,
}

# On a tie, what a resident most likely came for.
KIND_ORDER = {
    SearchEntry.Kind.ITEM: 0,
    SearchEntry.Kind.RULE: 1,
    SearchEntry.Kind.POST: 2,
    SearchEntry.Kind.OFFICE: 3,
    SearchEntry.Kind.WINDOW: 4,
    SearchEntry.Kind.VILLAGE: 5,
    SearchEntry.Kind.ENTRY: 6,
}

_FIELDS = (
    "pk",
    "kind",
    "object_id",
    "township_id",
    "title",
    "detail",
    "summary",
    "status",
    "notice",
    "retired",
    "order",
    "link_id",
    "link_township_id",
    "name",
    "name_pinyin",
    "name_letters",
    "name_initials",
    "keywords",
    "keywords_pinyin",
    "keywords_letters",
    "keywords_initials",
    "extra",
    "people",
)


@dataclass
class Term:
    """One word of a query: its characters (or Latin letters), fuzzy pinyin and weight."""

    text: str
    weight: float = 1.0
    latin: bool = False
    pinyin: str = ""
    synonym_of: str = ""


@dataclass
class Query:
    """What the resident typed, understood: the normalised text and its weighted words."""

    typed: str
    normalised: str
    terms: list = field(default_factory=list)

    @property
    def han_words(self):
        """Return the words to highlight: what was typed and what its synonyms stand for."""
        return [t.text for t in self.terms if not t.latin]


@dataclass
class Result:
    """One thing found, ready to show: the row, its score and the highlighted title and summary."""

    row: dict
    score: float
    title_html: str = ""
    summary_html: str = ""

    @property
    def on_duty(self):
        """Return ``[(role, name, phone)]`` of a post's holders on duty, A first."""
        return [tuple(line.split("|", 2)) for line in self.row["people"].splitlines() if line.count("|") == 2]

    @property
    def kind_label(self):
        return SearchEntry.Kind(self.row["kind"]).label

    def __getattr__(self, name):
        try:
            return self.__dict__["row"][name]
        except KeyError:
            raise AttributeError(name) from None


def clean_query(typed):
    """Return what the resident typed, without NULs, trimmed to a sane length."""
    return (typed or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]


def understand(typed, synonyms=()):
    """Return the ``Query`` of ``typed``: normalised, synonyms applied, cut into weighted words.

    ``synonyms`` are ``(phrase, target)`` pairs, both normalised. A synonym's
    phrase found in the query is replaced by the catalogue's word, which then
    counts a little more than a word typed (it is what the clerk said it means).
    """
    normalised = text.normalise(clean_query(typed))
    query = Query(typed=typed, normalised=normalised)
    # Longest phrases first, so 新农合医保 is not eaten by 农合; a phrase inside one already found is skipped.
    spans = []
    for phrase, target in sorted(synonyms, key=lambda pair: -len(pair[0])):
        start = normalised.find(phrase) if phrase else -1
        if start < 0 or any(s <= start and start + len(phrase) <= e for s, e in spans):
            continue
        spans.append((start, start + len(phrase)))
        if all(t.text != target for t in query.terms):
            query.terms.append(Term(target, 1.2, pinyin=text.fuzzy_pinyin(target), synonym_of=phrase))
    # Where jieba cut across a phrase (新农|合在哪交), the phrase is blanked and the rest cut again.
    rest = normalised
    for s, e in spans:
        if any(_crosses(start, end, s, e) for _w, start, end in text.tokens(normalised)):
            rest = rest[:s] + " " * (e - s) + rest[e:]
    latin_words = []
    for word, start, end in text.tokens(rest):
        if not text.has_han(word):
            latin_words.append(word)
            continue
        # The resident's own word, unless a synonym already stands for it.
        if any(s <= start and end <= e for s, e in spans) or any(word == t.text for t in query.terms):
            continue
        weight = 0.5 if len(word) == 1 else 1.0
        query.terms.append(Term(word, weight, pinyin=text.fuzzy_pinyin(word)))
    latin = "".join(w for w in latin_words if w.isalpha())
    if len(latin) >= 2:
        query.terms.append(Term(latin, 1.0, latin=True))
    query.terms = query.terms[:MAX_TERMS]
    return query


def _crosses(start, end, s, e):
    """Whether a token [start, end) overlaps a phrase [s, e) with neither holding the other."""
    overlap = start < e and s < end
    return overlap and not (start <= s and e <= end) and not (s <= start and end <= e)


def _bigrams(word):
    return {word[i : i + 2] for i in range(len(word) - 1)}


class Corpus(list):
    """The prepared rows of a township, with each text field also joined into one string.

    Finding a word is then one ``str.find`` pass in C over a field of every row
    rather than a Python loop over rows: a search costs in proportion to the
    rows that match, not to the size of the township.
    """

    _SEPARATOR = "\x01"  # never in a normalised text

    def __init__(self, rows):
        super().__init__(rows)
        self._joined = {}

    def hits(self, field_name, needle):
        """Return the indexes of the rows whose ``field_name`` contains ``needle``, in order."""
        if not needle:
            return []
        if field_name not in self._joined:
            starts, position = [], 0
            for row in self:
                starts.append(position)
                position += len(row[field_name]) + 1
            self._joined[field_name] = (self._SEPARATOR.join(row[field_name] for row in self), starts)
        joined, starts = self._joined[field_name]
        found, position, last = [], 0, len(starts) - 1
        while (at := joined.find(needle, position)) >= 0:
            index = bisect_right(starts, at) - 1
            found.append(index)
            if index >= last:
                break
            position = starts[index + 1]
        return found


def _term_scores(term, corpus):
    """Return ``{row index: worth}`` of ``term`` before weighting: the best place each row matches it."""
    scores = {}

    def give(field_name, needle, worth):
        for index in corpus.hits(field_name, needle):
            scores.setdefault(index, worth)

    if term.latin:
        letters = term.text
        give("name_letters", letters, NAME_SOUND)
        give("keywords_letters", letters, KEYWORD_SOUND)
        if len(letters) >= 2:
            give("name_initials", letters, NAME_SOUND - 1)
        if len(letters) >= 3:
            give("keywords_initials", letters, KEYWORD_SOUND - 1)
        return scores
    word = term.text
    give("name", word, NAME)
    give("keywords", word, KEYWORD)
    exact = bool(scores)
    if len(word) >= 2:  # one character's sound matches half the catalogue: no answer
        give("name_pinyin", term.pinyin, NAME_SOUND)
        give("keywords_pinyin", term.pinyin, KEYWORD_SOUND)
    give("extra", word, EXTRA)
    if len(word) >= 3 and not exact:  # a word found as typed needs no partial guesses
        # Half or more of a long word's character pairs in a name or keywords: a partial match.
        grams = _bigrams(word)
        found = {}
        for gram in grams:
            for index in set(corpus.hits("name", gram)) | set(corpus.hits("keywords", gram)):
                found[index] = found.get(index, 0) + 1
        for index, count in found.items():
            if count * 2 >= len(grams):
                scores.setdefault(index, PARTIAL * count / len(grams))
    return scores


def rank(query, rows):
    """Return ``[Result]`` of ``rows`` matching ``query``, best first, retired after in-force, at most a page."""
    if not query.terms:
        return []
    corpus = rows if isinstance(rows, Corpus) else Corpus(rows)
    n = len(rows) or 1
    per_term = []
    for term in query.terms:
        scores = _term_scores(term, corpus)
        # A word in many rows (补贴, 登记) tells less than a rare one (高龄, 宅基地).
        rarity = max(0.3, math.log((n + 1) / (len(scores) + 0.5)) / math.log(n + 1.5)) if scores else 0
        per_term.append((term, scores, rarity))
    totals = {}
    matched = {}
    strong = set()  # rows a word of two or more characters (or a synonym, or pinyin) matched
    for term, scores, rarity in per_term:
        for i, score in scores.items():
            totals[i] = totals.get(i, 0.0) + score * term.weight * (0.5 + rarity)
            matched[i] = matched.get(i, 0) + 1
            if term.weight >= 1:
                strong.add(i)
    # 生孩子 is 生 + 孩子: when a real word found something, rows that only share a lone character with
    # the query (生活补贴, 安全生产) are noise, not results. A query of lone characters keeps them all.
    if strong:
        totals = {i: total for i, total in totals.items() if i in strong}
    han = "".join(t.text for t in query.terms if not t.latin and not t.synonym_of)
    whole = set(corpus.hits("name", han)) if len(han) >= 2 else set()
    typed = query.normalised.replace(" ", "")
    ranked = []
    for i, total in totals.items():
        row = rows[i]
        total += COVERAGE_BONUS * matched[i] / len(query.terms)
        # The words typed are a whole name, or a whole name is in what was typed (婚姻状况证明去哪开).
        if i in whole or (len(row["name"]) >= 3 and row["name"] in typed):
            total += WHOLE_NAME_BONUS
        total = round(total * KIND_WEIGHT.get(row["kind"], 0.5), 3)
        if total >= MIN_SCORE:
            ranked.append((row["retired"], -total, KIND_ORDER.get(row["kind"], 9), row["order"], row["object_id"], i))
    # Far below the best match is noise (every item that asks for an ID card, for 身份证过期了).
    if ranked:
        floor = RELATIVE_FLOOR * max(-key[1] for key in ranked)
        ranked = [key for key in ranked if -key[1] >= floor]
    # Only a page is shown: pick it without sorting every match.
    results = [Result(rows[key[-1]], -key[1]) for key in heapq.nsmallest(PAGE_SIZE, ranked)]
    pattern = _highlighter(query.han_words)
    latin = [t.text for t in query.terms if t.latin]
    for result in results:
        if latin:  # pinyin typed: mark the characters it spells
            pattern = _highlighter(query.han_words + _spelled(result.row["title"], latin))
        result.title_html = highlight(result.row["title"], pattern)
        result.summary_html = highlight(result.row["summary"], pattern)
    return results


def _spelled(title, spellings):
    """Return the runs of characters of ``title`` whose pinyin (full or initials) is one of ``spellings``."""
    sounds = [text.letters(text.normalise(char)) for char in title]
    found = []
    for start in range(len(title)):
        full = initials = ""
        for end in range(start, min(len(title), start + 12)):
            if not sounds[end]:
                break
            full += sounds[end]
            initials += sounds[end][0]
            if full in spellings or (len(initials) >= 2 and initials in spellings):
                found.append(title[start : end + 1])
    return found


def _highlighter(words):
    words = sorted({w for w in words if w}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)) if words else None


def highlight(value, pattern):
    """Return ``value`` escaped, with the resident's words wrapped in ``<mark>`` (safe HTML)."""
    if not value:
        return ""
    if pattern is None:
        return escape(value)
    pieces, last = [], 0
    for match in pattern.finditer(value):
        pieces.append(escape(value[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    pieces.append(escape(value[last:]))
    return mark_safe("".join(pieces))  # noqa: S308  (every piece escaped above)


def suggest(query, rows, limit=3):
    """Return up to ``limit`` item titles closest to ``query`` by characters and sound (您是不是要找…)."""
    typed = query.normalised.replace(" ", "")
    if not typed:
        return []
    chars = set(typed) - set(" ")
    sounds = set(text.fuzzy_pinyin(typed).split()) if text.has_han(typed) else set()
    scored = []
    for row in rows:
        if row["kind"] != SearchEntry.Kind.ITEM or row["retired"]:
            continue
        name = row["name"]
        shared = len(chars & set(name)) / max(len(chars), 1)
        heard = len(sounds & set(row["name_pinyin"].split())) / max(len(sounds), 1) if sounds else 0
        score = max(shared, heard)
        if score >= 0.34:
            scored.append((-score, row["order"], row["title"], row))
    scored.sort(key=lambda s: s[:3])
    return [s[3] for s in scored[:limit]]


def township_rows(township, today=None):
    """Return the prepared rows a resident of ``township`` searches on ``today`` (ONE query).

    An item whose publication date is still ahead is left out until that day,
    as its page is (``ServiceItem.objects.public()``); one past its scheduled
    withdrawal reads as withdrawn.
    """
    today = today or timezone.localdate()
    rows = list(SearchEntry.objects.for_township(township).shown(today).values(*_FIELDS, "retired_from"))
    for row in rows:
        # Past its scheduled withdrawal an item reads as withdrawn, as its page does, with nothing saved.
        if row["retired_from"] is not None and row["retired_from"] <= today:
            row.update(status="withdrawn", notice="已取消", retired=True, detail="")
    return rows


def township_synonyms(township):
    """Return ``(phrase, target)`` pairs, normalised, of the built-in list and the township's own (ONE query)."""
    pairs = Synonym.objects.for_township(township).values_list("phrase", "target")
    return [(text.normalise(phrase), text.normalise(target)) for phrase, target in pairs]


def _version_sql():
    entries = connection.ops.quote_name(SearchEntry._meta.db_table)
    synonyms = connection.ops.quote_name(Synonym._meta.db_table)
    owners = [
        (entries, "township_id = %s"),
        (entries, "township_id IS NULL AND county_id = %s"),
        (synonyms, "township_id = %s"),
        (synonyms, "township_id IS NULL"),
    ]
    parts = [f"(SELECT MAX(updated_at) FROM {t} WHERE {w}), (SELECT COUNT(*) FROM {t} WHERE {w})" for t, w in owners]
    return "SELECT " + ", ".join(parts)


def _version(township):
    """Return the newest change and row count of the township's search text and synonyms (ONE query).

    Plain SQL that SQLite and PostgreSQL both answer, each subquery from an
    index; built by hand because the ORM takes longer to compile eight
    subqueries than the database takes to run them.
    """
    ids = [township.pk, township.pk, township.county_id, township.county_id, township.pk, township.pk]
    with connection.cursor() as cursor:
        cursor.execute(_version_sql(), ids)
        return tuple(str(value) for value in cursor.fetchone())


# township id -> (version, synonyms, rows): a worker keeps the prepared rows of the townships it served
# and reads them again only when a clerk's change shows in the version (ONE query instead of two large ones).
_prepared = OrderedDict()
_PREPARED_TOWNSHIPS = 16


def forget():
    """Drop the prepared rows this process keeps (tests measuring a cold search call it)."""
    _prepared.clear()


def township_data(township):
    """Return ``(synonyms, rows)`` of ``township``: one query when unchanged since last time, three otherwise."""
    # The day is part of the version: rows scheduled for today appear without anyone saving anything.
    version = (*_version(township), timezone.localdate().isoformat())
    kept = _prepared.get(township.pk)
    if kept is not None and kept[0] == version:
        _prepared.move_to_end(township.pk)
        return kept[1], kept[2]
    synonyms, rows = township_synonyms(township), Corpus(township_rows(township))
    _prepared[township.pk] = (version, synonyms, rows)
    while len(_prepared) > _PREPARED_TOWNSHIPS:
        _prepared.popitem(last=False)
    return synonyms, rows


def search(township, typed):
    """Return ``(query, results, rows)`` for what a resident of ``township`` typed (one to three queries)."""
    synonyms, rows = township_data(township)
    query = understand(typed, synonyms)
    return query, rank(query, rows), rows
