"""The supervision pages, inside the admin's login and look."""

from django.contrib import admin
from django.urls import path

from supervision import views

urlpatterns = [
    path("admin/supervision/", admin.site.admin_view(views.table_page), name="supervision_table"),
    path("admin/supervision/bulletin/", admin.site.admin_view(views.bulletin), name="supervision_bulletin"),
    path("admin/supervision/figures.xlsx", admin.site.admin_view(views.xlsx), name="supervision_xlsx"),
    path(
        "admin/supervision/t/<slug:township>/", admin.site.admin_view(views.township_page), name="supervision_township"
    ),
]
