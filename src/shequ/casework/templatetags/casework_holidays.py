"""``{% holiday_table_warning as w %}``: the console's warning that the holiday table runs out
(from 60 days before), for the committee who enter it and the departments who count on it."""

from typing import Any

from django import template
from django.utils import timezone

from shequ.casework.permissions import can_manage_holidays
from shequ.casework.selectors import HolidayTableStatus, holiday_table_warning
from shequ.core.scopes import Role
from shequ.people.permissions import has_role

register = template.Library()


@register.simple_tag(takes_context=True)
def holiday_table_warning_for(context: dict[str, Any]) -> dict[str, Any] | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return None
    manages = can_manage_holidays(user)
    if not manages and not has_role(user, Role.DEPARTMENT_STAFF):
        return None
    status: HolidayTableStatus | None = holiday_table_warning(timezone.localdate())
    if status is None:
        return None
    return {"status": status, "may_enter": manages}
