"""Resident and account endpoints. Personal numbers are always masked in responses."""

from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.services import client_ip
from shequ.people.models import Department, Resident, StaffRole, User, VerificationLevel
from shequ.people.permissions import areas_of, can_manage_roles
from shequ.people.selectors import (
    department_get_for,
    department_list_for,
    resident_get_for,
    resident_list_for,
    staff_account_get_for,
    staff_account_list_for,
)
from shequ.people.services import departments, staff
from shequ.people.services.residents import resident_reveal_pii, resident_verify_in_person
from shequ.people.views import password_set_link_builder
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


# --- Departments and staff (system administrators) -------------------------------------------


def _admin(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not can_manage_roles(user):
        raise PermissionDenied("forbidden", _("Only system administrators manage staff."))
    return user


class DepartmentIn(Schema):
    code: str
    name: str
    short_name: str = ""


class DepartmentRenameIn(Schema):
    name: str
    short_name: str = ""


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    is_active: bool


@router.get("/departments", response=list[DepartmentOut], tags=["staff"])
@paginate
def list_departments(request: HttpRequest) -> object:
    """Every department, open ones first (system administrators)."""
    return department_list_for(_admin(request))


@router.post("/departments", response={201: DepartmentOut}, tags=["staff"])
def create_department(request: HttpRequest, payload: DepartmentIn) -> Status[Department]:
    """Open a department (system administrators); audited."""
    department = departments.department_create(
        actor=_admin(request), ip=client_ip(request), **payload.dict()
    )
    return Status(201, department)


@router.get("/departments/{department_id}", response=DepartmentOut, tags=["staff"])
def get_department(request: HttpRequest, department_id: int) -> Department:
    return department_get_for(_admin(request), department_id)


@router.patch("/departments/{department_id}", response=DepartmentOut, tags=["staff"])
def rename_department(
    request: HttpRequest, department_id: int, payload: DepartmentRenameIn
) -> Department:
    """Rename a department; its code stays (system administrators); audited."""
    return departments.department_rename(
        actor=_admin(request), department_id=department_id, ip=client_ip(request), **payload.dict()
    )


@router.post("/departments/{department_id}/close", response=DepartmentOut, tags=["staff"])
def close_department(request: HttpRequest, department_id: int) -> Department:
    """Close a department nobody works for any more (system administrators); audited."""
    return departments.department_set_active(
        actor=_admin(request), department_id=department_id, active=False, ip=client_ip(request)
    )


@router.post("/departments/{department_id}/reopen", response=DepartmentOut, tags=["staff"])
def reopen_department(request: HttpRequest, department_id: int) -> Department:
    return departments.department_set_active(
        actor=_admin(request), department_id=department_id, active=True, ip=client_ip(request)
    )


class StaffRoleOut(Schema):
    id: int
    role: str
    role_label: str
    division_code: str | None
    department_id: int | None
    is_active: bool

    @staticmethod
    def resolve_role_label(obj: StaffRole) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_division_code(obj: StaffRole) -> str | None:
        return obj.division_id


class StaffOut(Schema):
    id: int
    username: str
    full_name: str
    phone_masked: str | None
    is_active: bool
    roles: list[StaffRoleOut]

    @staticmethod
    def resolve_full_name(obj: User) -> str:
        return obj.first_name

    @staticmethod
    def resolve_phone_masked(obj: User) -> str | None:
        return _masked(obj.phone)

    @staticmethod
    def resolve_roles(obj: User) -> list[StaffRole]:
        return list(getattr(obj, "active_roles", []))


class StaffIn(Schema):
    username: str
    full_name: str
    phone: str
    role: str
    division_code: str | None = None
    department_id: int | None = None


class StaffRoleIn(Schema):
    role: str
    division_code: str | None = None
    department_id: int | None = None


@router.get("/staff", response=list[StaffOut], tags=["staff"])
@paginate
def list_staff(request: HttpRequest) -> object:
    """Staff accounts with their active roles, phones masked (system administrators)."""
    return staff_account_list_for(_admin(request))


@router.post("/staff", response={201: StaffOut}, tags=["staff"])
def create_staff(request: HttpRequest, payload: StaffIn) -> Status[User]:
    """Open a staff account with one role; a link to set the password goes to the phone
    (system administrators); audited."""
    actor = _admin(request)
    user = staff.staff_account_create(
        actor=actor,
        link_for=password_set_link_builder(request),
        ip=client_ip(request),
        **payload.dict(),
    )
    return Status(201, staff_account_get_for(actor, user.pk))


@router.get("/staff/{user_id}", response=StaffOut, tags=["staff"])
def get_staff(request: HttpRequest, user_id: int) -> User:
    return staff_account_get_for(_admin(request), user_id)


@router.post("/staff/{user_id}/roles", response={201: StaffRoleOut}, tags=["staff"])
def grant_staff_role(request: HttpRequest, user_id: int, payload: StaffRoleIn) -> Status[StaffRole]:
    """Give a staff account another role with its scope (system administrators); audited."""
    actor = _admin(request)
    account = staff_account_get_for(actor, user_id)
    staff_role = staff.staff_role_grant(
        actor=actor, user=account, ip=client_ip(request), **payload.dict()
    )
    return Status(201, staff_role)


@router.post("/staff/roles/{staff_role_id}/withdraw", response=StaffRoleOut, tags=["staff"])
def withdraw_staff_role(request: HttpRequest, staff_role_id: int) -> StaffRole:
    """Withdraw a role, kept inactive for the record (system administrators); audited."""
    return staff.staff_role_revoke(
        actor=_admin(request), staff_role_id=staff_role_id, ip=client_ip(request)
    )


@router.post("/staff/{user_id}/deactivate", response=StaffOut, tags=["staff"])
def deactivate_staff(request: HttpRequest, user_id: int) -> User:
    """Close a staff account and withdraw its roles (system administrators); audited."""
    actor = _admin(request)
    staff.staff_account_deactivate(actor=actor, user_id=user_id, ip=client_ip(request))
    return staff_account_get_for(actor, user_id)


@router.post("/staff/{user_id}/password-reset", response={202: None}, tags=["staff"])
def reset_staff_password(request: HttpRequest, user_id: int) -> Status[None]:
    """The old password stops working; a link to set a new one goes to the staff member's
    phone (system administrators); audited."""
    staff.staff_password_reset_send(
        actor=_admin(request),
        user_id=user_id,
        link_for=password_set_link_builder(request),
        ip=client_ip(request),
    )
    return Status(202, None)
