from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CivilConfig(AppConfig):
    name = "shequ.civil"
    label = "civil"
    verbose_name = _("Social organisations")

    def ready(self) -> None:
        from shequ.civil import permissions  # noqa: F401 - registers the rules
        from shequ.civil.search_kinds import register

        register()
