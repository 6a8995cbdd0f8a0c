"""Services' public addresses: every page that shows service items, the change log and the printed catalogue."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from services import changelog_views, print_views, views
from services.sitemaps import SITEMAPS

urlpatterns = [
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("t/<slug:township>/", views.township_home, name="township_home"),
    path("t/<slug:township>/items/<int:pk>/", views.service_item, name="service_item"),
    path("t/<slug:township>/lists/", views.list_index, name="list_index"),
    path("t/<slug:township>/lists/<int:pk>/", views.responsibility_list, name="responsibility_list"),
    path("t/<slug:township>/certificates/", views.certificate_boards, name="certificate_boards"),
    path("t/<slug:township>/villages/<int:pk>/", views.village, name="village"),
    path("t/<slug:township>/offices/<int:pk>/", views.office, name="office"),
    path("t/<slug:township>/windows/<int:pk>/", views.window, name="window"),
    path("t/<slug:township>/posts/<int:pk>/", views.post, name="post"),
    path("t/<slug:township>/changes/", changelog_views.changelog, name="changelog"),
    path("t/<slug:township>/print/booklet/", print_views.booklet, name="print_booklet"),
    path("t/<slug:township>/print/certificates/", print_views.certificate_boards, name="print_certificate_boards"),
]
