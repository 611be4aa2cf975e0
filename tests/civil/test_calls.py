"""The whole workflow through the services: call → application → review with recusal →
determination → public notice with an objection → contract → tranche on the ledger."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from shequ.civil import selectors
from shequ.civil.models import Call, Expert, Membership, Organisation, Review
from shequ.civil.services import calls, contracts
from shequ.civil.services import reviews as reviews_service
from shequ.civil.services.registry import inspection_record, rating_record
from shequ.core.errors import DomainError, NotFound
from shequ.funds.models import Account, Track
from shequ.people.models import User
from tests.civil.conftest import CLOSES, submit, verified_user
from tests.factories import NIJIAQIAO, make_user


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"now": CLOSES + timedelta(minutes=1)}, "call_closed"),
        ({"budget_lines": [{"item": "人员", "amount": "50000"}]}, "budget_lines_sum"),
        (
            {"self_funding": "5000", "budget_lines": [{"item": "人员", "amount": "95000"}]},
            "self_share_low",
        ),
        ({"council_minutes": None}, "minutes_required"),
        (
            {"amount": "150000", "budget_lines": [{"item": "x", "amount": "160000"}]},
            "over_max_award",
        ),
    ],
)
def test_bad_applications_are_refused_and_nothing_is_stored(
    call: Call, applicant: User, graded: Organisation, overrides: dict[str, object], code: str
) -> None:
    with pytest.raises(DomainError) as caught:
        submit(call, applicant, graded, **overrides)
    assert caught.value.code == code
    assert not call.applications.exists()


def test_an_expired_grade_makes_the_organisation_ineligible(
    call: Call, organisation: Organisation, district_officer: User
) -> None:
    rating_record(actor=district_officer, organisation_id=organisation.pk, grade=5, year=2019)
    # 2019 + 5 → valid until 2024-12-31, before the call opens in 2026.
    inspection_record(
        actor=district_officer, organisation_id=organisation.pk, year=2025, result="passed"
    )
    user = verified_user("late_worker")
    Membership.objects.create(organisation=organisation, user=user, role="staff")
    with pytest.raises(DomainError) as caught:
        submit(call, user, organisation)
    assert caught.value.code == "not_eligible"
    assert organisation.pk not in selectors.eligible_ids(call)


def test_the_journey_with_recusal_notice_contract_and_ledger(
    call: Call, applicant: User, graded: Organisation, district_officer: User
) -> None:
    application = submit(call, applicant, graded)
    experts = [make_user(f"expert{i}") for i in range(3)]
    for i, user in enumerate(experts):
        Expert.objects.create(user=user, display_name=f"专家{i}")
    # Expert 0 founded the applicant: recused automatically.
    Membership.objects.create(organisation=graded, user=experts[0], role="founder")
    calls.review_start(actor=district_officer, call_id=call.pk)
    reviews = {r.expert.user_id: r for r in Review.objects.select_related("expert")}
    assert reviews[experts[0].pk].status == Review.Status.RECUSED
    with pytest.raises(DomainError) as caught:
        calls.review_score(actor=experts[0], review_id=reviews[experts[0].pk].pk, scores={})
    assert caught.value.code == "recused"
    criteria = list(call.criteria.all())
    for user in experts[1:]:
        reviews_service.conflict_declare(
            actor=user, review_id=reviews[user.pk].pk, has_conflict=False
        )
    with pytest.raises(DomainError) as caught:
        calls.review_score(
            actor=experts[1], review_id=reviews[experts[1].pk].pk, scores={criteria[0].pk: 11}
        )
    assert caught.value.code == "score_out_of_range"
    scored = calls.review_score(
        actor=experts[1],
        review_id=reviews[experts[1].pk].pk,
        scores={criteria[0].pk: 8, criteria[1].pk: 9, criteria[2].pk: ""},
    )
    # (8/10×40 + 9/10×40) / 80 × 100 = 85 (居民参与 not applicable).
    assert scored.total == Decimal("85.00")
    calls.review_score(
        actor=experts[2],
        review_id=reviews[experts[2].pk].pk,
        scores={c.pk: 7 for c in criteria},
    )
    calls.call_determine(
        actor=district_officer,
        call_id=call.pk,
        awards={application.pk: "90000"},  # type: ignore[attr-defined]
        reason="综合评分第一",
    )
    public = Client().get(f"/civil/calls/{call.pk}/").content.decode()
    assert "N/A" in public
    assert "85.00" in public
    resident = verified_user("objector")
    objection = calls.objection_raise(actor=resident, call_id=call.pk, text="预算偏高")
    with pytest.raises(DomainError) as caught:
        contracts.contract_sign(
            actor=district_officer,
            application_id=application.pk,  # type: ignore[attr-defined]
            signed_on=date(2026, 5, 1),
            ends_on=date(2027, 4, 30),
            tranches=[contracts.TrancheData("启动", "45000", date(2026, 6, 1))],
        )
    assert caught.value.code in ("notice_running", "objections_open")
    calls.objection_answer(actor=district_officer, objection_id=objection.pk, answer="已复核")
    with time_machine.travel(timezone.now() + timedelta(days=call.objection_days + 1)):
        with pytest.raises(DomainError) as caught:
            contracts.contract_sign(
                actor=district_officer,
                application_id=application.pk,  # type: ignore[attr-defined]
                signed_on=date(2026, 5, 1),
                ends_on=date(2027, 4, 30),
                tranches=[contracts.TrancheData("启动", "45000", date(2026, 6, 1))],
            )
        assert caught.value.code == "tranches_sum"
        contract = contracts.contract_sign(
            actor=district_officer,
            application_id=application.pk,  # type: ignore[attr-defined]
            signed_on=date(2026, 5, 1),
            ends_on=date(2027, 4, 30),
            tranches=[
                contracts.TrancheData("启动", "45000", date(2026, 6, 1)),
                contracts.TrancheData("结项", "45000", date(2027, 4, 1)),
            ],
        )
    first, _second = list(contract.tranches.all())
    with pytest.raises(DomainError) as caught:
        contracts.tranche_pay(actor=district_officer, tranche_id=first.pk)
    assert caught.value.code == "evidence_not_accepted"
    with pytest.raises(NotFound):
        contracts.tranche_report(actor=resident, tranche_id=first.pk, report="x", people_served=1)
    contracts.tranche_report(
        actor=applicant, tranche_id=first.pk, report="食堂开业", people_served=320
    )
    contracts.tranche_accept(actor=district_officer, tranche_id=first.pk)
    contracts.tranche_pay(actor=district_officer, tranche_id=first.pk)
    paid = Account.objects.get(kind="payable", division_id=NIJIAQIAO, track=Track.GRANTS)
    held = Account.objects.get(kind="commitment", division_id=NIJIAQIAO, track=Track.GRANTS)
    assert (paid.balance, held.balance) == (Decimal("45000.00"), Decimal("45000.00"))
    page = Client().get(f"/civil/contracts/{contract.pk}/").content.decode()
    assert "食堂开业" in page
    disclosure = Client().get(f"/funds/{NIJIAQIAO}/").content.decode()
    assert "45,000.00" in disclosure or "4.50 万元" in disclosure
    api = Client().get(f"/api/v1/civil/contracts/{contract.pk}").json()
    assert Decimal(str(api["paid"])) == Decimal("45000")
    assert api["tranches"][0]["ledger_transaction_id"] is not None
