"""Every address of the site: the admin, portal's own pages and printed codes, then each app's ``urls.py``.

``/q/<code>`` is printed on walls: never change it.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path, register_converter

from portal import qr_views, share, site_views, views


class CodeConverter:
    """A code as printed: letters and digits only, so ``ABC234.png`` is never read as a code."""

    regex = "[0-9A-Za-z]{1,16}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(CodeConverter, "qrcode")

urlpatterns = [
    path("admin/", admin.site.urls),  # with the clerk's board and county oversight (see portal.sites)
    path("", views.directory, name="directory"),
    path("text-size/", views.text_size, name="text_size"),
    path("t/<slug:township>/share.png", share.share_png, name="share_png"),
    path("q/<qrcode:code>.png", qr_views.qr_png, name="qr_png"),
    path("q/<qrcode:code>.svg", qr_views.qr_svg, name="qr_svg"),
    path("q/<qrcode:code>", qr_views.qr_redirect, name="qr_redirect"),
    path("t/<slug:township>/print/gate/", qr_views.print_gate_poster, name="print_gate_poster"),
    path("t/<slug:township>/print/codes/", qr_views.print_code_sheet, name="print_code_sheet"),
    path("print/q/<qrcode:code>/", qr_views.print_code_card, name="print_code_card"),
    path("print/q/<qrcode:code>/wechat.png", qr_views.print_wechat_image, name="print_wechat_image"),
    path("", include("staff.urls")),
    path("", include("services.urls")),
    path("", include("search.urls")),
    path("", include("feedback.urls")),
    path("robots.txt", site_views.robots_txt, name="robots_txt"),
    path("favicon.ico", site_views.favicon, name="favicon"),
    path("healthz", site_views.healthz, name="healthz"),
    # Last: a pasted code with text glued to it must never shadow the clean /q/<code>, .png and .svg above.
    re_path(r"^q/(?P<code>[0-9A-Za-z]+)(?P<rest>[^0-9A-Za-z].*)$", site_views.pasted_code, name="qr_pasted"),
]

# Chinese error pages (portal/errors.py): never Django's bare English ones.
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
