"""Run a huey consumer for the django-tasks queue (any number, on any machine)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tasks import default_task_backend

from shequ.core.workers import BeatingConsumer


class Command(BaseCommand):
    help = "Run background task workers (huey consumer); each process beats for /readyz."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, workers: int, **options: Any) -> None:
        huey = default_task_backend.huey  # type: ignore[attr-defined]
        BeatingConsumer(huey, workers=workers, worker_type="thread", periodic=True).run()
