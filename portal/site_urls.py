"""Site-wide addresses: robots.txt, favicon, /healthz, and the fallback for pasted code links.

Included last in ``portal.urls``: the pasted-code pattern must never shadow the
clean ``/q/<code>``, ``.png`` and ``.svg`` addresses declared before it.
"""

from django.urls import path, re_path

from portal import site_views

urlpatterns = [
    path("robots.txt", site_views.robots_txt, name="robots_txt"),
    path("favicon.ico", site_views.favicon, name="favicon"),
    path("healthz", site_views.healthz, name="healthz"),
    re_path(r"^q/(?P<code>[0-9A-Za-z]+)(?P<rest>[^0-9A-Za-z].*)$", site_views.pasted_code, name="qr_pasted"),
]
