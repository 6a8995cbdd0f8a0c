"""A township's former addresses keep answering: ``/t/<old slug>/…`` redirects (301) to ``/t/<current slug>/…``.

Printed QR codes never carried the slug (they go through ``/q/<code>``), but
links shared in WeChat groups do. The old slug is recorded when it changes,
whatever saves the township; the redirect is tried only where the portal
would otherwise answer 404, so it costs nothing on a normal request.
"""

import re

from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.http import HttpResponsePermanentRedirect

from portal.models import Township, TownshipFormerSlug

_TOWNSHIP_PATH = re.compile(r"^/t/(?P<slug>[-a-zA-Z0-9_]+)(?P<rest>/.*)?$")


@receiver(pre_save, sender=Township, dispatch_uid="portal.slugs.remember_former_slug")
def remember_former_slug(sender, instance, raw=False, **kwargs):
    """Keep the slug a township is about to lose; a slug taken back by its township is no longer "former"."""
    if raw or instance.pk is None:
        return
    old = Township.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
    if old and old != instance.slug:
        TownshipFormerSlug.objects.filter(slug=instance.slug).delete()
        TownshipFormerSlug.objects.update_or_create(slug=old, defaults={"township": instance})


def current_path(path):
    """Return the address ``path`` now has if it names a former township slug, else None."""
    match = _TOWNSHIP_PATH.match(path)
    if not match:
        return None
    former = TownshipFormerSlug.objects.filter(slug=match["slug"]).select_related("township").first()
    if former is None:
        return None
    return f"/t/{former.township.slug}{match['rest'] or '/'}"


class FormerSlugRedirectMiddleware:
    """Turn a 404 under ``/t/<former slug>/`` into a permanent redirect to the township's current address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Read before the view: a public page drops the parameters it does not read from the request.
        query = request.META.get("QUERY_STRING", "")
        response = self.get_response(request)
        if response.status_code == 404 and request.method in ("GET", "HEAD"):
            target = current_path(request.path)
            if target:
                return HttpResponsePermanentRedirect(target + (f"?{query}" if query else ""))
        return response
