"""Template filters of the requests console."""

from typing import Any

from django import template

from shequ.appeals.permissions import may_dispatch, may_edit_catalogue, unit_ids_of
from shequ.appeals.selectors import officer_label

register = template.Library()


@register.filter
def may_manage_open311(user: Any) -> bool:
    """Only the committee (and administrators) give and revoke Open311 keys: others get no tab
    that would end in a refusal."""
    return may_edit_catalogue(user)


@register.filter
def may_decide_extensions(user: Any) -> bool:
    """Only the supervising desk (dispatchers) gets the tab of requests for more time."""
    return may_dispatch(user, None)


@register.filter
def has_appeal_unit(user: Any) -> bool:
    """Only members of a unit get the tab of their unit's reply templates."""
    return bool(unit_ids_of(user))


@register.filter
def masked_officer(user: Any) -> str:
    """An officer's masked real name and account name; "—" for nobody."""
    return officer_label(user) if user is not None else "—"
