"""Background work: draw the sample and send the links; export responses with progress."""

import csv
import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task
from django_tasks.base import TaskContext
from openpyxl import Workbook

from shequ.core.models import TaskRecord
from shequ.core.services import task_progress_update
from shequ.core.task_policies import when_stale
from shequ.people.sms import send_sms
from shequ.surveys.exports import export_columns, export_rows
from shequ.surveys.models import Invitation, Survey
from shequ.surveys.services.sampling import sampling_plan_draw

SEND_PROGRESS_EVERY = 500


@task(takes_context=True)
def sample_draw_and_send(
    context: TaskContext, survey_id: int, actor_id: int, link_base: str
) -> dict[str, Any]:
    """Draw the sample, then text each invited resident their one-time link."""
    from shequ.people.models import User

    record_id = context.task_result.id
    actor = User.objects.get(pk=actor_id)
    task_progress_update(record_id, done=0, total=1, message="drawing")
    pairs = sampling_plan_draw(actor=actor, survey_id=survey_id)
    phones = dict(
        Invitation.objects.filter(survey_id=survey_id).values_list("id", "resident__phone")
    )
    title = Survey.objects.get(pk=survey_id).title_zh
    sent = 0
    translation.activate(settings.LANGUAGE_CODE)
    for done, (invitation_id, token) in enumerate(pairs, start=1):
        phone = phones.get(invitation_id)
        if phone is not None:
            send_sms(
                phone=phone.reveal(),
                text=gettext("You are invited to the survey %(title)s: answer once at %(link)s")
                % {"title": title, "link": f"{link_base}{token}/"},
            )
            sent += 1
        if done % SEND_PROGRESS_EVERY == 0:
            task_progress_update(record_id, done=done, total=len(pairs), message="sending")
    Invitation.objects.filter(survey_id=survey_id, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    return {"invited": len(pairs), "sent": sent}


def export_path(record_id: str, fmt: str) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "survey_exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{record_id}.{fmt}"


def _partial_path(path: Path) -> Path:
    """Where an export is written until it is complete (never offered for download)."""
    return path.with_name(f".{path.name}.part")


def export_discard(record: TaskRecord) -> None:
    """An export given up for lost: remove what its worker left half-written."""
    for fmt in ("csv", "xlsx"):
        _partial_path(export_path(record.pk, fmt)).unlink(missing_ok=True)


@when_stale(retry=True, give_up=export_discard)
@task(takes_context=True)
def responses_export(
    context: TaskContext, survey_id: int, actor_id: int, fmt: str = "xlsx"
) -> dict[str, Any]:
    """Complete responses in the actor's area as CSV or Excel: codes and labels, no PII.

    The file is written under a temporary name and moved into place once complete, so a
    worker killed half-way leaves no partial file under the final name (a rerun starts over).
    """
    from shequ.people.models import User

    record_id = context.task_result.id
    actor = User.objects.get(pk=actor_id)
    survey = Survey.objects.get(pk=survey_id)
    columns = export_columns(survey, actor)
    path = export_path(record_id, fmt)
    partial = _partial_path(path)
    count = 0

    def progress(done: int, total: int) -> None:
        task_progress_update(record_id, done=done, total=max(total, 1), message="exporting")

    try:
        if fmt == "csv":
            with partial.open("w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle)
                writer.writerow([c.header for c in columns])
                for row in export_rows(actor, survey, columns, progress=progress):
                    writer.writerow(row)
                    count += 1
        else:
            book = Workbook(write_only=True)
            sheet = book.create_sheet("responses")
            sheet.append([c.header for c in columns])
            for row in export_rows(actor, survey, columns, progress=progress):
                sheet.append(row)
                count += 1
            buffer = io.BytesIO()
            book.save(buffer)
            partial.write_bytes(buffer.getvalue())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return {"file": path.name, "rows": count, "format": fmt, "actor_id": actor_id}
