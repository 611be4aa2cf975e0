"""Building, versioning, answering: the rules a respondent or an officer would notice."""

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from shequ.core.errors import DomainError, NotFound, PermissionDenied, RateLimited
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.surveys.definition import DefinitionInvalid, QuestionDef, definition_of
from shequ.surveys.models import Answer, Invitation, Response, Survey
from shequ.surveys.services._common import token_hash
from shequ.surveys.services.answers import AnswersInvalid, response_answers
from shequ.surveys.services.questionnaire import survey_question_add
from shequ.surveys.services.responses import (
    AlreadySubmitted,
    response_save_by_interviewer,
    response_save_by_invitation,
    response_save_for_resident,
    response_save_open,
)
from shequ.surveys.services.surveys import survey_close, survey_create, survey_settings_update
from tests.factories import NIJIAQIAO, SHUIJINGFANG, WUHOU, make_resident, make_staff
from tests.surveys.conftest import GOOD_ANSWERS


def answers(**changes: Any) -> dict[str, Any]:
    data = {**GOOD_ANSWERS, **changes}
    return {k: v for k, v in data.items() if v is not None}


def test_created_survey_has_version_one_and_is_audited(committee: User, survey: Survey) -> None:
    assert survey.versions.get().number == 1
    names = [q.name for q in definition_of(survey.versions.get()).questions()]
    assert names[:3] == ["years_here", "visited_centre", "centre_rating"]
    assert AuditEvent.objects.filter(verb="survey.created", object_id=str(survey.pk)).exists()


def test_worker_may_not_create_surveys(chengdu: None) -> None:
    worker = make_staff("w1", Role.COMMUNITY_WORKER, NIJIAQIAO)
    with pytest.raises(PermissionDenied):
        survey_create(actor=worker, title_zh="x", series="x", division_code=NIJIAQIAO)


def test_district_officer_cannot_own_a_survey_of_another_district(chengdu: None) -> None:
    officer = make_staff("d1", Role.DISTRICT_OFFICER, WUHOU)
    with pytest.raises(DomainError) as error:
        survey_create(actor=officer, title_zh="x", series="x", division_code=SHUIJINGFANG)
    assert error.value.code == "bad_area"
    assert not Survey.objects.exists()


def test_edit_before_responses_stays_in_the_same_version(committee: User, survey: Survey) -> None:
    survey_question_add(
        actor=committee,
        survey_id=survey.pk,
        question=QuestionDef("age_note", "text", "备注", "Note"),
        section_name="about",
    )
    assert survey.versions.count() == 1


def test_responses_freeze_a_version_and_an_edit_makes_the_next(
    committee: User, sampled: dict[str, Any]
) -> None:
    survey = sampled["survey"]
    token = next(iter(sampled["tokens"].values()))
    response = response_save_by_invitation(token=token, answers=answers(), submit=True)
    survey_question_add(
        actor=committee,
        survey_id=survey.pk,
        question=QuestionDef("extra", "text", "补充", "Extra"),
        section_name="satisfaction",
    )
    v1, v2 = survey.versions.order_by("number")
    assert (v1.number, v2.number) == (1, 2)
    assert "extra" not in [q.name for q in definition_of(v1).questions()]
    assert "extra" in [q.name for q in definition_of(v2).questions()]
    response.refresh_from_db()
    assert response.version == v1


