"""Cross-cutting records: the audit trail (审计日志) and background-task progress."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("audit events are append-only")


class AuditEvent(models.Model):
    """One thing someone did that a citizen or an official may need to trace. Append-only."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text so the trail survives the actor's account being removed.
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    verb = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    # The place the object belongs to, so an auditor's view can be scoped by division.
    division_code = models.CharField(_("division"), max_length=12, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("audit events are append-only")


class TaskRecord(models.Model):
    """A queued background task, its progress and its outcome (what users watch).

    A running task beats (``heartbeat_at``) while its worker lives; a record whose heartbeat
    is older than ``TASKS_STALE_AFTER_SECONDS`` lost its worker and is retried (idempotent
    tasks) or failed with ``failure = stale`` by ``tasks_sweep_stale``.
    """

    class Status(models.TextChoices):
        READY = "READY", _("Queued")
        RUNNING = "RUNNING", _("Running")
        SUCCESSFUL = "SUCCESSFUL", _("Finished")
        FAILED = "FAILED", _("Failed")

    class Failure(models.TextChoices):
        ERROR = "error", _("The task ran into an error.")
        STALE = (
            "stale",
            _(
                "The worker running this task stopped responding, so the task did not finish. "
                "Nothing it was writing was kept; please start it again."
            ),
        )

    id = models.CharField(primary_key=True, max_length=32)
    task_path = models.CharField(max_length=200)
    queue_name = models.CharField(max_length=64, default="default")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.READY)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    progress = models.FloatField(default=0.0)
    progress_message = models.CharField(max_length=200, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    worker_ids = models.JSONField(default=list)
    # The worker of the current attempt: only it may beat, report and finish.
    worker_id = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Attempts whose worker stopped responding (the sweep retried or failed the task).
    lost_workers = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=8, choices=Failure.choices, blank=True)
    enqueued_at = models.DateTimeField(auto_now_add=True)
    run_after = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-enqueued_at"]
        indexes = [
            models.Index(
                fields=["heartbeat_at"],
                name="task_running_heartbeat",
                condition=models.Q(status="RUNNING"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_path} [{self.status}]"


class WorkerHeartbeat(models.Model):
    """A task worker process (``run_tasks``) that is alive: it beats every
    ``WORKER_HEARTBEAT_SECONDS`` while its threads run, so ``/readyz`` can tell whether
    anything is taking work off the queue, from any machine."""

    name = models.CharField(primary_key=True, max_length=200)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.name} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"
