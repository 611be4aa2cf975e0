"""Division endpoints: list by level and parent, tree, search by name or code, one division."""

from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from shequ.core.services import client_ip
from shequ.places.models import Division
from shequ.places.selectors import (
    division_ancestors,
    division_children,
    division_get,
    division_list,
    division_search,
    division_tree,
)
from shequ.places.services import division_update_attributes
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["divisions"])


class DivisionOut(Schema):
    code: str
    name: str
    short_name: str
    name_en: str
    level: str
    parent_code: str | None = Field(None, alias="parent_id")
    urban_rural: str
    is_active: bool


class DivisionDetailOut(DivisionOut):
    service_centre_address: str
    longitude: Decimal | None
    latitude: Decimal | None
    population: int | None
    households: int | None


class DivisionTreeOut(Schema):
    code: str
    name: str
    level: str
    children: list["DivisionTreeOut"]


class DivisionAttributesIn(Schema):
    name_en: str | None = None
    service_centre_address: str | None = None
    longitude: Decimal | None = None
    latitude: Decimal | None = None
    population: int | None = None
    households: int | None = None
    urban_rural: str | None = None


@router.get("", response=list[DivisionOut], auth=None)
@paginate
def list_divisions(
    request: HttpRequest, level: Division.Level | None = None, parent: str | None = None
) -> object:
    """Divisions, optionally of one level (city, district, street, community) or parent."""
    return division_list(level=level, parent=parent)


@router.get("/search", response=list[DivisionOut], auth=None)
def search_divisions(
    request: HttpRequest,
    q: str,
    level: Division.Level | None = None,
    limit: int = Query(20, ge=1, le=100),
) -> list[Division]:
    """Divisions whose name contains ``q`` or whose code starts with it."""
    return division_search(q[:40], limit=limit, level=level)


@router.get("/tree", response=DivisionTreeOut, auth=None)
def tree(
    request: HttpRequest, root: str = "510100000000", depth: int = Query(1, ge=1, le=3)
) -> dict[str, object]:
    """The divisions under ``root``, ``depth`` levels deep."""
    return division_tree(root, depth=depth)


@router.get("/{code}", response=DivisionDetailOut, auth=None)
def get_division(request: HttpRequest, code: str) -> Division:
    return division_get(code)


@router.get("/{code}/children", response=list[DivisionOut], auth=None)
def children(request: HttpRequest, code: str) -> list[Division]:
    division_get(code)
    return list(division_children(code))


@router.get("/{code}/ancestors", response=list[DivisionOut], auth=None)
def ancestors(request: HttpRequest, code: str) -> list[Division]:
    division_get(code)
    return division_ancestors(code)


@router.patch("/{code}", response=DivisionDetailOut, auth=API_AUTH)
def update_division(request: HttpRequest, code: str, payload: DivisionAttributesIn) -> Division:
    """Staff of the area edit a division's service-centre address, coordinates and counts."""
    return division_update_attributes(
        actor=request.user, code=code, data=payload.dict(exclude_unset=True), ip=client_ip(request)
    )
