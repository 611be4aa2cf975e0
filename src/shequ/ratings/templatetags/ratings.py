"""``{{ case|rateable:"application" }}`` and ``{% service_rating service %}`` for other apps'
pages: the entry points to rating (好差评) without queries in list rows."""

from typing import Any

from django import template

from shequ.ratings import selectors
from shequ.ratings.models import Subject

register = template.Library()


@register.filter
def rateable(target: Any, subject: str) -> bool:
    """Is ``target`` a closed case or a visit that took place (no query: the rating page
    itself sends a second tap to the first rating)?"""
    if subject == Subject.APPLICATION:
        return getattr(target, "status", None) in selectors.CLOSED_STATUSES
    if subject == Subject.BOOKING:
        return selectors.booking_used(target)
    if subject == Subject.BILL:
        return getattr(target, "status", None) == "paid"
    return False


@register.inclusion_tag("ratings/_service_summary.html")
def service_rating(service: Any) -> dict[str, Any]:
    """The public satisfaction figure of a catalogue service (one query)."""
    figures = (
        None if service.code == "haocha-ping" else selectors.service_figures(service_id=service.pk)
    )
    return {"service": service, "figures": figures}
