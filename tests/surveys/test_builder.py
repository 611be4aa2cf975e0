"""The console builder: edit, delete, reorder questions and sections; frozen versions."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.surveys.definition import (
    ChoiceDef,
    DefinitionInvalid,
    QuestionDef,
    SurveyDefinition,
    definition_of,
)
from shequ.surveys.models import Response, Survey, SurveyVersion
from shequ.surveys.services.questionnaire import (
    survey_question_add,
    survey_question_delete,
    survey_question_move,
    survey_question_update,
    survey_section_delete,
    survey_section_move,
    survey_section_save,
)
from shequ.surveys.services.responses import response_save_by_invitation
from shequ.surveys.services.surveys import survey_close, survey_latest_version
from tests.factories import NIJIAQIAO, make_staff
from tests.surveys.conftest import GOOD_ANSWERS


def current(survey: Survey) -> SurveyDefinition:
    return definition_of(survey_latest_version(survey))


def names(survey: Survey) -> list[str]:
    return [q.name for q in current(survey).questions()]


def question(survey: Survey, name: str) -> QuestionDef:
    return next(q for q in current(survey).questions() if q.name == name)


def edit(committee: User, survey: Survey, name: str, **changes: Any) -> SurveyVersion:
    q = question(survey, name)
    fields: dict[str, Any] = {
        "new_name": q.name,
        "label_zh": q.label_zh,
        "label_en": q.label_en,
        "required": q.required,
        "relevant": q.relevant,
        "constraint": q.constraint,
        "score_weight": q.score_weight,
    }
    fields.update(changes)
    return survey_question_update(actor=committee, survey_id=survey.pk, name=name, **fields)


def edits_audited(survey: Survey) -> int:
    return AuditEvent.objects.filter(verb="survey.version_saved", object_id=str(survey.pk)).count()


def test_refused_edits_change_nothing(committee: User, survey: Survey) -> None:
    before = current(survey)
    audited = edits_audited(survey)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"constraint": ". >= zero"}, "bad_constraint", "constraint"),
        ({"constraint": "len(.) < 3"}, "bad_constraint", "constraint"),
        ({"relevant": "${visited_centre} ~ 'yes'"}, "bad_relevant", "relevant"),
        ({"relevant": "${aspects} = '5'"}, "relevant_order", "relevant"),
        ({"new_name": "overall"}, "duplicate_question", "name"),
        ({"new_name": "2bad"}, "bad_name", "name"),
        ({"label_zh": "  "}, "missing_label", "label_zh"),
    ]
    for changes, code, field in cases:
        with pytest.raises(DomainError) as error:
            edit(committee, survey, "years_here", **changes)
        raised = error.value
        found = (
            [(e.code, e.field) for e in raised.errors]
            if isinstance(raised, DefinitionInvalid)
            else [(raised.code, raised.field)]
        )
        assert (code, field) in found, (changes, found)
        assert str(raised)  # a message a person can read
    assert current(survey) == before
    assert survey.versions.count() == 1
    assert edits_audited(survey) == audited


def test_labels_required_rules_and_name_are_edited(committee: User, survey: Survey) -> None:
    version = edit(
        committee,
        survey,
        "walk_minutes",
        new_name="walk_time",
        label_zh="步行几分钟？",
        label_en="Minutes on foot?",
        required=True,
        constraint=". >= 0 and . <= 60",
        relevant="${visited_centre} = 'yes'",
    )
    assert version.number == 1
    edited = question(survey, "walk_time")
    assert (edited.label_zh, edited.label_en, edited.required) == (
        "步行几分钟？",
        "Minutes on foot?",
        True,
    )
    assert (edited.constraint, edited.relevant) == (
        ". >= 0 and . <= 60",
        "${visited_centre} = 'yes'",
    )
    assert "walk_minutes" not in names(survey)
    assert survey.versions.count() == 1


def test_a_question_others_refer_to_cannot_be_renamed_or_deleted(
    committee: User, survey: Survey
) -> None:
    before = current(survey)
    with pytest.raises(DomainError) as renamed:
        edit(committee, survey, "visited_centre", new_name="visited")
    assert renamed.value.code == "question_referenced"
    with pytest.raises(DomainError) as deleted:
        survey_question_delete(actor=committee, survey_id=survey.pk, name="visited_centre")
    assert deleted.value.code == "question_referenced"
    assert "centre_rating" in str(deleted.value)
    assert "last_visit" in str(deleted.value)
    assert current(survey) == before


def test_deleting_a_question_removes_it_and_its_unshared_list(
    committee: User, survey: Survey
) -> None:
    survey_question_delete(actor=committee, survey_id=survey.pk, name="improve")
    definition = current(survey)
    assert "improve" not in [q.name for q in definition.questions()]
    assert "improve" not in [cl.name for cl in definition.lists]
    with pytest.raises(NotFound):
        survey_question_delete(actor=committee, survey_id=survey.pk, name="improve")


def test_questions_move_up_and_down_and_across_sections(committee: User, survey: Survey) -> None:
    order = names(survey)
    survey_question_move(actor=committee, survey_id=survey.pk, name="walk_minutes", direction="up")
    assert names(survey).index("walk_minutes") == order.index("walk_minutes") - 1
    # The last question of "about" moves down into the first place of "satisfaction".
    survey_question_move(actor=committee, survey_id=survey.pk, name="last_visit", direction="down")
    sections = {s.name: [q.name for q in s.questions] for s in current(survey).sections}
    assert sections["satisfaction"][0] == "last_visit"
    with pytest.raises(DomainError) as first:
        survey_question_move(
            actor=committee, survey_id=survey.pk, name="years_here", direction="up"
        )
    assert first.value.code == "cannot_move"


def test_a_move_that_breaks_a_show_if_rule_is_refused(committee: User, survey: Survey) -> None:
    before = current(survey)
    with pytest.raises(DefinitionInvalid) as error:
        survey_question_move(
            actor=committee, survey_id=survey.pk, name="centre_rating", direction="up"
        )
    assert "visited_centre" in str(error.value)
    assert current(survey) == before


def test_choices_of_a_shared_list_become_the_questions_own(committee: User, survey: Survey) -> None:
    five = [ChoiceDef(str(i), f"{i}分", f"{i} points") for i in range(1, 6)]
    edit(committee, survey, "overall", choices=five)
    definition = current(survey)
    lists = {cl.name: cl for cl in definition.lists}
    overall = question(survey, "overall")
    assert overall.list_name == "overall_list"
    assert [c.label_zh for c in lists["overall_list"].choices] == [f"{i}分" for i in range(1, 6)]
    assert question(survey, "aspects").list_name == "satisfaction"
    assert lists["satisfaction"].choices[0].label_zh == "很不满意"
    # A Likert question needs exactly five choices; a repeated name is refused too.
    with pytest.raises(DefinitionInvalid) as four:
        edit(committee, survey, "overall", choices=five[:4])
    assert "likert_points" in {p.code for p in four.value.problems}
    with pytest.raises(DefinitionInvalid) as repeated:
        edit(committee, survey, "improve", choices=[ChoiceDef("a", "甲"), ChoiceDef("a", "乙")])
    assert "duplicate_choice" in {p.code for p in repeated.value.problems}
    assert current(survey) == definition


def test_adding_a_question_with_a_taken_name_is_refused(committee: User, survey: Survey) -> None:
    before = current(survey)
    with pytest.raises(DomainError) as error:
        survey_question_add(
            actor=committee,
            survey_id=survey.pk,
            question=QuestionDef("overall", "text", "重复"),
            section_name="about",
        )
    assert (error.value.code, error.value.field) == ("duplicate_question", "name")
    with pytest.raises(DomainError) as bad_rule:
        survey_question_add(
            actor=committee,
            survey_id=survey.pk,
            question=QuestionDef("note", "text", "备注", constraint="length < 3"),
        )
    assert bad_rule.value.field == "constraint"
    assert current(survey) == before


def test_sections_are_added_renamed_moved_and_deleted(committee: User, survey: Survey) -> None:
    survey_section_save(
        actor=committee, survey_id=survey.pk, name="extra", label_zh="补充", label_en="More"
    )
    assert [s.name for s in current(survey).sections] == ["about", "satisfaction", "extra"]
    with pytest.raises(DomainError) as duplicate:
        survey_section_save(actor=committee, survey_id=survey.pk, name="extra", new_name="about")
    assert duplicate.value.code == "duplicate_section"
    with pytest.raises(DomainError) as added_twice:
        survey_section_save(actor=committee, survey_id=survey.pk, name="about")
    assert added_twice.value.code == "duplicate_section"
    with pytest.raises(DomainError) as bad_name:
        survey_section_save(actor=committee, survey_id=survey.pk, name="a b")
    assert bad_name.value.code == "bad_section_name"
    survey_section_save(
        actor=committee,
        survey_id=survey.pk,
        name="satisfaction",
        new_name="opinions",
        label_zh="评价",
        label_en="Opinions",
    )
    opinions = current(survey).sections[1]
    assert (opinions.name, opinions.label_zh, opinions.label_en) == ("opinions", "评价", "Opinions")
    # Satisfaction questions do not refer to "about" ones: the sections may swap.
    survey_section_move(actor=committee, survey_id=survey.pk, name="opinions", direction="up")
    assert [s.name for s in current(survey).sections] == ["opinions", "about", "extra"]
    with pytest.raises(DomainError) as not_empty:
        survey_section_delete(actor=committee, survey_id=survey.pk, name="about")
    assert not_empty.value.code == "section_not_empty"
    survey_section_delete(actor=committee, survey_id=survey.pk, name="extra")
    assert [s.name for s in current(survey).sections] == ["opinions", "about"]


def test_once_answered_an_edit_makes_a_new_version(
    committee: User, sampled: dict[str, Any]
) -> None:
    survey = sampled["survey"]
    token = next(iter(sampled["tokens"].values()))
    response = response_save_by_invitation(token=token, answers=GOOD_ANSWERS, submit=True)
    v1 = survey_latest_version(survey)
    frozen = definition_of(v1)
    v2 = edit(committee, survey, "comment", label_zh="其他意见")
    assert v2.number == 2
    assert definition_of(v1) == frozen  # the answered version is untouched
    assert question(survey, "comment").label_zh == "其他意见"
    # Further edits before anyone answers version 2 stay in version 2.
    survey_question_move(actor=committee, survey_id=survey.pk, name="comment", direction="up")
    assert survey.versions.count() == 2
    response.refresh_from_db()
    assert response.version == v1
    assert Response.objects.get().answers.count() > 0


def test_a_closed_survey_cannot_be_edited(committee: User, open_survey: Survey) -> None:
    survey_close(actor=committee, survey_id=open_survey.pk)
    with pytest.raises(DomainError) as error:
        survey_question_delete(actor=committee, survey_id=open_survey.pk, name="comment")
    assert error.value.code == "survey_closed"
    assert "comment" in names(open_survey)


def test_only_managers_may_edit(survey: Survey) -> None:
    worker = make_staff("w-builder", Role.COMMUNITY_WORKER, NIJIAQIAO)
    with pytest.raises(NotFound):
        survey_question_delete(actor=worker, survey_id=survey.pk, name="comment")
    assert "comment" in names(survey)


# --- pages ---------------------------------------------------------------------------------


def test_officer_edits_a_question_on_its_page(
    client: Client, committee: User, survey: Survey
) -> None:
    client.force_login(committee)
    url = reverse("surveys_console:question_edit", args=[survey.pk, "overall"])
    page = client.get(url)
    assert page.status_code == 200
    assert "1|很不满意|Very dissatisfied" in page.content.decode()
    saved = client.post(
        url,
        {
            "name": "overall",
            "label_zh": "总体满意吗？",
            "label_en": "Satisfied overall?",
            "required": "on",
            "relevant": "",
            "constraint": "",
            "choices": "\n".join(f"{i}|{i}星" for i in range(1, 6)),
            "score_weight": "3",
        },
    )
    assert saved.status_code == 302
    assert question(survey, "overall").label_zh == "总体满意吗？"
    detail = client.get(reverse("surveys_console:detail", args=[survey.pk])).content.decode()
    assert "总体满意吗？" in detail
    assert 'data-testid="edit-overall"' in detail


def test_bad_expression_on_the_edit_page_is_shown_under_its_field(
    client: Client, committee: User, survey: Survey
) -> None:
    client.force_login(committee)
    before = current(survey)
    url = reverse("surveys_console:question_edit", args=[survey.pk, "years_here"])
    refused = client.post(
        url,
        {
            "name": "years_here",
            "label_zh": "年数",
            "constraint": ". >= 0 and banana",
            "score_weight": "0",
        },
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'data-testid="error-constraint"' in html
    assert current(survey) == before


def test_builder_buttons_move_delete_and_refuse_clearly(
    client: Client, committee: User, survey: Survey
) -> None:
    client.force_login(committee)
    url = reverse("surveys_console:builder", args=[survey.pk])
    moved = client.post(url, {"action": "question_down", "name": "years_here"}, follow=True)
    assert names(survey)[:2] == ["visited_centre", "years_here"]
    assert moved.status_code == 200
    before = current(survey)
    refused = client.post(url, {"action": "question_delete", "name": "visited_centre"}, follow=True)
    html = refused.content.decode()
    assert "centre_rating" in html
    assert "alert-danger" in html
    assert current(survey) == before
    client.post(url, {"action": "section_save", "name": "", "section_name": "extra"})
    assert [s.name for s in current(survey).sections][-1] == "extra"


def test_edit_of_an_answered_version_says_a_new_version_was_made(
    client: Client, committee: User, sampled: dict[str, Any]
) -> None:
    survey = sampled["survey"]
    token = next(iter(sampled["tokens"].values()))
    response_save_by_invitation(token=token, answers=GOOD_ANSWERS, submit=False)
    client.force_login(committee)
    detail = client.get(reverse("surveys_console:detail", args=[survey.pk])).content.decode()
    assert 'data-testid="frozen-note"' in detail
    page = client.post(
        reverse("surveys_console:builder", args=[survey.pk]),
        {"action": "question_delete", "name": "comment"},
        follow=True,
    )
    html = page.content.decode()
    assert "第 2 版" in html or "version 2" in html  # zh-hans by default
    assert survey.versions.count() == 2
    assert "comment" in [q.name for q in definition_of(survey.versions.get(number=1)).questions()]


def test_workers_may_not_use_the_builder(client: Client, survey: Survey) -> None:
    worker = make_staff("w-builder2", Role.COMMUNITY_WORKER, NIJIAQIAO)
    client.force_login(worker)
    url = reverse("surveys_console:builder", args=[survey.pk])
    assert client.post(url, {"action": "question_delete", "name": "comment"}).status_code == 403
    edit_url = reverse("surveys_console:question_edit", args=[survey.pk, "comment"])
    assert client.get(edit_url).status_code == 403
    assert "comment" in names(survey)
