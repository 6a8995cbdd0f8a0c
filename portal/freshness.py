"""Content versions: every write residents could see bumps the township's or the county's version, in ONE place.

A public page is cached under the versions of its township and county (see
``portal.caching``), so nothing has to list what a page shows. The writes are
caught here for every model of the project's apps, found at start-up, so a
new model cannot be forgotten:

- ``save`` (to the row's old and new owners), ``delete`` (also cascades) and m2m
  changes through signals;
- ``QuerySet.update``/``bulk_create``/``bulk_update`` through ``FreshQuerySet``,
  which every such model's default manager must use (system check
  ``portal.E101``), since Django sends no signal for them.

A row bumps the township or county it belongs to (``portal.scoping.owner_of``);
a township row also bumps its county (it is listed on county-wide pages and the
directory); shared reference rows (laws, categories, life events) and rows
nobody owns bump every county, which every page reads. Only the models in
``UNSEEN`` (and history tables) are left out: residents never see them.

Every bump also moves the **change stamp** (``stamp()``, ``stamp_move()``): a
random token that says "some version may have changed", readable without a
query. A cached page notes the stamp it was checked against; while the stamp
has not moved, the page is served without reading the versions at all. The
stamp lives where every process serving pages sees it: in the cache when the
cache is shared (``CACHE_URL``: Redis), else in a file in ``VAR_DIR`` (the
per-process default cache: gunicorn workers and management commands on one
machine). It moves at once and again when the transaction commits, so no
request can note the new stamp against versions read before the commit.
"""

import functools
import logging
import os

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import models, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

# Rows no public page shows: scan counters and accounts' scopes.
UNSEEN = {"portal.QRScanDay", "portal.UserScope"}
# Residents' reports, requests and ratings: the queue's, never the content of a public page.
UNSEEN |= {"feedback.Case", "feedback.Enquiry", "feedback.CaseEvent", "feedback.Rating"}
UNSEEN |= {"supervision.MonthlyFigures"}  # supervision figures: staff pages only
UNSEEN |= {"search.SearchMiss", "search.SearchDay"}  # what residents searched for: staff pages only
EVERYTHING = None  # the owners of a shared or unowned row: every page


def watched_models():
    """Every concrete model of the project's own apps whose rows residents may see (history tables excluded)."""
    return [
        model
        for model in apps.get_models()
        if "site-packages" not in model._meta.app_config.path
        and model._meta.label not in UNSEEN
        and not hasattr(model, "instance_type")  # django-simple-history's tables
    ]


def _ownership(model):
    from portal.scoping import ownership

    return ownership(model)


def _owners(rows):
    """Return ``(township ids, county ids)`` the given instances belong to, or EVERYTHING."""
    from portal.scoping import TOWNSHIP, owner_of  # scoping's querysets derive from FreshQuerySet

    townships, counties = set(), set()
    for row in rows:
        kind, pk = owner_of(row)
        if pk is None:
            return EVERYTHING
        (townships if kind == TOWNSHIP else counties).add(pk)
        if row._meta.label == "portal.Township":
            counties.add(row.county_id)
    return townships, counties


def _owners_of_rows(queryset):
    """The owners of the rows a queryset matches, in one query (run before it changes or deletes them)."""
    own = _ownership(queryset.model)
    if own is None or own.shared or own.private:
        return EVERYTHING
    is_township = queryset.model._meta.label == "portal.Township"
    township_path = "pk" if own.township == "" else own.township
    county_path = "county" if is_township else ("pk" if own.county == "" else own.county)
    townships, counties = set(), set()
    for township, county in queryset.order_by().values_list(township_path or "pk", county_path or "pk").distinct():
        if township_path and township is not None:
            townships.add(township)
            if is_township:
                counties.add(county)
        elif county_path and county is not None:
            counties.add(county)
        else:
            return EVERYTHING
    return townships, counties


def bump(owners, when=None):
    """Bump the versions of ``(township ids, county ids)``, or of every county for EVERYTHING.

    Written with the plain ``QuerySet.update`` (no signal, no ``auto_now``, no
    history row), so bumping never bumps again.
    """
    Township, County = apps.get_model("portal", "Township"), apps.get_model("portal", "County")
    change = {"content_version": F("content_version") + 1, "content_changed_at": when or timezone.now()}
    if owners is EVERYTHING:
        models.QuerySet.update(County.objects.all(), **change)
    else:
        townships, counties = owners
        if townships:
            models.QuerySet.update(Township.objects.filter(pk__in=townships), **change)
        if counties:
            models.QuerySet.update(County.objects.filter(pk__in=counties), **change)
    stamp_move()
    if transaction.get_connection().in_atomic_block:
        # Until the commit, other requests read the old versions and might note them against the
        # stamp just moved: moving it again after the commit makes them look once more.
        transaction.on_commit(stamp_move)


