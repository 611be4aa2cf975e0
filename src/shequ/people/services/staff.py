"""Staff: accounts opened for staff members and the roles they hold, with their scope."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.scopes import DIVISION_ROLES, Role
from shequ.core.services import audit_record
from shequ.people.models import Department, StaffRole, User
from shequ.people.permissions import has_role
from shequ.people.services.accounts import _create_account
from shequ.places.models import Division

ROLE_LEVELS: dict[str, str] = {
    Role.COMMUNITY_WORKER: Division.Level.COMMUNITY,
    Role.STREET_OFFICER: Division.Level.STREET,
    Role.DISTRICT_OFFICER: Division.Level.DISTRICT,
    Role.CITY_COMMITTEE: Division.Level.CITY,
}


def _require_admin(actor: User) -> None:
    if not has_role(actor, Role.SYSTEM_ADMIN):
        raise PermissionDenied("forbidden", _("Only system administrators manage roles."))


@transaction.atomic
def staff_account_create(
    *,
    actor: User,
    username: str,
    password: str,
    phone: str,
    role: str,
    division_code: str | None = None,
    department_id: int | None = None,
    ip: str | None = None,
) -> User:
    """A system administrator opens an account for a staff member with one role.

    Raises: PermissionDenied, DomainError (account fields or the role's scope).
    """
    _require_admin(actor)
    user = _create_account(username=username, password=password, phone=phone)
    audit_record(actor=actor, verb="user.create_staff", target=user, ip=ip)
    staff_role_grant(
        actor=actor,
        user=user,
        role=role,
        division_code=division_code,
        department_id=department_id,
        ip=ip,
    )
    return user


@transaction.atomic
def staff_role_grant(
    *,
    actor: User,
    user: User,
    role: str,
    division_code: str | None = None,
    department_id: int | None = None,
    ip: str | None = None,
) -> StaffRole:
    """Give a staff role with its scope. Raises: PermissionDenied, DomainError."""
    _require_admin(actor)
    if role not in Role.values:
        raise DomainError("unknown_role", _("Unknown role."), field="role")
    if role in DIVISION_ROLES:
        division = Division.objects.filter(pk=division_code or "", is_active=True).first()
        if division is None:
            raise DomainError(
                "unknown_division", _("Choose a valid division for this role."), field="division"
            )
        expected = ROLE_LEVELS.get(role)
        if expected is not None and division.level != expected:
            raise DomainError(
                "wrong_division_level",
                _("A %(role)s works at %(level)s level; %(division)s is not one."),
                field="division",
                role=Role(role).label,
                level=Division.Level(expected).label,
                division=division.short_name,
            )
        department_id = None
    elif role == Role.DEPARTMENT_STAFF:
        if department_id is None or not Department.objects.filter(pk=department_id).exists():
            raise DomainError(
                "unknown_department", _("Choose a department for this role."), field="department"
            )
        division_code = None
    else:
        division_code, department_id = None, None
    staff_role = StaffRole.objects.create(
        user=user,
        role=role,
        division_id=division_code,
        department_id=department_id,
        granted_by=actor,
    )
    audit_record(
        actor=actor,
        verb="staff_role.grant",
        target=user,
        ip=ip,
        division_code=division_code or "",
        changes={"role": role, "division": division_code, "department": department_id},
    )
    return staff_role


@transaction.atomic
def staff_role_revoke(*, actor: User, staff_role_id: int, ip: str | None = None) -> None:
    """Withdraw a role (kept, inactive, for the record). Raises: PermissionDenied, NotFound."""
    _require_admin(actor)
    staff_role = StaffRole.objects.select_for_update().filter(pk=staff_role_id).first()
    if staff_role is None:
        raise NotFound("role_not_found", _("No such role."))
    staff_role.is_active = False
    staff_role.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        verb="staff_role.revoke",
        target=staff_role.user,
        ip=ip,
        division_code=staff_role.division_id or "",
        changes={"role": staff_role.role},
    )
