"""Writes of the policy library: author, edit and publish a policy, link amendments and
repeals, attach files. Each in one transaction, checked against the author's area, audited."""

import re
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.catalogue.models import Service
from shequ.catalogue.search import index_tokens
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.scopes import CITY_CODE
from shequ.core.services import audit_record
from shequ.core.uploads import check_upload
from shequ.funds.models import SecurityFormula
from shequ.people.models import User
from shequ.places.models import Division
from shequ.policies.models import Attachment, Kind, Level, Policy, Relation, Structure
from shequ.policies.permissions import may_author_in
from shequ.projects.models import Project

ATTACHMENT_TYPES = ("pdf", "docx")
ATTACHMENT_MAX_KB = 20 * 1024
LEVEL_OF_DIVISION: dict[str, str] = {
    Division.Level.CITY: Level.CITY,
    Division.Level.DISTRICT: Level.DISTRICT,
    Division.Level.STREET: Level.STREET,
}
# Brackets people type for the year in a document number, all read as 〔〕 so one number has
# one spelling: 成委发[2017]30号 and 成委发〔2017〕30号 are the same document.
_OPEN = re.compile(r"[\[［【(（]")
_CLOSE = re.compile(r"[\]］】)）]")


def doc_number_normal(text: str) -> str:
    """A document number without spaces and with 〔〕 around the year."""
    text = re.sub(r"\s+", "", text or "")
    return _CLOSE.sub("〕", _OPEN.sub("〔", text))


def _text(data: dict[str, Any], key: str, max_length: int, *, required: bool = False) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        raise DomainError("required", _("This field is required."), field=key)
    if len(value) > max_length:
        raise DomainError("too_long", _("At most %(n)s characters."), field=key, n=max_length)
    return value


def _date(data: dict[str, Any], key: str, *, required: bool) -> date | None:
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise DomainError("required", _("This field is required."), field=key)
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError("bad_date", _("Enter a date such as 2020-12-01."), field=key) from None


def _clean(actor: User, data: dict[str, Any], *, policy: Policy | None) -> dict[str, Any]:
    """The validated fields of a policy. Raises: DomainError, PermissionDenied."""
    clean: dict[str, Any] = {
        "title": _text(data, "title", 200, required=True),
        "issuer": _text(data, "issuer", 200, required=True),
        "doc_number": doc_number_normal(_text(data, "doc_number", 60)),
        "summary": _text(data, "summary", 2000),
        "interpretation": _text(data, "interpretation", 10000),
        "full_text": _text(data, "full_text", 200000),
        "source_url": _text(data, "source_url", 200),
        "provenance": _text(data, "provenance", 300),
    }
    if clean["source_url"] and not clean["source_url"].startswith(("https://", "http://")):
        raise DomainError(
            "bad_url", _("Enter a web address starting with https://."), field="source_url"
        )
    kind = str(data.get("kind") or "")
    if kind not in Kind.values:
        raise DomainError("bad_kind", _("Choose a document type from the list."), field="kind")
    clean["kind"] = kind
    structure = str(data.get("structure") or Structure.OTHER)
    if structure not in Structure.values:
        raise DomainError(
            "bad_structure", _("Choose a place in 1+6+N from the list."), field="structure"
        )
    clean["structure"] = structure
    code = str(data.get("division") or "") or CITY_CODE
    division = Division.objects.filter(pk=code).first()
    if division is None or division.level not in LEVEL_OF_DIVISION:
        raise DomainError(
            "bad_area",
            _("A policy applies to the city, a district or a street."),
            field="division",
        )
    if not may_author_in(actor, code):
        raise PermissionDenied(
            "not_your_area",
            _("You may only author policies of your own area."),
            field="division",
        )
    clean["division_id"] = code
    clean["level"] = LEVEL_OF_DIVISION[division.level]
    clean["issued_on"] = _date(data, "issued_on", required=True)
    clean["effective_on"] = _date(data, "effective_on", required=False) or clean["issued_on"]
    clean["expires_on"] = _date(data, "expires_on", required=False)
    if clean["expires_on"] is not None and clean["expires_on"] < clean["effective_on"]:
        raise DomainError(
            "expiry_before_effective",
            _("The expiry date cannot be before the date the policy takes effect."),
            field="expires_on",
        )
    parent_id = str(data.get("parent") or "")
    clean["parent_id"] = None
    if parent_id:
        parent = Policy.objects.filter(pk=int(parent_id)).first() if parent_id.isdigit() else None
        if parent is None:
            raise DomainError("bad_parent", _("Choose a policy from the list."), field="parent")
        ancestor: Policy | None = parent
        seen: set[int] = set()
        while ancestor is not None and ancestor.pk not in seen:
            if policy is not None and ancestor.pk == policy.pk:
                raise DomainError(
                    "parent_cycle",
                    _("A policy cannot follow from itself or from one that follows from it."),
                    field="parent",
                )
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        clean["parent_id"] = parent.pk
    if clean["doc_number"]:
        taken = Policy.objects.filter(issuer=clean["issuer"], doc_number=clean["doc_number"])
        if policy is not None:
            taken = taken.exclude(pk=policy.pk)
        if taken.exists():
            raise DomainError(
                "number_taken",
                _("This issuing body has already used the document number %(number)s."),
                field="doc_number",
                number=clean["doc_number"],
            )
    return clean


