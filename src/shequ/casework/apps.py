from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "shequ.casework"
    label = "casework"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from shequ.casework import permissions  # noqa: F401 - registers the rules
        from shequ.casework.tasks import register_periodic

        register_periodic()
