"""The portal's own records: the site-wide search index, display preferences, dataset
snapshots behind the public dashboards and the open-data catalogue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    """One searchable thing of any app, as its kind (``portal.registry``) describes it.

    Who may find it: ``audience`` public (anyone), or community (the residents of
    ``community`` and the staff whose area covers it). Drafts and hidden items are never
    indexed at all. The full-text index over the token columns is kept by the database
    (migration 0002), exactly as the catalogue's.
    """

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Anyone")
        COMMUNITY = "community", _("Residents of the community")

    kind = models.CharField(max_length=24, db_index=True)
    key = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    url = models.CharField(max_length=300)
    audience = models.CharField(max_length=10, choices=Audience.choices, default="public")
    community = models.CharField(max_length=12, blank=True, db_index=True)
    title_tokens = models.TextField()
    body_tokens = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="portal_search_one_per_object")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.title}"


class DisplayPreference(models.Model):
    """A signed-in person's display choices, so large text follows them to every device."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="display_preference"
    )
    large_text = models.BooleanField(_("large text"), default=False)

    class Meta:
        verbose_name = _("display preference")
        verbose_name_plural = _("display preferences")

    def __str__(self) -> str:
        return f"{self.user_id}:{'large' if self.large_text else 'normal'}"


class DatasetSnapshot(models.Model):
    """One frozen copy of an open dataset: its rows, the query that made them and when.

    Only complete snapshots are published; a snapshot that fails half way is kept as failed
    (with its error) and the previous complete one stays the one served.
    """

    class Status(models.TextChoices):
        COMPLETE = "complete", _("Complete")
        FAILED = "failed", _("Failed")

    dataset = models.CharField(max_length=40, db_index=True)
    taken_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    query = models.TextField()
    columns = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    suppressed = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["dataset", "status", "-taken_at"], name="portal_snap")]

    def __str__(self) -> str:
        return f"{self.dataset}@{self.taken_at:%Y-%m-%d %H:%M}"
