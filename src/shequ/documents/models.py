"""Documents the platform issues (certificates, proofs, receipts, minutes) that anyone can
verify by number, and the rule by which a service's completed cases issue a result document."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.catalogue.models import Service
from shequ.core.storage import private_storage
from shequ.people.models import Department
from shequ.places.models import Division


class Kind(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate")
    PROOF = "proof", _("Proof")
    RECEIPT = "receipt", _("Receipt")
    MINUTES = "minutes", _("Minutes")


class ResultTemplate(models.Model):
    """A service whose completed cases issue a result document (办结出具结果文书)."""

    service = models.OneToOneField(
        Service, on_delete=models.CASCADE, related_name="result_template"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PROOF)
    title = models.CharField(_("title"), max_length=60)
    # What is certified; ``{service}`` is replaced by the service's name.
    statement = models.TextField(_("what is certified"), max_length=500)

    class Meta:
        verbose_name = _("result document template")
        verbose_name_plural = _("result document templates")

    def __str__(self) -> str:
        return self.title


class IssuedDocument(models.Model):
    """One issued document. Everything the public verification page shows is kept on this row
    (masked holder name, issuer's name), so verifying is one indexed lookup without joins."""

    number = models.CharField(_("document number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=80)
    statement = models.TextField(_("what is certified"), blank=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issued_documents",
    )
    holder_masked = models.CharField(_("holder"), max_length=40, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issuer_name = models.CharField(_("issued by"), max_length=80)
    issued_at = models.DateTimeField(_("issued at"))
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.CharField(max_length=40, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    file = models.FileField(upload_to="documents/%Y/%m/", storage=private_storage, blank=True)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    revoked = models.BooleanField(_("revoked"), default=False)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["holder", "-issued_at"], name="doc_holder"),
            models.Index(fields=["source_type", "source_id"], name="doc_source"),
        ]

    def __str__(self) -> str:
        return self.number
