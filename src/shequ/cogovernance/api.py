"""Co-governance over the API: public three lists and demonstration communities; scoped
organisations, needs' suggestions, confirming a match and agreements for staff."""

from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from shequ.cogovernance import selectors
from shequ.cogovernance.models import Agreement, AreaOrganisation, Designation, Need, Project
from shequ.cogovernance.services import lists
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
def confirm_match(
    request: HttpRequest, need_id: int, payload: MatchConfirmIn
) -> tuple[int, Project]:
    """Confirm a match: creates the project-list entry."""
    project = lists.match_confirm(
        actor=cast(User, request.user),
        need_id=need_id,
        resource_ids=payload.resource_ids,
        title=payload.title,
        commitment_id=payload.commitment_id,
        ip=client_ip(request),
    )
    return 201, project


@router.get("/agreements", response=list[CoBuildingAgreementOut], auth=API_AUTH)
@paginate
def agreements(request: HttpRequest, area: str = "") -> object:
    """Co-building agreements in the caller's areas (staff)."""
    return selectors.agreement_list_for(request.user, area=area)