def test_a_complete_answer_set_is_stored_with_its_score(sampled: dict[str, Any]) -> None:
    token = next(iter(sampled["tokens"].values()))
    response = response_save_by_invitation(token=token, answers=answers(), submit=True)
    assert response.status == Response.Status.COMPLETE
    # centre 100·1 + matrix mean 80·5 + overall 75·3 + recommend 90·1, over weights 10
    assert response.score == pytest.approx(81.5)
    assert response.answers.filter(question__name="aspects").count() == 5
    assert response.community_code in (NIJIAQIAO, "510107005001")
    assert response.age_band == "35-49"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"years_here": "twelve"}, "years_here", "not_integer"),
        ({"years_here": 150}, "years_here", "constraint"),
        ({"overall": "7"}, "overall", "not_a_choice"),
        ({"overall": None}, "overall", "required"),
        ({"recommend": 11}, "recommend", "out_of_range"),
        ({"improve": ["parking", "parking"]}, "improve", "not_a_choice"),
        ({"comment": "<script>alert(1)</script>"}, "comment", "text_markup"),
        ({"comment": "见 javascript:alert(1)"}, "comment", "text_markup"),
        ({"comment": "x" * 501}, "comment", "constraint"),
        ({"aspects": {"environment": "5"}}, "aspects", "required"),
        ({"aspects": {"nope": "5"}}, "aspects", "unknown_row"),
        ({"centre_rating": None}, "centre_rating", "required"),
        ({"bogus": "1"}, "bogus", "unknown_question"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(
    sampled: dict[str, Any], change: dict[str, Any], field: str, code: str
) -> None:
    token = next(iter(sampled["tokens"].values()))
    with pytest.raises(AnswersInvalid) as error:
        response_save_by_invitation(token=token, answers=answers(**change), submit=True)
    assert (field, code) in [(e.field, e.code) for e in error.value.errors]
    assert not Response.objects.exists()
    assert not Answer.objects.exists()


def test_a_phone_number_in_a_text_answer_is_kept_masked(sampled: dict[str, Any]) -> None:
    token = next(iter(sampled["tokens"].values()))
    response = response_save_by_invitation(
        token=token, answers=answers(comment="停车难，请联系我 13912345678"), submit=True
    )
    comment = response.answers.get(question__name="comment").value_text
    assert comment == "停车难，请联系我 139****5678"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("13912345678", "139****5678"),
        ("028-8555 1234", "028****1234"),
        ("+86 139 1234 5678", "139****5678"),
    ],
)
def test_a_phone_question_keeps_no_number_that_reaches_the_person(
    committee: User, sampled: dict[str, Any], typed: str, kept: str
) -> None:
    survey_question_add(
        actor=committee,
        survey_id=sampled["survey"].pk,
        question=QuestionDef("callback", "phone", "回访电话", "Phone for a call back"),
        section_name="satisfaction",
    )
    token = next(iter(sampled["tokens"].values()))
    response = response_save_by_invitation(
        token=token, answers={**answers(), "callback": typed}, submit=True
    )
    assert response.answers.get(question__name="callback").value_text == kept


def test_skip_logic_hides_a_question_and_drops_its_answer(sampled: dict[str, Any]) -> None:
    token = next(iter(sampled["tokens"].values()))
    response = response_save_by_invitation(
        token=token,
        answers=answers(visited_centre="no", centre_rating="1"),
        submit=True,
    )
    assert not response.answers.filter(question__name="centre_rating").exists()
    # Without the centre item: (80·5 + 75·3 + 90·1) / 9
    assert response.score == pytest.approx((400 + 225 + 90) / 9)


def test_partial_response_is_saved_and_resumed(sampled: dict[str, Any]) -> None:
    token = next(iter(sampled["tokens"].values()))
    partial = response_save_by_invitation(token=token, answers={"years_here": 3}, submit=False)
    assert partial.status == Response.Status.PARTIAL
    assert response_answers(partial) == {"years_here": 3}
    done = response_save_by_invitation(token=token, answers=answers(), submit=True)
    assert done.pk == partial.pk
    assert done.status == Response.Status.COMPLETE


def test_second_response_through_the_same_invitation_is_refused(sampled: dict[str, Any]) -> None:
    token = next(iter(sampled["tokens"].values()))
    response_save_by_invitation(token=token, answers=answers(), submit=True)
    with pytest.raises(AlreadySubmitted):
        response_save_by_invitation(token=token, answers=answers(overall="1"), submit=True)
    assert Response.objects.count() == 1
    assert Response.objects.get().answers.get(question__name="overall").value_text == "4"


