"""Printable pages of the catalogue: the household booklet (百事通) and the certificate boards."""

from django.urls import path

from services import print_views

urlpatterns = [
    path("t/<slug:township>/print/booklet/", print_views.booklet, name="print_booklet"),
    path("t/<slug:township>/print/certificates/", print_views.certificate_boards, name="print_certificate_boards"),
]
