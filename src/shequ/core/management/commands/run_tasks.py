"""Run a huey consumer for the django-tasks queue (any number, on any machine)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tasks import default_task_backend

from shequ.config.env import env
from shequ.core.workers import BeatingConsumer


class Command(BaseCommand):
    help = "Run background task workers (huey consumer); each process beats for /readyz."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=2)
        # With several worker machines exactly one of them schedules the periodic tasks (the
        # sweep, escalations, reminders); the others only run what is queued, or every
        # periodic task would be enqueued once per worker.
        parser.add_argument(
            "--no-periodic",
            dest="periodic",
            action="store_false",
            default=env.bool("TASKS_PERIODIC", default=True),
            help="Do not schedule periodic tasks (also TASKS_PERIODIC=0).",
        )

    def handle(self, *args: Any, workers: int, periodic: bool, **options: Any) -> None:
        huey = default_task_backend.huey  # type: ignore[attr-defined]
        BeatingConsumer(huey, workers=workers, worker_type="thread", periodic=periodic).run()
