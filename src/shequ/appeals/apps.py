from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "shequ.appeals"
    label = "appeals"
    verbose_name = _("Residents' requests")

    def ready(self) -> None:
        from shequ.appeals import permissions  # noqa: F401 - registers the rules
        from shequ.appeals.search_kinds import register
        from shequ.appeals.tasks import register_periodic

        register()
        register_periodic()
