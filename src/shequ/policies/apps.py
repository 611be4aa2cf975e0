from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "shequ.policies"
    label = "policies"
    verbose_name = _("Policy library")

    def ready(self) -> None:
        from shequ.policies import permissions  # noqa: F401 - registers the rules
        from shequ.policies.search_kinds import register

        register()
