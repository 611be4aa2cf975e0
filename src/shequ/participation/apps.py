from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "shequ.participation"
    label = "participation"
    verbose_name = _("Residents decide")

    def ready(self) -> None:
        from shequ.participation import permissions  # noqa: F401 - registers the rules
        from shequ.participation.tasks import register_periodic

        register_periodic()
