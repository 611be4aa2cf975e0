from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "shequ.sso"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self) -> None:
        from shequ.sso.tasks import register_periodic

        register_periodic()
