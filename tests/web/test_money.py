"""Amounts as people read them: separators, two decimals, 万/亿 when large."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from shequ.web.templatetags.money import yuan, yuan_exact, yuan_html


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("0"), "0.00 元"),
        (Decimal("0.5"), "0.50 元"),
        (Decimal("-12.5"), "-12.50 元"),
        (Decimal("9999.99"), "9,999.99 元"),
        (Decimal("10000"), "1.00 万元"),
        (Decimal("-25000"), "-2.50 万元"),
        (Decimal("12345678.9"), "1,234.57 万元"),
        (Decimal("99999999.99"), "1.00 亿元"),
        (Decimal("1e8"), "1.00 亿元"),
        (Decimal("69538303772.820000000"), "695.38 亿元"),
        (Decimal("-69538303772.82"), "-695.38 亿元"),
        (12, "12.00 元"),
        ("3000.456", "3,000.46 元"),
    ],
)
def test_yuan_in_chinese(amount: object, shown: str) -> None:
    with translation.override("zh-hans"):
        assert yuan(amount) == shown


@pytest.mark.parametrize("amount", [None, "", "abc", "NaN", "Infinity", True])
def test_yuan_of_nothing_or_garbage_is_a_dash(amount: object) -> None:
    assert yuan(amount) == "—"
    assert yuan_exact(amount) == "—"


@pytest.mark.parametrize(
    ("amount", "exact"),
    [
        (Decimal("0"), "0.00 元"),
        (Decimal("-0.001"), "0.00 元"),
        (Decimal("9999.99"), "9,999.99 元"),
        (Decimal("69538303772.820000000"), "69,538,303,772.82 元"),
        (Decimal("-1234.5"), "-1,234.50 元"),
    ],
)
def test_yuan_exact_keeps_every_fen(amount: Decimal, exact: str) -> None:
    with translation.override("zh-hans"):
        assert yuan_exact(amount) == exact


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("0"), "¥0.00"),
        (Decimal("9999.99"), "¥9,999.99"),
        (Decimal("-250.5"), "-¥250.50"),
        (Decimal("1e8"), "¥100.00 million"),
        (Decimal("69538303772.82"), "¥69.54 billion"),
    ],
)
def test_yuan_in_english(amount: Decimal, shown: str) -> None:
    with translation.override("en"):
        assert yuan(amount) == shown


def test_ledger_cell_shows_short_form_with_the_exact_amount_in_its_title() -> None:
    with translation.override("zh-hans"):
        html = Template("{% load money %}{{ a|yuan_html }}").render(
            Context({"a": Decimal("69538303772.820000000")})
        )
    assert html == '<span class="money" title="69,538,303,772.82 元">695.38 亿元</span>'
    assert yuan_html("<b>") == '<span class="money" title="—">—</span>'
