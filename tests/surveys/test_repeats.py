"""Repeated sections (XLSForm ``begin repeat``): a household roster imported from a real-shaped
form, answered once per member on the phone and through the API, counted and exported."""

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from shequ.people.models import User
from shequ.surveys import selectors
from shequ.surveys.definition import (
    DefinitionInvalid,
    QuestionDef,
    SectionDef,
    SurveyDefinition,
    definition_of,
    definition_problems,
)
from shequ.surveys.exports import export_columns, export_rows
from shequ.surveys.models import Answer, Response, Survey
from shequ.surveys.services.answers import AnswersInvalid, response_answers
from shequ.surveys.services.questionnaire import (
    survey_import_xlsform,
    survey_question_add,
    survey_section_save,
)
from shequ.surveys.services.responses import response_save_by_invitation
from shequ.surveys.services.sampling import sampling_plan_draw, sampling_plan_set
from shequ.surveys.services.surveys import survey_open
from shequ.surveys.xlsform import parse_xlsform
from shequ.surveys.xlsform_export import build_xlsform
from tests import images
from tests.factories import NIJIAQIAO, WUHOU
from tests.surveys.conftest import make_adult

HEADER = [
    "type",
    "name",
    "label::中文 (zh)",
    "label::English (en)",
    "required",
    "relevant",
    "constraint",
    "repeat_count",
    "hint::中文 (zh)",
]
# A household survey as KoboToolbox users write it: a roster of the members, as many as the
# household has, and a list of repairs the household adds to (at least one).
ROSTER_ROWS: list[list[str]] = [
    ["start", "start", "", "", "", "", "", "", ""],
    [
        "select_one yes_no",
        "consent",
        "您同意参加本次调查吗？",
        "Do you agree?",
        "yes",
        "",
        "",
        "",
        "",
    ],
    [
        "integer",
        "hh_size",
        "您家里住了几口人？",
        "How many people live here?",
        "yes",
        "${consent} = 'yes'",
        ". >= 1 and . <= 30",
        "",
        "包括您自己",
    ],
    [
        "begin repeat",
        "household_member",
        "家庭成员",
        "Household member",
        "",
        "",
        "",
        "${hh_size}",
        "",
    ],
    ["text", "member_name", "姓名或称呼", "Name", "yes", "", "", "", ""],
    ["integer", "age", "年龄", "Age", "yes", "", ". >= 0 and . <= 120", "", ""],
    [
        "select_one relationship",
        "relationship",
        "与户主关系",
        "Relationship",
        "yes",
        "",
        "",
        "",
        "",
    ],
    ["select_one yes_no", "in_school", "在上学吗？", "In school?", "", "${age} < 25", "", "", ""],
    ["end repeat", "", "", "", "", "", "", "", ""],
    ["begin_repeat", "repair", "需要维修的地方", "Repairs needed", "yes", "", "", "", ""],
    ["text", "repair_what", "哪里需要维修？", "What needs repair?", "yes", "", "", "", ""],
    ["select_one yes_no", "repair_urgent", "紧急吗？", "Urgent?", "", "", "", "", ""],
    ["end_repeat", "", "", "", "", "", "", "", ""],
    ["text", "comments", "其他意见", "Anything else?", "", "", "", "", ""],
]
CHOICES = [
    ["yes_no", "yes", "是", "Yes"],
    ["yes_no", "no", "否", "No"],
    ["relationship", "head", "户主", "Head"],
    ["relationship", "spouse", "配偶", "Spouse"],
    ["relationship", "child", "子女", "Child"],
    ["relationship", "parent", "父母", "Parent"],
]


