"""Reads of issued documents: the public verification (one indexed lookup, cached), a
resident's wallet (their documents and their uploaded materials) and the materials that fit
a document slot of a form (材料复用)."""

from collections.abc import Mapping
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import ApplicationDocument
from shequ.casework.services.definitions import FILE_TYPES
from shequ.core.errors import NotFound, PermissionDenied
from shequ.documents.models import IssuedDocument
from shequ.documents.numbers import normalise
from shequ.documents.permissions import may_download

VERIFY_FIELDS = (
    "number",
    "kind",
    "title",
    "holder_masked",
    "issuer_name",
    "issued_at",
    "sha256",
    "revoked",
    "revoked_reason",
    "revoked_at",
)
_MISSING = "missing"
VERIFY_CACHE_SECONDS = 300


def verify_cache_key(number: str) -> str:
    return f"documents:verify:{number}"


def document_verify(*, number: str) -> dict[str, Any] | None:
    """What the public may know of document ``number`` (canonical form), or None. Never a
    personal number: the holder's name is masked, nothing else of them is kept here."""
    key = verify_cache_key(number)
    found = cache.get(key)
    if found is None:
        row = IssuedDocument.objects.filter(number=number).values(*VERIFY_FIELDS).first()
        found = row if row is not None else _MISSING
        cache.set(key, found, VERIFY_CACHE_SECONDS if row is not None else 30)
    return None if found == _MISSING else dict(found)


def number_parse(text: str) -> str | None:
    return normalise(text)


def documents_for_holder(*, user: Any) -> QuerySet[IssuedDocument]:
    return IssuedDocument.objects.filter(holder_id=user.pk).order_by("-issued_at", "-id")


def materials_for(*, user: Any) -> QuerySet[ApplicationDocument]:
    """The resident's uploads in their applications, newest first."""
    return (
        ApplicationDocument.objects.filter(application__applicant_id=user.pk)
        .select_related("application__service", "application__form")
        .order_by("-uploaded_at", "-id")
    )


def material_label(material: ApplicationDocument) -> str:
    """The name the form gave the material's slot (身份证正反面…), or the slot's name."""
    for spec in material.application.form.documents:
        if spec.get("name") == material.slot:
            return str(spec.get("label") or material.slot)
    return material.slot


def reusable_materials(
    *, user: Any, spec: Mapping[str, Any], limit: int = 10
) -> list[ApplicationDocument]:
    """The resident's earlier uploads that fit the slot ``spec``: the same material (same slot
    name or the same label) of a file type the slot accepts; one per file, newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    label = str(spec.get("label") or "")
    types = {FILE_TYPES[t][0] for t in spec.get("types", []) if t in FILE_TYPES}
    max_bytes = int(spec.get("max_kb", 2048)) * 1024
    found: list[ApplicationDocument] = []
    seen: set[tuple[str, int]] = set()
    for material in materials_for(user=user)[:200]:
        if material.content_type not in types or material.size > max_bytes:
            continue
        if material.slot != spec.get("name") and material_label(material) != label:
            continue
        key = (material.original_name, material.size)
        if key in seen:
            continue
        seen.add(key)
        found.append(material)
        if len(found) >= limit:
            break
    return found


def document_get_for_download(*, user: Any, document_id: int) -> IssuedDocument:
    """Raises: NotFound (no such document), PermissionDenied (not the holder nor its issuer)."""
    document = IssuedDocument.objects.filter(pk=document_id).first()
    if document is None:
        raise NotFound("document_not_found", _("No such document."))
    if not may_download(user, document):
        raise PermissionDenied(
            "not_holder", _("Only the holder of this document or its issuer may download it.")
        )
    return document
