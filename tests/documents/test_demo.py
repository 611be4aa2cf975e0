"""The demo's receipts and minutes are real PDFs with numbers that verify."""

import hashlib

from django.core.management import call_command
from django.test import Client

from shequ.documents.models import IssuedDocument, Kind
from shequ.documents.services import document_for_source
from shequ.funds.models import ApprovalRecord, Donation
from shequ.people.demo import NIJIAQIAO, ensure_demo_accounts, ensure_departments
from tests.documents.conftest import pdf_text


def test_demo_receipts_and_minutes_are_real_and_verify(chengdu: None, client: Client) -> None:
    ensure_demo_accounts(ensure_departments())
    call_command("seed_funds", year=2026)
    donation = Donation.objects.get(community_id=NIJIAQIAO)
    receipt = document_for_source(donation)
    assert receipt is not None
    assert receipt.kind == Kind.RECEIPT
    data = donation.receipt.read()
    assert hashlib.sha256(data).hexdigest() == receipt.sha256
    text = pdf_text(data)
    assert receipt.number in text
    assert "王*国" in text
    assert "王建国" not in text
    assert "5,000.00" in text
    assert "助老" in text
    decision = ApprovalRecord.objects.filter(community_id=NIJIAQIAO).first()
    assert decision is not None
    minutes = document_for_source(decision)
    assert minutes is not None
    assert minutes.kind == Kind.MINUTES
    text = pdf_text(decision.minutes.read())
    assert "议程" in text
    assert "出席人员" in text
    assert "表决结果" in text
    assert minutes.number in text
    page = client.get(f"/verify/{minutes.number}/").content.decode()
    assert "有效" in page
    assert "倪家桥" in page
    before = IssuedDocument.objects.count()
    call_command("seed_funds", year=2026)
    assert IssuedDocument.objects.count() == before
