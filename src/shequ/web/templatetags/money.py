"""Amounts of money as people read them: ``{% load money %}{{ amount|yuan }}``.

Chinese readers count large sums in 万 (10⁴) and 亿 (10⁸): ``695.38 亿元`` reads at a glance
where ``69,538,303,772.82`` does not, and fits a phone's table cell. The rule:

* below 1万: the exact amount, ``9,999.99 元``;
* from 1万: two decimals of 万, ``1.00 万元``; from 1亿: two decimals of 亿, ``695.38 亿元``
  (a sum that rounds up to the next unit takes it: 99,999,999.99 → ``1.00 亿元``).

English shows ``¥`` with separators, and ``million``/``billion`` from a million up. Where the
exact amount matters (ledgers) ``yuan_html`` puts it in the element's title, and ``yuan_exact``
prints it in full. Decimal throughout: a float cannot hold 0.1 yuan.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

CENT = Decimal("0.01")
WAN = Decimal(10) ** 4
YI = Decimal(10) ** 8
MILLION = Decimal(10) ** 6
BILLION = Decimal(10) ** 9
MISSING = "—"


def _decimal(amount: object) -> Decimal | None:
    if amount is None or amount == "" or isinstance(amount, bool):
        return None
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _english() -> bool:
    return (get_language() or "").lower().startswith("en")


def _grouped(value: Decimal) -> str:
    """``1234567.891`` → ``1,234,567.89`` (half up, as a cashier rounds)."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0.00"
    return f"{rounded:,.2f}"


def yuan_exact_text(amount: object) -> str:
    """The full amount to the fen with its unit: ``69,538,303,772.82 元`` (``¥…`` in English)."""
    value = _decimal(amount)
    if value is None:
        return MISSING
    if _english():
        sign = "-" if value.quantize(CENT, rounding=ROUND_HALF_UP) < 0 else ""
        return f"{sign}¥{_grouped(abs(value))}"
    return f"{_grouped(value)} 元"


def yuan_text(amount: object) -> str:
    """The amount shortened to 万/亿 (million/billion in English) when large."""
    value = _decimal(amount)
    if value is None:
        return MISSING
    magnitude = abs(value)
    sign = "-" if value < 0 else ""
    if _english():
        for size, word in ((BILLION, "billion"), (MILLION, "million")):
            if magnitude >= size:
                scaled = (magnitude / size).quantize(CENT, rounding=ROUND_HALF_UP)
                return f"{sign}¥{_grouped(scaled)} {word}"
        return yuan_exact_text(value)
    in_wan = (magnitude / WAN).quantize(CENT, rounding=ROUND_HALF_UP)
    # 99,999,999.99 is 10,000.00 万 once rounded: that is 1.00 亿.
    if magnitude >= YI or in_wan >= WAN:
        in_yi = (magnitude / YI).quantize(CENT, rounding=ROUND_HALF_UP)
        return f"{sign}{_grouped(in_yi)} 亿元"
    if magnitude >= WAN:
        return f"{sign}{_grouped(in_wan)} 万元"
    return yuan_exact_text(value)


@register.filter
def yuan(amount: object) -> str:
    """``{{ amount|yuan }}`` → ``9,999.99 元``, ``1.00 万元``, ``695.38 亿元``."""
    return yuan_text(amount)


@register.filter
def yuan_exact(amount: object) -> str:
    """``{{ amount|yuan_exact }}`` → ``69,538,303,772.82 元`` (ledgers, receipts)."""
    return yuan_exact_text(amount)


@register.filter
def yuan_html(amount: object) -> SafeString:
    """The short form in a ``<span>`` whose title (shown on hover and by screen readers) is the
    exact amount, for ledgers where precision matters."""
    return format_html(
        '<span class="money" title="{}">{}</span>', yuan_exact_text(amount), yuan_text(amount)
    )
