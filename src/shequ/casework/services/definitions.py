"""Application forms (申请表) of a service: the fields and documents a form may ask for, the
eligibility rules, publishing a new version, and the version residents apply with."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import FormDefinition
from shequ.casework.permissions import can_build_forms
from shequ.casework.services.errors import InvalidApplication
from shequ.catalogue.models import Service
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.pii import PIIKind
from shequ.core.services import audit_record
from shequ.core.uploads import FILE_TYPES as ALL_FILE_TYPES
from shequ.people.models import User, VerificationLevel

FIELD_TYPES = (
    "text",
    "textarea",
    "integer",
    "decimal",
    "date",
    "choice",
    "boolean",
    "phone",
    "id_number",
    "multichoice",
    "address",
)
CHOICE_TYPES = ("choice", "multichoice")
# Fields a condition (show_if) may look at: their values can be picked, not typed.
CONDITION_SOURCE_TYPES = ("choice", "multichoice", "boolean")
# Registry facts a field may be pre-filled with, and the field types each fits.
PREFILL_TYPES: dict[str, tuple[str, ...]] = {
    "name": ("text",),
    "id_number": ("id_number",),
    "phone": ("phone",),
    "community": ("address", "text"),
    "birth_date": ("date",),
}
# Answers of these types are personal numbers: kept sealed (encrypted) in the answers, shown
# masked, revealed to the case's staff only with a reason, audited. A number typed into a
# text answer instead is masked on save (``plain_text``).
PII_FIELD_TYPES = {"phone": PIIKind.PHONE, "id_number": PIIKind.ID_NUMBER}
# Application forms may ask for these kinds of upload.
FILE_TYPES = {kind: ALL_FILE_TYPES[kind] for kind in ("pdf", "jpg", "png")}
MAX_FILE_KB = 10 * 1024


def _condition_errors(
    spec: dict[str, Any], earlier: list[dict[str, Any]], label: str
) -> list[DomainError]:
    """What is wrong with an item's ``show_if``: it must look at an earlier field (not
    itself, not a later one) whose values can be picked, and name one of those values."""
    condition = spec.get("show_if")
    if condition is None:
        return []
    if not isinstance(condition, dict) or not isinstance(condition.get("field"), str):
        return [
            DomainError(
                "bad_condition", _("「%(label)s」: unknown condition."), field="fields", label=label
            )
        ]
    source = next((f for f in earlier if f.get("name") == condition["field"]), None)
    if source is None:
        return [
            DomainError(
                "condition_not_earlier",
                _("「%(label)s」: a condition may only look at a field that comes before it."),
                field="fields",
                label=label,
            )
        ]
    if source.get("type") not in CONDITION_SOURCE_TYPES:
        return [
            DomainError(
                "bad_condition",
                _("「%(label)s」: a condition may only look at a choice or yes/no field."),
                field="fields",
                label=label,
            )
        ]
    values = (
        ["true", "false"]
        if source.get("type") == "boolean"
        else [str(c) for c in source.get("choices") or []]
    )
    if str(condition.get("equals", "")) not in values:
        return [
            DomainError(
                "bad_condition",
                _("「%(label)s」: the condition's value is not one of 「%(source)s」's options."),
                field="fields",
                label=label,
                source=source.get("label", ""),
            )
        ]
    return []


def _definition_errors(
    fields: Any, documents: Any, *, unique_labels: bool = False
) -> list[DomainError]:
    errors: list[DomainError] = []
    if not isinstance(fields, list) or not isinstance(documents, list):
        return [DomainError("bad_form", _("Fields and documents must be lists."), field="fields")]
    names: set[str] = set()
    labels: set[str] = set()
    for spec in [*fields, *documents]:
        if not isinstance(spec, dict) or not str(spec.get("name", "")).isidentifier():
            errors.append(
                DomainError(
                    "bad_form", _("Every item needs a name (letters, digits, _)."), field="fields"
                )
            )
            continue
        if spec["name"] in names:
            errors.append(DomainError("bad_form", _("Names must be unique."), field="fields"))
        names.add(spec["name"])
        label = str(spec.get("label", "")).strip()
        if not label:
            errors.append(DomainError("bad_form", _("Every item needs a label."), field="fields"))
        elif unique_labels and label in labels:
            errors.append(
                DomainError(
                    "duplicate_label",
                    _("Two items are named 「%(label)s」: give each a name of its own."),
                    field="fields",
                    label=label,
                )
            )
        labels.add(label)
        if not isinstance(spec.get("help", ""), str):
            errors.append(DomainError("bad_form", _("A hint is text."), field="fields"))
    if errors:
        return errors
    for index, spec in enumerate(fields):
        label = str(spec.get("label", ""))
        kind = spec.get("type")
        if kind not in FIELD_TYPES:
            errors.append(DomainError("bad_form", _("Unknown field type."), field="fields"))
            continue
        choices = spec.get("choices")
        if kind in CHOICE_TYPES and (
            not isinstance(choices, list) or not choices or any(not str(c).strip() for c in choices)
        ):
            errors.append(
                DomainError(
                    "choice_without_options",
                    _("「%(label)s」: a choice field needs options."),
                    field="fields",
                    label=label,
                )
            )
        elif kind in CHOICE_TYPES and len({str(c) for c in choices}) != len(choices):
            errors.append(
                DomainError(
                    "duplicate_option",
                    _("「%(label)s」: two options are the same."),
                    field="fields",
                    label=label,
                )
            )
        prefill = spec.get("prefill")
        if prefill is not None and kind not in PREFILL_TYPES.get(str(prefill), ()):
            errors.append(
                DomainError(
                    "bad_prefill",
                    _("「%(label)s」: this registry fact does not fit this type of field."),
                    field="fields",
                    label=label,
                )
            )
        errors.extend(_condition_errors(spec, fields[:index], label))
    for spec in documents:
        label = str(spec.get("label", ""))
        types = spec.get("types") or []
        if not types:
            errors.append(
                DomainError(
                    "file_without_kinds",
                    _("「%(label)s」: choose the kinds of file allowed."),
                    field="documents",
                    label=label,
                )
            )
        elif any(t not in FILE_TYPES for t in types):
            errors.append(
                DomainError(
                    "bad_form", _("Document types must be pdf, jpg or png."), field="documents"
                )
            )
        max_kb = spec.get("max_kb", 0)
        if not isinstance(max_kb, int) or not 1 <= max_kb <= MAX_FILE_KB:
            errors.append(
                DomainError("bad_form", _("Size limits are 1 to 10240 KB."), field="documents")
            )
        errors.extend(_condition_errors(spec, fields, label))
    return errors


RESIDENCE_RULES = ("", "city", "community")
ELIGIBILITY_KEYS = ("min_age", "max_age", "residence", "communities", "min_level")


def _eligibility_errors(eligibility: Any) -> list[DomainError]:
    """What is wrong with an eligibility definition (see ``FormDefinition``)."""
    if not isinstance(eligibility, dict) or any(k not in ELIGIBILITY_KEYS for k in eligibility):
        return [DomainError("bad_eligibility", _("Unknown eligibility rule."), field="min_age")]
    errors: list[DomainError] = []
    ages = [eligibility.get("min_age"), eligibility.get("max_age")]
    for key, age in zip(("min_age", "max_age"), ages, strict=True):
        if age is not None and (
            isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 150
        ):
            errors.append(
                DomainError(
                    "bad_eligibility", _("An age is a whole number from 0 to 150."), field=key
                )
            )
    low, high = ages
    if not errors and low is not None and high is not None and low > high:
        errors.append(
            DomainError(
                "bad_eligibility",
                _("The minimum age is above the maximum age."),
                field="max_age",
            )
        )
    level = eligibility.get("min_level")
    if level is not None and level not in VerificationLevel.values:
        errors.append(
            DomainError("bad_eligibility", _("Unknown verification level."), field="min_level")
        )
    residence = eligibility.get("residence", "")
    communities = eligibility.get("communities", [])
    if residence not in RESIDENCE_RULES:
        errors.append(
            DomainError("bad_eligibility", _("Unknown residence rule."), field="residence")
        )
    elif not isinstance(communities, list) or any(not isinstance(c, str) for c in communities):
        errors.append(
            DomainError("bad_eligibility", _("Communities must be codes."), field="communities")
        )
    elif residence == "community":
        from shequ.places.models import Division

        known = set(Division.objects.filter(code__in=communities).values_list("code", flat=True))
        if not communities or known != set(communities):
            errors.append(
                DomainError(
                    "bad_eligibility",
                    _("Choose the communities from the list."),
                    field="communities",
                )
            )
    return errors


@transaction.atomic
def form_definition_publish(
    *,
    actor: User | None,
    service_id: int,
    fields: Any,
    documents: Any,
    eligibility: Any = None,
) -> FormDefinition:
    """Publish a new version of a service's application form (older versions stay).

    Raises: NotFound, PermissionDenied (another department), InvalidApplication (bad spec).
    """
    service = Service.objects.select_for_update().filter(pk=service_id).first()
    if service is None:
        raise NotFound("service_not_found", _("No such service."))
    if actor is not None and not can_build_forms(actor, service):
        raise PermissionDenied(
            "not_your_department", _("You may edit only your own department's services.")
        )
    if service.kind != Service.Kind.APPLICATION:
        raise DomainError("not_an_application", _("This service takes no applications."))
    if eligibility is None:
        eligibility = {}
    elif isinstance(eligibility, dict):  # unset rules are left out
        eligibility = {k: v for k, v in eligibility.items() if v not in (None, "", [])}
    errors = _definition_errors(fields, documents) + _eligibility_errors(eligibility)
    if errors:
        raise InvalidApplication(errors)
    latest = current_form(service)
    definition = FormDefinition.objects.create(
        service=service,
        version=(latest.version + 1) if latest else 1,
        fields=fields,
        documents=documents,
        eligibility=eligibility,
        created_by=actor,
        published_by=actor,
        published_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        verb="form.publish",
        target=definition,
        changes={"version": [latest.version if latest else None, definition.version]},
    )
    return definition


def current_form(service: Service) -> FormDefinition | None:
    """The published version residents apply with (a draft never is)."""
    return (
        FormDefinition.objects.filter(service=service, is_draft=False).order_by("-version").first()
    )


def requestable_items(definition: FormDefinition) -> list[tuple[str, str]]:
    """The fields and document slots of a form, as ``(name, label)``, in form order."""
    return [(s["name"], s["label"]) for s in [*definition.fields, *definition.documents]]
