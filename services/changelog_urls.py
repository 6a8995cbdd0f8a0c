from django.urls import path

from services import changelog_views

urlpatterns = [
    path("t/<slug:township>/changes/", changelog_views.changelog, name="changelog"),
]