def roster_form(rows: list[list[str]] = ROSTER_ROWS) -> bytes:
    book = Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    survey.append(HEADER)
    for row in rows:
        survey.append(row)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::中文 (zh)", "label::English (en)"])
    for row in CHOICES:
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "default_language"])
    settings.append(["家庭情况调查", "household_2026", "中文 (zh)"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def roster(committee: User) -> dict[str, Any]:
    """The household survey, open, with three sampled households (tokens in order)."""
    survey = survey_import_xlsform(actor=committee, content=roster_form(), division_code=WUHOU)
    survey_open(actor=committee, survey_id=survey.pk)
    for _ in range(3):
        make_adult(NIJIAQIAO)
    sampling_plan_set(
        actor=committee,
        survey_id=survey.pk,
        target_n=3,
        stratum_level="community",
        min_per_stratum=1,
        seed=11,
    )
    pairs = sampling_plan_draw(actor=committee, survey_id=survey.pk)
    return {"survey": survey, "tokens": [token for _pk, token in pairs]}


MEMBERS = [
    {"member_name": "王建国", "age": 52, "relationship": "head"},
    {"member_name": "李秀英", "age": 49, "relationship": "spouse"},
    {"member_name": "王小明", "age": 16, "relationship": "child", "in_school": "yes"},
]


def household(**change: Any) -> dict[str, Any]:
    return {
        "consent": "yes",
        "hh_size": 3,
        "household_member": [dict(m) for m in MEMBERS],
        "repair": [{"repair_what": "楼道灯坏了", "repair_urgent": "no"}],
        **change,
    }


def stored_members(response: Response) -> list[tuple[int, str, Any]]:
    return sorted(
        (a.entry, a.question.name, a.value_text or a.value_number)
        for a in response.answers.select_related("question").filter(entry__gt=0)
        if a.question.name in ("member_name", "age", "relationship", "in_school")
    )


# ----------------------------------------------------------------------------- import


def test_a_household_roster_form_imports_as_repeated_sections(committee: User) -> None:
    parsed = parse_xlsform(roster_form())
    sections = {s.name: s for s in parsed.definition.sections}
    assert list(sections) == ["main", "household_member", "repair", "main_2"]
    members = sections["household_member"]
    assert (members.repeat, members.repeat_count, members.label_zh) == (
        True,
        "${hh_size}",
        "家庭成员",
    )
    assert [q.name for q in members.questions] == [
        "member_name",
        "age",
        "relationship",
        "in_school",
    ]
    # A rule inside the roster is about the same member.
    assert members.questions[3].relevant == "${age} < 25"
    repairs = sections["repair"]
    assert (repairs.repeat, repairs.repeat_count, repairs.required) == (True, "", True)
    # What follows the rosters keeps its place after them.
    assert [q.name for q in sections["main_2"].questions] == ["comments"]
    survey = survey_import_xlsform(actor=committee, content=roster_form(), division_code=WUHOU)
    assert survey.series == "household-2026"
    assert definition_of(survey.versions.get()) == parsed.definition


def test_xlsform_export_writes_the_repeat_back_and_reads_back_the_same() -> None:
    definition = parse_xlsform(roster_form()).definition
    exported = build_xlsform(definition, title="家庭情况调查", form_id="household", version=1)
    sheet = load_workbook(io.BytesIO(exported))["survey"]
    rows = [[c.value or "" for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    begin = next(r for r in rows if r[1] == "household_member")
    assert begin[0] == "begin_repeat"
    assert begin[header.index("repeat_count")] == "${hh_size}"
    assert next(r for r in rows if r[0] == "end_repeat")[:2] == ["end_repeat", "household_member"]
    assert next(r for r in rows if r[1] == "repair")[header.index("required")] == "yes"
    assert parse_xlsform(exported).definition == definition


def test_an_export_without_repeats_has_no_repeat_count_column() -> None:
    from shequ.surveys.demo import demo_definition

    exported = build_xlsform(demo_definition(), title="t", form_id="t", version=1)
    header = [c.value for c in next(load_workbook(io.BytesIO(exported))["survey"].iter_rows())]
    assert "repeat_count" not in header
    assert "begin_repeat" not in str(exported)


@pytest.mark.parametrize(
    ("rows", "code", "row"),
    [
        # The count must come from an earlier whole-number question.
        (
            [
                ["begin repeat", "people", "成员", "", "", "", "", "${n}", ""],
                ["text", "who", "姓名", "", "", "", "", "", ""],
                ["end repeat", "", "", "", "", "", "", "", ""],
                ["integer", "n", "人数", "", "", "", "", "", ""],
            ],
            "bad_repeat_count",
            2,
        ),
        (
            [
                ["text", "n", "人数", "", "", "", "", "", ""],
                ["begin repeat", "people", "成员", "", "", "", "", "${n}", ""],
                ["text", "who", "姓名", "", "", "", "", "", ""],
                ["end repeat", "", "", "", "", "", "", "", ""],
            ],
            "bad_repeat_count",
            3,
        ),
        # A question asked once cannot depend on an answer given once per entry.
        (
            [
                ["begin repeat", "people", "成员", "", "", "", "", "", ""],
                ["integer", "age", "年龄", "", "", "", "", "", ""],
                ["end repeat", "", "", "", "", "", "", "", ""],
                ["text", "why", "原因", "", "", "${age} > 60", "", "", ""],
            ],
            "relevant_repeat",
            5,
        ),
    ],
)
def test_repeats_the_form_cannot_collect_are_refused_at_their_row(
    rows: list[list[str]], code: str, row: int
) -> None:
    with pytest.raises(DefinitionInvalid) as error:
        parse_xlsform(roster_form(rows))
    problem = next(p for p in error.value.problems if p.code == code)
    assert (problem.sheet, problem.row) == ("survey", row)


def test_a_matrix_inside_a_repeat_is_refused_at_its_row() -> None:
    rows = [
        ["begin repeat", "people", "成员", "", "", "", "", "", ""],
        ["begin group", "rate", "评价", "", "", "", "", "", ""],
        ["select_one yes_no", "a", "甲", "", "", "", "", "", ""],
        ["select_one yes_no", "b", "乙", "", "", "", "", "", ""],
        ["end group", "", "", "", "", "", "", "", ""],
        ["end repeat", "", "", "", "", "", "", "", ""],
    ]
    book = load_workbook(io.BytesIO(roster_form(rows)))
    book["survey"].cell(row=1, column=10, value="appearance")
    book["survey"].cell(row=3, column=10, value="table-list")
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(DefinitionInvalid) as error:
        parse_xlsform(out.getvalue())
    (problem,) = error.value.problems
    assert (problem.code, problem.row) == ("matrix_in_repeat", 3)
    assert "The matrix rate cannot be inside the repeated section people." in str(problem)


def test_a_builder_section_becomes_a_roster_and_bad_counts_are_refused(
    committee: User, survey: Survey
) -> None:
    survey_question_add(
        actor=committee,
        survey_id=survey.pk,
        question=QuestionDef("pet_name", "text", "宠物名字", "Pet's name"),
        section_name="pets",
    )
    survey_section_save(
        actor=committee, survey_id=survey.pk, name="pets", new_name="pets", repeat=True
    )
    pets = next(s for s in definition_of(survey.versions.get()).sections if s.name == "pets")
    assert (pets.repeat, pets.repeat_count) == (True, "")
    with pytest.raises(DefinitionInvalid) as error:
        survey_section_save(
            actor=committee,
            survey_id=survey.pk,
            name="pets",
            new_name="pets",
            repeat=True,
            repeat_count="${comment}",
        )
    assert [p.code for p in error.value.problems] == ["bad_repeat_count"]
    # Renaming keeps the roster when the roster settings are not given.
    survey_section_save(
        actor=committee, survey_id=survey.pk, name="pets", new_name="animals", label_zh="宠物"
    )
    animals = next(s for s in definition_of(survey.versions.get()).sections if s.name == "animals")
    assert animals.repeat


def test_the_console_builder_makes_a_section_a_roster_counted_by_a_question(
    client: Client, committee: User, survey: Survey
) -> None:
    client.force_login(committee)
    survey_question_add(
        actor=committee,
        survey_id=survey.pk,
        question=QuestionDef("child_age", "integer", "孩子年龄", "Child's age"),
        section_name="children",
    )
    url = reverse("surveys_console:builder", args=[survey.pk])
    form = {"action": "section_save", "name": "children", "section_name": "children"}
    saved = client.post(url, {**form, "repeat": "on", "repeat_count": "${years_here}"})
    assert saved.status_code == 302
    children = definition_of(survey.versions.get()).sections[-1]
    assert (children.repeat, children.repeat_count) == (True, "${years_here}")
    detail = client.get(reverse("surveys_console:detail", args=[survey.pk])).content.decode()
    assert 'value="${years_here}"' in detail
    # A count naming a question that is not a whole number is refused, and said so.
    refused = client.post(url, {**form, "repeat": "on", "repeat_count": "${comment}"}, follow=True)
    assert "${comment}" in refused.content.decode()
    assert definition_of(survey.versions.get()).sections[-1].repeat_count == "${years_here}"


def test_definitions_check_counts_and_names_of_repeats() -> None:
    definition = SurveyDefinition(
        sections=[
            SectionDef("main", questions=[QuestionDef("n", "integer", "人数")]),
            SectionDef(
                "n",
                repeat=True,
                repeat_count="31",
                questions=[QuestionDef("who", "text", "姓名", score_weight=1.0)],
            ),
            SectionDef("plain", repeat_count="2", questions=[QuestionDef("x", "text", "x")]),
        ]
    )
    assert {p.code for p in definition_problems(definition)} == {
        "repeat_name_taken",
        "bad_repeat_count",
        "bad_weight",
        "weight_in_repeat",
        "not_repeated",
    }


# ----------------------------------------------------------------------------- answering


def test_the_number_asked_sets_how_many_member_blocks_the_page_shows(
    client: Client, roster: dict[str, Any]
) -> None:
    url = reverse("surveys:invitation", args=[roster["tokens"][0]])
    page = client.get(url).content.decode()
    # Nothing to fill in before the household size is known; the page says what to do.
    assert 'data-testid="entry-household_member-1"' not in page
    assert "data-count-note" in page
    # Without the script, "show the entries" brings one block per member.
    shown = client.post(url, {"q_consent": "yes", "q_hh_size": "3", "action": "entries"})
    text = shown.content.decode()
    assert shown.status_code == 200
    for n in (1, 2, 3):
        assert f'data-testid="entry-household_member-{n}"' in text
        assert f'name="e{n}-q_member_name"' in text
    assert 'data-testid="entry-household_member-4"' not in text
    # Nothing was saved by showing the blocks.
    assert not Response.objects.exists()
    # The repairs list is added to by the respondent, not counted.
    assert 'value="add:repair"' in text
    assert 'value="add:household_member"' not in text


def web_form(members: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "q_consent": "yes",
        "q_hh_size": str(len(members)),
        "r_household_member": [str(i) for i in range(1, len(members) + 1)],
        "r_repair": ["1"],
        "e1-q_repair_what": "楼道灯坏了",
        "e1-q_repair_urgent": "no",
        "action": "submit",
    }
    for i, member in enumerate(members, start=1):
        for key, value in member.items():
            form[f"e{i}-q_{key}"] = str(value)
    form.update(extra)
    return form


def test_a_household_of_three_is_answered_on_the_phone_page(
    client: Client, roster: dict[str, Any]
) -> None:
    url = reverse("surveys:invitation", args=[roster["tokens"][0]])
    # The father's "in school" answer is dropped: that question is only for members under 25.
    members = [{**MEMBERS[0], "in_school": "no"}, MEMBERS[1], MEMBERS[2]]
    assert client.post(url, web_form(members)).status_code == 302
    response = Response.objects.get()
    assert response.status == "complete"
    assert stored_members(response) == [
        (1, "age", 52.0),
        (1, "member_name", "王建国"),
        (1, "relationship", "head"),
        (2, "age", 49.0),
        (2, "member_name", "李秀英"),
        (2, "relationship", "spouse"),
        (3, "age", 16.0),
        (3, "in_school", "yes"),
        (3, "member_name", "王小明"),
        (3, "relationship", "child"),
    ]
    assert response_answers(response)["household_member"][2] == {
        "member_name": "王小明",
        "age": 16,
        "relationship": "child",
        "in_school": "yes",
    }


def test_a_household_of_three_is_answered_through_the_api(
    client: Client, roster: dict[str, Any]
) -> None:
    reply = client.post(
        "/api/v1/surveys/responses",
        {"answers": household(), "invitation_token": roster["tokens"][1]},
        content_type="application/json",
    )
    assert reply.status_code == 200, reply.content
    response = Response.objects.get()
    assert [e for e, name, _v in stored_members(response) if name == "member_name"] == [1, 2, 3]
    assert response.answers.get(question__name="repair_what").entry == 1


def test_the_api_describes_the_roster(
    client: Client, committee: User, roster: dict[str, Any]
) -> None:
    client.force_login(committee)
    detail = client.get(f"/api/v1/surveys/{roster['survey'].pk}").json()
    members = next(s for s in detail["sections"] if s["name"] == "household_member")
    assert members["repeat"] is True
    assert members["repeat_count"] == "${hh_size}"
    assert members["max_entries"] == 30
    assert members["questions"] == ["member_name", "age", "relationship", "in_school"]


def test_a_missing_answer_in_entry_two_names_entry_two_and_saves_nothing(
    client: Client, roster: dict[str, Any]
) -> None:
    answers = household()
    del answers["household_member"][1]["age"]
    reply = client.post(
        "/api/v1/surveys/responses",
        {"answers": answers, "invitation_token": roster["tokens"][0]},
        content_type="application/json",
    )
    # The site speaks Chinese unless asked otherwise.
    assert reply.status_code == 422
    assert reply.json()["errors"] == [
        {"field": "household_member[2]/age", "code": "required", "message": "第 2 项: 此题必答。"}
    ]
    # The same on the phone page, under the second member's age.
    url = reverse("surveys:invitation", args=[roster["tokens"][0]])
    members = [MEMBERS[0], {k: v for k, v in MEMBERS[1].items() if k != "age"}, MEMBERS[2]]
    page = client.post(url, web_form(members))
    assert page.status_code == 400
    text = page.content.decode()
    assert (
        '<div class="invalid-feedback d-block" data-testid="error-age-2">第 2 项: 此题必答。'
        in text
    )
    # What was typed stays on the page, in its entry.
    assert 'name="e3-q_member_name"' in text
    assert "王小明" in text
    assert not Response.objects.exists()
    assert not Answer.objects.exists()


def test_each_entry_is_checked_like_a_question(roster: dict[str, Any]) -> None:
    answers = household()
    answers["household_member"][0]["age"] = 130
    answers["household_member"][2]["relationship"] = "cousin"
    with pytest.raises(AnswersInvalid) as error:
        response_save_by_invitation(token=roster["tokens"][0], answers=answers, submit=True)
    assert [(e.field, e.code, str(e)) for e in error.value.errors] == [
        (
            "household_member[1]/age",
            "constraint",
            "Entry 1: This answer is outside the allowed values.",
        ),
        ("household_member[3]/relationship", "not_a_choice", "Entry 3: Choose one of the options."),
    ]


def test_more_members_than_the_household_has_are_refused(roster: dict[str, Any]) -> None:
    with pytest.raises(AnswersInvalid) as error:
        response_save_by_invitation(
            token=roster["tokens"][0], answers=household(hh_size=2), submit=True
        )
    assert [(e.field, e.code) for e in error.value.errors] == [
        ("household_member", "too_many_entries")
    ]
    assert str(error.value.errors[0]) == "This part takes at most 2 entries; 3 were given."


def test_fewer_members_than_the_household_has_are_missing_answers(
    roster: dict[str, Any],
) -> None:
    answers = household(hh_size=4)
    with pytest.raises(AnswersInvalid) as error:
        response_save_by_invitation(token=roster["tokens"][0], answers=answers, submit=True)
    assert {e.field for e in error.value.errors} == {
        "household_member[4]/member_name",
        "household_member[4]/age",
        "household_member[4]/relationship",
    }
    # Saving part-way is fine: the fourth member can come later.
    response = response_save_by_invitation(token=roster["tokens"][0], answers=answers, submit=False)
    assert len(response_answers(response)["household_member"]) == 3


def test_a_required_list_needs_at_least_one_entry(roster: dict[str, Any]) -> None:
    with pytest.raises(AnswersInvalid) as error:
        response_save_by_invitation(
            token=roster["tokens"][0], answers=household(repair=[]), submit=True
        )
    assert [(e.field, e.code, str(e)) for e in error.value.errors] == [
        ("repair", "entries_required", "Add at least one entry.")
    ]


def test_entries_are_added_and_removed_without_javascript(
    client: Client, roster: dict[str, Any]
) -> None:
    url = reverse("surveys:invitation", args=[roster["tokens"][0]])
    form = web_form(MEMBERS, action="add:repair")
    added = client.post(url, form).content.decode()
    assert 'data-testid="entry-repair-2"' in added
    assert 'name="e2-q_repair_what"' in added
    form = {
        **web_form(MEMBERS),
        "r_repair": ["1", "2"],
        "e2-q_repair_what": "水管漏水",
        "action": "remove:repair:1",
    }
    removed = client.post(url, form).content.decode()
    # The second repair is now the first; the first is gone.
    assert 'data-testid="entry-repair-2"' not in removed
    assert "水管漏水" in removed
    assert "楼道灯坏了" not in removed
    assert not Response.objects.exists()


def test_a_partial_save_is_resumed_with_its_entries(client: Client, roster: dict[str, Any]) -> None:
    url = reverse("surveys:invitation", args=[roster["tokens"][0]])
    partial = web_form(MEMBERS[:2], action="save", q_hh_size="3")
    assert client.post(url, partial).status_code == 200
    page = client.get(url).content.decode()
    # Three blocks (the household has three members), the first two filled in.
    assert 'data-testid="entry-household_member-3"' in page
    assert ">李秀英</textarea>" in page


PNG = images.png()
OTHER_PNG = images.png(80, 60)


def test_a_photo_in_an_entry_stays_with_its_entry_when_an_earlier_one_is_removed(
    committee: User, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    rows = [
        ["begin repeat", "damage", "损坏的设施", "", "", "", "", "", ""],
        ["text", "where", "位置", "", "yes", "", "", "", ""],
        ["image", "photo", "照片", "", "", "", "", "", ""],
        ["end repeat", "", "", "", "", "", "", "", ""],
    ]
    survey = survey_import_xlsform(
        actor=committee, content=roster_form(rows), division_code=WUHOU, series="damage"
    )
    survey_open(actor=committee, survey_id=survey.pk)
    make_adult(NIJIAQIAO)
    sampling_plan_set(
        actor=committee,
        survey_id=survey.pk,
        target_n=1,
        stratum_level="community",
        min_per_stratum=1,
        seed=1,
    )
    ((_pk, token),) = sampling_plan_draw(actor=committee, survey_id=survey.pk)
    with django_capture_on_commit_callbacks(execute=True):
        first = response_save_by_invitation(
            token=token,
            answers={
                "damage": [
                    {"where": "路灯", "photo": io.BytesIO(PNG)},
                    {"where": "长椅", "photo": io.BytesIO(OTHER_PNG)},
                ]
            },
            submit=False,
        )
    bench = first.answers.get(question__name="photo", entry=2).value_text
    # The street lamp is removed on the page; the bench, now first, keeps its own photo.
    with django_capture_on_commit_callbacks(execute=True):
        response_save_by_invitation(
            token=token,
            answers={"damage": [{"where": "长椅", "photo": "__keep_photo__2"}]},
            submit=True,
        )
    (kept,) = Answer.objects.filter(question__name="photo")
    assert (kept.entry, kept.value_text) == (1, bench)
    assert [p.name for p in (tmp_path / "survey-photos").iterdir()] == [bench]


# ----------------------------------------------------------------------------- results


def _two_households(roster: dict[str, Any]) -> None:
    response_save_by_invitation(token=roster["tokens"][0], answers=household(), submit=True)
    response_save_by_invitation(
        token=roster["tokens"][1],
        answers=household(
            hh_size=2,
            household_member=[
                {"member_name": "张伟", "age": 70, "relationship": "head"},
                {"member_name": "张丽", "age": 35, "relationship": "child"},
            ],
        ),
        submit=True,
    )


def test_results_count_each_member_as_an_observation(
    client: Client, committee: User, roster: dict[str, Any]
) -> None:
    _two_households(roster)
    survey = roster["survey"]
    results = selectors.survey_results(committee, survey)
    members = next(r for r in results.repeats if r["name"] == "household_member")
    assert (members["respondents"], members["entries"]) == (2, 5)
    questions = {q["name"]: q for q in members["questions"]}
    assert questions["age"]["n"] == 5
    assert questions["age"]["mean"] == pytest.approx((52 + 49 + 16 + 70 + 35) / 5)
    assert {c["name"]: c["n"] for c in questions["relationship"]["choices"]} == {
        "head": 2,
        "spouse": 1,
        "child": 2,
        "parent": 0,
    }
    # Only the 16-year-old was asked about school.
    assert questions["in_school"]["n"] == 1
    assert any("(n = entries)" in line for line in selectors.methods_note(survey, results))
    client.force_login(committee)
    page = client.get(reverse("surveys_console:results", args=[survey.pk])).content.decode()
    assert 'data-testid="repeat-household_member"' in page
    assert "n = 项数" in page
    assert "2 位受访者共 5 项" in page


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_has_every_member_in_flattened_columns(
    client: Client,
    committee: User,
    roster: dict[str, Any],
    fmt: str,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    _two_households(roster)
    client.force_login(committee)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            reverse("surveys_console:export", args=[roster["survey"].pk]), {"format": fmt}
        )
    task_id = started["Location"].rstrip("/").split("/")[-1]
    download = client.get(reverse("surveys_console:download", args=[task_id]))
    content = b"".join(download.streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(content))["responses"]
        rows = [
            ["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)
        ]
    header, *lines = rows
    assert header.index("household_member[1]/member_name") < header.index(
        "household_member[2]/member_name"
    )
    assert "household_member[4]/member_name" not in header
    assert "household_member[1]/relationship_label" in header
    assert "repair[1]/repair_what" in header
    by_name = [dict(zip(header, line, strict=True)) for line in lines]
    three = next(r for r in by_name if r["household_member[3]/member_name"])
    assert three["household_member[3]/member_name"] == "王小明"
    assert three["household_member[3]/relationship_label"] == "子女"
    assert three["household_member[2]/age"] in ("49", "49.0")
    two = next(r for r in by_name if not r["household_member[3]/member_name"])
    assert two["household_member[1]/member_name"] == "张伟"


def test_export_columns_follow_a_fixed_count(committee: User) -> None:
    rows = [
        ["begin repeat", "visit", "走访", "", "", "", "", "2", ""],
        ["date", "visit_day", "日期", "", "", "", "", "", ""],
        ["end repeat", "", "", "", "", "", "", "", ""],
    ]
    survey = survey_import_xlsform(
        actor=committee, content=roster_form(rows), division_code=WUHOU, series="visits"
    )
    headers = [c.header for c in export_columns(survey)]
    assert headers[-2:] == ["visit[1]/visit_day", "visit[2]/visit_day"]
    assert list(export_rows(committee, survey, export_columns(survey))) == []
