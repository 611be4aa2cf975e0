"""PDFs the platform issues, set with fpdf2 in a CJK font, with the document number, a QR code
of the verification address (segno) and that address in text underneath."""

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from fpdf import FPDF

from shequ.documents.pdf_fonts import FONT, add_font

# fontTools narrates every font subset at INFO: not worth a log line per document.
logging.getLogger("fontTools").setLevel(logging.WARNING)
__all__ = ["FONT", "Content", "render", "verify_url"]


@dataclass(frozen=True)
class Content:
    """What one document says. ``facts``: label and value rows (the holder, the amount…);
    ``sections``: a heading and its lines (agenda, attendees, decisions)."""

    title: str
    number: str
    verify_url: str
    issuer: str
    issued_on: date
    statement: str = ""
    facts: Sequence[tuple[str, str]] = ()
    sections: Sequence[tuple[str, Sequence[str]]] = field(default_factory=tuple)


def verify_url(number: str) -> str:
    """The absolute address of a document's public verification page (``SITE_URL``)."""
    return f"{settings.SITE_URL}/verify/{number}/"


def _font_path() -> str:
    path = Path(settings.SHEQU_PDF_FONT)
    if not path.is_file():
        raise ImproperlyConfigured(
            f"The CJK font for PDFs is missing: {path}. Install fonts-noto-cjk or set PDF_FONT "
            "to a TrueType/OpenType font with Chinese characters."
        )
    return str(path)


def _qr_png(url: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    return buffer


def render(content: Content) -> bytes:
    """The PDF of ``content`` (A4, one or more pages). Raises ImproperlyConfigured (no font)."""
    pdf = FPDF(format="A4")
    pdf.set_creator("shequ")
    pdf.set_title(content.title)
    path = _font_path()
    number = settings.SHEQU_PDF_FONT_INDEX if path.lower().endswith(".ttc") else 0
    header = _("Chengdu community platform")
    number_line = _("Document number: %(number)s") % {"number": content.number}
    issued = f"{content.issued_on:%Y}年{content.issued_on.month}月{content.issued_on.day}日"
    check_line = _("Scan the code or open the address below to check this document:")
    shown = [header, number_line, issued, check_line, content.title, content.verify_url]
    shown += [content.statement, content.issuer]
    shown += [f"{label}：{value}" for label, value in content.facts]
    shown += [text for heading, lines in content.sections for text in (heading, *lines)]
    add_font(pdf, path, number, "".join(shown))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font(FONT, size=11)
    pdf.set_text_color(150, 20, 20)
    pdf.cell(width, 8, header, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(150, 20, 20)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    pdf.set_text_color(0, 0, 0)
    pdf.image(_qr_png(content.verify_url), x=pdf.l_margin + width - 36, y=pdf.get_y() + 4, w=36)
    pdf.ln(6)
    pdf.set_font(FONT, size=20)
    pdf.multi_cell(width - 40, 11, content.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    pdf.cell(width - 40, 7, number_line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(16)
    pdf.set_font(FONT, size=12)
    for label, value in content.facts:
        pdf.set_font(FONT, size=11)
        pdf.cell(36, 8, f"{label}：")
        pdf.multi_cell(width - 36, 8, value, new_x="LMARGIN", new_y="NEXT")
    if content.statement:
        pdf.ln(4)
        pdf.set_font(FONT, size=13)
        pdf.multi_cell(width, 9, content.statement, new_x="LMARGIN", new_y="NEXT")
    for heading, lines in content.sections:
        pdf.ln(3)
        pdf.set_font(FONT, size=13)
        pdf.cell(width, 9, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=11)
        for line in lines:
            pdf.multi_cell(width, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(FONT, size=12)
    pdf.cell(width, 8, content.issuer, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width, 8, issued, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(width, 5, check_line, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 5, content.verify_url, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
