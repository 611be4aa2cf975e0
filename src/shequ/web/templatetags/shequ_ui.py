"""Template helpers for markup that the Content-Security-Policy allows (no style attributes)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def width_class(percent: object) -> str:
    """The class that sets a progress bar's width (``pct-0`` … ``pct-100`` in web/shequ.css).

    A style attribute would need style-src 'unsafe-inline', so the width is one of 101
    classes: rounded to a whole percent, clamped to 0–100 (a quota can be over-filled), and
    0 for anything that is not a number.
    """
    try:
        value = Decimal(str(percent).strip().rstrip("%"))
    except InvalidOperation:
        return "pct-0"
    if not value.is_finite():
        return "pct-0"
    whole = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))  # as floatformat shows it
    return f"pct-{min(100, max(0, whole))}"


@register.filter
def shown(obj: object, field: str = "name") -> str:
    """``{{ service|shown }}``: the English name on English pages when set, else the Chinese.

    ``{{ division|shown:"short_name" }}`` falls back to the division's short name.
    """
    from shequ.core.names import shown_name

    return shown_name(obj, field)
