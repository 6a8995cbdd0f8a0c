"""Search's public address: the township search in residents' own words."""

from django.urls import path

from search import views

urlpatterns = [
    path("t/<slug:township>/search/", views.search, name="search"),
]
