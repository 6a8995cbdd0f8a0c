from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("乡镇与二维码")

    def ready(self):
        # Villages and townships get their codes when created (see
        # portal.codes.codes_ensure_for_township); staff and services register
        # their own printable models from their ready().
        from portal import (
            admin_codes,  # noqa: F401  (registers the QR code admin)
            history,  # noqa: F401  (no history rows for fixture loads)
            slugs,  # noqa: F401  (remembers a township's former slug when it changes)
        )
        from portal.codes import register_portal_targets

        register_portal_targets()

        # Row-level tenancy: each model declares whom its rows belong to (its
        # ``ownership``, checked by portal.scoping.check_ownership); the role
        # groups are rebuilt from those declarations after every migrate.
        from django.db.models.signals import post_migrate

        from portal import roles

        post_migrate.connect(roles.roles_ensure_after_migrate, sender=self)

        # Every write residents could see bumps a content version (the public pages' cache key).
        from portal import freshness

        freshness.connect()


class PortalAdminConfig(AdminConfig):
    """Django's admin with the portal's site, to which apps add their staff pages (see portal.sites)."""

    default_site = "portal.sites.PortalAdminSite"
