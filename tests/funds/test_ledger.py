"""The ledger: balanced, append-only, locked balances, reconciliation, no partial posting."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from shequ.core.errors import DomainError, NotFound
from shequ.funds.models import Account, LedgerTransaction, Posting, Track
from shequ.funds.services import ledger, spending
from shequ.people.models import User
from tests.factories import NIJIAQIAO, WUHOU
from tests.funds.conftest import YEAR, approve, fund, receipt


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0", "amount_not_positive"),
        ("-5", "amount_not_positive"),
        ("0.00", "amount_not_positive"),
        ("1.234", "amount_too_precise"),
        ("abc", "amount_invalid"),
        ("NaN", "amount_invalid"),
        ("Infinity", "amount_invalid"),
        ("1e20", "amount_too_large"),
    ],
)
def test_bad_amounts_are_refused_with_a_stable_code(raw: str, code: str) -> None:
    with pytest.raises(DomainError) as error:
        ledger.money_parse(raw)
    assert error.value.code == code


@pytest.mark.parametrize(
    ("raw", "expected"), [("12.5", "12.50"), ("1,200.10", "1200.10"), (0.1, "0.10"), ("3", "3.00")]
)
def test_good_amounts_become_exact_yuan(raw: object, expected: str) -> None:
    assert ledger.money_parse(raw) == Decimal(expected)


def test_allocation_posts_a_balanced_transaction_and_reconciles(allocated: User) -> None:
    entry = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.ALLOCATION)
    assert sum(p.amount for p in entry.postings.all()) == 0
    assert fund().balance == Decimal("120000.00")  # no population in tests: the floor
    checked, problems = ledger.ledger_reconcile()
    assert problems == []
    assert checked == Account.objects.count()


def test_unbalanced_postings_are_refused(allocated: User) -> None:
    account = fund()
    other = fund(code="510107005001")
    with pytest.raises(DomainError) as error, transaction.atomic():
        ledger._post(
            actor=allocated,
            kind=LedgerTransaction.Kind.ALLOCATION,
            division_code=WUHOU,
            year=YEAR,
            legs=[(account.pk, Decimal("10.00")), (other.pk, Decimal("-9.99"))],
        )
    assert error.value.code == "unbalanced"
    assert fund().balance == Decimal("120000.00")


def test_the_database_refuses_a_negative_fund_balance(allocated: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=fund().pk).update(balance=Decimal("-0.01"))


def test_postings_cannot_be_edited_in_the_database(allocated: User) -> None:
    posting = Posting.objects.first()
    assert posting is not None
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).update(amount=Decimal("1.00"))


@pytest.mark.postgres("the deferred balance trigger is PostgreSQL-only")
def test_postgres_refuses_an_unbalanced_transaction_at_commit(allocated: User) -> None:
    account = fund()

    def unbalanced() -> None:
        with transaction.atomic():
            entry = LedgerTransaction.objects.create(
                kind=LedgerTransaction.Kind.ALLOCATION, division_id=WUHOU, year=YEAR
            )
            Posting.objects.create(transaction=entry, account=account, amount=Decimal("5.00"))
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    with pytest.raises(Exception, match="sum to"):
        unbalanced()


def test_a_crash_inside_the_service_leaves_no_posting(
    allocated: User, worker: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    approval = approve(worker)
    postings_before = Posting.objects.count()

    def crash(**kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(spending, "audit_record", crash)
    with pytest.raises(RuntimeError):
        spending.commitment_create(
            actor=worker,
            community_code=NIJIAQIAO,
            approval_id=approval.pk,
            track=Track.SECURITY,
            year=YEAR,
            project="楼道灯",
            category="facilities",
            supplier="成都某照明公司",
            amount="1000",
        )
    assert Posting.objects.count() == postings_before
    assert fund().balance == Decimal("120000.00")
    assert not Account.objects.filter(kind=Account.Kind.COMMITMENT).exclude(balance=0).exists()


def _paid(worker: User, amount: str = "400") -> tuple[int, int]:
    approval = approve(worker, window_closed=True)
    commitment = spending.commitment_create(
        actor=worker,
        community_code=NIJIAQIAO,
        approval_id=approval.pk,
        track=Track.SECURITY,
        year=YEAR,
        project="楼道灯",
        category="facilities",
        supplier="成都某照明公司",
        amount="1000",
    )
    payment = spending.payment_create(
        actor=worker,
        commitment_id=commitment.pk,
        amount=amount,
        invoice_number="51001",
        receipt=receipt(),
    )
    return commitment.pk, payment.transaction_id


def test_a_payment_reversal_mirrors_it_and_a_reversal_cannot_be_reversed(
    allocated: User, worker: User
) -> None:
    _commitment_id, payment_txn = _paid(worker)
    reversal = ledger.transaction_reverse(
        actor=allocated, transaction_id=payment_txn, reason="发票金额错误"
    )
    assert reversal.reverses_id == payment_txn
    assert sorted(p.amount for p in reversal.postings.all()) == [Decimal("-400"), Decimal("400")]
    held = Account.objects.get(kind=Account.Kind.COMMITMENT, division_id=NIJIAQIAO)
    assert held.balance == Decimal("1000.00")
    with pytest.raises(DomainError) as again:
        ledger.transaction_reverse(actor=allocated, transaction_id=payment_txn, reason="x")
    assert again.value.code == "already_reversed"
    with pytest.raises(DomainError) as twice:
        ledger.transaction_reverse(actor=allocated, transaction_id=reversal.pk, reason="x")
    assert twice.value.code == "reversal_of_reversal"
    assert ledger.ledger_reconcile()[1] == []


def test_a_reversal_needs_a_reason_and_a_finance_officer_of_the_area(
    allocated: User, worker: User
) -> None:
    _commitment, payment_txn = _paid(worker)
    with pytest.raises(DomainError) as error:
        ledger.transaction_reverse(actor=allocated, transaction_id=payment_txn, reason=" ")
    assert error.value.code == "reason_required"
    with pytest.raises(NotFound):
        ledger.transaction_reverse(actor=worker, transaction_id=payment_txn, reason="x")


def test_reconcile_command_passes_then_names_a_tampered_account(allocated: User) -> None:
    out = StringIO()
    call_command("funds_reconcile", stdout=out)
    assert "OK" in out.getvalue()
    broken = fund()
    Account.objects.filter(pk=broken.pk).update(balance=broken.balance + 1)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_ledger", stderr=err)
    assert f"account {broken.pk} ({broken})" in err.getvalue()
    assert "120001.00 != postings 120000.00" in err.getvalue()
