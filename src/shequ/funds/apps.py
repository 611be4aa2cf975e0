from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "shequ.funds"
    label = "funds"
    verbose_name = _("Community funds")

    def ready(self) -> None:
        from shequ.funds import permissions  # noqa: F401  (registers the rules)
        from shequ.funds.receivers import on_bill_paid
        from shequ.payments.signals import bill_paid

        bill_paid.connect(on_bill_paid, dispatch_uid="funds.donation_paid")
