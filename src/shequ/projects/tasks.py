"""Background work of the five major actions: a large monthly Excel import, with progress."""

from datetime import date
from typing import Any

from django.core.files.storage import default_storage
from django.utils import translation
from django_tasks import task
from django_tasks.base import TaskContext

from shequ.core.errors import DomainError
from shequ.core.models import TaskRecord
from shequ.core.services import task_progress_update
from shequ.core.task_policies import when_stale
from shequ.projects.services import import_results, reporting

MAX_ERRORS_KEPT = 500


def _errors(errors: list[import_results.RowError]) -> list[dict[str, Any]]:
    return [{"row": e.row, "column": e.column, "message": e.message} for e in errors][
        :MAX_ERRORS_KEPT
    ]


def _upload_discard(record: TaskRecord) -> None:
    """An import given up for lost: its uploaded workbook is not kept."""
    file_name = record.kwargs.get("file_name")
    if file_name:
        default_storage.delete(file_name)


# Not retried: rows already written in earlier chunks would be written again.
@when_stale(give_up=_upload_discard)
@task(takes_context=True)
def monthly_import(
    context: TaskContext,
    *,
    actor_id: int,
    month: str,
    file_name: str,
    valid_rows_only: bool,
    language: str,
    ip: str | None = None,
) -> dict[str, Any]:
    """Import an uploaded monthly workbook (kept in the default storage until done).

    A refused file is a result, not a failure: ``rejected`` says why and ``errors`` lists the
    rows (in the uploader's language)."""
    from shequ.people.models import User

    record_id = context.task_result.id

    def progress(done: int, total: int) -> None:
        task_progress_update(record_id, done=done, total=total, message="importing")

    actor = User.objects.get(pk=actor_id)
    task_progress_update(record_id, done=0, total=1, message="checking")
    try:
        with default_storage.open(file_name, "rb") as handle:
            data = handle.read()
        with translation.override(language):
            try:
                result = reporting.monthly_report_import(
                    actor=actor,
                    month=date.fromisoformat(month),
                    data=data,
                    valid_rows_only=valid_rows_only,
                    ip=ip,
                    progress=progress,
                )
            except import_results.RowErrors as error:
                return {"rejected": str(error), "errors": _errors(error.errors), "month": month}
            except DomainError as error:
                return {"rejected": str(error), "errors": [], "month": month}
    finally:
        default_storage.delete(file_name)
    return {
        "month": month,
        "created": result.created,
        "updated": result.updated,
        "skipped": result.skipped,
        "errors": _errors(result.errors),
    }
