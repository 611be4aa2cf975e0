"""Staff: the first administrator, accounts opened for staff members, the roles they hold
with their scope, and sending a staff member the link that sets their password."""

from collections.abc import Callable

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.scopes import DIVISION_ROLES, Role
from shequ.core.services import audit_record
from shequ.people.identity import NAME_PATTERN
from shequ.people.models import Department, StaffRole, User
from shequ.people.permissions import has_role
from shequ.people.services.accounts import _new_account, _save_account
from shequ.people.sms import send_sms
from shequ.places.models import Division

ROLE_LEVELS: dict[str, tuple[str, ...]] = {
    Role.COMMUNITY_WORKER: (Division.Level.COMMUNITY,),
    Role.STREET_OFFICER: (Division.Level.STREET,),
    Role.DISTRICT_OFFICER: (Division.Level.DISTRICT,),
    Role.CITY_COMMITTEE: (Division.Level.CITY,),
    # A community planner serves the communities of a district or of a street.
    Role.PLANNER: (Division.Level.DISTRICT, Division.Level.STREET),
}

# An account that holds or held a staff role; residents' accounts are not managed here.
_IS_STAFF = Exists(StaffRole.objects.filter(user=OuterRef("pk")))

# Builds the absolute address of the set-password page from (uidb64, token).
LinkBuilder = Callable[[str, str], str]


def _require_admin(actor: User) -> None:
    if not has_role(actor, Role.SYSTEM_ADMIN):
        raise PermissionDenied("forbidden", _("Only system administrators manage staff."))


def _clean_full_name(raw: str) -> str:
    value = " ".join(raw.split())
    if not 2 <= len(value) <= 30 or not NAME_PATTERN.match(value):
        raise DomainError(
            "full_name_invalid",
            _("Enter the staff member's name: 2 to 30 Chinese characters, letters or ·."),
            field="full_name",
        )
    return value


def _send_password_link(user: User, *, link_for: LinkBuilder, opened: bool) -> None:
    """Text the account's phone a link to set a password (valid ``PASSWORD_RESET_TIMEOUT``,
    spent once a password is set). Call inside the caller's transaction."""
    if user.phone is None:
        raise DomainError(
            "phone_missing",
            _("This account has no mobile number to send the link to."),
            field="phone",
        )
    link = link_for(
        urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    )
    mobile = user.phone.reveal()
    if opened:
        text = gettext(
            "[shequ] A staff account %(username)s was opened for you. Set your password "
            "within three days: %(link)s"
        )
    else:
        text = gettext(
            "[shequ] Your administrator reset the password of %(username)s. Set a new one "
            "within three days: %(link)s"
        )
    message = text % {"username": user.username, "link": link}
    transaction.on_commit(lambda: send_sms(phone=mobile, text=message))


@transaction.atomic
def staff_admin_create(
    *, username: str, password: str, phone: str | None = None, ip: str | None = None
) -> User:
    """The city's first system administrator (or another one), from the command line.

    Whoever runs ``manage.py`` already holds the server, so there is no acting account.
    Raises: DomainError (username, phone or a password the validators refuse).
    """
    user = _save_account(_new_account(username=username, password=password, phone=phone))
    StaffRole.objects.create(user=user, role=Role.SYSTEM_ADMIN)
    audit_record(
        actor=None,
        verb="user.create_admin",
        target=user,
        ip=ip,
        changes={"role": Role.SYSTEM_ADMIN, "by": "command line"},
    )
    return user


@transaction.atomic
def staff_superuser_sync(*, user: User, ip: str | None = None) -> StaffRole | None:
    """A superuser (``createsuperuser``, django-admin) is a system administrator: give the
    role it lacks, so the console opens for it. Returns the new role, or None."""
    if not user.is_superuser or not user.is_active:
        return None
    if StaffRole.objects.filter(user=user, role=Role.SYSTEM_ADMIN, is_active=True).exists():
        return None
    staff_role = StaffRole.objects.create(user=user, role=Role.SYSTEM_ADMIN)
    audit_record(
        actor=None,
        verb="staff_role.grant",
        target=user,
        ip=ip,
        changes={"role": Role.SYSTEM_ADMIN, "by": "superuser"},
    )
    # The roles read earlier in this request are stale now.
    user.__dict__.pop("_shequ_areas", None)
    return staff_role


@transaction.atomic
def staff_account_create(
    *,
    actor: User,
    username: str,
    full_name: str,
    phone: str,
    role: str,
    link_for: LinkBuilder,
    division_code: str | None = None,
    department_id: int | None = None,
    ip: str | None = None,
) -> User:
    """A system administrator opens an account for a staff member with one role; the staff
    member sets their own password from a link sent to their phone.

    Raises: PermissionDenied, DomainError (account fields or the role's scope).
    """
    _require_admin(actor)
    name = _clean_full_name(full_name)
    user = _new_account(username=username, password=None, phone=phone)
    user.first_name = name  # a Chinese name is kept whole, not split into given and family
    _save_account(user)
    audit_record(actor=actor, verb="user.create_staff", target=user, ip=ip)
    staff_role_grant(
        actor=actor,
        user=user,
        role=role,
        division_code=division_code,
        department_id=department_id,
        ip=ip,
    )
    _send_password_link(user, link_for=link_for, opened=True)
    return user


