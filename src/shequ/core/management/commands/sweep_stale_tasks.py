"""Retry or fail background tasks whose worker stopped responding (the workers also do this
every minute; run it by hand or from cron when no worker runs periodic tasks)."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.core.services import tasks_sweep_stale


class Command(BaseCommand):
    help = "Retry (idempotent tasks) or fail running tasks with no heartbeat for too long."

    def handle(self, *args: Any, **options: Any) -> None:
        report = tasks_sweep_stale()
        self.stdout.write(f"retried {len(report.retried)}, failed {len(report.failed)}")
        for record_id in report.retried:
            self.stdout.write(f"  retried {record_id}")
        for record_id in report.failed:
            self.stdout.write(f"  failed {record_id}")
