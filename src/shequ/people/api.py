"""Resident and account endpoints. Personal numbers are always masked in responses."""

from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from ninja.pagination import paginate

from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.services import client_ip
from shequ.people.models import Resident, User, VerificationLevel
from shequ.people.permissions import areas_of
from shequ.people.selectors import resident_get_for, resident_list_for
from shequ.people.services.residents import resident_reveal_pii, resident_verify_in_person
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["people"], auth=API_AUTH)


def _masked(value: object) -> str | None:
    return None if value is None else str(value)


class ResidentOut(Schema):
    id: int
    real_name: str
    id_number_masked: str | None
    phone_masked: str | None
    sex: str
    birth_year: int | None
    community_code: str | None
    verification_level: int
    verification_label: str
    has_account: bool

    @staticmethod
    def resolve_id_number_masked(obj: Resident) -> str | None:
        return _masked(obj.id_number)

    @staticmethod
    def resolve_phone_masked(obj: Resident) -> str | None:
        return _masked(obj.phone)

    @staticmethod
    def resolve_birth_year(obj: Resident) -> int | None:
        return obj.birth_date.year if isinstance(obj.birth_date, date) else None

    @staticmethod
    def resolve_community_code(obj: Resident) -> str | None:
        return obj.community_id

    @staticmethod
    def resolve_verification_label(obj: Resident) -> str:
        return str(VerificationLevel(obj.verification_level).label)

    @staticmethod
    def resolve_has_account(obj: Resident) -> bool:
        return obj.user_id is not None


class MeOut(Schema):
    username: str
    phone_masked: str | None
    verification_level: int
    resident: ResidentOut | None
    roles: list[str]


class VerifyIn(Schema):
    note: str = ""


class RevealIn(Schema):
    field: str
    reason: str


class RevealOut(Schema):
    field: str
    value: str


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, object]:
    user: User = request.user  # type: ignore[assignment]
    return {
        "username": user.username,
        "phone_masked": _masked(user.phone),
        "verification_level": user.verification_level,
        "resident": getattr(user, "resident", None),
        "roles": [area.role for area in areas_of(user)],
    }


@router.get("/residents", response=list[ResidentOut])
@paginate
def list_residents(
    request: HttpRequest, division: str | None = None, level: int | None = None
) -> object:
    """Residents in the caller's area (staff only), masked. To search by name, ID number or
    mobile, POST to ``/residents/search``: a search is never taken from the address."""
    if "q" in request.GET:
        raise DomainError(
            "search_by_post",
            _(
                "Searches by name, ID number or mobile are sent in the body of a POST to "
                "/api/v1/residents/search, never in the address."
            ),
            field="q",
        )
    return _residents(request, division=division, level=level)


class ResidentSearchIn(Schema):
    q: str = ""
    division: str | None = None
    level: int | None = None


@router.post("/residents/search", response=list[ResidentOut])
@paginate
def search_residents(request: HttpRequest, payload: ResidentSearchIn) -> object:
    """Residents in the caller's area by name, full ID number or mobile (staff only), masked."""
    return _residents(
        request, division=payload.division, level=payload.level, query=payload.q.strip()[:40]
    )


def _residents(
    request: HttpRequest, *, division: str | None, level: int | None, query: str = ""
) -> object:
    if not areas_of(request.user):
        raise PermissionDenied("forbidden", _("Only staff may list residents."))
    return resident_list_for(request.user, division_code=division, query=query, level=level)


@router.get("/residents/{resident_id}", response=ResidentOut)
def get_resident(request: HttpRequest, resident_id: int) -> Resident:
    return resident_get_for(request.user, resident_id)


@router.post("/residents/{resident_id}/verify-in-person", response=ResidentOut)
def verify_in_person(request: HttpRequest, resident_id: int, payload: VerifyIn) -> Resident:
    return resident_verify_in_person(
        actor=request.user,  # type: ignore[arg-type]
        resident_id=resident_id,
        note=payload.note,
        ip=client_ip(request),
    )


@router.post("/residents/{resident_id}/reveal", response=RevealOut)
def reveal(request: HttpRequest, resident_id: int, payload: RevealIn) -> dict[str, str]:
    """The full ID or phone number: permission-checked, reason required, rate-limited, audited."""
    value = resident_reveal_pii(
        actor=request.user,  # type: ignore[arg-type]
        resident_id=resident_id,
        field=payload.field,
        reason=payload.reason,
        ip=client_ip(request),
    )
    return {"field": payload.field, "value": value}
