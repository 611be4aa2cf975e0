from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "shequ.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        from shequ.volunteers import permissions  # noqa: F401 - registers the rules
        from shequ.volunteers.search_kinds import register

        register()