def _links(
    policy: Policy,
    *,
    service_ids: list[int] | None,
    project_ids: list[int] | None,
    formula_ids: list[int] | None,
) -> None:
    if service_ids is not None:
        services = list(Service.objects.filter(pk__in=service_ids))
        if len(services) != len(set(service_ids)):
            raise DomainError("bad_service", _("Choose services from the list."), field="services")
        policy.services.set(services)
    if project_ids is not None:
        projects = list(Project.objects.filter(pk__in=project_ids))
        if len(projects) != len(set(project_ids)):
            raise DomainError("bad_project", _("Choose projects from the list."), field="projects")
        policy.projects.set(projects)
    if formula_ids is not None:
        formulas = list(SecurityFormula.objects.filter(pk__in=formula_ids))
        if len(formulas) != len(set(formula_ids)):
            raise DomainError(
                "bad_formula", _("Choose fund rules from the list."), field="fund_formulas"
            )
        policy.fund_formulas.set(formulas)


def policy_index(policy: Policy) -> None:
    """Re-cut the search tokens of ``policy`` (the database re-indexes them)."""
    body = " ".join(
        (policy.doc_number, policy.issuer, policy.summary, policy.interpretation, policy.full_text)
    )
    Policy.objects.filter(pk=policy.pk).update(
        title_tokens=index_tokens(policy.title), body_tokens=index_tokens(body)
    )


@transaction.atomic
def policy_create(
    *,
    actor: User,
    data: dict[str, Any],
    service_ids: list[int] | None = None,
    project_ids: list[int] | None = None,
    formula_ids: list[int] | None = None,
    publish: bool = False,
    ip: str | None = None,
) -> Policy:
    """A new policy (a draft unless ``publish``). Raises: DomainError, PermissionDenied."""
    clean = _clean(actor, data, policy=None)
    policy = Policy.objects.create(
        **clean,
        is_published=publish,
        published_at=timezone.now() if publish else None,
    )
    _links(policy, service_ids=service_ids, project_ids=project_ids, formula_ids=formula_ids)
    policy_index(policy)
    audit_record(
        actor=actor,
        verb="policy.create",
        target=policy,
        division_code=policy.division_id,
        changes={"published": publish},
        ip=ip,
    )
    return policy


def _editable(actor: User, policy_id: int) -> Policy:
    policy = Policy.objects.select_for_update().filter(pk=policy_id).first()
    if policy is None or not may_author_in(actor, policy.division_id):
        raise NotFound("policy_not_found", _("No such policy."))
    return policy


