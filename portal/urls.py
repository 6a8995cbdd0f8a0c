from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "乡镇便民服务门户 · 管理后台"
admin.site.site_title = "便民服务门户后台"
admin.site.index_title = "清单维护"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("portal.qr_urls")),
    path("", include("staff.print_urls")),
    path("", include("services.print_urls")),
    path("", include("portal.public_urls")),
    path("", include("staff.urls")),
    path("", include("services.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
