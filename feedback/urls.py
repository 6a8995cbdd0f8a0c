"""Residents' forms and the status page; the queue's counts page is an admin page (see feedback/admin.py)."""

from django.urls import path

from feedback import views

urlpatterns = [
    path("t/<slug:township>/report/<slug:about>/", views.report, name="feedback_report_page"),
    path("t/<slug:township>/report/<slug:about>/<int:pk>/", views.report, name="feedback_report"),
    path("t/<slug:township>/items/<int:pk>/request/", views.request_service, name="feedback_request"),
    path("t/<slug:township>/items/<int:pk>/rate/", views.rate_item, name="feedback_rate_item"),
    path("t/<slug:township>/received/", views.received, name="feedback_received"),
    path("t/<slug:township>/status/", views.status, name="feedback_status"),
    path("t/<slug:township>/status/rate/", views.rate_case, name="feedback_rate_case"),
]
