"""The platform's donation receipt (捐赠收据) as a PDF, generated when a gift is paid online."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from fpdf import FPDF

# Noto Sans CJK (Debian fonts-noto-cjk); face 2 of the collection is Simplified Chinese.
DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SIMPLIFIED_CHINESE_FACE = 2


@dataclass(frozen=True)
class ReceiptFacts:
    number: str
    fund_name: str
    donor: str
    amount: Decimal
    purpose: str
    paid_at: datetime
    transaction: str


DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _four_digits(number: int) -> str:
    """0–9999 in capitals, with the zeros inside read out (壹仟零壹)."""
    text = ""
    zero = False
    for digit, unit in zip(f"{number:04d}", ("仟", "佰", "拾", ""), strict=True):
        if digit == "0":
            zero = zero or bool(text)
            continue
        if zero:
            text += "零"
        zero = False
        text += DIGITS[int(digit)] + unit
    return text


def amount_in_words(amount: Decimal) -> str:
    """The amount in capital Chinese numerals (大写金额), as receipts print it."""
    yuan, fen = divmod(int((amount * 100).to_integral_value()), 100)
    groups = []
    while yuan:
        yuan, group = divmod(yuan, 10000)
        groups.append(group)
    words = ""
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if words and group < 1000 and not words.endswith("零"):
            words += "零"
        if group:
            words += _four_digits(group) + ("", "万", "亿", "万")[index]
    words = (words.rstrip("零") or "零") + "元"
    jiao, cents = divmod(fen, 10)
    if not jiao and not cents:
        return words + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif words != "零元":
        words += "零"
    if cents:
        words += DIGITS[cents] + "分"
    return words


def receipt_pdf(facts: ReceiptFacts) -> bytes:
    # A5 (148 × 210 mm), landscape.
    pdf = FPDF(format=(148, 210), orientation="landscape")
    pdf.add_font(
        "cjk",
        fname=getattr(settings, "SHEQU_CJK_FONT", DEFAULT_FONT),
        collection_font_number=SIMPLIFIED_CHINESE_FACE,
    )
    pdf.set_title(f"捐赠收据 {facts.number}")
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 12, "公益事业捐赠收据（社区基金）", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 6, f"收据编号：{facts.number}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("cjk", size=12)
    local = timezone.localtime(facts.paid_at)
    rows = [
        ("受赠方", facts.fund_name),
        ("捐赠人", facts.donor),
        ("金额（小写）", f"¥{facts.amount:,.2f}"),
        ("金额（大写）", amount_in_words(facts.amount)),
        ("用途", facts.purpose or "社区基金统筹使用"),
        ("到账时间", f"{local:%Y-%m-%d %H:%M}"),
        ("支付流水号", facts.transaction),
    ]
    for label, value in rows:
        pdf.cell(40, 9, label, border=1)
        pdf.cell(0, 9, value, border=1, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(
        0,
        5,
        "本收据由社区发展治理平台在捐款到账时生成，捐款已记入上述社区基金账目并公示。",
    )
    return bytes(pdf.output())
