"""Printable cards of windows and posts (A4, see templates/print/)."""

from django.urls import path

from staff import print_views

urlpatterns = [
    path("t/<slug:township>/print/windows/<int:pk>/", print_views.window_card, name="print_window_card"),
    path("t/<slug:township>/print/posts/<int:pk>/", print_views.duty_card, name="print_duty_card"),
]