def _scope_for(
    role: str, division_code: str | None, department_id: int | None
) -> tuple[str | None, int | None]:
    """The (division, department) a role is held over, checked. Raises: DomainError."""
    if role not in Role.values:
        raise DomainError("unknown_role", _("Unknown role."), field="role")
    if role in DIVISION_ROLES:
        division = Division.objects.filter(pk=division_code or "", is_active=True).first()
        if division is None:
            raise DomainError(
                "unknown_division", _("Choose the area this role covers."), field="division"
            )
        expected = ROLE_LEVELS.get(role)
        if expected is not None and division.level not in expected:
            raise DomainError(
                "wrong_division_level",
                _("A %(role)s works at %(level)s level; %(division)s is not one."),
                field="division",
                role=Role(role).label,
                level=" / ".join(str(Division.Level(level).label) for level in expected),
                division=division.short_name,
            )
        return division.code, None
    if role == Role.DEPARTMENT_STAFF:
        if (
            department_id is None
            or not Department.objects.filter(pk=department_id, is_active=True).exists()
        ):
            raise DomainError(
                "unknown_department", _("Choose a department for this role."), field="department"
            )
        return None, department_id
    return None, None


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
    """Give a staff role with its scope.

    Raises: PermissionDenied, DomainError (scope; a role already held over the same scope;
    a deactivated account).
    """
    _require_admin(actor)
    division_code, department_id = _scope_for(role, division_code, department_id)
    if not user.is_active:
        raise DomainError("account_inactive", _("This account is deactivated."), field="role")
    same_scope = StaffRole.objects.filter(
        user=user, role=role, division_id=division_code, is_active=True
    )
    same_scope = (
        same_scope.filter(department__isnull=True)
        if department_id is None
        else same_scope.filter(department_id=department_id)
    )
    if same_scope.exists():
        raise DomainError(
            "role_held", _("This account already holds this role there."), field="role"
        )
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


def _refuse_removing_last_admin(user: User) -> None:
    others = StaffRole.objects.filter(
        role=Role.SYSTEM_ADMIN, is_active=True, user__is_active=True
    ).exclude(user=user)
    if not others.exists():
        raise DomainError(
            "last_admin",
            _("The city needs at least one system administrator: appoint another one first."),
        )


@transaction.atomic
def staff_role_revoke(*, actor: User, staff_role_id: int, ip: str | None = None) -> StaffRole:
    """Withdraw a role (kept, inactive, for the record). Withdrawing a superuser's
    administrator role also ends its superuser status, or the next sign-in would restore it.

    Raises: PermissionDenied, NotFound, DomainError ``last_admin``.
    """
    _require_admin(actor)
    staff_role = (
        StaffRole.objects.select_for_update()
        .select_related("user")
        .filter(pk=staff_role_id, is_active=True)
        .first()
    )
    if staff_role is None:
        raise NotFound("role_not_found", _("No such role."))
    changes: dict[str, object] = {"role": staff_role.role}
    if staff_role.role == Role.SYSTEM_ADMIN:
        _refuse_removing_last_admin(staff_role.user)
        if staff_role.user.is_superuser:
            User.objects.filter(pk=staff_role.user_id).update(is_superuser=False, is_staff=False)
            changes["is_superuser"] = [True, False]
    staff_role.is_active = False
    staff_role.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        verb="staff_role.revoke",
        target=staff_role.user,
        ip=ip,
        division_code=staff_role.division_id or "",
        changes=changes,
    )
    return staff_role


@transaction.atomic
def staff_account_deactivate(*, actor: User, user_id: int, ip: str | None = None) -> User:
    """Close a staff account: it can no longer sign in, and its roles are withdrawn.

    Raises: PermissionDenied, NotFound, DomainError ``own_account``, ``last_admin``.
    """
    _require_admin(actor)
    user = User.objects.select_for_update().filter(_IS_STAFF, pk=user_id).first()
    if user is None:
        raise NotFound("staff_not_found", _("No such staff account."))
    if user.pk == actor.pk:
        raise DomainError("own_account", _("You cannot deactivate your own account."))
    roles = list(StaffRole.objects.filter(user=user, is_active=True))
    if any(r.role == Role.SYSTEM_ADMIN for r in roles):
        _refuse_removing_last_admin(user)
    if not user.is_active and not roles:
        return user
    StaffRole.objects.filter(pk__in=[r.pk for r in roles]).update(is_active=False)
    user.is_active = False
    user.is_superuser = False
    user.is_staff = False
    user.save(update_fields=["is_active", "is_superuser", "is_staff"])
    audit_record(
        actor=actor,
        verb="user.deactivate_staff",
        target=user,
        ip=ip,
        changes={"is_active": [True, False], "roles_withdrawn": sorted(r.role for r in roles)},
    )
    return user


@transaction.atomic
def staff_password_reset_send(
    *, actor: User, user_id: int, link_for: LinkBuilder, ip: str | None = None
) -> User:
    """The administrator resets a staff member's password: the old one stops working and a
    link to set a new one goes to the staff member's phone. The administrator never sees or
    types a password.

    Raises: PermissionDenied, NotFound, DomainError ``phone_missing``.
    """
    _require_admin(actor)
    user = User.objects.select_for_update().filter(_IS_STAFF, pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("staff_not_found", _("No such staff account."))
    if user.phone is None:
        raise DomainError(
            "phone_missing", _("This account has no mobile number to send the link to.")
        )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit_record(actor=actor, verb="user.password_reset_by_admin", target=user, ip=ip)
    _send_password_link(user, link_for=link_for, opened=False)
    return user
