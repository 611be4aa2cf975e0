"""Recusal from recorded engagements: an expert employed by, founder of, or paid by the
applicant (directly or through the expert's organisation) within the call's look-back years
is recused with the reason; a declared conflict recuses too and blocks scoring."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shequ.civil.models import Application, Call, Engagement, Expert, Organisation, Review
from shequ.civil.services import calls
from shequ.civil.services import reviews as reviews_service
from shequ.civil.services.registry import organisation_register
from shequ.core.errors import DomainError, NotFound
from shequ.core.scopes import Role
from shequ.people.models import User
from tests.civil.conftest import code_with_check, org_data, submit
from tests.factories import make_staff, make_user


@pytest.fixture
def pool(graded: Organisation, district_officer: User) -> list[Expert]:
    experts = [
        Expert.objects.create(user=make_user(f"engaged{i}"), display_name=f"专家{i}")
        for i in range(4)
    ]
    own = organisation_register(
        actor=district_officer,
        data=org_data(name="专家所在机构", credit_code=code_with_check("52510107MJ0077777")),
    )
    today = timezone.localdate()
    record = reviews_service.engagement_record
    # Paid by the applicant directly last year: recused.
    record(
        actor=district_officer,
        expert_id=experts[0].pk,
        organisation_id=graded.pk,
        kind="paid",
        started_on=today - timedelta(days=400),
        ended_on=today - timedelta(days=300),
    )
    # The applicant paid the expert's organisation: recused, the organisation named.
    record(
        actor=district_officer,
        expert_id=experts[1].pk,
        organisation_id=graded.pk,
        kind="paid",
        via_organisation_id=own.pk,
        started_on=today - timedelta(days=200),
    )
    # Employed there ten years ago: beyond the look-back, not recused.
    record(
        actor=district_officer,
        expert_id=experts[2].pk,
        organisation_id=graded.pk,
        kind="employed",
        started_on=date(2010, 1, 1),
        ended_on=today - timedelta(days=3650),
    )
    return experts


def test_engagements_recuse_within_the_look_back_years(
    call: Call, applicant: User, graded: Organisation, district_officer: User, pool: list[Expert]
) -> None:
    application = submit(call, applicant, graded)
    calls.review_start(actor=district_officer, call_id=call.pk)
    status = {r.expert_id: r for r in Review.objects.all()}
    assert status[pool[0].pk].status == Review.Status.RECUSED
    assert status[pool[1].pk].status == Review.Status.RECUSED
    assert "专家所在机构" in status[pool[1].pk].recusal_reason
    assert status[pool[2].pk].status == Review.Status.ASSIGNED
    assert status[pool[3].pk].status == Review.Status.ASSIGNED
    # The officer cannot assign a recused expert back; the console names why.
    officer = Client()
    officer.force_login(district_officer)
    page = officer.get(
        f"/console/civil/applications/{application.pk}/"  # type: ignore[attr-defined]
    ).content.decode()
    assert "专家所在机构" in page


def test_a_declared_conflict_recuses_and_blocks_scoring(
    call: Call, applicant: User, graded: Organisation, district_officer: User, pool: list[Expert]
) -> None:
    submit(call, applicant, graded)
    calls.review_start(actor=district_officer, call_id=call.pk)
    review = Review.objects.get(expert=pool[3])
    reviews_service.conflict_declare(
        actor=pool[3].user, review_id=review.pk, has_conflict=True, reason="曾为其督导"
    )
    with pytest.raises(DomainError) as caught:
        calls.review_score(
            actor=pool[3].user, review_id=review.pk, scores={c.pk: 5 for c in call.criteria.all()}
        )
    assert caught.value.code == "recused"
    review.refresh_from_db()
    assert review.status == Review.Status.RECUSED
    assert review.total is None


def test_bad_engagements_are_refused_and_nothing_is_recorded(
    graded: Organisation, district_officer: User
) -> None:
    expert = Expert.objects.create(user=make_user("bad_engaged"), display_name="专家")
    record = reviews_service.engagement_record
    base = {
        "actor": district_officer,
        "expert_id": expert.pk,
        "organisation_id": graded.pk,
        "started_on": date(2024, 1, 1),
    }
    cases: list[tuple[dict[str, object], str]] = [
        ({"kind": "friend"}, "kind_invalid"),
        ({"kind": "paid", "ended_on": date(2023, 1, 1)}, "dates_invalid"),
        ({"kind": "employed", "via_organisation_id": graded.pk}, "via_invalid"),
        ({"kind": "paid", "via_organisation_id": graded.pk}, "via_invalid"),
    ]
    for overrides, code in cases:
        with pytest.raises(DomainError) as caught:
            record(**{**base, **overrides})  # type: ignore[arg-type]
        assert caught.value.code == code
    outsider = make_staff("jinjiang_officer", Role.DISTRICT_OFFICER, "510104000000")
    with pytest.raises(NotFound):
        record(**{**base, "actor": outsider, "kind": "paid"})  # type: ignore[arg-type]
    assert not Engagement.objects.exists()


def test_the_console_and_the_api_record_engagements(
    graded: Organisation, district_officer: User
) -> None:
    expert = Expert.objects.create(user=make_user("console_engaged"), display_name="专家甲")
    client = Client()
    client.force_login(district_officer)
    assert client.get("/console/civil/calls/").status_code == 200
    page = client.post(
        f"/console/civil/experts/{expert.pk}/",
        {"organisation": graded.pk, "kind": "founder", "started_on": "2015-03-01"},
    )
    assert page.status_code == 302
    api = client.post(
        f"/api/v1/civil/experts/{expert.pk}/engagements",
        {"organisation_id": graded.pk, "kind": "paid", "started_on": "2025-01-01"},
        content_type="application/json",
    )
    assert api.status_code == 201, api.content
    bad = client.post(
        f"/api/v1/civil/experts/{expert.pk}/engagements",
        {"organisation_id": graded.pk, "kind": "x", "started_on": "2025-01-01"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert expert.engagements.count() == 2
    assert Application.objects.count() == 0
