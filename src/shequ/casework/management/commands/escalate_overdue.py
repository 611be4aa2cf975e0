"""manage.py escalate_overdue — the periodic escalation, for cron or by hand."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.casework.services.deadlines import applications_escalate_overdue


class Command(BaseCommand):
    help = "Escalate open applications past their legal deadline (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"escalated: {applications_escalate_overdue()}")
