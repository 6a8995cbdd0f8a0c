"""Staff's public addresses: the liaison table and the printable cards (duty boards are services' pages)."""

from django.urls import path

from staff import print_views, views

urlpatterns = [
    path("t/<slug:township>/liaison/", views.liaison_table, name="liaison_table"),
    path("t/<slug:township>/whereabouts/", views.whereabouts, name="whereabouts"),
    path("t/<slug:township>/print/windows/<int:pk>/", print_views.window_card, name="print_window_card"),
    path("t/<slug:township>/print/posts/<int:pk>/", print_views.duty_card, name="print_duty_card"),
]
