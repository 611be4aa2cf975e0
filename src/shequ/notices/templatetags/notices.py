"""``{% unread_messages as n %}``: the unread count for the portal's navigation badge."""

from typing import Any

from django import template

from shequ.notices.selectors import unread_count_for

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_messages(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    return unread_count_for(user=user) if user is not None else 0
