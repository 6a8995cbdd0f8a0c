from django.urls import path

from portal import views

urlpatterns = [
    path("", views.directory, name="directory"),
    path("text-size/", views.text_size, name="text_size"),
]
