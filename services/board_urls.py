"""The clerk's board, served inside the admin (its login, its look); included before admin.site.urls."""

from django.contrib import admin
from django.urls import path

from search import board_views as search_board_views
from services import board_views

urlpatterns = [
    path("admin/board/", admin.site.admin_view(board_views.board), name="board"),
    path("admin/board/search-misses/", admin.site.admin_view(search_board_views.fix_miss), name="search_fix_miss"),
]
