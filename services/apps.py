from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("服务事项与清单")

    def ready(self):
        from services import qr_targets

        qr_targets.register()
