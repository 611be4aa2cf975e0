"""Real-world XLSForm files (as ODK and KoboToolbox users write them) import and can be answered."""

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from shequ.people.models import User
from shequ.surveys.definition import DefinitionInvalid, definition_of
from shequ.surveys.exports import export_columns, export_rows
from shequ.surveys.models import Answer, Response, Survey
from shequ.surveys.services.answers import AnswersInvalid
from shequ.surveys.services.questionnaire import survey_import_xlsform
from shequ.surveys.services.responses import response_save_by_invitation
from shequ.surveys.services.sampling import sampling_plan_draw, sampling_plan_set
from shequ.surveys.services.surveys import survey_open
from shequ.surveys.xlsform import parse_xlsform
from tests import images
from tests.factories import NIJIAQIAO, WUHOU
from tests.surveys.conftest import make_adult

YES_NO = [["yes_no", "yes", "是"], ["yes_no", "no", "否"]]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def xlsform(
    header: list[str],
    rows: list[list[Any]],
    choice_header: list[str] | None = None,
    choices: list[list[Any]] | None = None,
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet_choices = book.create_sheet("choices")
    sheet_choices.append(choice_header or ["list_name", "name", "label"])
    for row in choices if choices is not None else YES_NO:
        sheet_choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["社区走访", "visit_2026"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# A form as Kobo users write it: one default-language label column, spelled-out types.
KOBO_FORM = xlsform(
    ["type", "name", "label", "required", "relevant"],
    [
        ["start", "start", "", "", ""],
        ["note", "intro", "感谢参加本次走访。", "", ""],
        ["select one from yes_no", "has_pet", "家里养宠物吗？", "yes", ""],
        ["select all that apply from yes_no", "many", "多选", "", ""],
        ["select_one yes_no or_other", "heating", "冬天取暖方式？", "", ""],
        ["phone number", "tel", "联系电话", "", ""],
        ["geopoint", "home", "您家的位置", "", "${has_pet} = 'yes'"],
        ["range", "stars", "星级", "", ""],
        ["image", "door", "拍一张门牌照片", "", ""],
    ],
)


def _with_range_parameters(content: bytes) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    sheet = book["survey"]
    sheet.cell(row=1, column=6, value="parameters")
    sheet.cell(row=9, column=6, value="start=1 end=5 step=1")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_kobo_style_form_with_default_labels_and_spelled_out_types_is_read() -> None:
    parsed = parse_xlsform(_with_range_parameters(KOBO_FORM))
    questions = {q.name: q for q in parsed.definition.questions()}
    assert list(questions) == [
        "intro",
        "has_pet",
        "many",
        "heating",
        "heating_other",
        "tel",
        "home",
        "stars",
        "door",
    ]
    assert {name: q.qtype for name, q in questions.items()} == {
        "intro": "note",
        "has_pet": "single",
        "many": "multiple",
        "heating": "single",
        "heating_other": "text",
        "tel": "phone",
        "home": "geopoint",
        "stars": "integer",
        "door": "image",
    }
    # The default-language label is the Chinese label the residents see.
    assert questions["has_pet"].label_zh == "家里养宠物吗？"
    assert questions["has_pet"].required
    assert questions["home"].relevant == "${has_pet} = 'yes'"
    # A 1-5 range becomes a whole number bounded by a constraint.
    assert questions["stars"].constraint == ". >= 1 and . <= 5"
    # or_other: only the question that asked for it gets "other", and a detail question.
    lists = {cl.name: [c.name for c in cl.choices] for cl in parsed.definition.lists}
    assert lists["yes_no"] == ["yes", "no"]
    assert questions["heating"].list_name == "yes_no_or_other"
    assert lists["yes_no_or_other"] == ["yes", "no", "other"]
    assert questions["heating_other"].relevant == "selected(${heating}, 'other')"
    assert questions["heating_other"].label_zh == "请注明"
    assert (parsed.title, parsed.form_id) == ("社区走访", "visit_2026")


def test_choices_without_a_chinese_column_take_their_english_labels() -> None:
    content = xlsform(
        ["type", "name", "label::中文 (zh)", "label::English (en)"],
        [["select_one yes_no", "q1", "问题", "Question"]],
        ["list_name", "name", "label::English (en)"],
        [["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]],
    )
    parsed = parse_xlsform(content)
    (choices,) = parsed.definition.lists
    assert [(c.label_zh, c.label_en) for c in choices.choices] == [("Yes", "Yes"), ("No", "No")]
    assert parsed.definition.questions()[0].label_zh == "问题"


def test_what_cannot_be_collected_is_named_row_by_row() -> None:
    content = xlsform(
        ["type", "name", "label", "calculation"],
        [
            ["text", "name_ok", "姓名"],
            ["audio", "voice", "录音"],
            ["begin repeat", "members", "家庭成员"],
            ["text", "member", "姓名"],
            ["begin repeat", "kids", "孩子"],
            ["integer", "kid_age", "年龄"],
            ["text", "kid_school", "学校"],
            ["end repeat", "", ""],
            ["end repeat", "", ""],
            ["calculate", "total", "", "1 + 1"],
            ["barcode", "code", "扫码"],
        ],
    )
    with pytest.raises(DefinitionInvalid) as error:
        parse_xlsform(content)
    got = [str(p) for p in error.value.problems]
    # A roster is collected; a roster inside a roster is not, and each of its rows says so.
    assert got == [
        "sheet survey, row 3, column A: The type audio cannot be collected yet.",
        "sheet survey, row 6, column A: A repeat inside a repeat (begin repeat kids inside "
        "members) cannot be collected yet.",
        "sheet survey, row 7, column A: kid_age is inside the repeat kids within the repeat "
        "members, which cannot be collected yet.",
        "sheet survey, row 8, column A: kid_school is inside the repeat kids within the repeat "
        "members, which cannot be collected yet.",
        "sheet survey, row 11, column A: Calculations (calculate) are not evaluated yet.",
        "sheet survey, row 12, column A: The type barcode cannot be collected yet.",
    ]


def test_nested_groups_join_their_section_with_the_group_rule() -> None:
    content = xlsform(
        ["type", "name", "label", "relevant"],
        [
            ["select_one yes_no", "renter", "租房吗", ""],
            ["begin_group", "housing", "住房", ""],
            ["begin_group", "rent", "租金", "${renter} = 'yes'"],
            ["integer", "monthly", "月租", ""],
            ["end_group", "", "", ""],
            ["end_group", "", "", ""],
        ],
    )
    definition = parse_xlsform(content).definition
    assert [s.name for s in definition.sections] == ["main", "housing"]
    (monthly,) = definition.sections[1].questions
    assert monthly.relevant == "${renter} = 'yes'"


# ----------------------------------------------------------------------------- answering


@pytest.fixture
def kobo_survey(committee: User) -> tuple[Survey, str]:
    survey = survey_import_xlsform(
        actor=committee,
        content=_with_range_parameters(KOBO_FORM),
        division_code=WUHOU,
        series="visit",
    )
    survey_open(actor=committee, survey_id=survey.pk)
    make_adult(NIJIAQIAO)
    sampling_plan_set(
        actor=committee,
        survey_id=survey.pk,
        target_n=1,
        stratum_level="community",
        min_per_stratum=1,
        seed=3,
    )
    ((_pk, token),) = sampling_plan_draw(actor=committee, survey_id=survey.pk)
    return survey, token


def test_imported_form_is_stored_with_its_new_question_types(
    kobo_survey: tuple[Survey, str],
) -> None:
    survey, _token = kobo_survey
    stored = definition_of(survey.versions.get())
    assert [q.qtype for q in stored.questions()][:3] == ["note", "single", "multiple"]
    # Notes take no column in the export.
    headers = [c.header for c in export_columns(survey)]
    assert "intro" not in headers
    assert {"home", "tel", "heating_other"} <= set(headers)


def test_resident_answers_note_location_phone_and_other_on_the_page(
    client: Client, kobo_survey: tuple[Survey, str]
) -> None:
    _survey, token = kobo_survey
    url = reverse("surveys:invitation", args=[token])
    page = client.get(url).content.decode()
    assert 'data-testid="note-intro"' in page
    assert "感谢参加本次走访。" in page
    assert 'name="q_home__lat"' in page
    assert 'name="q_home__lon"' in page
    assert 'type="tel"' in page
    assert 'value="other"' in page
    form = {
        "q_has_pet": "yes",
        "q_heating": "other",
        "q_heating_other": "地暖",
        "q_tel": "+86 138-0000-0000",
        "q_home__lat": "30.6612",
        "q_home__lon": "104.0703",
        "q_stars": "4",
        "action": "submit",
    }
    bad = client.post(url, {**form, "q_home__lat": "95", "q_tel": "call me"})
    text = bad.content.decode()
    assert 'data-testid="error-home"' in text
    assert 'data-testid="error-tel"' in text
    assert client.post(url, form).status_code == 302
    response = Response.objects.get()
    assert response.status == "complete"
    values = {a.question.name: a.value_text or a.value_number for a in Answer.objects.all()}
    assert values["home"] == "30.6612 104.0703"
    assert values["heating"] == "other"
    assert values["heating_other"] == "地暖"
    # Survey answers are statistics, not a contact book: a phone number is kept masked.
    assert values["tel"] == "138****0000"
    assert "intro" not in values


def test_other_detail_is_dropped_unless_other_is_chosen(kobo_survey: tuple[Survey, str]) -> None:
    _survey, token = kobo_survey
    response_save_by_invitation(
        token=token,
        answers={"has_pet": "no", "heating": "yes", "heating_other": "不该保存"},
        submit=True,
    )
    names = set(Answer.objects.values_list("question__name", flat=True))
    assert names == {"has_pet", "heating"}


def test_a_note_takes_no_answer(kobo_survey: tuple[Survey, str]) -> None:
    _survey, token = kobo_survey
    with pytest.raises(AnswersInvalid) as error:
        response_save_by_invitation(token=token, answers={"intro": "hello"}, submit=False)
    assert [e.code for e in error.value.errors] == ["no_answer"]


def test_export_of_an_imported_real_form_reads_back_the_same() -> None:
    from shequ.surveys.xlsform_export import build_xlsform

    parsed = parse_xlsform(_with_range_parameters(KOBO_FORM))
    exported = build_xlsform(parsed.definition, title="社区走访", form_id="visit", version=1)
    again = parse_xlsform(exported).definition
    assert [vars(q) for q in again.questions()] == [vars(q) for q in parsed.definition.questions()]
    assert again.lists == parsed.definition.lists


def test_kobo_export_columns_and_hyphenated_group_names_are_accepted() -> None:
    content = xlsform(
        ["type", "name", "label::English (en)", "label::中文 (zh)", "hint", "$kuid", "$autoname"],
        [
            ["begin_group", "grp-1", "Household", "家庭", "", "k1", "grp-1"],
            ["integer", "age", "Age", "年龄", "in years", "k2", "age"],
            ["end_group", "", "", "", "", "k3", ""],
        ],
    )
    definition = parse_xlsform(content).definition
    (section,) = definition.sections
    assert (section.name, section.label_zh, section.label_en) == ("grp_1", "家庭", "Household")
    assert [(q.name, q.label_zh) for q in section.questions] == [("age", "年龄")]


# ----------------------------------------------------------------------------- photos

# A photo with the phone's GPS position in its EXIF; the service judges a photo by its
# signature, not by the name or type the browser sends, and stores it without metadata.
PNG = images.png(gps=True)
OTHER_PNG = images.png(80, 60)
ANSWERED = {
    "q_has_pet": "no",
    "q_heating": "yes",
    "q_tel": "028 8888 8888",
    "q_stars": "4",
}


@pytest.fixture
def photo_root(settings: Any, tmp_path: Any) -> Any:
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    return tmp_path / "survey-photos"


def test_resident_sends_a_photo_keeps_it_when_resuming_and_officers_can_open_it(
    client: Client, kobo_survey: tuple[Survey, str], photo_root: Any, committee: User
) -> None:
    survey, token = kobo_survey
    url = reverse("surveys:invitation", args=[token])
    page = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" accept="image/*"' in page
    upload = SimpleUploadedFile("door.png", PNG, content_type="image/png")
    saved = client.post(url, {**ANSWERED, "q_door": upload, "action": "save"})
    assert saved.status_code == 200
    (stored,) = [p.name for p in photo_root.iterdir()]
    assert stored.endswith(".png")
    # Coming back, the page says a photo was sent; submitting keeps it without a new upload.
    again = client.get(url).content.decode()
    assert 'data-testid="photo-kept-door"' in again
    assert (
        client.post(url, {**ANSWERED, "q_door__keep": "1", "action": "submit"}).status_code == 302
    )
    answer = Answer.objects.get(question__name="door")
    assert answer.value_text == stored
    # Officers open it from the console; the export links there rather than to a file.
    client.force_login(committee)
    photo_url = reverse("surveys_console:photo", args=[survey.pk, answer.pk])
    shown = client.get(photo_url)
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/png"
    served = images.metadata_of(b"".join(shown.streaming_content))
    assert served["size"] == images.metadata_of(PNG)["size"]
    assert images.metadata_of(PNG)["gps"]
    assert (served["gps"], served["exif"]) == ({}, {})
    columns = export_columns(survey)
    (row,) = list(export_rows(committee, survey, columns))
    assert row[[c.header for c in columns].index("door")] == photo_url


def test_a_file_that_is_not_a_photo_is_refused_and_not_stored(
    client: Client, kobo_survey: tuple[Survey, str], photo_root: Any
) -> None:
    _survey, token = kobo_survey
    url = reverse("surveys:invitation", args=[token])
    fake = SimpleUploadedFile("door.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    page = client.post(url, {**ANSWERED, "q_door": fake, "action": "submit"})
    assert page.status_code == 400
    assert 'data-testid="error-door"' in page.content.decode()
    assert not photo_root.exists() or not any(photo_root.iterdir())
    assert not Response.objects.filter(status="complete").exists()


def test_a_replaced_photo_is_removed_and_keep_cannot_borrow_another_photo(
    kobo_survey: tuple[Survey, str], photo_root: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _survey, token = kobo_survey
    base = {"has_pet": "no", "heating": "yes"}
    with django_capture_on_commit_callbacks(execute=True):
        response_save_by_invitation(
            token=token, answers={**base, "door": io.BytesIO(PNG)}, submit=False
        )
    (first,) = [p.name for p in photo_root.iterdir()]
    with django_capture_on_commit_callbacks(execute=True):
        response_save_by_invitation(
            token=token, answers={**base, "door": io.BytesIO(OTHER_PNG)}, submit=False
        )
    (second,) = [p.name for p in photo_root.iterdir()]
    assert second != first
    # A stored name sent as the answer is not a photo: only uploads and "keep" are.
    with pytest.raises(AnswersInvalid) as error:
        response_save_by_invitation(token=token, answers={**base, "door": second}, submit=False)
    assert [e.code for e in error.value.errors] == ["not_photo"]
