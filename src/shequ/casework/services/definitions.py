"""Application forms (申请表) of a service: the fields and documents a form may ask for, the
eligibility rules, publishing a new version, and the version residents apply with."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import FormDefinition
from shequ.casework.permissions import can_build_forms
from shequ.casework.services.errors import InvalidApplication
from shequ.catalogue.models import Service
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.pii import PIIKind
from shequ.core.services import audit_record
from shequ.core.uploads import FILE_TYPES as ALL_FILE_TYPES
from shequ.people.models import User

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
)
# Answers of these types are personal numbers: kept sealed (encrypted) in the answers, shown
# masked, revealed to the case's staff only with a reason, audited. A number typed into a
# text answer instead is masked on save (``plain_text``).
PII_FIELD_TYPES = {"phone": PIIKind.PHONE, "id_number": PIIKind.ID_NUMBER}
# Application forms may ask for these kinds of upload.
FILE_TYPES = {kind: ALL_FILE_TYPES[kind] for kind in ("pdf", "jpg", "png")}
MAX_FILE_KB = 10 * 1024


def _definition_errors(fields: Any, documents: Any) -> list[DomainError]:
    errors: list[DomainError] = []
    if not isinstance(fields, list) or not isinstance(documents, list):
        return [DomainError("bad_form", _("Fields and documents must be lists."), field="fields")]
    names: set[str] = set()
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
        if not str(spec.get("label", "")).strip():
            errors.append(DomainError("bad_form", _("Every item needs a label."), field="fields"))
    for spec in fields:
        if isinstance(spec, dict) and spec.get("type") not in FIELD_TYPES:
            errors.append(DomainError("bad_form", _("Unknown field type."), field="fields"))
        if isinstance(spec, dict) and spec.get("type") == "choice" and not spec.get("choices"):
            errors.append(
                DomainError("bad_form", _("A choice field needs choices."), field="fields")
            )
    for spec in documents:
        if not isinstance(spec, dict):
            continue
        types = spec.get("types") or []
        if not types or any(t not in FILE_TYPES for t in types):
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
    return errors


RESIDENCE_RULES = ("", "city", "community")
ELIGIBILITY_KEYS = ("min_age", "max_age", "residence", "communities")


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
                    _("Name the communities by their codes (known division codes)."),
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
    latest = FormDefinition.objects.filter(service=service).order_by("-version").first()
    definition = FormDefinition.objects.create(
        service=service,
        version=(latest.version + 1) if latest else 1,
        fields=fields,
        documents=documents,
        eligibility=eligibility,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        verb="form.publish",
        target=definition,
        changes={"version": [latest.version if latest else None, definition.version]},
    )
    return definition


def current_form(service: Service) -> FormDefinition | None:
    return FormDefinition.objects.filter(service=service).order_by("-version").first()


def requestable_items(definition: FormDefinition) -> list[tuple[str, str]]:
    """The fields and document slots of a form, as ``(name, label)``, in form order."""
    return [(s["name"], s["label"]) for s in [*definition.fields, *definition.documents]]
