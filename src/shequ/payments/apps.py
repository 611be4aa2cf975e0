from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "shequ.payments"
    label = "payments"
    verbose_name = _("Bills and payments")

    def ready(self) -> None:
        from shequ.payments import permissions  # noqa: F401 - registers the rules
