from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "shequ.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from shequ.surveys import permissions  # noqa: F401 - registers the rules
