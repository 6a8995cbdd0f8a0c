from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "乡镇便民服务门户 · 管理后台"
admin.site.site_title = "便民服务门户后台"
admin.site.index_title = "清单维护"

urlpatterns = [
    # Staff pages inside the admin's look and login, before the admin's own catch-all patterns.
    path("", include("staff.oversight_urls")),
    path("", include("services.board_urls")),
    path("admin/", admin.site.urls),
    path("", include("portal.qr_urls")),
    path("", include("staff.print_urls")),
    path("", include("services.print_urls")),
    path("", include("portal.public_urls")),
    path("", include("staff.urls")),
    path("", include("services.urls")),
    path("", include("services.changelog_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
