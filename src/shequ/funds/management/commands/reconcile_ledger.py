"""manage.py reconcile_ledger — another name for ``funds_reconcile``."""

from shequ.funds.management.commands.funds_reconcile import Command as Reconcile


class Command(Reconcile):
    pass
