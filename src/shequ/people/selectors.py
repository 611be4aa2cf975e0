"""Reads of people, each scoped to what the asking user may see."""

from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from shequ.core.digits import canonical
from shequ.core.errors import DomainError, NotFound
from shequ.core.pii import PIIKind, blind_index
from shequ.core.prepared import PreparedQuery
from shequ.core.scopes import Area, Role, areas_q, within
from shequ.notices.models import Message
from shequ.people.identity import normalise_mobile
from shequ.people.models import Department, Resident, StaffRole, User
from shequ.people.permissions import READERS, areas_of, has_role, second_factor_exists


def staff_areas_for(user: Any) -> list[Area]:
    return areas_of(user)


def scope_queryset(
    queryset: QuerySet[Any],
    user: Any,
    *,
    division_field: str | None,
    department_field: str | None = None,
    roles: frozenset[str] | set[str] = READERS,
) -> QuerySet[Any]:
    """Only the rows of ``queryset`` inside the user's areas (none for non-staff)."""
    areas = [a for a in areas_of(user) if a.role in roles or a.role == Role.SYSTEM_ADMIN]
    if not areas:
        return queryset.none()
    condition = areas_q(areas, division_field=division_field, department_field=department_field)
    return queryset if condition is None else queryset.filter(condition)


RESIDENT_LIST_FIELDS = (
    "id",
    "real_name",
    "id_number",
    "phone",
    "sex",
    "birth_date",
    "community_id",
    "verification_level",
    "user_id",
)


def resident_list_for(
    user: Any,
    *,
    division_code: str | None = None,
    query: str = "",
    level: int | None = None,
) -> QuerySet[Resident]:
    """Residents the user may see, optionally inside one division, by name or exact ID/phone."""
    queryset = scope_queryset(Resident.objects.all(), user, division_field="community_id")
    if division_code:
        queryset = queryset.filter(within("community_id", division_code))
    text = query.strip()
    if text:
        # Personal numbers are found by their blind index, never by scanning ciphertext.
        upper = text.upper()
        queryset = queryset.filter(
            Q(real_name__startswith=text)
            | Q(id_number_index=blind_index(PIIKind.ID_NUMBER, upper))
            | Q(phone_index=blind_index(PIIKind.PHONE, text))
        )
    if level is not None:
        queryset = queryset.filter(verification_level=level)
    return (
        queryset.select_related("community")
        .only(*RESIDENT_LIST_FIELDS, "community__name", "community__short_name")
        .order_by("community_id", "id")
    )


def resident_get_for(user: Any, resident_id: int) -> Resident:
    """Raises: NotFound when missing or outside the user's area (indistinguishable)."""
    resident = (
        scope_queryset(
            Resident.objects.select_related("community", "user"),
            user,
            division_field="community_id",
        )
        .filter(pk=resident_id)
        .first()
    )
    if resident is None:
        raise NotFound("resident_not_found", _("No such resident in your area."))
    return resident