logger = logging.getLogger(__name__)
STAMP_KEY = "portal:content-stamp"
STAMP_FILE = "content-stamp"


def _stamp_in_cache():
    """Whether the stamp lives in the cache: only a cache every process shares can hold it."""
    return not isinstance(caches["default"], (LocMemCache, DummyCache))


def _stamp_read():
    if _stamp_in_cache():
        return caches["default"].get(STAMP_KEY)
    try:
        with open(settings.VAR_DIR / STAMP_FILE, encoding="ascii") as file:
            return file.read() or None
    except OSError:  # not there yet, or VAR_DIR is not a folder
        return None


@functools.cache
def _warn_no_stamp(folder):
    logger.warning("Cannot keep the change stamp in %s: every cached page costs a query.", folder)


def stamp():
    """Return the change stamp (a short str): it differs from any earlier value once a version was bumped.

    Costs a cache read with a shared cache, else the read of a 16-byte file; never a query. A lost
    stamp (a flushed cache, a removed file) is replaced by a new one, never by a value seen before.
    """
    value = _stamp_read()
    if value is None:
        try:
            stamp_move()
        except OSError:
            # No stamp can be kept (VAR_DIR not writable): a value never seen before makes every cached
            # page check its versions (one query), as correct as ever, only slower.
            _warn_no_stamp(str(settings.VAR_DIR))
            return os.urandom(8).hex()
        value = _stamp_read()
    return value


def stamp_move():
    """Move the change stamp to a new random value, seen at once by every process serving pages.

    The file is replaced, never rewritten in place, so a reader gets the old token or the new one.
    Raises OSError when ``VAR_DIR`` is not writable: a save must not leave cached pages believed fresh.
    """
    token = os.urandom(8).hex()
    if _stamp_in_cache():
        caches["default"].set(STAMP_KEY, token, timeout=None)
        return
    path = settings.VAR_DIR / STAMP_FILE
    temporary = path.with_name(f"{STAMP_FILE}.{token}.tmp")
    temporary.write_text(token, encoding="ascii")
    os.replace(temporary, path)


class FreshQuerySet(models.QuerySet):
    """The QuerySet of every model residents see: its bulk writes bump the content versions too."""

    def update(self, **kwargs):
        if self.model._meta.label in UNSEEN:
            return super().update(**kwargs)
        own = _ownership(self.model)
        hops = {path.split("__")[0] for path in (own.township, own.county) if path} if own else set()
        # Moving rows to another owner bumps every page: the new owners are not known before.
        owners = EVERYTHING if hops & set(kwargs) else _owners_of_rows(self)
        done = super().update(**kwargs)
        if done:
            bump(owners)
        return done

    def bulk_create(self, objs, *args, **kwargs):
        objs = super().bulk_create(objs, *args, **kwargs)
        if objs and self.model._meta.label not in UNSEEN:
            bump(_owners(objs))
        return objs

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        done = super().bulk_update(objs, fields, *args, **kwargs)
        if objs and self.model._meta.label not in UNSEEN:
            bump(_owners(objs))
        return done


def _before_save(sender, instance, **kwargs):
    # A row moved to another township leaves the old one's pages too: note its owners as stored.
    if not instance._state.adding and instance.pk is not None:
        instance._owners_before_save = _owners_of_rows(sender._base_manager.filter(pk=instance.pk))


def _on_write(sender, instance, **kwargs):
    owners, before = _owners([instance]), instance.__dict__.pop("_owners_before_save", (set(), set()))
    owners = EVERYTHING if EVERYTHING in (owners, before) else (owners[0] | before[0], owners[1] | before[1])
    # A save is dated by the row's own updated_at (the page's Last-Modified), a deletion by now.
    bump(owners, when=getattr(instance, "updated_at", None) if "created" in kwargs else None)


def _on_m2m(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        bump(_owners([instance]))


def connect():
    """Connect the receivers to every watched model and its many-to-many tables (called from portal's ready())."""
    for model in watched_models():
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"fresh-before-{model._meta.label}")
        post_save.connect(_on_write, sender=model, dispatch_uid=f"fresh-save-{model._meta.label}")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"fresh-delete-{model._meta.label}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_on_m2m, sender=through, dispatch_uid=f"fresh-m2m-{through._meta.label}")


@checks.register(checks.Tags.models)
def check_fresh_querysets(app_configs=None, **kwargs):
    """Every watched model's default manager must bump on bulk writes (``FreshQuerySet``)."""
    return [
        checks.Error(
            f"{model._meta.label}'s default manager does not use portal.freshness.FreshQuerySet.",
            hint="Base its QuerySet on portal.scoping.RestrictedQuerySet (a FreshQuerySet), or list it in UNSEEN.",
            obj=model,
            id="portal.E101",
        )
        for model in watched_models()
        if not isinstance(model._default_manager.get_queryset(), FreshQuerySet)
    ]
