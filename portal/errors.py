"""Chinese error pages: every public address that fails still leads the resident home.

Django's own pages for 400/403/404/500 and a CSRF failure are bare English
text. These views answer in Chinese with the way home, the township directory
and, when the address names a township (``/t/<slug>/…``), its phone number.
The 500 page must render even when the database is what failed, so it looks
the township up in a ``try`` and falls back to a fixed Chinese page.
"""

import logging
import re

from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.csrf import requires_csrf_token

from portal.models import Township

logger = logging.getLogger(__name__)

TOWNSHIP_IN_PATH = re.compile(r"^/t/(?P<slug>[-a-zA-Z0-9_]+)(/|$)")

MESSAGES = {
    400: (_l("请求有误"), _l("这个网址或提交的内容有误，无法处理。请检查网址，或从下面的链接重新进入。")),
    403: (_l("无权访问"), _l("这个页面不对外开放，您没有权限打开。")),
    404: (
        _l("没有找到这个页面"),
        _l("这个网址可能抄错了，或者页面已经调整。请从下面回到首页，或在乡镇目录里找到您所在的乡镇（街道）。"),
    ),
    500: (_l("服务器出了点问题"), _l("这不是您的操作问题。请稍后再试；着急办事请直接打电话咨询。")),
}

# The last resort when even the error template cannot render (the database or a template is broken).
FALLBACK_500 = (
    '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>服务器出了点问题</title></head>'
    "<body><h1>服务器出了点问题</h1><p>这不是您的操作问题。请稍后再试；着急办事请直接打电话咨询。</p>"
    '<p><a href="/">回到首页（乡镇目录）</a></p></body></html>'
)


def township_for_path(path):
    """Return the township named by a ``/t/<slug>/…`` address, or None (also when the lookup itself fails)."""
    match = TOWNSHIP_IN_PATH.match(path or "")
    if not match:
        return None
    try:
        return Township.objects.select_related("county").filter(slug=match["slug"]).first()
    except Exception:  # the database may be why we are here; the page must still render
        logger.warning("township lookup failed on an error page", exc_info=True)
        return None


def error_page(request, status, *, detail=""):
    """Render the Chinese error page for ``status`` with the township the address names, if any."""
    title, message = MESSAGES[status]
    township = township_for_path(getattr(request, "path", ""))
    context = {
        "status": status,
        "page_title": title,
        "message": message,
        "detail": detail,
        "township": township,
        "is_error_page": True,
    }
    content = loader.render_to_string("errors/error.html", context, request=request)
    response = HttpResponse(content, status=status)
    # An error must not be kept by browsers or proxies: the page may exist a minute later.
    response["Cache-Control"] = "no-store"
    return response


@requires_csrf_token
def bad_request(request, exception=None):
    """handler400: a malformed request or a refused Host header."""
    return error_page(request, 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    """handler403."""
    return error_page(request, 403)


@requires_csrf_token
def page_not_found(request, exception=None):
    """handler404."""
    return error_page(request, 404)


@requires_csrf_token
def server_error(request):
    """handler500: never raises; a fixed Chinese page when even rendering fails."""
    try:
        return error_page(request, 500)
    except Exception:
        logger.exception("the 500 page itself failed to render")
        return HttpResponseServerError(FALLBACK_500)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without a valid token (an expired page, a blocked cookie)."""
    response = error_page(
        request,
        403,
        detail=_("表单已过期或浏览器禁用了 Cookie。请返回上一页，刷新后重新提交；后台登录请确认浏览器允许 Cookie。"),
    )
    return response
