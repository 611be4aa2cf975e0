"""Departments (市级部门): opened, renamed, closed and reopened by a system administrator."""

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.scopes import Role
from shequ.core.services import audit_record, changes_between
from shequ.people.models import Department, StaffRole, User
from shequ.people.permissions import has_role

# Lower-case letters, digits and hyphens: the code appears in addresses and exports.
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


def _require_admin(actor: User) -> None:
    if not has_role(actor, Role.SYSTEM_ADMIN):
        raise PermissionDenied("forbidden", _("Only system administrators manage departments."))


def _clean_names(name: str, short_name: str) -> tuple[str, str]:
    clean_name = " ".join(name.split())
    if not 2 <= len(clean_name) <= 100:
        raise DomainError(
            "name_length", _("A department's name has 2 to 100 characters."), field="name"
        )
    clean_short = " ".join(short_name.split()) or clean_name[:40]
    if len(clean_short) > 40:
        raise DomainError(
            "short_name_length",
            _("A short name has at most 40 characters."),
            field="short_name",
        )
    return clean_name, clean_short


def _refuse_taken_name(name: str, *, other_than: int | None = None) -> None:
    taken = Department.objects.filter(name=name)
    if other_than is not None:
        taken = taken.exclude(pk=other_than)
    if taken.exists():
        raise DomainError(
            "name_taken", _("A department with this name already exists."), field="name"
        )


@transaction.atomic
def department_create(
    *, actor: User, code: str, name: str, short_name: str = "", ip: str | None = None
) -> Department:
    """Open a department.

    Raises: PermissionDenied, DomainError ``code_format``, ``code_taken``, ``name_length``,
    ``name_taken``, ``short_name_length``.
    """
    _require_admin(actor)
    clean_code = code.strip().lower()
    if not CODE_PATTERN.match(clean_code):
        raise DomainError(
            "code_format",
            _(
                "A code has 2 to 40 lower-case letters, digits or hyphens and starts with a "
                "letter, e.g. minzheng."
            ),
            field="code",
        )
    if Department.objects.filter(code=clean_code).exists():
        raise DomainError("code_taken", _("This code is taken."), field="code")
    clean_name, clean_short = _clean_names(name, short_name)
    _refuse_taken_name(clean_name)
    try:
        with transaction.atomic():
            department = Department.objects.create(
                code=clean_code, name=clean_name, short_name=clean_short
            )
    except IntegrityError:  # the same department opened twice at once
        raise DomainError("code_taken", _("This code is taken."), field="code") from None
    audit_record(
        actor=actor,
        verb="department.create",
        target=department,
        ip=ip,
        changes={"code": clean_code, "name": clean_name, "short_name": clean_short},
    )
    return department


def _locked(department_id: int) -> Department:
    department = Department.objects.select_for_update().filter(pk=department_id).first()
    if department is None:
        raise NotFound("department_not_found", _("No such department."))
    return department


@transaction.atomic
def department_rename(
    *, actor: User, department_id: int, name: str, short_name: str = "", ip: str | None = None
) -> Department:
    """Rename a department; its code stays, so links and exports keep working.

    Raises: PermissionDenied, NotFound, DomainError ``name_length``, ``name_taken``,
    ``short_name_length``.
    """
    _require_admin(actor)
    department = _locked(department_id)
    clean_name, clean_short = _clean_names(name, short_name)
    _refuse_taken_name(clean_name, other_than=department.pk)
    before = {"name": department.name, "short_name": department.short_name}
    after = {"name": clean_name, "short_name": clean_short}
    changes = changes_between(before, after)
    if not changes:
        return department
    department.name, department.short_name = clean_name, clean_short
    department.save(update_fields=["name", "short_name"])
    audit_record(actor=actor, verb="department.rename", target=department, ip=ip, changes=changes)
    return department


@transaction.atomic
def department_set_active(
    *, actor: User, department_id: int, active: bool, ip: str | None = None
) -> Department:
    """Close (``active=False``) or reopen a department. A department is closed only once no
    staff member works for it any more, so nobody is left holding a role over nothing.

    Raises: PermissionDenied, NotFound, DomainError ``department_has_staff``.
    """
    _require_admin(actor)
    department = _locked(department_id)
    if department.is_active == active:
        return department
    if not active:
        staff = StaffRole.objects.filter(department=department, is_active=True).count()
        if staff:
            raise DomainError(
                "department_has_staff",
                _(
                    "%(n)d staff members still work for this department: withdraw their "
                    "roles first."
                ),
                n=staff,
            )
    department.is_active = active
    department.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        verb="department.reopen" if active else "department.close",
        target=department,
        ip=ip,
        changes={"is_active": [not active, active]},
    )
    return department