def resident_counts_by_child(code: str, child_level_prefix: int) -> dict[str, int]:
    """Residents per child division of ``code``: {child code prefix: n}.

    Grouped by community in the database (an index-only scan of ``community_id``), then
    summed per child prefix over at most ~3,000 rows in Python.
    """
    rows = (
        Resident.objects.filter(within("community_id", code))
        .values_list("community_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, int] = {}
    for community_id, n in rows:
        if community_id:
            prefix = community_id[:child_level_prefix]
            counts[prefix] = counts.get(prefix, 0) + n
    return counts


def resident_count_in(code: str) -> int:
    return Resident.objects.filter(within("community_id", code)).count()


def _user_with_frame(user_id: Any) -> QuerySet[User]:
    unread = (
        Message.objects.filter(user_id=OuterRef("pk"), read_at=None)
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return User.objects.filter(pk=user_id).annotate(
        holds_staff_roles=Exists(StaffRole.objects.filter(user_id=OuterRef("pk"), is_active=True)),
        unread_messages_at_load=Coalesce(Subquery(unread), 0),
    )


_USER_WITH_FRAME = PreparedQuery(_user_with_frame)


def user_for_request(user_id: Any) -> User | None:
    """The signed-in user of a request, with two answers every page's frame needs read in the
    same query: whether they hold an active staff role (``holds_staff_roles``: a resident's
    pages then ask nothing about roles) and how many messages they have not read
    (``unread_messages_at_load``). Compiled once per process (``PreparedQuery``)."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    rows = _USER_WITH_FRAME.run(user_id)
    return rows[0] if rows else None


def user_by_login(identifier: str) -> User | None:
    """A user by username, or by mobile number through its blind index.

    The number is read as registration reads it (NFKC, +86, spaces), so the blind index is
    computed over the same canonical form.
    """
    text = identifier.strip()
    # As typed first, then in NFKC, the form in which registration stores usernames.
    for username in dict.fromkeys((text, canonical(text))):
        user = User.objects.filter(username=username).first()
        if user is not None:
            return user
    try:
        mobile = normalise_mobile(text)
    except DomainError:
        return None
    return User.objects.filter(phone_index=blind_index(PIIKind.PHONE, mobile)).first()


def _active_roles() -> Prefetch[Any]:
    return Prefetch(
        "staff_roles",
        queryset=StaffRole.objects.filter(is_active=True)
        .select_related("division", "department")
        .order_by("role", "division_id", "department_id"),
        to_attr="active_roles",
    )


def staff_account_list_for(user: Any) -> QuerySet[User]:
    """Accounts that hold or held a staff role, each with ``active_roles`` (system
    administrators only; nobody else sees any)."""
    if not has_role(user, Role.SYSTEM_ADMIN):
        return User.objects.none()
    return (
        User.objects.filter(Exists(StaffRole.objects.filter(user=OuterRef("pk"))))
        .annotate(
            two_factor=Exists(TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True))
        )
        .prefetch_related(_active_roles())
        .order_by("-is_active", "username")
    )


def staff_account_get_for(user: Any, user_id: int) -> User:
    """One staff account with ``active_roles``. Raises: NotFound (also for non-admins)."""
    account = staff_account_list_for(user).filter(pk=user_id).first()
    if account is None:
        raise NotFound("staff_not_found", _("No such staff account."))
    return account


def department_list() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True)


def department_list_for(user: Any) -> QuerySet[Department]:
    """Every department, open ones first, with how many staff work for each (system
    administrators only)."""
    if not has_role(user, Role.SYSTEM_ADMIN):
        return Department.objects.none()
    return Department.objects.annotate(
        staff_count=Count("staff", filter=Q(staff__is_active=True))
    ).order_by("-is_active", "code")


def department_get_for(user: Any, department_id: int) -> Department:
    """Raises: NotFound (also for non-admins)."""
    department = department_list_for(user).filter(pk=department_id).first()
    if department is None:
        raise NotFound("department_not_found", _("No such department."))
    return department


def refuse_demo_accounts_in_production() -> None:
    """Called at process start: production with demo accounts is a configuration error."""
    from django.conf import settings

    from shequ.config.env import ConfigurationError

    if settings.PRODUCTION and User.objects.filter(is_demo=True).exists():
        raise ConfigurationError(
            "Demo accounts are present: production refuses to start. Remove them with "
            "`manage.py remove_demo_accounts`."
        )


def two_factor_required_for(user: Any) -> bool:
    """True when ``user`` must sign in with a second factor: a role in
    ``SHEQU_TWO_FACTOR_ROLES``, or access to Django's admin site."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.is_staff:
        return True
    return StaffRole.objects.filter(
        user=user, is_active=True, role__in=sorted(settings.SHEQU_TWO_FACTOR_ROLES)
    ).exists()


def two_factor_device_for(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def two_factor_session_valid(user: User, device_id: str) -> bool:
    """True when ``device_id`` (kept in the session) is a confirmed device of ``user``."""
    if not device_id:
        return False
    return User.objects.filter(pk=user.pk).filter(second_factor_exists(device_id, "pk")).exists()