def test_database_allows_one_response_per_invitation(sampled: dict[str, Any]) -> None:
    token = next(iter(sampled["tokens"].values()))
    first = response_save_by_invitation(token=token, answers=answers(), submit=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(
            survey=first.survey, version=first.version, invitation=first.invitation, channel="open"
        )


def test_unknown_token_is_not_found(sampled: dict[str, Any]) -> None:
    with pytest.raises(NotFound):
        response_save_by_invitation(token="forged", answers=answers(), submit=True)


def test_closed_survey_refuses_answers(committee: User, sampled: dict[str, Any]) -> None:
    survey_close(actor=committee, survey_id=sampled["survey"].pk)
    token = next(iter(sampled["tokens"].values()))
    with pytest.raises(DomainError) as error:
        response_save_by_invitation(token=token, answers=answers(), submit=True)
    assert error.value.code == "survey_closed"
    assert not Response.objects.exists()


def test_only_the_token_hash_is_stored(sampled: dict[str, Any]) -> None:
    token = next(iter(sampled["tokens"].values()))
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert Invitation.objects.filter(token_hash=token_hash(token)).exists()


def test_interviewer_tags_responses_and_stays_in_area(sampled: dict[str, Any]) -> None:
    worker = make_staff("w2", Role.COMMUNITY_WORKER, NIJIAQIAO)
    inside = Invitation.objects.filter(community_id=NIJIAQIAO).first()
    outside = Invitation.objects.exclude(community_id=NIJIAQIAO).first()
    assert inside is not None
    assert outside is not None
    response = response_save_by_interviewer(
        actor=worker, invitation_id=inside.pk, answers=answers(), submit=True
    )
    assert response.interviewer == worker
    assert response.channel == Response.Channel.INTERVIEWER
    with pytest.raises(NotFound):
        response_save_by_interviewer(
            actor=worker, invitation_id=outside.pk, answers=answers(), submit=True
        )


def test_logged_in_resident_answers_own_invitation(sampled: dict[str, Any]) -> None:
    from tests.factories import make_user

    resident = sampled["residents"][0]
    user = make_user("invitee")
    resident.user = user
    resident.save(update_fields=["user"])
    response = response_save_for_resident(
        actor=user, survey_id=sampled["survey"].pk, answers=answers(), submit=True
    )
    assert response.invitation is not None
    assert response.invitation.resident_id == resident.pk
    stranger = make_user("stranger")
    make_resident(NIJIAQIAO, user=stranger)
    with pytest.raises(NotFound):
        response_save_for_resident(
            actor=stranger, survey_id=sampled["survey"].pk, answers=answers(), submit=True
        )


PROFILE = {"community_code": NIJIAQIAO, "age_band": "35-49", "sex": "F"}


def test_open_link_limits_submissions_per_network(committee: User, open_survey: Survey) -> None:
    survey_settings_update(
        actor=committee,
        survey_id=open_survey.pk,
        recognition_threshold=60,
        min_cell_size=30,
        open_link_enabled=True,
        open_link_daily_limit=2,
    )
    slug = Survey.objects.get(pk=open_survey.pk).open_link_slug or ""
    for i in range(2):
        response_save_open(
            slug=slug,
            resume_key=f"key-{i}-0123456789abcdef",
            answers=answers(),
            submit=True,
            profile=PROFILE,
            ip="10.0.0.1",
        )
    with pytest.raises(RateLimited):
        response_save_open(
            slug=slug,
            resume_key="key-3-0123456789abcdef",
            answers=answers(),
            submit=True,
            profile=PROFILE,
            ip="10.0.0.1",
        )
    response_save_open(
        slug=slug,
        resume_key="key-4-0123456789abcdef",
        answers=answers(),
        submit=True,
        profile=PROFILE,
        ip="10.0.0.2",
    )
    assert Response.objects.filter(channel="open", status="complete").count() == 3
    assert not Response.objects.filter(ip_hash="10.0.0.1").exists()


def test_open_link_needs_a_community_in_the_survey_area(
    committee: User, open_survey: Survey
) -> None:
    survey_settings_update(
        actor=committee,
        survey_id=open_survey.pk,
        recognition_threshold=60,
        min_cell_size=30,
        open_link_enabled=True,
    )
    slug = Survey.objects.get(pk=open_survey.pk).open_link_slug or ""
    with pytest.raises(DomainError) as error:
        response_save_open(
            slug=slug,
            resume_key="k" * 20,
            answers=answers(),
            submit=True,
            profile={**PROFILE, "community_code": SHUIJINGFANG},
            ip="10.0.0.9",
        )
    assert error.value.code == "bad_community"
    assert not Response.objects.exists()


def test_invalid_definition_is_refused_with_every_problem(committee: User, survey: Survey) -> None:
    with pytest.raises(DefinitionInvalid) as error:
        survey_question_add(
            actor=committee,
            survey_id=survey.pk,
            question=QuestionDef(
                "early", "likert5", "", relevant="${later} = '1'", list_name="nope"
            ),
            section_name="about",
        )
    codes = {p.code for p in error.value.problems}
    assert {"missing_label", "unknown_list", "relevant_order"} <= codes
    assert survey.versions.count() == 1
