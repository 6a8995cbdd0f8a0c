"""The clerk's board, served inside the admin (its login, its look); included before admin.site.urls."""

from django.contrib import admin
from django.urls import path

from services import board_views

urlpatterns = [
    path("admin/board/", admin.site.admin_view(board_views.board), name="board"),
]
