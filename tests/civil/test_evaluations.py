"""Mid-term and final evaluations: by an expert or a third-party evaluator organisation, never
the contractor or an expert linked to it; score and report public on the contract's page."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shequ.civil.models import Call, Contract, Evaluation, Expert, Membership, Organisation
from shequ.civil.services.evaluations import evaluation_record
from shequ.civil.services.registry import organisation_register
from shequ.core.errors import DomainError, NotFound
from shequ.core.scopes import Role
from shequ.people.models import User
from tests.civil.conftest import PDF, code_with_check, org_data, submit
from tests.factories import NIJIAQIAO, make_staff, make_user


def report(name: str = "pinggu.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


@pytest.fixture
def contract(call: Call, applicant: User, graded: Organisation) -> Contract:
    application = submit(call, applicant, graded)
    return Contract.objects.create(
        application=application,  # type: ignore[misc]
        amount=Decimal("90000"),
        division_id=NIJIAQIAO,
        signed_on=date(2026, 5, 1),
        ends_on=date(2027, 4, 30),
    )


@pytest.fixture
def third_party(district_officer: User) -> Organisation:
    return organisation_register(
        actor=district_officer,
        data=org_data(name="蓉城第三方评估中心", credit_code=code_with_check("52510107MJ0088888")),
    )


def test_a_third_party_and_an_expert_evaluate_and_the_page_shows_it(
    contract: Contract, district_officer: User, third_party: Organisation
) -> None:
    evaluation_record(
        actor=district_officer,
        contract_id=contract.pk,
        stage="midterm",
        score="82.5",
        summary="进度符合预期。",
        report=report(),
        evaluated_on=date(2026, 11, 1),
        evaluator_id=third_party.pk,
    )
    expert = Expert.objects.create(user=make_user("final_expert"), display_name="评估专家")
    evaluation_record(
        actor=district_officer,
        contract_id=contract.pk,
        stage="final",
        score="90",
        summary="目标达成。",
        report=report(),
        evaluated_on=date(2027, 5, 1),
        expert_id=expert.pk,
    )
    page = Client().get(f"/civil/contracts/{contract.pk}/").content.decode()
    assert "蓉城第三方评估中心" in page
    assert "82.50" in page
    assert "评估专家" in page
    first = Evaluation.objects.get(stage="midterm")
    assert Client().get(f"/civil/evaluations/{first.pk}/report/").status_code == 200
    api = Client().get(f"/api/v1/civil/contracts/{contract.pk}").json()
    assert [e["stage"] for e in api["evaluations"]] == ["midterm", "final"]


def test_bad_evaluations_are_refused_and_nothing_is_recorded(
    contract: Contract, district_officer: User, third_party: Organisation, graded: Organisation
) -> None:
    linked = Expert.objects.create(user=make_user("linked_expert"), display_name="关联专家")
    Membership.objects.create(organisation=graded, user=linked.user, role="staff")
    base: dict[str, object] = {
        "actor": district_officer,
        "contract_id": contract.pk,
        "stage": "midterm",
        "score": "80",
        "summary": "好",
        "evaluated_on": date(2026, 11, 1),
    }
    cases: list[tuple[dict[str, object], str]] = [
        ({"evaluator_id": graded.pk, "report": report()}, "evaluator_is_contractor"),
        ({"expert_id": linked.pk, "report": report()}, "evaluator_linked"),
        ({"report": report()}, "evaluator_required"),
        ({"evaluator_id": third_party.pk, "report": report(), "score": "101"}, "score_invalid"),
        ({"evaluator_id": third_party.pk, "report": None}, "report_required"),
        (
            {"evaluator_id": third_party.pk, "report": report("x.pdf", b"GIF89a")},
            "file_type_not_allowed",
        ),
        ({"evaluator_id": third_party.pk, "report": report(), "stage": "x"}, "stage_invalid"),
    ]
    for overrides, code in cases:
        with pytest.raises(DomainError) as caught:
            evaluation_record(**{**base, **overrides})  # type: ignore[arg-type]
        assert caught.value.code == code
    outsider = make_staff("jj_officer", Role.DISTRICT_OFFICER, "510104000000")
    wrong = {**base, "actor": outsider, "evaluator_id": third_party.pk, "report": report()}
    with pytest.raises(NotFound):
        evaluation_record(**wrong)  # type: ignore[arg-type]
    assert not Evaluation.objects.exists()


def test_the_console_records_an_evaluation(
    contract: Contract, district_officer: User, third_party: Organisation, graded: Organisation
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(district_officer)
    page = client.get(f"/console/civil/contracts/{contract.pk}/")
    assert page.status_code == 200
    form = {
        "action": "evaluate",
        "ev-stage": "midterm",
        "ev-score": "75",
        "ev-summary": "按期推进",
        "ev-evaluated_on": "2026-11-01",
        "ev-evaluator": third_party.pk,
        "ev-report": report(),
    }
    done = client.post(f"/console/civil/contracts/{contract.pk}/", form)
    assert done.status_code == 302
    assert Evaluation.objects.get().evaluator_id == third_party.pk
    # The contractor is not even offered; posting it is refused.
    again = client.post(
        f"/console/civil/contracts/{contract.pk}/",
        {**form, "ev-stage": "final", "ev-evaluator": graded.pk, "ev-report": report()},
    )
    assert again.status_code == 400
    assert Evaluation.objects.count() == 1
