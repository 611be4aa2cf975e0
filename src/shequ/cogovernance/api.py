"""Co-governance over the API: public three lists and demonstration communities; scoped
organisations, needs' suggestions, confirming a match and agreements for staff."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from shequ.cogovernance import selectors
from shequ.cogovernance.models import (
    Agreement,
    AreaOrganisation,
    Commitment,
    Designation,
    Member,
    Need,
    Project,
    Resource,
)
from shequ.cogovernance.services import agreements as agreement_services
from shequ.cogovernance.services import designations as designation_services
from shequ.cogovernance.services import lists
from shequ.cogovernance.services import organisations as organisation_services
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["cogovernance"])


class AreaOrganisationOut(Schema):
    id: int
    kind: str
    name: str
    division_code: str
    parent_id: int | None
    civil_organisation_id: int | None

    @staticmethod
    def resolve_division_code(obj: AreaOrganisation) -> str:
        return obj.division_id


class ListNeedOut(Schema):
    id: int
    community_code: str
    title: str
    category: str
    status: str
    source: str
    close_reason: str

    @staticmethod
    def resolve_community_code(obj: Need) -> str:
        return obj.community_id


class ListResourceOut(Schema):
    id: int
    division_code: str
    title: str
    category: str
    organisation: str
    quantity: Decimal
    unit_label: str
    amount: Decimal
    availability: str
    status: str

    @staticmethod
    def resolve_division_code(obj: Any) -> str:
        return str(obj.division_id)

    @staticmethod
    def resolve_organisation(obj: Any) -> str:
        return str(obj.organisation.name)


class ListProjectOut(Schema):
    id: int
    title: str
    need_id: int
    resource_ids: list[int]
    commitment_id: int | None
    status: str
    result_note: str

    @staticmethod
    def resolve_resource_ids(obj: Project) -> list[int]:
        return [u.resource_id for u in obj.uses.all()]


class ThreeListsOut(Schema):
    community_code: str
    needs: list[ListNeedOut]
    resources: list[ListResourceOut]
    projects: list[ListProjectOut]


class MatchSuggestionOut(Schema):
    resource: ListResourceOut
    reasons: list[str]


class MatchConfirmIn(Schema):
    resource_ids: list[int]
    title: str = ""
    commitment_id: int | None = None


class CoBuildingAgreementOut(Schema):
    id: int
    community_code: str
    unit_id: int
    title: str
    starts_on: date
    ends_on: date

    @staticmethod
    def resolve_community_code(obj: Agreement) -> str:
        return obj.community_id


class DemonstrationOut(Schema):
    id: int
    year: int
    community_code: str
    community: str
    criteria: list[str]
    is_demo: bool

    @staticmethod
    def resolve_community_code(obj: Designation) -> str:
        return obj.community_id

    @staticmethod
    def resolve_community(obj: Designation) -> str:
        return str(obj.community)


@router.get("/lists/{code}", response=ThreeListsOut)
def community_lists(request: HttpRequest, code: str) -> dict[str, Any]:
    """A community's three lists as the public page shows them."""
    data = selectors.public_lists(community_code=code)
    return {
        "community_code": data.community.code,
        "needs": data.needs,
        "resources": data.resources,
        "projects": data.projects,
    }


@router.get("/designations", response=list[DemonstrationOut])
@paginate
def designations(request: HttpRequest, year: int | None = None, district: str = "") -> object:
    """Demonstration communities, by year and district."""
    return selectors.designations_public(year=year, district=district)


@router.get("/organisations", response=list[AreaOrganisationOut], auth=API_AUTH)
@paginate
def organisations(request: HttpRequest, area: str = "") -> object:
    """Organisations in the caller's areas (staff)."""
    return selectors.organisation_list_for(request.user, area=area)


@router.get("/needs/{need_id}/suggestions", response=list[MatchSuggestionOut], auth=API_AUTH)
def suggestions(request: HttpRequest, need_id: int) -> list[dict[str, Any]]:
    """Resources that fit a need by the matching rule, with the reasons."""
    need = selectors.need_get_for(request.user, need_id=need_id)
    return [{"resource": r, "reasons": v.reasons} for r, v in selectors.suggestions(need)]


