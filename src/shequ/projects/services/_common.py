"""What several project services share: amounts in yuan, the years a project or plan may
name, today's date, an active project type, the project under lock and whether the actor sees it.

Private to the package: callers import the module that owns their noun.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.projects import permissions
from shequ.projects.models import ZERO, Project, ProjectType

MAX_MONEY = Decimal("999999999999.99")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _today() -> date:
    return timezone.localdate()


def money(value: Any, *, field_name: str) -> Decimal:
    """Yuan with two decimals, never negative. Raises: DomainError ``money_invalid``."""
    if value in (None, ""):
        return ZERO
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as error:
        raise DomainError(
            "money_invalid", _("Enter an amount in yuan, such as 1250000.00."), field=field_name
        ) from error
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY:
        raise DomainError(
            "money_invalid",
            _("An amount must be between 0 and 999,999,999,999.99 yuan."),
            field=field_name,
        )
    return amount.quantize(Decimal("0.01"))


def _type_get(code: str) -> ProjectType:
    project_type = ProjectType.objects.filter(code=code, is_active=True).first()
    if project_type is None:
        raise DomainError(
            "type_unknown",
            _("%(code)s is not a known project type."),
            field="project_type",
            code=code,
        )
    return project_type


def _project_locked(code: str) -> Project:
    project = Project.objects.select_for_update().filter(code=code).first()
    if project is None:
        raise NotFound("project_not_found", _("No such project."))
    return project


def _visible_or_404(actor: Any, project: Project) -> None:
    if not permissions.can_view_project(actor, project):
        raise NotFound("project_not_found", _("No such project."))
