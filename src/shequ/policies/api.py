"""The policy library over the API: public search and reading; authors create, link, publish."""

from datetime import date
from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from shequ.core.errors import PermissionDenied
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.policies import selectors, services
from shequ.policies.permissions import can_author_policies
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["policies"])


class PolicyListOut(Schema):
    id: int
    title: str
    doc_number: str
    issuer: str
    kind: str
    level: str
    structure: str
    issued_on: date
    effective_on: date
    expires_on: date | None
    validity: str
    validity_label: str


class PolicyLinkOut(Schema):
    id: int
    title: str
    doc_number: str
    relation: str


class PolicyDetailOut(PolicyListOut):
    division_code: str
    parent_id: int | None
    summary: str
    interpretation: str
    full_text: str
    source_url: str
    provenance: str
    is_demo: bool
    children: list[PolicyLinkOut]
    amends: list[PolicyLinkOut]
    amended_by: list[PolicyLinkOut]
    service_ids: list[int]
    project_codes: list[str]
    fund_formula_ids: list[int]


class PolicyIn(Schema):
    title: str
    issuer: str
    kind: str
    issued_on: date
    doc_number: str = ""
    division: str = ""
    structure: str = "other"
    parent: int | None = None
    effective_on: date | None = None
    expires_on: date | None = None
    summary: str = ""
    interpretation: str = ""
    full_text: str = ""
    source_url: str = ""
    provenance: str = ""
    service_ids: list[int] = []
    project_ids: list[int] = []
    fund_formula_ids: list[int] = []
    publish: bool = False


class PolicyRelationIn(Schema):
    target: int
    kind: str
    note: str = ""


def _row(row: selectors.PolicyRow | selectors.PolicyPage) -> dict[str, Any]:
    p = row.policy
    return {
        "id": p.pk,
        "title": p.title,
        "doc_number": p.doc_number,
        "issuer": p.issuer,
        "kind": p.kind,
        "level": p.level,
        "structure": p.structure,
        "issued_on": p.issued_on,
        "effective_on": p.effective_on,
        "expires_on": p.expires_on,
        "validity": row.validity,
        "validity_label": row.validity_label,
    }


def _detail(page: selectors.PolicyPage) -> dict[str, Any]:
    p = page.policy
    return {
        **_row(page),
        "division_code": p.division_id,
        "parent_id": p.parent_id,
        "summary": p.summary,
        "interpretation": p.interpretation,
        "full_text": p.full_text,
        "source_url": p.source_url,
        "provenance": p.provenance,
        "is_demo": p.is_demo,
        "children": [
            {
                "id": c.policy.pk,
                "title": c.policy.title,
                "doc_number": c.policy.doc_number,
                "relation": c.policy.structure,
            }
            for c in page.children
        ],
        "amends": [
            {
                "id": r.target.pk,
                "title": r.target.title,
                "doc_number": r.target.doc_number,
                "relation": r.kind,
            }
            for r in page.amends
        ],
        "amended_by": [
            {
                "id": r.source.pk,
                "title": r.source.title,
                "doc_number": r.source.doc_number,
                "relation": r.kind,
            }
            for r in page.amended_by
        ],
        "service_ids": [s.pk for s in p.services.all()],
        "project_codes": [x.code for x in p.projects.all()],
        "fund_formula_ids": [f.pk for f in p.fund_formulas.all()],
    }


@router.get("", response=list[PolicyListOut])
def list_policies(
    request: HttpRequest,
    q: str = "",
    level: str = "",
    kind: str = "",
    structure: str = "",
    validity: str = "",
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Published policies, searched in Chinese or newest first, with today's validity."""
    rows = selectors.policy_library(
        query=q,
        level=level,
        kind=kind,
        structure=structure,
        validity=validity,
        limit=max(1, min(limit, 100)),
    )
    return [_row(r) for r in rows]


@router.get("/{policy_id}", response=PolicyDetailOut)
def get_policy(request: HttpRequest, policy_id: int) -> dict[str, Any]:
    """A published policy with its 1+6+N place, amendments, repeals and what it governs."""
    return _detail(selectors.policy_page(policy_id=policy_id))


def _author(request: HttpRequest) -> User:
    if not can_author_policies(request.user):
        raise PermissionDenied("not_author", _("Only policy authors may do this."))
    return cast(User, request.user)


@router.post("", response={201: PolicyDetailOut}, auth=API_AUTH)
def create_policy(request: HttpRequest, payload: PolicyIn) -> Status[dict[str, Any]]:
    """Author a policy in one's area (published at once when ``publish``)."""
    actor = _author(request)
    data = payload.dict()
    links = {
        "service_ids": data.pop("service_ids"),
        "project_ids": data.pop("project_ids"),
        "formula_ids": data.pop("fund_formula_ids"),
    }
    publish = data.pop("publish")
    policy = services.policy_create(
        actor=actor, data=data, publish=publish, ip=client_ip(request), **links
    )
    return Status(201, _detail(selectors.policy_get_for(actor, policy_id=policy.pk)))


@router.post("/{policy_id}/relations", response={201: PolicyDetailOut}, auth=API_AUTH)
def add_relation(
    request: HttpRequest, policy_id: int, payload: PolicyRelationIn
) -> Status[dict[str, Any]]:
    """Record that this policy amends or repeals another (no circles)."""
    actor = _author(request)
    services.relation_add(
        actor=actor,
        source_id=policy_id,
        target_id=payload.target,
        kind=payload.kind,
        note=payload.note,
        ip=client_ip(request),
    )
    return Status(201, _detail(selectors.policy_get_for(actor, policy_id=policy_id)))
