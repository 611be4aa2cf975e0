"""Template helpers of the indicators pages: look-ups in dicts, the console home card."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` or None (dimension scores by code, labels by choice)."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.inclusion_tag("indicators/console/_home_card.html", takes_context=True)
def indicators_home_card(context: dict[str, Any]) -> dict[str, Any]:
    """The console home's card: the reader's unit (or area) score and a link to the cockpit."""
    from shequ.indicators import cockpit, selectors
    from shequ.indicators.permissions import can_view_indicators

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can_view_indicators(user):
        return {"show": False}
    run = selectors.run_latest()
    data = cockpit.cockpit_for(user=user, run=run) if run else {"todos": cockpit._todos(user)}
    return {"show": True, "run": run, **data}
