from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "shequ.planning"
    verbose_name = _("Community planners and experts")
    label = "planning"

    def ready(self) -> None:
        from shequ.planning import permissions  # noqa: F401 - registers the rules
