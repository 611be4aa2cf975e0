"""The form builder (设计申请表): department staff edit a **draft** of a service's application
form item by item — add by type, edit, reorder, delete, conditions, eligibility rules — and
publish it as the new version. Published versions are never rewritten: the first edit after
publishing opens a new draft, a copy of the current version.

Every write here locks the service, checks that the actor may build its forms, validates the
whole draft as it would be after the change (nothing is saved when anything is wrong) and is
audited. The stored format is ``FormDefinition``'s (see its docstring).
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import FormDefinition
from shequ.casework.permissions import can_build_forms
from shequ.casework.services.definitions import (
    CHOICE_TYPES,
    FIELD_TYPES,
    FILE_TYPES,
    MAX_FILE_KB,
    PREFILL_TYPES,
    _definition_errors,
    _eligibility_errors,
    current_form,
)
from shequ.casework.services.errors import InvalidApplication
from shequ.catalogue.models import Service
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record
from shequ.people.models import User

# A draft's version number until it is published (at most one draft per service).
DRAFT_VERSION = 0
SECTIONS = ("fields", "documents")
# The builder's "文件" type: an item of ``documents``.
FILE_ITEM = "file"
BUILDER_TYPES = (*FIELD_TYPES, FILE_ITEM)


def section_of(kind: str) -> str:
    return "documents" if kind == FILE_ITEM else "fields"


def _locked_service(actor: User, service_id: int) -> Service:
    service = Service.objects.select_for_update().filter(pk=service_id).first()
    if service is None:
        raise NotFound("service_not_found", _("No such service."))
    if not can_build_forms(actor, service):
        raise PermissionDenied(
            "not_your_department", _("You may edit only your own department's services.")
        )
    if service.kind != Service.Kind.APPLICATION:
        raise DomainError("not_an_application", _("This service takes no applications."))
    return service


def draft_of(service: Service) -> FormDefinition | None:
    return FormDefinition.objects.filter(service=service, is_draft=True).first()


def _draft_for_edit(actor: User, service: Service) -> FormDefinition:
    """The service's draft, opened from the current version when there is none."""
    draft = (
        FormDefinition.objects.select_for_update().filter(service=service, is_draft=True).first()
    )
    if draft is not None:
        return draft
    current = current_form(service)
    draft = FormDefinition.objects.create(
        service=service,
        version=DRAFT_VERSION,
        is_draft=True,
        fields=list(current.fields) if current else [],
        documents=list(current.documents) if current else [],
        eligibility=dict(current.eligibility or {}) if current else {},
        created_by=actor,
    )
    audit_record(
        actor=actor,
        verb="form.draft_open",
        target=draft,
        changes={"from_version": [None, current.version if current else None]},
    )
    return draft


def _save_section(
    draft: FormDefinition,
    *,
    actor: User,
    section: str,
    items: list[dict[str, Any]],
    verb: str,
    changes: dict[str, Any],
) -> FormDefinition:
    """Save ``items`` as the draft's fields or documents (the other section as it was)."""
    return _save_checked(
        draft,
        actor=actor,
        fields=items if section == "fields" else list(draft.fields),
        documents=items if section == "documents" else list(draft.documents),
        eligibility=dict(draft.eligibility),
        verb=verb,
        changes=changes,
    )


def _save_checked(
    draft: FormDefinition,
    *,
    actor: User,
    fields: list[dict[str, Any]],
    documents: list[dict[str, Any]],
    eligibility: dict[str, Any],
    verb: str,
    changes: dict[str, Any],
) -> FormDefinition:
    """Raises: InvalidApplication (the draft would be invalid; nothing is saved)."""
    errors = _definition_errors(fields, documents, unique_labels=True) + _eligibility_errors(
        eligibility
    )
    if errors:
        raise InvalidApplication(errors)
    draft.fields, draft.documents, draft.eligibility = fields, documents, eligibility
    draft.save(update_fields=["fields", "documents", "eligibility"])
    audit_record(actor=actor, verb=verb, target=draft, changes=changes)
    return draft


