from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "shequ.portal"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from shequ.portal import kinds, permissions, receivers  # noqa: F401 - they register
        from shequ.portal.indexing import connect_signals
        from shequ.portal.tasks import register_periodic

        kinds.register_existing_kinds()
        connect_signals()
        register_periodic()
