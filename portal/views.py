from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.caching import public_page
from portal.context_processors import LARGE_TEXT_COOKIE
from portal.models import County

LARGE_TEXT_MAX_AGE = 365 * 24 * 60 * 60


@require_safe
@public_page(scope="site")
def directory(request):
    """List every county and its townships: the way in for someone without a township's code."""
    counties = County.objects.prefetch_related("townships")
    return render(
        request, "portal/directory.html", {"counties": counties, "page_title": _("乡镇便民服务门户：选择乡镇")}
    )


@require_safe
def text_size(request):
    """Switch large text on (``?large=1``) or off and go back where the resident was, without JavaScript."""
    target = request.GET.get("next", "")
    # Only a path on this site: never another host, never a scheme, never a relative path.
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not (safe and target.startswith("/") and not target.startswith("//")):
        target = "/"
    response = redirect(target)
    if request.GET.get("large") == "1":
        response.set_cookie(
            LARGE_TEXT_COOKIE,
            "1",
            max_age=LARGE_TEXT_MAX_AGE,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure(),
        )
    else:
        response.delete_cookie(LARGE_TEXT_COOKIE, samesite="Lax")
    response["Cache-Control"] = "no-store"
    return response
