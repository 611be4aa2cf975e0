from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "shequ.funds"
    label = "funds"
    verbose_name = _("Community funds")

    def ready(self) -> None:
        from shequ.funds import permissions  # noqa: F401  (registers the rules)
