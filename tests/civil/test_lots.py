"""Lots (标段): each application names a lot of its call; ranking, determination and the
public notice go lot by lot."""

import pytest
from django.test import Client

from shequ.civil import selectors
from shequ.civil.models import Application, Call, Expert, Membership, Organisation, Review
from shequ.civil.services import calls
from shequ.civil.services import reviews as reviews_service
from shequ.civil.services.registry import inspection_record, organisation_register, rating_record
from shequ.core.errors import DomainError
from shequ.people.models import User
from tests.civil.conftest import (
    CLOSES,
    OPENS,
    WUHOU,
    code_with_check,
    org_data,
    submit,
    verified_user,
)
from tests.factories import make_user


def lot_call(officer: User, title: str = "2026年武侯区为老服务（分包）") -> Call:
    return calls.call_create(
        actor=officer,
        title=title,
        kind=Call.Kind.PURCHASE,
        division_code=WUHOU,
        field="elderly",
        budget="300000",
        max_award="100000",
        year=2026,
        opens_at=OPENS,
        closes_at=CLOSES,
        criteria=[calls.CriterionData("方案", 100)],
        lots=[calls.LotData("助餐", "50000"), calls.LotData("助浴", "150000")],
    )


def second_org(officer: User) -> tuple[Organisation, User]:
    org = organisation_register(
        actor=officer,
        data=org_data(name="武侯区长青社工中心", credit_code=code_with_check("52510107MJ0054321")),
    )
    rating_record(actor=officer, organisation_id=org.pk, grade=4, year=2024)
    inspection_record(actor=officer, organisation_id=org.pk, year=2025, result="passed")
    user = verified_user("second_worker")
    Membership.objects.create(organisation=org, user=user, role="admin")
    return org, user


def test_lots_over_the_budget_are_refused(district_officer: User) -> None:
    with pytest.raises(DomainError) as caught:
        calls.call_create(
            actor=district_officer,
            title="超预算",
            kind=Call.Kind.PURCHASE,
            division_code=WUHOU,
            field="elderly",
            budget="100000",
            max_award="100000",
            year=2026,
            opens_at=OPENS,
            closes_at=CLOSES,
            criteria=[calls.CriterionData("方案", 100)],
            lots=[calls.LotData("A", "80000"), calls.LotData("B", "80000")],
        )
    assert caught.value.code == "lots_over_budget"
    assert not Call.objects.exists()


def test_an_application_must_name_a_lot_of_its_own_call(
    district_officer: User, applicant: User, graded: Organisation
) -> None:
    call = lot_call(district_officer)
    other = lot_call(district_officer, "另一征集")
    foreign = other.lots.first()
    for lot_id in (None, foreign.pk):  # type: ignore[union-attr]
        with pytest.raises(DomainError) as caught:
            submit(call, applicant, graded, community_code="", council_minutes=None, lot_id=lot_id)
        assert caught.value.code == "lot_invalid"
    assert not Application.objects.exists()


def test_ranking_determination_and_notice_are_per_lot(
    district_officer: User, applicant: User, graded: Organisation
) -> None:
    call = lot_call(district_officer)
    meal, bath = list(call.lots.all())
    org2, user2 = second_org(district_officer)
    a1 = submit(call, applicant, graded, community_code="", council_minutes=None, lot_id=meal.pk)
    a2 = submit(call, user2, org2, community_code="", council_minutes=None, lot_id=bath.pk)
    experts = [make_user(f"lot_expert{i}") for i in range(2)]
    for i, user in enumerate(experts):
        Expert.objects.create(user=user, display_name=f"专家{i}")
    calls.review_start(actor=district_officer, call_id=call.pk)
    for review in Review.objects.select_related("expert"):
        reviews_service.conflict_declare(
            actor=review.expert.user, review_id=review.pk, has_conflict=False
        )
        score = 9 if review.application_id == a1.pk else 6  # type: ignore[attr-defined]
        calls.review_score(
            actor=review.expert.user,
            review_id=review.pk,
            scores={c.pk: score for c in call.criteria.all()},
        )
    ranking = {r.application_id: r.rank for r in selectors.call_ranking(call.pk)}
    # Each lot's only application is first in its lot.
    assert ranking == {a1.pk: 1, a2.pk: 1}  # type: ignore[attr-defined]
    with pytest.raises(DomainError) as caught:
        calls.call_determine(
            actor=district_officer,
            call_id=call.pk,
            awards={a1.pk: "90000"},  # type: ignore[attr-defined]
            reason="x",
        )
    assert caught.value.code == "over_lot_budget"
    calls.call_determine(
        actor=district_officer,
        call_id=call.pk,
        awards={a1.pk: "50000", a2.pk: "80000"},  # type: ignore[attr-defined]
        reason="各包第一",
    )
    page = Client().get(f"/civil/calls/{call.pk}/").content.decode()
    assert "助餐" in page
    assert "助浴" in page
    assert page.count('data-testid="lot-winners"') == 2
    api = Client().get("/api/v1/civil/calls").json()["items"]
    assert [lot["name"] for lot in api[0]["lots"]] == ["助餐", "助浴"]
