"""The portal's URLs plus one view that fails, to show the 500 page (tests only)."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from portal.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def _boom(request):
    raise RuntimeError("a bug, for the test of the 500 page")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("boom/", _boom),
    path("forbidden/", _forbidden),
    path("t/<slug:township>/boom/", _boom),
    *urlpatterns,
]