@router.post("/needs/{need_id}/matches", response={201: ListProjectOut}, auth=API_AUTH)
def confirm_match(request: HttpRequest, need_id: int, payload: MatchConfirmIn) -> Status[Project]:
    """Confirm a match: creates the project-list entry."""
    project = lists.match_confirm(
        actor=cast(User, request.user),
        need_id=need_id,
        resource_ids=payload.resource_ids,
        title=payload.title,
        commitment_id=payload.commitment_id,
        ip=client_ip(request),
    )
    return Status(201, project)


@router.get("/agreements", response=list[CoBuildingAgreementOut], auth=API_AUTH)
@paginate
def agreements(request: HttpRequest, area: str = "") -> object:
    """Co-building agreements in the caller's areas (staff)."""
    return selectors.agreement_list_for(request.user, area=area)


# Corrections and closing (staff) -------------------------------------------------------


class CogovNeedIn(Schema):
    title: str
    category: str
    description: str = ""
    appeal: int | None = None
    survey: int | None = None


class CogovNeedCloseIn(Schema):
    reason: str
    note: str = ""
    merged_into: int | None = None


class CogovResourceIn(Schema):
    division: str = ""
    title: str
    category: str
    description: str = ""
    quantity: Decimal | None = None
    unit_label: str = ""
    amount: Decimal | None = None
    available_from: date | None = None
    available_until: date | None = None
    availability: str = ""
    commitment: int | None = None


class CogovProjectIn(Schema):
    title: str
    commitment: int | None = None


class CogovProjectDoneIn(Schema):
    result_note: str


class CogovAgreementIn(Schema):
    unit: int | None = None
    title: str
    starts_on: date
    ends_on: date
    signed_on: date | None = None


class CogovCommitmentIn(Schema):
    category: str
    description: str
    quantity: Decimal | None = None
    unit_label: str = ""
    amount: Decimal | None = None


class CogovCommitmentOut(Schema):
    id: int
    agreement_id: int
    category: str
    description: str
    quantity: Decimal
    unit_label: str
    amount: Decimal


class CogovDesignationIn(Schema):
    criteria: list[str]
    evidence: str = ""
    evidence_links: str = ""


class CogovRevokeIn(Schema):
    reason: str


class CogovDesignationOut(Schema):
    id: int
    year: int
    community_code: str
    criteria: list[str]
    revoked_at: datetime | None
    revoke_reason: str

    @staticmethod
    def resolve_community_code(obj: Designation) -> str:
        return obj.community_id


class CogovMemberIn(Schema):
    position: str
    term_start: date
    term_end: date | None = None


class CogovCeaseIn(Schema):
    ceased_on: date


class CogovMemberOut(Schema):
    """A seat without the person's name or phone."""

    id: int
    organisation_id: int
    position: str
    term_start: date
    term_end: date | None
    ceased_on: date | None


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


@router.put("/needs/{need_id}", response=ListNeedOut, auth=API_AUTH)
def need_update(request: HttpRequest, need_id: int, payload: CogovNeedIn) -> Need:
    """Correct a need (title, kind, details, the request or survey it was raised from)."""
    return lists.need_update(
        actor=_actor(request), need_id=need_id, data=payload.dict(), ip=client_ip(request)
    )


@router.post("/needs/{need_id}/close", response=ListNeedOut, auth=API_AUTH)
def need_close(request: HttpRequest, need_id: int, payload: CogovNeedCloseIn) -> Need:
    """Close a need: ``reason`` is met, withdrawn or merged (with ``merged_into``)."""
    return lists.need_close(
        actor=_actor(request), need_id=need_id, data=payload.dict(), ip=client_ip(request)
    )


@router.put("/resources/{resource_id}", response=ListResourceOut, auth=API_AUTH)
def resource_update(request: HttpRequest, resource_id: int, payload: CogovResourceIn) -> Resource:
    """Correct a resource (the unit offering it stays)."""
    return lists.resource_update(
        actor=_actor(request), resource_id=resource_id, data=payload.dict(), ip=client_ip(request)
    )