def _new_name(draft: FormDefinition, section: str) -> str:
    taken = {s["name"] for s in [*draft.fields, *draft.documents]}
    prefix = "doc_" if section == "documents" else "field_"
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def _choices(raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = raw.splitlines()
    return [str(c).strip() for c in raw or [] if str(c).strip()]


def _spec(item: Mapping[str, Any], *, name: str, previous: Mapping[str, Any] | None) -> dict:
    """The stored spec of a builder item: the previous spec's other keys (limits a form
    had before the builder) kept, the builder's keys set or removed."""
    kind = str(item.get("type") or (previous or {}).get("type") or "text")
    spec: dict[str, Any] = dict(previous or {})
    spec["name"] = name
    spec["label"] = str(item.get("label", "")).strip()
    spec["required"] = bool(item.get("required"))
    for key in ("help", "show_if", "prefill", "choices", "types", "max_kb"):
        spec.pop(key, None)
    help_text = str(item.get("help") or "").strip()
    if help_text:
        spec["help"] = help_text
    condition = item.get("show_if")
    if condition:
        spec["show_if"] = dict(condition)
    if kind == FILE_ITEM:
        spec.pop("type", None)
        spec["types"] = [t for t in item.get("types") or [] if t in FILE_TYPES] or list(
            item.get("types") or []
        )
        spec["max_kb"] = int(item.get("max_kb") or 2048)
        return spec
    spec["type"] = kind
    if kind in CHOICE_TYPES:
        spec["choices"] = _choices(item.get("choices"))
    prefill = item.get("prefill")
    if prefill:
        spec["prefill"] = str(prefill)
    return spec


def _item_index(items: list[dict[str, Any]], name: str) -> int:
    for index, spec in enumerate(items):
        if spec.get("name") == name:
            return index
    raise NotFound("item_not_found", _("No such field on this form."))


def _section(section: str) -> str:
    if section not in SECTIONS:
        raise NotFound("item_not_found", _("No such field on this form."))
    return section


@transaction.atomic
def form_draft_open(*, actor: User, service_id: int) -> FormDefinition:
    """The service's draft (a copy of the current version when none is open).

    Raises: NotFound, PermissionDenied, DomainError (not an application service).
    """
    return _draft_for_edit(actor, _locked_service(actor, service_id))


@transaction.atomic
def form_draft_item_add(
    *, actor: User, service_id: int, item: Mapping[str, Any]
) -> tuple[FormDefinition, str]:
    """Add a field (or, for type ``file``, a document) at the end of the draft.

    ``item``: ``label``, ``type`` (one of ``BUILDER_TYPES``), ``help``, ``required``,
    ``choices`` (list, or text one per line), ``prefill``, ``show_if``
    (``{"field", "equals"}``), ``types`` and ``max_kb`` (files).
    Returns the draft and the new item's name.

    Raises: NotFound, PermissionDenied, InvalidApplication (the draft would be invalid).
    """
    kind = str(item.get("type", ""))
    if kind not in BUILDER_TYPES:
        raise InvalidApplication([DomainError("bad_form", _("Unknown field type."), field="type")])
    draft = _draft_for_edit(actor, _locked_service(actor, service_id))
    section = section_of(kind)
    name = _new_name(draft, section)
    spec = _spec(item, name=name, previous=None)
    fields, documents = list(draft.fields), list(draft.documents)
    (documents if section == "documents" else fields).append(spec)
    _save_checked(
        draft,
        actor=actor,
        fields=fields,
        documents=documents,
        eligibility=dict(draft.eligibility),
        verb="form.item_add",
        changes={"item": [None, name]},
    )
    return draft, name


@transaction.atomic
def form_draft_item_update(
    *, actor: User, service_id: int, section: str, name: str, item: Mapping[str, Any]
) -> FormDefinition:
    """Change an item of the draft (its type stays; see ``form_draft_item_add``).

    Raises: NotFound, PermissionDenied, InvalidApplication.
    """
    draft = _draft_for_edit(actor, _locked_service(actor, service_id))
    items = list(getattr(draft, _section(section)))
    index = _item_index(items, name)
    previous = items[index]
    kind = FILE_ITEM if section == "documents" else str(previous.get("type"))
    items[index] = _spec({**item, "type": kind}, name=name, previous=previous)
    return _save_section(
        draft,
        actor=actor,
        section=section,
        items=items,
        verb="form.item_change",
        changes={"item": [name, name]},
    )


@transaction.atomic
def form_draft_item_move(
    *, actor: User, service_id: int, section: str, name: str, offset: int
) -> FormDefinition:
    """Move an item up (``offset`` -1) or down (+1). Moving a field above the field its
    condition looks at is refused.

    Raises: NotFound, PermissionDenied, DomainError (already first/last), InvalidApplication.
    """
    draft = _draft_for_edit(actor, _locked_service(actor, service_id))
    items = list(getattr(draft, _section(section)))
    index = _item_index(items, name)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(items):
        raise DomainError("cannot_move", _("This item cannot move further."))
    items[index], items[target] = items[target], items[index]
    return _save_section(
        draft,
        actor=actor,
        section=section,
        items=items,
        verb="form.item_move",
        changes={"position": [index + 1, target + 1], "item": [name, name]},
    )


@transaction.atomic
def form_draft_item_delete(
    *, actor: User, service_id: int, section: str, name: str
) -> FormDefinition:
    """Remove an item. Removing a field another item's condition looks at is refused.

    Raises: NotFound, PermissionDenied, InvalidApplication.
    """
    draft = _draft_for_edit(actor, _locked_service(actor, service_id))
    items = list(getattr(draft, _section(section)))
    items.pop(_item_index(items, name))
    return _save_section(
        draft,
        actor=actor,
        section=section,
        items=items,
        verb="form.item_delete",
        changes={"item": [name, None]},
    )


@transaction.atomic
def form_draft_eligibility_set(
    *, actor: User, service_id: int, eligibility: Mapping[str, Any]
) -> FormDefinition:
    """Set who may apply: ``min_age``, ``max_age``, ``residence`` ("", "city",
    "community"), ``communities`` (division codes, picked), ``min_level``. Unset rules are
    left out.

    Raises: NotFound, PermissionDenied, InvalidApplication (min age above max age, …).
    """
    draft = _draft_for_edit(actor, _locked_service(actor, service_id))
    rules = {k: v for k, v in eligibility.items() if v not in (None, "", [])}
    if rules.get("residence") != "community":
        rules.pop("communities", None)
    return _save_checked(
        draft,
        actor=actor,
        fields=list(draft.fields),
        documents=list(draft.documents),
        eligibility=rules,
        verb="form.eligibility_change",
        changes={"eligibility": [draft.eligibility, rules]},
    )


@transaction.atomic
def form_draft_publish(*, actor: User, service_id: int) -> FormDefinition:
    """Publish the draft as the service's new current version (residents apply with it from
    now; applications made with older versions keep theirs).

    Raises: NotFound (no draft), PermissionDenied, InvalidApplication (a draft that is empty
    or invalid).
    """
    service = _locked_service(actor, service_id)
    draft = (
        FormDefinition.objects.select_for_update().filter(service=service, is_draft=True).first()
    )
    if draft is None:
        raise NotFound("no_draft", _("There is no draft to publish."))
    errors = _definition_errors(draft.fields, draft.documents, unique_labels=True)
    errors += _eligibility_errors(draft.eligibility)
    if not draft.fields and not draft.documents:
        errors.append(
            DomainError(
                "empty_form", _("Add at least one field before publishing."), field="fields"
            )
        )
    if errors:
        raise InvalidApplication(errors)
    latest = current_form(service)
    draft.version = (latest.version + 1) if latest else 1
    draft.is_draft = False
    draft.published_by = actor
    draft.published_at = timezone.now()
    draft.save(update_fields=["version", "is_draft", "published_by", "published_at"])
    audit_record(
        actor=actor,
        verb="form.publish",
        target=draft,
        changes={"version": [latest.version if latest else None, draft.version]},
    )
    return draft


@transaction.atomic
def form_draft_discard(*, actor: User, service_id: int) -> None:
    """Throw the draft away; the current version stays as it is.

    Raises: NotFound (no draft), PermissionDenied.
    """
    service = _locked_service(actor, service_id)
    draft = draft_of(service)
    if draft is None:
        raise NotFound("no_draft", _("There is no draft to publish."))
    audit_record(actor=actor, verb="form.draft_discard", target=draft, changes={})
    draft.delete()


def max_kb_choices() -> list[tuple[int, str]]:
    return [(kb, f"{kb // 1024} MB") for kb in (1024, 2048, 5120, MAX_FILE_KB)]


PREFILL_FACTS = tuple(PREFILL_TYPES)
