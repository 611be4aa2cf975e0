"""``{% if request.user|may_design_form:service %}``: the "设计申请表" link on service pages."""

from typing import Any

from django import template

from shequ.casework.permissions import can_build_forms

register = template.Library()


@register.filter
def may_design_form(user: Any, service: Any) -> bool:
    """Staff of the service's department (or administrators), for application services."""
    if (
        not getattr(user, "is_authenticated", False)
        or getattr(service, "kind", "") != "application"
    ):
        return False
    return bool(can_build_forms(user, service))
