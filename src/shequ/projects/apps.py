from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "shequ.projects"
    label = "projects"
    verbose_name = _("Five major actions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shequ.projects import permissions  # noqa: F401  (registers the rules)
