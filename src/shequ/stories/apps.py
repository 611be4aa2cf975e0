from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    name = "shequ.stories"
    label = "stories"
    verbose_name = _("Community story archive")

    def ready(self) -> None:
        from shequ.stories import permissions  # noqa: F401 - registers the rules
        from shequ.stories.search_kinds import register

        register()
