"""Allocation, spending decided by residents, objections and donations."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from io import BytesIO
from typing import Any

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.core.uploads import MAX_IMAGE_SIDE
from shequ.funds.models import (
    Account,
    AllocationLine,
    ApprovalRecord,
    Commitment,
    IncentivePool,
    Objection,
    Payment,
    SecurityFormula,
    Track,
)
from shequ.funds.services import allocation, decisions, donations, ledger, objections, spending
from shequ.people.models import User, VerificationLevel
from shequ.places.models import Division
from tests import images
from tests.factories import (
    JINJIANG,
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    make_resident,
    make_staff,
    make_user,
)
from tests.funds.conftest import FORMULA, YEAR, approve, fund, receipt

YULIN_NORTH = "510107005001"


def _commit(worker: User, amount: str = "1000", **extra: Any) -> Commitment:
    approval = extra.pop("approval", None) or approve(worker, window_closed=True)
    values: dict[str, Any] = {
        "actor": worker,
        "community_code": NIJIAQIAO,
        "approval_id": approval.pk,
        "track": Track.SECURITY,
        "year": YEAR,
        "project": "楼道灯改造",
        "category": "facilities",
        "supplier": "成都某照明公司",
        "amount": amount,
    }
    values.update(extra)
    return spending.commitment_create(**values)


# --- allocation ---------------------------------------------------------------------------


def test_security_formula_clamps_to_floor_and_cap(district_officer: User) -> None:
    formula = allocation.formula_save(
        actor=district_officer, year=YEAR, district_code=WUHOU, data=FORMULA
    )
    assert allocation.security_amount(formula, "urban", 0, 0) == Decimal("120000.00")
    assert allocation.security_amount(formula, "urban", 3000, 8000) == Decimal("150000.00")
    assert allocation.security_amount(formula, "rural", 900, 2501) == Decimal("120000.00")
    assert allocation.security_amount(formula, "urban", 9000, 60000) == Decimal("300000.00")


def test_formula_of_another_district_is_not_found(district_officer: User) -> None:
    with pytest.raises(NotFound):
        allocation.formula_save(
            actor=district_officer, year=YEAR, district_code=JINJIANG, data=FORMULA
        )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"cap": "1000"}, "cap_below_floor"),
        ({"per_household": "-1"}, "amount_not_positive"),
        ({"base_urban": "1.005"}, "amount_too_precise"),
        ({"city_share": "101"}, "share_invalid"),
    ],
)
def test_bad_formula_is_refused_and_nothing_saved(
    district_officer: User, change: dict[str, str], code: str
) -> None:
    with pytest.raises(DomainError) as error:
        allocation.formula_save(
            actor=district_officer, year=YEAR, district_code=WUHOU, data={**FORMULA, **change}
        )
    assert error.value.code == code
    assert not SecurityFormula.objects.exists()


def test_preview_writes_nothing_and_post_matches_it_exactly(district_officer: User) -> None:
    Division.objects.filter(code=NIJIAQIAO).update(population=8000, households=3000)
    allocation.formula_save(actor=district_officer, year=YEAR, district_code=WUHOU, data=FORMULA)
    preview = allocation.allocation_preview(actor=district_officer, year=YEAR)
    assert [row.district.code for row in preview] == [WUHOU]
    row = preview[0]
    assert not Account.objects.exists()
    assert row.city_part + row.district_part == row.security
    runs = allocation.allocation_post(actor=district_officer, year=YEAR)
    assert runs[0].security_total == row.security
    lines = AllocationLine.objects.filter(year=YEAR, track=Track.SECURITY)
    assert lines.count() == row.communities
    assert sum(line.amount for line in lines) == row.security
    assert fund().balance == Decimal("150000.00")
    pools = {a.kind: a.balance for a in Account.objects.filter(kind__endswith="pool")}
    assert pools == {"city_pool": -row.city_part, "district_pool": -row.district_part}
    assert AuditEvent.objects.filter(verb="funds.allocation_posted", division_code=WUHOU).exists()


def test_a_posted_year_cannot_be_posted_again_or_reconfigured(allocated: User) -> None:
    with pytest.raises(DomainError) as again:
        allocation.allocation_post(actor=allocated, year=YEAR, district_code=WUHOU)
    assert again.value.code == "year_posted"
    with pytest.raises(DomainError) as edit:
        allocation.formula_save(actor=allocated, year=YEAR, district_code=WUHOU, data=FORMULA)
    assert edit.value.code == "year_posted"


def test_posting_without_a_formula_is_refused(district_officer: User) -> None:
    with pytest.raises(DomainError) as error:
        allocation.allocation_post(actor=district_officer, year=YEAR)
    assert error.value.code == "no_formula"


@pytest.mark.parametrize(
    ("total", "weights"),
    [
        ("100.00", {"a": 1, "b": 1, "c": 1}),
        ("0.01", {"a": 5, "b": 5}),
        ("1000000.00", {"a": 77.5, "b": 91.25, "c": 60, "d": 0}),
        ("99.99", {str(i): i % 7 + 1 for i in range(300)}),
    ],
)
def test_shares_add_up_to_the_pool_to_the_fen(total: str, weights: dict[str, float]) -> None:
    shares = allocation.split_exactly(
        Decimal(total), {k: Decimal(str(v)) for k, v in weights.items()}
    )
    assert sum(shares.values()) == Decimal(total)
    assert all(v == v.quantize(Decimal("0.01")) and v >= 0 for v in shares.values())


def _score_book(
    rows: list[tuple[Any, Any]], header: tuple[str, str] = ("社区代码", "评分")
) -> BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_score_import_reports_every_bad_row_and_saves_nothing(committee: User) -> None:
    book = _score_book(
        [
            (NIJIAQIAO, 90),
            ("510107999999", 80),
            (YULIN_NORTH, "很好"),
            (SHUIJINGFANG, 120),
            (NIJIAQIAO, 70),
        ]
    )
    result = allocation.scores_import(actor=committee, year=YEAR, file=book)
    assert [number for number, _message in result.errors] == [3, 4, 5, 6]
    assert result.saved == 0


def test_incentive_pool_by_tiers_is_shared_exactly(committee: User, district_officer: User) -> None:
    allocation.incentive_pool_save(
        actor=committee, year=YEAR, amount="1000000", method="tiers", tiers=[[90, 3], [60, 1]]
    )
    book = _score_book([(NIJIAQIAO, 95), (YULIN_NORTH, 70), (SHUIJINGFANG, 50)])
    assert allocation.scores_import(actor=committee, year=YEAR, file=book).saved == 3
    allocation.formula_save(actor=district_officer, year=YEAR, district_code=WUHOU, data=FORMULA)
    allocation.formula_save(actor=committee, year=YEAR, district_code=JINJIANG, data=FORMULA)
    allocation.allocation_post(actor=committee, year=YEAR)
    assert fund(track=Track.INCENTIVE).balance == Decimal("750000.00")
    assert fund(code=YULIN_NORTH, track=Track.INCENTIVE).balance == Decimal("250000.00")
    assert fund(code=SHUIJINGFANG, track=Track.INCENTIVE).balance == 0
    with pytest.raises(DomainError):
        allocation.incentive_pool_save(
            actor=committee, year=YEAR, amount="1", method="proportional"
        )


def test_only_the_city_committee_sets_the_incentive_pool(district_officer: User) -> None:
    with pytest.raises(PermissionDenied):
        allocation.incentive_pool_save(
            actor=district_officer, year=YEAR, amount="100", method="proportional"
        )
    assert not IncentivePool.objects.exists()


# --- decisions and spending ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "code"),
    [
        ({"members_present": 9, "votes_for": 7}, "no_quorum"),
        ({"votes_for": 6, "votes_against": 5}, "not_passed"),
        ({"members_present": 16}, "counts_invalid"),
        ({"votes_for": 12, "votes_against": 1}, "counts_invalid"),
        ({"amount": "0"}, "amount_not_positive"),
        ({"subject": " "}, "subject_required"),
        ({"meeting_date": timezone.localdate() + timedelta(days=3)}, "date_in_future"),
    ],
)
def test_a_decision_without_quorum_or_majority_is_refused(
    worker: User, counts: dict[str, Any], code: str
) -> None:
    with pytest.raises(DomainError) as error:
        approve(worker, **counts)
    assert error.value.code == code
    assert not ApprovalRecord.objects.exists()


def test_quorum_rule_is_configurable(worker: User, settings: Any) -> None:
    settings.SHEQU_FUNDS_QUORUM = "0.5"
    assert approve(worker, members_present=8, votes_for=5, votes_against=2, votes_abstain=1).pk


@pytest.mark.parametrize(
    ("total", "present", "quorate"),
    [(15, 10, True), (15, 9, False), (3, 2, True), (3, 1, False), (9, 6, True), (9, 5, False)],
)
def test_exactly_two_thirds_present_is_a_quorum_by_default(
    worker: User, total: int, present: int, quorate: bool
) -> None:
    """2 of 3 is two thirds: the default rule is the fraction 2/3, compared exactly."""
    counts: dict[str, Any] = {"members_total": total, "members_present": present}
    counts |= {"votes_for": present}
    counts |= {"votes_against": 0, "votes_abstain": 0}
    if quorate:
        assert approve(worker, **counts).members_present == present
    else:
        with pytest.raises(DomainError) as error:
            approve(worker, **counts)
        assert error.value.code == "no_quorum"
        assert not ApprovalRecord.objects.exists()


@pytest.mark.parametrize(
    ("setting", "quorate"),
    [("2/3", True), (" 2 / 3 ", True), (Fraction(2, 3), True), ("0.6667", False), (0.6, True)],
)
def test_quorum_settings_are_read_as_exact_fractions(
    worker: User, settings: Any, setting: object, quorate: bool
) -> None:
    """10 of 15 present is exactly 2/3: a decimal such as 0.6667 is taken literally."""
    settings.SHEQU_FUNDS_QUORUM = setting
    counts: dict[str, Any] = {"members_present": 10, "votes_for": 8, "votes_against": 1}
    counts |= {"votes_abstain": 1}
    if quorate:
        assert approve(worker, **counts).pk
    else:
        with pytest.raises(DomainError) as error:
            approve(worker, **counts)
        assert error.value.code == "no_quorum"


@pytest.mark.parametrize(
    ("majority", "present", "votes_for", "passed"),
    [
        ("1/2", 10, 5, False),  # half is not more than half
        ("1/2", 10, 6, True),
        ("1/2", 9, 5, True),
        ("2/3", 9, 6, False),  # more than two thirds is needed: 7 of 9
        ("2/3", 9, 7, True),
    ],
)
def test_majority_is_more_than_the_configured_fraction_of_those_present(
    worker: User, settings: Any, majority: str, present: int, votes_for: int, passed: bool
) -> None:
    settings.SHEQU_FUNDS_MAJORITY = majority
    counts: dict[str, Any] = {"members_total": 12, "members_present": present}
    counts |= {"votes_for": votes_for}
    counts |= {"votes_against": present - votes_for, "votes_abstain": 0}
    if passed:
        assert approve(worker, **counts).votes_for == votes_for
    else:
        with pytest.raises(DomainError) as error:
            approve(worker, **counts)
        assert error.value.code == "not_passed"


@pytest.mark.parametrize("setting", ["two thirds", "3/2", "-1/3", "1/0"])
def test_a_misconfigured_council_rule_fails_loudly(
    worker: User, settings: Any, setting: str
) -> None:
    settings.SHEQU_FUNDS_QUORUM = setting
    with pytest.raises(ImproperlyConfigured):
        decisions.council_rules()


def test_commit_pay_and_close_moves_money_through_the_accounts(
    allocated: User, worker: User
) -> None:
    commitment = _commit(worker, amount="1000")
    assert fund().balance == Decimal("119000.00")
    spending.payment_create(
        actor=worker,
        commitment_id=commitment.pk,
        amount="600.50",
        invoice_number="N1",
        receipt=receipt(),
    )
    closed = spending.commitment_close(actor=worker, commitment_id=commitment.pk)
    assert closed.status == Commitment.Status.CLOSED
    assert (closed.paid, closed.released) == (Decimal("600.50"), Decimal("399.50"))
    assert fund().balance == Decimal("119399.50")
    paid = Account.objects.get(kind=Account.Kind.PAYABLE, division_id=NIJIAQIAO)
    assert paid.balance == Decimal("600.50")
    verbs = set(AuditEvent.objects.filter(division_code=NIJIAQIAO).values_list("verb", flat=True))
    assert {"funds.decision_recorded", "funds.committed", "funds.paid", "funds.closed"} <= verbs
    with pytest.raises(DomainError) as after:
        spending.payment_create(
            actor=worker,
            commitment_id=commitment.pk,
            amount="1",
            invoice_number="N2",
            receipt=receipt(),
        )
    assert after.value.code == "commitment_closed"
    assert ledger.ledger_reconcile()[1] == []


def test_commitment_without_an_approval_record_is_refused(allocated: User, worker: User) -> None:
    with pytest.raises(DomainError) as error:
        spending.commitment_create(
            actor=worker,
            community_code=NIJIAQIAO,
            approval_id=None,
            track="security",
            year=YEAR,
            project="x",
            category="services",
            supplier="s",
            amount="10",
        )
    assert error.value.code == "approval_required"
    assert fund().balance == Decimal("120000.00")


def test_spending_from_another_communitys_fund_is_refused(allocated: User, worker: User) -> None:
    other_worker = make_staff("worker_yln", Role.COMMUNITY_WORKER, YULIN_NORTH)
    foreign = approve(other_worker, community=YULIN_NORTH)
    with pytest.raises(DomainError) as error:
        _commit(worker, approval=foreign)
    assert error.value.code == "approval_other_community"
    with pytest.raises(NotFound):
        _commit(worker, community_code=YULIN_NORTH, approval=foreign)


@pytest.mark.parametrize(
    ("amount", "approved", "code"),
    [("60000", "100000", "over_approval"), ("130000", "200000", "insufficient_funds")],
)
def test_commitment_over_the_decision_or_the_fund_is_refused(
    allocated: User, worker: User, amount: str, approved: str, code: str
) -> None:
    approval = approve(worker, amount=approved)
    _commit(worker, amount="50000", approval=approval) if code == "over_approval" else None
    before = fund().balance
    with pytest.raises(DomainError) as error:
        _commit(worker, amount=amount, approval=approval)
    assert error.value.code == code
    assert fund().balance == before


def test_payment_over_the_commitment_or_without_receipt_is_refused(
    allocated: User, worker: User
) -> None:
    commitment = _commit(worker, amount="1000")
    for amount, file, code in (
        ("1000.01", receipt(), "over_commitment"),
        ("10", None, "file_required"),
        ("10", receipt("x.exe"), "file_type_not_allowed"),
        # A program renamed to .pdf: the first bytes give it away.
        ("10", SimpleUploadedFile("fapiao.pdf", b"MZ\x90\x00\x03"), "file_type_not_allowed"),
    ):
        with pytest.raises(DomainError) as error:
            spending.payment_create(
                actor=worker,
                commitment_id=commitment.pk,
                amount=amount,
                invoice_number="N",
                receipt=file,
            )
        assert error.value.code == code
    assert not Account.objects.filter(kind=Account.Kind.PAYABLE).exclude(balance=0).exists()


# --- objections ---------------------------------------------------------------------------


def _resident_user(
    community: str = NIJIAQIAO, level: int = VerificationLevel.REGISTRY_MATCHED
) -> User:
    user = make_user(f"res_{community}_{level}")
    make_resident(community, user=user, level=level)
    return User.objects.get(pk=user.pk)


def test_an_open_objection_holds_payment_until_the_street_answers(
    allocated: User, worker: User, street: User
) -> None:
    commitment = _commit(worker, approval=approve(worker))
    objection = objections.objection_raise(
        actor=_resident_user(), approval_id=commitment.approval_id, reason="供应商报价过高，请说明"
    )
    with pytest.raises(DomainError) as held:
        spending.payment_create(
            actor=worker,
            commitment_id=commitment.pk,
            amount="10",
            invoice_number="N",
            receipt=receipt(),
        )
    assert held.value.code == "objection_open"
    with pytest.raises(NotFound):
        objections.objection_answer(actor=worker, objection_id=objection.pk, answer="x")
    objections.objection_answer(
        actor=street, objection_id=objection.pk, answer="已比价三家，报价合理"
    )
    assert Objection.objects.get().status == Objection.Status.ANSWERED
    with time_machine.travel(commitment.approval.objection_deadline + timedelta(minutes=1)):
        spending.payment_create(
            actor=worker,
            commitment_id=commitment.pk,
            amount="10",
            invoice_number="N",
            receipt=receipt(),
        )


def test_payment_waits_for_the_objection_window_to_close(allocated: User, worker: User) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 1, 30, tzinfo=UTC), tick=False):
        commitment = _commit(worker, approval=approve(worker))
        with pytest.raises(DomainError) as held:
            spending.payment_create(
                actor=worker,
                commitment_id=commitment.pk,
                amount="10",
                invoice_number="N",
                receipt=receipt(),
            )
    assert held.value.code == "objection_window_open"
    # Seven days from the disclosure, in Chengdu time.
    assert "2026-03-09 09:30" in str(held.value)
    assert not Payment.objects.exists()
    with time_machine.travel(datetime(2026, 3, 9, 1, 30, tzinfo=UTC), tick=False):
        with pytest.raises(DomainError) as still:
            spending.payment_create(
                actor=worker,
                commitment_id=commitment.pk,
                amount="10",
                invoice_number="N",
                receipt=receipt(),
            )
        assert still.value.code == "objection_window_open"
    with time_machine.travel(datetime(2026, 3, 9, 1, 31, tzinfo=UTC), tick=False):
        payment = spending.payment_create(
            actor=worker,
            commitment_id=commitment.pk,
            amount="10",
            invoice_number="N",
            receipt=receipt(),
        )
    assert payment.urgent_reason == ""
    assert AuditEvent.objects.filter(verb="funds.paid", object_id=str(payment.pk)).exists()


def test_an_urgent_payment_inside_the_window_needs_a_written_reason_and_is_audited(
    allocated: User, worker: User
) -> None:
    commitment = _commit(worker, approval=approve(worker))
    with pytest.raises(DomainError) as blank:
        spending.payment_create(
            actor=worker,
            commitment_id=commitment.pk,
            amount="10",
            invoice_number="N",
            receipt=receipt(),
            urgent_reason="   ",
        )
    assert (blank.value.code, blank.value.field) == ("objection_window_open", "urgent_reason")
    payment = spending.payment_create(
        actor=worker,
        commitment_id=commitment.pk,
        amount="10",
        invoice_number="N",
        receipt=receipt(),
        urgent_reason=" 暴雨后楼道漏电，须立即抢修 ",
    )
    assert payment.urgent_reason == "暴雨后楼道漏电，须立即抢修"
    event = AuditEvent.objects.get(verb="funds.paid_urgently")
    assert (event.object_id, event.reason) == (str(payment.pk), "暴雨后楼道漏电，须立即抢修")
    # An open objection holds even an urgent payment.
    objections.objection_raise(
        actor=_resident_user(), approval_id=commitment.approval_id, reason="为何不等公示期结束？"
    )
    with pytest.raises(DomainError) as held:
        spending.payment_create(
            actor=worker,
            commitment_id=commitment.pk,
            amount="10",
            invoice_number="N2",
            receipt=receipt(),
            urgent_reason="仍然紧急",
        )
    assert held.value.code == "objection_open"


@pytest.mark.parametrize(
    ("community", "level"),
    [(YULIN_NORTH, VerificationLevel.ID_CHECKED), (NIJIAQIAO, VerificationLevel.REGISTERED)],
)
def test_only_verified_residents_of_the_community_may_object(
    worker: User, community: str, level: int
) -> None:
    approval = approve(worker)
    with pytest.raises(PermissionDenied):
        objections.objection_raise(
            actor=_resident_user(community, level), approval_id=approval.pk, reason="不同意此项"
        )


def test_objections_after_the_window_are_refused(worker: User) -> None:
    approval = approve(worker)
    ApprovalRecord.objects.filter(pk=approval.pk).update(
        objection_deadline=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(DomainError) as error:
        objections.objection_raise(
            actor=_resident_user(), approval_id=approval.pk, reason="不同意此项"
        )
    assert error.value.code == "window_closed"


# --- donations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "public", "shown"),
    [("王小明", False, "王**"), ("王小明", True, "王小明"), ("", False, "Anonymous")],
)
def test_donations_fill_the_foundation_and_mask_the_donor(
    worker: User, name: str, public: bool, shown: str
) -> None:
    donation = donations.donation_record(
        actor=worker,
        community_code=NIJIAQIAO,
        donor_name=name,
        name_public=public,
        amount="888.80",
        purpose="助老",
        receipt=receipt(),
    )
    with translation.override("en"):
        assert donation.donor_public == shown
    assert fund(track=Track.DONATION, year=0).balance == Decimal("888.80")
    assert ledger.ledger_reconcile()[1] == []


def test_a_photographed_receipt_is_stored_without_gps_and_downscaled(worker: User) -> None:
    taken = images.jpeg(3000, 2250, gps=True)
    donation = donations.donation_record(
        actor=worker,
        community_code=NIJIAQIAO,
        donor_name="",
        name_public=False,
        amount="100",
        receipt=SimpleUploadedFile("IMG_0004.jpg", taken, content_type="image/jpeg"),
    )
    stored = images.metadata_of(donation.receipt.read())
    assert (stored["exif"], stored["gps"], stored["metadata"]) == ({}, {}, [])
    assert max(stored["size"]) <= MAX_IMAGE_SIDE  # type: ignore[call-overload]


def test_foundation_money_is_spent_through_the_same_ledger(worker: User) -> None:
    donations.donation_record(
        actor=worker, community_code=NIJIAQIAO, donor_name="", name_public=False, amount="500"
    )
    commitment = _commit(worker, amount="300", track=Track.DONATION)
    assert commitment.year == 0
    assert fund(track=Track.DONATION, year=0).balance == Decimal("200.00")
    with pytest.raises(DomainError) as error:
        _commit(worker, amount="300", track=Track.DONATION)
    assert error.value.code == "insufficient_funds"


def test_workers_cannot_take_donations_for_another_community(worker: User) -> None:
    with pytest.raises(NotFound):
        donations.donation_record(
            actor=worker, community_code=SHUIJINGFANG, donor_name="", name_public=False, amount="5"
        )


def test_a_commitment_may_name_a_registered_organisation(allocated: User, worker: User) -> None:
    from shequ.civil.models import Organisation
    from shequ.civil.services.registry import organisation_register, organisation_set_status
    from tests.civil.conftest import org_data

    organisation = organisation_register(actor=allocated, data=org_data())
    commitment = _commit(worker, supplier="", organisation_id=organisation.pk)
    assert commitment.organisation_id == organisation.pk
    assert commitment.supplier == organisation.name
    organisation_set_status(
        actor=allocated,
        organisation_id=organisation.pk,
        status=Organisation.Status.BLACKLISTED,
        reason="严重违法失信",
    )
    before = fund().balance
    with pytest.raises(DomainError) as error:
        _commit(worker, supplier="", organisation_id=organisation.pk)
    assert error.value.code == "organisation_invalid"
    assert fund().balance == before
    # Items with a typed supplier stay as they were.
    assert _commit(worker).organisation_id is None
