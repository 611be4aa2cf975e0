"""Background work: draw the sample and send the links; export responses with progress."""

import csv
import io
import tempfile
from typing import Any

from django.conf import settings
from django.core.files import File
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task
from django_tasks.base import TaskContext
from openpyxl import Workbook

from shequ.core.models import TaskRecord
from shequ.core.services import task_progress_update
from shequ.core.storage import private_storage
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


def export_name(record_id: str, fmt: str) -> str:
    """The export's name in the private store (any web machine can hand it out)."""
    return f"survey-exports/{record_id}.{fmt}"


def export_discard(record: TaskRecord) -> None:
    """An export given up for lost: a worker killed half-way wrote only to an unnamed temporary
    file, which the system already removed; drop a stored copy should one have landed."""
    storage = private_storage()
    for fmt in ("csv", "xlsx"):
        storage.delete(export_name(record.pk, fmt))


@when_stale(retry=True, give_up=export_discard)
@task(takes_context=True)
def responses_export(
    context: TaskContext, survey_id: int, actor_id: int, fmt: str = "xlsx"
) -> dict[str, Any]:
    """Complete responses in the actor's area as CSV or Excel: codes and labels, no PII.

    The file is built in an unnamed temporary file and stored in one piece once complete, so a
    worker killed half-way leaves nothing under the final name (a rerun starts over).
    """
    from shequ.people.models import User

    record_id = context.task_result.id
    actor = User.objects.get(pk=actor_id)
    survey = Survey.objects.get(pk=survey_id)
    columns = export_columns(survey, actor)
    count = 0

    def progress(done: int, total: int) -> None:
        task_progress_update(record_id, done=done, total=max(total, 1), message="exporting")

    with tempfile.TemporaryFile() as built:
        if fmt == "csv":
            text = io.TextIOWrapper(built, encoding="utf-8-sig", newline="", write_through=True)
            writer = csv.writer(text)
            writer.writerow([c.header for c in columns])
            for row in export_rows(actor, survey, columns, progress=progress):
                writer.writerow(row)
                count += 1
            text.detach()
        else:
            book = Workbook(write_only=True)
            sheet = book.create_sheet("responses")
            sheet.append([c.header for c in columns])
            for row in export_rows(actor, survey, columns, progress=progress):
                sheet.append(row)
                count += 1
            book.save(built)
        built.seek(0)
        storage = private_storage()
        name = export_name(record_id, fmt)
        storage.delete(name)  # a rerun replaces what an earlier attempt may have stored
        stored = storage.save(name, File(built))
    return {"file": stored.rsplit("/", 1)[-1], "rows": count, "format": fmt, "actor_id": actor_id}
