from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "shequ.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        from shequ.people import (
            checks,  # noqa: F401 - registers system checks
            signals,  # noqa: F401 - connects the sign-in receiver
        )