@router.post("/resources/{resource_id}/withdraw", response=ListResourceOut, auth=API_AUTH)
def resource_withdraw(request: HttpRequest, resource_id: int) -> Resource:
    """Take a resource off the list."""
    return lists.resource_withdraw(
        actor=_actor(request), resource_id=resource_id, ip=client_ip(request)
    )


@router.put("/projects/{project_id}", response=ListProjectOut, auth=API_AUTH)
def project_update(request: HttpRequest, project_id: int, payload: CogovProjectIn) -> Project:
    """Correct a project's name and commitment."""
    return lists.project_update(
        actor=_actor(request), project_id=project_id, data=payload.dict(), ip=client_ip(request)
    )


@router.post("/projects/{project_id}/done", response=ListProjectOut, auth=API_AUTH)
def project_done(request: HttpRequest, project_id: int, payload: CogovProjectDoneIn) -> Project:
    """Mark a project done with its result."""
    return lists.project_done(
        actor=_actor(request), project_id=project_id, data=payload.dict(), ip=client_ip(request)
    )


@router.put("/agreements/{agreement_id}", response=CoBuildingAgreementOut, auth=API_AUTH)
def agreement_update(
    request: HttpRequest, agreement_id: int, payload: CogovAgreementIn
) -> Agreement:
    """Correct an agreement (the unit is fixed once deliveries exist)."""
    return agreement_services.agreement_update(
        actor=_actor(request), agreement_id=agreement_id, data=payload.dict(), ip=client_ip(request)
    )


@router.post(
    "/agreements/{agreement_id}/commitments",
    response={201: CogovCommitmentOut},
    auth=API_AUTH,
)
def commitment_add(
    request: HttpRequest, agreement_id: int, payload: CogovCommitmentIn
) -> Status[Commitment]:
    """Add a commitment to an agreement."""
    commitment = agreement_services.commitment_add(
        actor=_actor(request), agreement_id=agreement_id, data=payload.dict(), ip=client_ip(request)
    )
    return Status(201, commitment)


@router.put("/commitments/{commitment_id}", response=CogovCommitmentOut, auth=API_AUTH)
def commitment_update(
    request: HttpRequest, commitment_id: int, payload: CogovCommitmentIn
) -> Commitment:
    """Correct a commitment (never below what was delivered)."""
    return agreement_services.commitment_update(
        actor=_actor(request),
        commitment_id=commitment_id,
        data=payload.dict(),
        ip=client_ip(request),
    )


@router.put("/designations/{designation_id}", response=CogovDesignationOut, auth=API_AUTH)
def designation_update(
    request: HttpRequest, designation_id: int, payload: CogovDesignationIn
) -> Designation:
    """Correct a designation's criteria and evidence."""
    return designation_services.designation_update(
        actor=_actor(request),
        designation_id=designation_id,
        data=payload.dict(),
        ip=client_ip(request),
    )


@router.post("/designations/{designation_id}/revoke", response=CogovDesignationOut, auth=API_AUTH)
def designation_revoke(
    request: HttpRequest, designation_id: int, payload: CogovRevokeIn
) -> Designation:
    """Revoke a designation with the reason (it leaves the public list)."""
    return designation_services.designation_revoke(
        actor=_actor(request),
        designation_id=designation_id,
        data=payload.dict(),
        ip=client_ip(request),
    )


@router.put("/members/{member_id}", response=CogovMemberOut, auth=API_AUTH)
def member_update(request: HttpRequest, member_id: int, payload: CogovMemberIn) -> Member:
    """Correct a member's position and term."""
    return organisation_services.member_update(
        actor=_actor(request), member_id=member_id, data=payload.dict(), ip=client_ip(request)
    )


@router.post("/members/{member_id}/cease", response=CogovMemberOut, auth=API_AUTH)
def member_cease(request: HttpRequest, member_id: int, payload: CogovCeaseIn) -> Member:
    """End a membership on ``ceased_on``."""
    return organisation_services.member_cease(
        actor=_actor(request),
        member_id=member_id,
        ceased_on=payload.ceased_on,
        ip=client_ip(request),
    )
