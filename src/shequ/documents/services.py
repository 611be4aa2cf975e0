"""Issuing documents (a case's result document, demo receipts and minutes), revoking them,
and reusing a resident's earlier uploads in a new application (材料复用)."""

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import Application, ApplicationDocument, FormDefinition, Status
from shequ.casework.permissions import is_department_staff_of, may_act
from shequ.catalogue.models import Service
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.pii import mask_name
from shequ.core.services import audit_record
from shequ.core.storage import stored_files_removed_on_error
from shequ.documents import numbers, pdf
from shequ.documents.models import IssuedDocument, Kind, ResultTemplate
from shequ.documents.permissions import is_issuer_staff
from shequ.documents.selectors import reusable_materials, verify_cache_key
from shequ.notices.models import Category
from shequ.notices.services import message_send, plain_text
from shequ.people.models import Department, User
from shequ.places.models import Division


def _unused_number(year: int) -> str:
    for _attempt in range(5):
        number = numbers.new_number(year)
        if not IssuedDocument.objects.filter(number=number).exists():
            return number
    raise RuntimeError("no free document number")  # pragma: no cover - 40 random bits


def document_issue(
    *,
    actor: Any,
    kind: str,
    title: str,
    statement: str = "",
    holder: User | None = None,
    holder_name: str = "",
    department: Department | None = None,
    division: Division | None = None,
    issuer_name: str,
    source: models.Model | None = None,
    facts: Sequence[tuple[str, str]] = (),
    sections: Sequence[tuple[str, Sequence[str]]] = (),
    ip: str | None = None,
) -> IssuedDocument:
    """Number, render (PDF in Chinese), store and record one document; audited.

    The holder's name appears masked (王*) on the document and on the verification page.
    Raises: ImproperlyConfigured (the PDF font is missing).
    """
    if kind not in Kind.values:
        raise DomainError("bad_kind", _("Unknown kind of document."))
    now = timezone.now()
    issued_on = timezone.localdate(now)
    number = _unused_number(issued_on.year)
    masked = mask_name(holder_name) if holder_name else ""
    with translation.override("zh-hans"):
        shown_facts = list(facts)
        if masked:
            shown_facts.insert(0, (gettext("Holder"), masked))
        content = pdf.Content(
            title=title,
            number=number,
            verify_url=pdf.verify_url(number),
            issuer=issuer_name,
            issued_on=issued_on,
            statement=statement,
            facts=shown_facts,
            sections=sections,
        )
        data = pdf.render(content)
    with transaction.atomic(), stored_files_removed_on_error() as stored:
        document = IssuedDocument(
            number=number,
            kind=kind,
            title=title[:80],
            statement=statement,
            holder=holder,
            holder_masked=masked,
            department=department,
            division=division,
            issuer_name=issuer_name[:80],
            issued_at=now,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        if source is not None:
            document.source_type = ContentType.objects.get_for_model(source)
            document.source_id = str(source.pk)
        document.file.save(f"{number}.pdf", ContentFile(data), save=False)
        stored.append(document.file)
        document.save()
        audit_record(
            actor=actor,
            verb="document.issue",
            target=document,
            division_code=division.pk if division is not None else "",
            changes={"number": [None, number], "kind": [None, kind]},
            ip=ip,
        )
    return document


def document_source_set(*, document_id: int, source: models.Model) -> None:
    """Tie a document issued before its record existed (a receipt) to that record."""
    IssuedDocument.objects.filter(pk=document_id).update(
        source_type=ContentType.objects.get_for_model(source), source_id=str(source.pk)
    )


def document_for_source(source: models.Model) -> IssuedDocument | None:
    """The document (not revoked) issued for ``source``, if any."""
    return (
        IssuedDocument.objects.filter(
            source_type=ContentType.objects.get_for_model(source),
            source_id=str(source.pk),
            revoked=False,
        )
        .order_by("-issued_at")
        .first()
    )


def document_issue_for_application(
    *, actor: User, application_id: int, ip: str | None = None
) -> IssuedDocument:
    """出具结果文书: the result document of a completed case whose service issues one, for
    the staff who work the case. One valid document per case.

    Raises: NotFound (outside the actor's queue), PermissionDenied, DomainError (not
    completed, the service issues no document, already issued).
    """
    from shequ.casework.selectors import application_get_for_staff

    application = application_get_for_staff(user=actor, application_id=application_id)
    if not may_act(actor, application, "complete"):
        raise PermissionDenied("not_allowed", _("You may not issue documents for this case."))
    if application.status != Status.COMPLETED:
        raise DomainError(
            "not_completed", _("A result document is issued once the case is closed.")
        )
    template = ResultTemplate.objects.filter(service_id=application.service_id).first()
    if template is None:
        raise DomainError("no_template", _("This service does not issue a result document."))
    with transaction.atomic():
        Application.objects.select_for_update().filter(pk=application.pk).first()
        if document_for_source(application) is not None:
            raise DomainError(
                "already_issued", _("The result document of this case has been issued already.")
            )
        resident = application.resident
        holder_name = resident.real_name if resident is not None else ""
        with translation.override("zh-hans"):
            facts = [(gettext("Case reference"), application.reference or "")]
            if resident is not None and resident.id_number:
                facts.append((gettext("ID number"), resident.id_number.masked))
            facts.append((gettext("Service"), application.service.name))
            statement = template.statement.replace("{service}", application.service.name)
        document = document_issue(
            actor=actor,
            kind=template.kind,
            title=template.title,
            statement=statement,
            holder=application.applicant,
            holder_name=holder_name or application.applicant.get_username(),
            department=application.department,
            issuer_name=application.department.name,
            source=application,
            facts=facts,
            ip=ip,
        )
        message_send(
            user_id=application.applicant_id,
            category=Category.APPLICATION,
            title=_("A document was issued for your application %(ref)s")
            % {"ref": application.reference},
            url="/documents/",
        )
    return document


@transaction.atomic
def document_revoke(
    *, actor: User, document_id: int, reason: str, ip: str | None = None
) -> IssuedDocument:
    """Revoke a document (the verification page shows it revoked, with the reason).

    Raises: NotFound, PermissionDenied (not the issuer's staff), DomainError (no reason,
    already revoked).
    """
    document = IssuedDocument.objects.select_for_update().filter(pk=document_id).first()
    if document is None:
        raise NotFound("document_not_found", _("No such document."))
    if not is_issuer_staff(actor, document):
        raise PermissionDenied("not_allowed", _("Only the issuer may revoke this document."))
    if document.revoked:
        raise DomainError("already_revoked", _("This document is revoked already."))
    text = plain_text(reason, field="reason", max_length=200, required=True)
    document.revoked = True
    document.revoked_reason = text
    document.revoked_at = timezone.now()
    document.save(update_fields=["revoked", "revoked_reason", "revoked_at"])
    audit_record(
        actor=actor,
        verb="document.revoke",
        target=document,
        division_code=document.division_id or "",
        reason=text,
        changes={"revoked": [False, True]},
        ip=ip,
    )
    # Now, and again after commit: a page read in between may have cached it still valid.
    cache.delete(verify_cache_key(document.number))
    transaction.on_commit(lambda: cache.delete(verify_cache_key(document.number)))
    return document


REUSE_PREFIX = "reuse_"


def reused_files(
    *, actor: User, definition: FormDefinition, data: Mapping[str, Any]
) -> dict[str, UploadedFile]:
    """材料复用: for each document slot where the resident picked a material from their
    wallet (``reuse_<slot>`` = an earlier upload's id), that file as a fresh upload, to be
    checked and stored with the new application like any upload.

    Raises: DomainError (not one of the resident's own materials for this slot).
    """
    chosen: dict[str, UploadedFile] = {}
    for spec in definition.documents:
        raw = str(data.get(REUSE_PREFIX + spec["name"]) or "").strip()
        if not raw:
            continue
        allowed = {m.pk: m for m in reusable_materials(user=actor, spec=spec)}
        material = allowed.get(int(raw)) if raw.isdigit() else None
        if material is None:
            raise DomainError(
                "material_not_found",
                _("The material you picked is not one of your own materials for this item."),
                field=spec["name"],
            )
        chosen[spec["name"]] = _as_upload(material)
    return chosen


def _as_upload(material: ApplicationDocument) -> UploadedFile:
    with material.file.open("rb") as handle:
        content = handle.read()
    return SimpleUploadedFile(material.original_name, content, content_type=material.content_type)


TEMPLATE_KINDS = (Kind.CERTIFICATE, Kind.PROOF)


@transaction.atomic
def result_template_set(
    *, actor: User, service_id: int, kind: str, title: str, statement: str
) -> ResultTemplate:
    """Make a service's completed cases issue a result document, or change what it says
    (the service's department, or an administrator).

    Raises: NotFound (service), PermissionDenied, DomainError ``bad_choice`` / field errors.
    """
    service = _service_for_templates(actor, service_id)
    if kind not in TEMPLATE_KINDS:
        raise DomainError("bad_choice", _("Choose one of the options."), field="kind")
    clean_title = plain_text(title, field="title", max_length=60)
    clean_statement = plain_text(statement, field="statement", max_length=500)
    template = ResultTemplate.objects.filter(service=service).first()
    before = (
        {"kind": template.kind, "title": template.title, "statement": template.statement}
        if template is not None
        else {}
    )
    template, _created = ResultTemplate.objects.update_or_create(
        service=service,
        defaults={"kind": kind, "title": clean_title, "statement": clean_statement},
    )
    after = {"kind": kind, "title": clean_title, "statement": clean_statement}
    audit_record(
        actor=actor,
        verb="result_template.set",
        target=service,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    return template


@transaction.atomic
def result_template_remove(*, actor: User, service_id: int) -> None:
    """Stop issuing result documents for the service (documents issued stay valid).

    Raises: NotFound (service, or no template), PermissionDenied.
    """
    service = _service_for_templates(actor, service_id)
    deleted, _rows = ResultTemplate.objects.filter(service=service).delete()
    if not deleted:
        raise NotFound("no_template", _("This service does not issue a result document."))
    audit_record(actor=actor, verb="result_template.remove", target=service)


def _service_for_templates(actor: User, service_id: int) -> Service:
    service = Service.objects.filter(pk=service_id).first()
    if service is None:
        raise NotFound("service_not_found", _("No such service."))
    if not is_department_staff_of(actor, service.department_id):
        raise PermissionDenied(
            "not_your_department",
            _("Only the service's department decides its result document."),
        )
    return service
