"""The county oversight page, served inside the admin (its login, its look); included before admin.site.urls."""

from django.contrib import admin
from django.urls import path

from staff import oversight_views

urlpatterns = [
    path("admin/oversight/", admin.site.admin_view(oversight_views.oversight), name="oversight"),
]