@transaction.atomic
def policy_update(
    *,
    actor: User,
    policy_id: int,
    data: dict[str, Any],
    service_ids: list[int] | None = None,
    project_ids: list[int] | None = None,
    formula_ids: list[int] | None = None,
    ip: str | None = None,
) -> Policy:
    """Change a policy of the actor's area. Raises: NotFound, DomainError, PermissionDenied."""
    policy = _editable(actor, policy_id)
    clean = _clean(actor, data, policy=policy)
    changed = sorted(k for k, v in clean.items() if getattr(policy, k) != v)
    for key, value in clean.items():
        setattr(policy, key, value)
    policy.save()
    _links(policy, service_ids=service_ids, project_ids=project_ids, formula_ids=formula_ids)
    policy_index(policy)
    audit_record(
        actor=actor,
        verb="policy.update",
        target=policy,
        division_code=policy.division_id,
        changes={"fields": changed},
        ip=ip,
    )
    return policy


@transaction.atomic
def policy_publish(
    *, actor: User, policy_id: int, published: bool = True, ip: str | None = None
) -> Policy:
    """Publish (or withdraw) a policy. Raises: NotFound."""
    policy = _editable(actor, policy_id)
    policy.is_published = published
    policy.published_at = timezone.now() if published else None
    policy.save(update_fields=["is_published", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        verb="policy.publish" if published else "policy.withdraw",
        target=policy,
        division_code=policy.division_id,
        ip=ip,
    )
    return policy


def _reaches(start: int, goal: int) -> bool:
    """True when following amend/repeal links from ``start`` arrives at ``goal``."""
    frontier, seen = [start], {start}
    while frontier:
        nexts = list(
            Relation.objects.filter(source_id__in=frontier).values_list("target_id", flat=True)
        )
        if goal in nexts:
            return True
        frontier = [n for n in nexts if n not in seen]
        seen.update(frontier)
    return False


@transaction.atomic
def relation_add(
    *,
    actor: User,
    source_id: int,
    target_id: int,
    kind: str,
    note: str = "",
    ip: str | None = None,
) -> Relation:
    """Record that policy ``source`` amends or repeals ``target``.

    Raises: NotFound, DomainError ``relation_self``, ``relation_cycle``, ``bad_relation``,
    ``relation_exists``.
    """
    source = _editable(actor, source_id)
    if kind not in Relation.Kind.values:
        raise DomainError("bad_relation", _("Choose amends or repeals."), field="kind")
    if int(target_id) == source.pk:
        raise DomainError(
            "relation_self", _("A policy cannot amend or repeal itself."), field="target"
        )
    target = Policy.objects.filter(pk=target_id).first()
    if target is None:
        raise DomainError("bad_target", _("Choose a policy from the list."), field="target")
    if Relation.objects.filter(source=source, target=target).exists():
        raise DomainError("relation_exists", _("This link is already recorded."), field="target")
    if _reaches(target.pk, source.pk):
        raise DomainError(
            "relation_cycle",
            _(
                "%(target)s already amends or repeals this policy (directly or through others): "
                "the links would go round in a circle."
            ),
            field="target",
            target=target.title,
        )
    relation = Relation.objects.create(
        source=source, target=target, kind=kind, note=note.strip()[:200]
    )
    audit_record(
        actor=actor,
        verb=f"policy.{kind}",
        target=target,
        division_code=source.division_id,
        changes={"by": source.pk},
        ip=ip,
    )
    return relation


@transaction.atomic
def attachment_add(
    *, actor: User, policy_id: int, upload: UploadedFile, ip: str | None = None
) -> Attachment:
    """Attach a PDF or Word (.docx) file whose contents match its name.

    Raises: NotFound, DomainError ``file_type_not_allowed``, ``file_too_large``.
    """
    policy = _editable(actor, policy_id)
    content_type = check_upload(
        upload, field="file", types=ATTACHMENT_TYPES, max_kb=ATTACHMENT_MAX_KB
    )
    name = (upload.name or "file").rsplit("/", 1)[-1][:200]
    attachment = Attachment(
        policy=policy, name=name, content_type=content_type, size=upload.size or 0
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit_record(
        actor=actor,
        verb="policy.attach",
        target=policy,
        division_code=policy.division_id,
        changes={"file": name},
        ip=ip,
    )
    return attachment
