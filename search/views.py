"""The residents' search page: what they typed, understood; the best answers first; never a dead end."""

from functools import wraps

from django.core.cache import cache
from django.db.models import OuterRef
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.caching import SERVER_CACHE_SECONDS, public_page
from portal.clients import is_a_known_robot
from portal.models import Township
from search import engine
from search.misses import miss_key, search_record
from search.models import SearchEntry
from services.models import Category, LifeEvent, ServiceItem
from staff.models import Window

Kind = SearchEntry.Kind
anchor = OuterRef  # anchor("pk"): a column of the township row the page is about


def _search_flag_key(request):
    return "search-done:" + request.get_full_path()


def counting_searches(view):
    """Count a resident's search, and its words when it found nothing, even when the page comes from the cache.

    The view marks the search on the request when it renders: ``(township id,
    words kept of a miss or "", found)``; the mark is kept next to the cached
    page (by address), so a resident served the cached page is counted too.
    Crawlers, prefetches and HEAD requests are not residents reading and are not counted. At most two
    upserts; nothing else is written.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code not in (200, 304):
            return response
        if hasattr(request, "search_done"):
            flag = request.search_done
            if SERVER_CACHE_SECONDS:
                cache.set(_search_flag_key(request), flag, SERVER_CACHE_SECONDS)
        else:
            flag = cache.get(_search_flag_key(request))
        # A HEAD asks whether the page is there (link checkers, some chat apps' previews), not what it says.
        if flag and request.method == "GET" and not is_a_known_robot(request):
            township_id, missed_query, found = flag
            search_record(township_id=township_id, missed_query=missed_query, found=found)
        return response

    return wrapped


def _url(township, kind, object_id, link_id=None, order=0):
    slug = township.slug
    if kind == Kind.ITEM:
        return reverse("service_item", kwargs={"township": slug, "pk": object_id})
    if kind == Kind.ENTRY:
        return reverse("responsibility_list", kwargs={"township": slug, "pk": link_id}) + f"#e{order}"
    if kind == Kind.RULE:
        return reverse("certificate_boards", kwargs={"township": slug})
    names = {Kind.OFFICE: "office", Kind.WINDOW: "window", Kind.POST: "post", Kind.VILLAGE: "village"}
    return reverse(names[kind], kwargs={"township": slug, "pk": object_id})


def _decorate(township, results):
    """Add each result's address and the address its notice points to (no query)."""
    for result in results:
        result.url = _url(township, result.kind, result.object_id, result.link_id, result.order)
        if result.kind == Kind.RULE:
            result.url += "#may" if result.status == "may" else "#may-not"
        result.link_url = (
            reverse("service_item", kwargs={"township": township.slug, "pk": result.link_id})
            if result.link_id
            and result.kind in (Kind.ITEM, Kind.RULE)
            and result.link_township_id in (None, township.pk)  # a county-wide rule links one township's item
            else ""
        )
    return results


@require_safe
@counting_searches
# Dated like every page (an item scheduled for publication is found from its date on); not served
# early, because counting_searches must see every request.
@public_page(reads=("q", "category", "event"), served_early=False)
def search(request, township):
    """Find what a resident means in their own words; when nothing fits, offer close names, topics and a phone."""
    township = get_object_or_404(Township.objects.select_related("county"), slug=township)
    typed = engine.clean_query(request.GET.get("q", ""))
    category = life_event = None
    if slug := request.GET.get("category", "").replace("\x00", ""):
        category = Category.objects.filter(slug=slug).first()
    if slug := request.GET.get("event", "").replace("\x00", ""):
        life_event = LifeEvent.objects.filter(slug=slug).first()
    context = {
        "township": township,
        "query": typed,
        "page_title": _("%(label)s｜%(township)s便民服务")
        % {"label": _("搜索“%(q)s”") % {"q": typed} if typed else _("搜索"), "township": township.name},
        "category": category,
        "life_event": life_event,
        "searched": False,
        "browse": [],
        "results": [],
    }
    if category is not None or life_event is not None:
        # Browsing a topic: its in-force items, as the home page groups them.
        topic = ServiceItem.objects.of_township(township).on_topic(category=category, life_event=life_event)
        context["browse"] = list(topic)
        context["searched"] = True
    elif typed:
        query, results, rows = engine.search(township, typed)
        context["searched"] = bool(query.terms)
        context["understood"] = query
        context["results"] = _decorate(township, results)
        if query.terms and not results:
            context["suggestions"] = [
                {"title": row["title"], "url": _url(township, Kind.ITEM, row["object_id"])}
                for row in engine.suggest(query, rows)
            ]
            context["help_windows"] = (
                Window.objects.of_township(township).with_people().filter(kind=Window.Kind.GENERAL)
            )
            context["life_events"] = LifeEvent.objects.filter(items__township=township).distinct().order_by("order")
            context["categories"] = Category.objects.filter(items__township=township).distinct().order_by("order")
        if query.terms:
            missed_words = "" if results else miss_key(query.normalised)
            request.search_done = (township.pk, missed_words, bool(results))
        else:
            request.search_done = None
    return render(request, "search/search.html", context)
