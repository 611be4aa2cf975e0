"""PDFs set in the prepared working font read the same as before, and a character outside
it (a rare name) is set in the whole font rather than lost."""

from datetime import date

from shequ.documents import pdf
from tests.documents.conftest import pdf_text


def content(name: str) -> pdf.Content:
    return pdf.Content(
        title="志愿服务记录证明",
        number="CD-2026-0000-0000-0",
        verify_url="https://example.org/verify/CD-2026-0000-0000-0/",
        issuer="倪家桥社区志愿服务站",
        issued_on=date(2026, 12, 11),
        statement="兹证明以下志愿服务记录属实。",
        facts=[("姓名", name), ("志愿者编号", "ZY2026000001")],
        sections=[("服务记录", ["2026-12-12  周六敬老院探访  3.0 小时"])],
    )


def test_common_characters_and_a_rare_name_both_show() -> None:
    common = pdf_text(pdf.render(content("王建国")))
    rare = pdf_text(pdf.render(content("张喆堃")))
    for text in (common, rare):
        assert "志愿服务记录证明" in text
        assert "周六敬老院探访3.0小时" in text
        assert "ZY2026000001" in text
    assert "王建国" in common
    assert "张喆堃" in rare


def test_repeated_documents_do_not_share_glyphs() -> None:
    first = pdf.render(content("王建国"))
    pdf.render(content("张喆堃"))
    again = pdf.render(content("王建国"))
    # The same glyphs embedded (the creation time inside differs, not the length).
    assert len(again) == len(first)
    assert pdf_text(again) == pdf_text(first)
