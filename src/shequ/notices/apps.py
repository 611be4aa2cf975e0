from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "shequ.notices"
    label = "notices"
    verbose_name = _("Message centre")

    def ready(self) -> None:
        from shequ.notices import permissions  # noqa: F401 - registers the rules
