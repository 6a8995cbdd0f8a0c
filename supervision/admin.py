"""The supervision pages, served inside the admin (its login, its look): /admin/supervision/…"""

from django.contrib import admin

from supervision import views

admin.site.register_page("supervision/", views.table_page, "supervision_table")
admin.site.register_page("supervision/bulletin/", views.bulletin, "supervision_bulletin")
admin.site.register_page("supervision/figures.xlsx", views.xlsx, "supervision_xlsx")
admin.site.register_page("supervision/t/<slug:township>/", views.township_page, "supervision_township")
