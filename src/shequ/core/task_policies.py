"""What to do with a task whose worker stopped responding (see ``tasks_sweep_stale``).

Declare it on the task, above ``@task``::

    @when_stale(retry=True)                      # safe to run again from the start
    @task(takes_context=True)
    def responses_export(...): ...

    @when_stale(give_up=network_import_lost)     # not safe: fail it, and fail what it drove
    @task(takes_context=True)
    def access_network_import(...): ...

A task without a declaration is failed (never retried) when its worker is lost.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from shequ.core.models import TaskRecord

GiveUp = Callable[["TaskRecord"], None]
TaskT = TypeVar("TaskT")


@dataclass(frozen=True)
class StalePolicy:
    # Running the task again from the start gives the same outcome (idempotent).
    retry: bool = False
    # Called once the task is failed for good, to fail or clean up what it was driving.
    give_up: GiveUp | None = None


_POLICIES: dict[str, StalePolicy] = {}
DEFAULT = StalePolicy()


def when_stale(*, retry: bool = False, give_up: GiveUp | None = None) -> Callable[[TaskT], TaskT]:
    def register(task: TaskT) -> TaskT:
        _POLICIES[task.module_path] = StalePolicy(retry=retry, give_up=give_up)  # type: ignore[attr-defined]
        return task

    return register


def policy_for(task_path: str) -> StalePolicy:
    """The task's declared policy (its module is imported so that it has registered)."""
    from django.utils.module_loading import import_string

    if task_path not in _POLICIES:
        try:
            import_string(task_path)
        except ImportError:
            return DEFAULT
    return _POLICIES.get(task_path, DEFAULT)
