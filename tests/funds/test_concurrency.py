"""Real threads on PostgreSQL try to overspend one community fund; it never goes below zero."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from shequ.core.errors import DomainError
from shequ.core.scopes import Role
from shequ.funds.models import Account, Commitment, Track
from shequ.funds.services import allocation, ledger, reservations, spending
from tests.factories import NIJIAQIAO, WUHOU, make_staff
from tests.funds.conftest import FORMULA, YEAR, approve, fund

ATTEMPTS = 30
EACH = Decimal("5000.00")  # 30 x 5,000 = 150,000 > the 120,000 the fund holds


@pytest.mark.postgres("needs PostgreSQL row locks and real concurrency")
def test_concurrent_commitments_never_overspend(transactional_db: None, chengdu: None) -> None:
    officer = make_staff("fin_wuhou_c", Role.DISTRICT_OFFICER, WUHOU)
    worker = make_staff("worker_njq_c", Role.COMMUNITY_WORKER, NIJIAQIAO)
    allocation.formula_save(actor=officer, year=YEAR, district_code=WUHOU, data=FORMULA)
    allocation.allocation_post(actor=officer, year=YEAR, district_code=WUHOU)
    available = fund().balance
    approvals = [approve(worker, amount=str(EACH)).pk for _ in range(ATTEMPTS)]
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(approval_id: int) -> None:
        try:
            barrier.wait()
            spending.commitment_create(
                actor=worker,
                community_code=NIJIAQIAO,
                approval_id=approval_id,
                track=Track.SECURITY,
                year=YEAR,
                project="并发",
                category="services",
                supplier="某公司",
                amount=str(EACH),
            )
            result = "ok"
        except DomainError as error:
            result = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(pk,)) for pk in approvals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    succeeded = outcomes.count("ok")
    assert succeeded == int(available // EACH) == 24
    assert set(outcomes) == {"ok", "insufficient_funds"}
    assert fund().balance == available - succeeded * EACH >= 0
    held = Account.objects.get(kind=Account.Kind.COMMITMENT, division_id=NIJIAQIAO)
    assert held.balance == succeeded * EACH == Commitment.objects.count() * EACH
    assert ledger.ledger_reconcile()[1] == []


@pytest.mark.postgres("needs PostgreSQL row locks and real concurrency")
def test_concurrent_reservations_and_commitments_never_overspend(
    transactional_db: None, chengdu: None
) -> None:
    officer = make_staff("fin_wuhou_r", Role.DISTRICT_OFFICER, WUHOU)
    worker = make_staff("worker_njq_r", Role.COMMUNITY_WORKER, NIJIAQIAO)
    allocation.formula_save(actor=officer, year=YEAR, district_code=WUHOU, data=FORMULA)
    allocation.allocation_post(actor=officer, year=YEAR, district_code=WUHOU)
    available = fund().balance  # 120,000: room for 24 of the 30 attempts of 5,000
    approvals = [approve(worker, amount=str(EACH)).pk for _ in range(ATTEMPTS // 2)]
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def attempt(kind: str, approval_id: int) -> None:
        try:
            barrier.wait()
            if kind == "reserve":
                reservations.reservation_create(
                    actor=worker,
                    community_code=NIJIAQIAO,
                    track=Track.SECURITY,
                    year=YEAR,
                    amount=str(EACH),
                    purpose="并发预留",
                )
            else:
                spending.commitment_create(
                    actor=worker,
                    community_code=NIJIAQIAO,
                    approval_id=approval_id,
                    track=Track.SECURITY,
                    year=YEAR,
                    project="并发",
                    category="services",
                    supplier="某公司",
                    amount=str(EACH),
                )
            result = "ok"
        except DomainError as error:
            result = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append((kind, result))

    threads = [threading.Thread(target=attempt, args=("reserve", 0)) for _ in approvals]
    threads += [threading.Thread(target=attempt, args=("commit", pk)) for pk in approvals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    results = [result for _kind, result in outcomes]
    assert results.count("ok") == int(available // EACH) == 24
    assert set(results) == {"ok", "insufficient_funds"}
    reserved = Account.objects.get(kind=Account.Kind.RESERVED, division_id=NIJIAQIAO)
    held = Account.objects.get(kind=Account.Kind.COMMITMENT, division_id=NIJIAQIAO)
    assert fund().balance == 0
    assert reserved.balance + held.balance == available
    assert ledger.ledger_reconcile()[1] == []
