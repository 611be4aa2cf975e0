"""Template filters of the 15-minute pages: every share is written the same way."""

from django import template

from shequ.access.selectors import share_text

register = template.Library()


@register.filter
def share_percent(value: float | None) -> str:
    """A share (0–1) as "12.3%", or "—" when it is unknown."""
    return share_text(value)
