"""The community story archive (乡愁故事馆): old objects and photos residents donate, each
with its story, described with Dublin Core fields, published after a worker's review.

The donor decides: whether their name is shown, the licence, who may see the item (everyone
or residents of the community only), and may withdraw consent at any time; a withdrawn item
leaves every public page at once (it is filtered out, never cached as public).
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.storage import private_storage
from shequ.places.models import Division


def _label_code() -> str:
    return secrets.token_urlsafe(9)


class Item(models.Model):
    """One donated item (藏品) with its story."""

    class Kind(models.TextChoices):
        OBJECT = "object", _("Old object")
        PHOTO = "photo", _("Old photo")
        DOCUMENT = "document", _("Paper or letter")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Not published")
        WITHDRAWN = "withdrawn", _("Consent withdrawn")

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Everyone")
        COMMUNITY = "community", _("Residents of the community only")

    class Licence(models.TextChoices):
        ALL_RIGHTS = "all_rights", _("Shown here only, all rights reserved")
        CC_BY_NC = "cc_by_nc", _("CC BY-NC 4.0: others may reuse, not commercially")
        CC_BY = "cc_by", _("CC BY 4.0: others may reuse with credit")

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Dublin Core: title, creator, date, description, subject, coverage (place), rights.
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("story"))
    creator = models.CharField(_("made or taken by"), max_length=120, blank=True)
    era = models.CharField(_("era"), max_length=60, blank=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    subject = models.CharField(_("subjects"), max_length=200, blank=True)
    licence = models.CharField(_("licence"), max_length=10, choices=Licence.choices)
    audience = models.CharField(_("who may see it"), max_length=10, choices=Audience.choices)
    photo = models.ImageField(
        _("photo"), upload_to="stories/photos/", storage=private_storage, blank=True
    )
    thumbnail = models.ImageField(upload_to="stories/thumbs/", storage=private_storage, blank=True)
    audio = models.FileField(
        _("recording"), upload_to="stories/audio/", storage=private_storage, blank=True
    )
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    donor_name = models.CharField(_("donor's name"), max_length=60, blank=True)
    show_donor_name = models.BooleanField(_("show my name"), default=False)
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.SUBMITTED,
        db_index=True,
    )
    review_note = models.CharField(_("note to the donor"), max_length=300, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Shown in the service centre: the QR label opens the story by this code.
    exhibit_location = models.CharField(_("where it is shown"), max_length=120, blank=True)
    label_code = models.CharField(max_length=20, unique=True, default=_label_code)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("story item")
        verbose_name_plural = _("story items")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "-published_at"], name="stories_gallery")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def credit(self) -> str:
        """The donor as the public sees them: the name only with consent."""
        return self.donor_name if self.show_donor_name and self.donor_name else ""
