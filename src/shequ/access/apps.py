from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "shequ.access"
    label = "access"
    verbose_name = _("15-minute service circle")

    def ready(self) -> None:
        from shequ.access import permissions  # noqa: F401 - registers the rules
