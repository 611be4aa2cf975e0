from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "shequ.catalogue"
    label = "catalogue"
    verbose_name = _("Service catalogue")

    def ready(self) -> None:
        from shequ.catalogue import permissions  # noqa: F401 - registers the rules
        from shequ.catalogue.cache import connect_signals

        connect_signals()
