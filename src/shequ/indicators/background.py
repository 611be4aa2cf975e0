"""The only module that enqueues the indicators' task."""

from typing import Any

from django.db import transaction

from shequ.indicators import tasks
from shequ.indicators.models import Run
from shequ.indicators.services import runs


def run_start(*, actor: Any, version_id: int, year: int) -> Run:
    """Queue a run; the task computes the values, then scores and ranks."""
    run = runs.run_create(actor=actor, version_id=version_id, year=year)
    transaction.on_commit(lambda: tasks.indicators_run.enqueue(run_id=run.pk))
    return run
