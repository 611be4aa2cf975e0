"""The workers' own upkeep: every minute, retry or fail tasks whose worker stopped beating."""

import logging

from shequ.core.services import tasks_sweep_stale

logger = logging.getLogger(__name__)


def sweep_stale() -> None:
    report = tasks_sweep_stale()
    if report.retried or report.failed:
        logger.warning(
            "stale tasks: %d retried, %d failed", len(report.retried), len(report.failed)
        )


def register_periodic() -> None:
    """Ask the huey consumer (``run_tasks`` runs periodic tasks) to sweep every minute.

    The sweep runs in the worker directly (no task record of its own each minute)."""
    from django_tasks import default_task_backend
    from huey import crontab

    huey = getattr(default_task_backend, "huey", None)
    if huey is None:
        return
    huey.periodic_task(crontab(minute="*"), name="core.sweep_stale_tasks")(sweep_stale)
