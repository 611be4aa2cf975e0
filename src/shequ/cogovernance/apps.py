from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CogovernanceConfig(AppConfig):
    name = "shequ.cogovernance"
    label = "cogovernance"
    verbose_name = _("Party-led co-governance")

    def ready(self) -> None:
        from shequ.cogovernance import permissions  # noqa: F401 - registers the rules
