from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("机构与人员")

    def ready(self):
        from staff import qr_targets

        qr_targets.register()
