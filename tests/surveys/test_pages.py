"""Pages: residents answer on the phone, officers build, sample, watch and read results."""

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.models import TaskRecord
from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.surveys.demo import demo_definition
from shequ.surveys.models import Invitation, Response, Survey
from shequ.surveys.services.surveys import survey_settings_update
from shequ.surveys.xlsform_export import build_xlsform
from tests.factories import NIJIAQIAO, SHUIJINGFANG, WUHOU, make_staff
from tests.surveys.conftest import make_adult

FORM = {
    "q_years_here": "5",
    "q_visited_centre": "no",
    "q_aspects__environment": "5",
    "q_aspects__services": "5",
    "q_aspects__safety": "4",
    "q_aspects__culture": "4",
    "q_aspects__governance": "5",
    "q_overall": "5",
    "q_recommend": "10",
    "q_improve": ["parking"],
}


def test_resident_answers_through_the_link_saves_then_submits(
    client: Client, sampled: dict[str, Any]
) -> None:
    token = next(iter(sampled["tokens"].values()))
    url = reverse("surveys:invitation", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    assert "您对社区以下方面的满意程度" in page.content.decode()
    saved = client.post(url, {"q_years_here": "5", "action": "save"})
    assert 'data-testid="saved"' in saved.content.decode()
    again = client.get(url)
    assert 'value="5"' in again.content.decode()
    done = client.post(url, {**FORM, "action": "submit"})
    assert done.status_code == 302
    assert Response.objects.get().status == "complete"
    second = client.post(url, {**FORM, "action": "submit"})
    assert second.status_code == 409
    assert 'data-testid="already"' in second.content.decode()
    assert Response.objects.count() == 1


def test_bad_answer_shows_the_error_under_the_question(
    client: Client, sampled: dict[str, Any]
) -> None:
    token = next(iter(sampled["tokens"].values()))
    url = reverse("surveys:invitation", args=[token])
    page = client.post(
        url, {**FORM, "q_years_here": "500", "q_comment": "<b>hi</b>", "action": "submit"}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert 'data-testid="error-years_here"' in html
    assert 'data-testid="error-comment"' in html
    assert not Response.objects.exists()


def test_unknown_link_is_404(client: Client, sampled: dict[str, Any]) -> None:
    assert client.get(reverse("surveys:invitation", args=["nope"])).status_code == 404


def test_open_link_page_takes_a_profile(
    client: Client, committee: User, open_survey: Survey
) -> None:
    survey_settings_update(
        actor=committee,
        survey_id=open_survey.pk,
        recognition_threshold=60,
        min_cell_size=30,
        open_link_enabled=True,
    )
    slug = Survey.objects.get(pk=open_survey.pk).open_link_slug
    url = reverse("surveys:open", args=[slug])
    assert client.get(url).status_code == 200
    missing = client.post(url, {**FORM, "action": "submit"})
    assert missing.status_code == 400
    done = client.post(
        url,
        {**FORM, "community_code": NIJIAQIAO, "age_band": "50-64", "sex": "M", "action": "submit"},
    )
    assert done.status_code == 302
    response = Response.objects.get()
    assert (response.channel, response.community_code, response.age_band) == (
        "open",
        NIJIAQIAO,
        "50-64",
    )
    bot = client.post(url, {**FORM, "website": "http://spam", "action": "submit"})
    assert bot.status_code == 404


def test_committee_builds_imports_samples_and_reads_results(
    client: Client,
    committee: User,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    for _ in range(4):
        make_adult(NIJIAQIAO)
    client.force_login(committee)
    content = build_xlsform(demo_definition(), title="万人问卷", form_id="wanren", version=1)
    upload = io.BytesIO(content)
    upload.name = "form.xlsx"
    created = client.post(
        reverse("surveys_console:list"),
        {"form": "import", "file": upload, "series": "wanren", "wave": 1, "division_code": WUHOU},
    )
    assert created.status_code == 302
    survey = Survey.objects.get(series="wanren")
    detail = client.get(reverse("surveys_console:detail", args=[survey.pk]))
    assert detail.content.decode().count('data-testid="question-row"') == 10
    client.post(reverse("surveys_console:detail", args=[survey.pk]), {"form": "open"})
    plan = client.post(
        reverse("surveys_console:sample", args=[survey.pk]),
        {"target_n": 3, "stratum_level": "district", "min_per_stratum": 1, "seed": 1},
    )
    assert plan.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        drawn = client.post(reverse("surveys_console:draw", args=[survey.pk]))
    assert drawn.status_code == 302
    assert Invitation.objects.filter(survey=survey).count() == 3
    assert len(sms_outbox) == 3
    token = re.search(r"/surveys/i/([\w-]+)/", sms_outbox[0][1]).group(1)  # type: ignore[union-attr]
    client.post(reverse("surveys:invitation", args=[token]), {**FORM, "action": "submit"})
    quota = client.get(
        reverse("surveys_console:quota", args=[survey.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    total = re.search(r'data-testid="quota-total">([^<]*)<', quota.content.decode())
    assert total is not None
    assert total.group(1).startswith("1 complete of 3 allocated")
    client.post(reverse("surveys_console:weights", args=[survey.pk]))
    results = client.get(reverse("surveys_console:results", args=[survey.pk]))
    html = results.content.decode()
    assert results.status_code == 200
    assert 'data-testid="index"' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert 'data-testid="suppressed"' in html  # 1 respondent < 30


def test_bad_xlsform_upload_names_the_cell(client: Client, committee: User) -> None:
    client.force_login(committee)
    upload = io.BytesIO(b"garbage")
    upload.name = "form.xlsx"
    page = client.post(
        reverse("surveys_console:list"),
        {"form": "import", "file": upload, "series": "x", "wave": 1, "division_code": WUHOU},
    )
    assert page.status_code == 400
    assert not Survey.objects.exists()


def test_console_pages_are_scoped(client: Client, survey: Survey) -> None:
    outsider = make_staff("sjf", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    client.force_login(outsider)
    for name in ("detail", "sample", "quota", "results", "interviews"):
        assert client.get(reverse(f"surveys_console:{name}", args=[survey.pk])).status_code == 404
    assert (
        'data-testid="survey-row"'
        not in client.get(reverse("surveys_console:list")).content.decode()
    )


def test_worker_reads_but_may_not_change(client: Client, survey: Survey) -> None:
    worker = make_staff("nj", Role.COMMUNITY_WORKER, NIJIAQIAO)
    client.force_login(worker)
    assert client.get(reverse("surveys_console:detail", args=[survey.pk])).status_code == 200
    assert (
        client.post(
            reverse("surveys_console:detail", args=[survey.pk]), {"form": "open"}
        ).status_code
        == 403
    )


def test_interviewer_records_a_door_to_door_response(
    client: Client, sampled: dict[str, Any]
) -> None:
    worker = make_staff("nj2", Role.COMMUNITY_WORKER, NIJIAQIAO)
    client.force_login(worker)
    survey = sampled["survey"]
    listing = client.get(reverse("surveys_console:interviews", args=[survey.pk]))
    assert listing.content.decode().count('data-testid="invitation-row"') == 3
    invitation = Invitation.objects.filter(community_id=NIJIAQIAO).first()
    assert invitation is not None
    url = reverse("surveys_console:interview", args=[survey.pk, invitation.pk])
    assert client.post(url, {**FORM, "action": "submit"}).status_code == 302
    assert Response.objects.get().interviewer == worker


def test_list_pages_do_not_grow_queries_with_rows(
    client: Client, committee: User, sampled: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client.force_login(committee)
    survey = sampled["survey"]
    for name in ("list",):
        with django_assert_max_num_queries(12):
            client.get(reverse(f"surveys_console:{name}"))
    with django_assert_max_num_queries(12):
        client.get(reverse("surveys_console:interviews", args=[survey.pk]))
    with django_assert_max_num_queries(12):
        client.get(reverse("surveys_console:quota", args=[survey.pk]))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_runs_as_a_task_without_personal_data(
    client: Client,
    committee: User,
    sampled: dict[str, Any],
    fmt: str,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    token = next(iter(sampled["tokens"].values()))
    client.post(
        reverse("surveys:invitation", args=[token]), {**FORM, "q_comment": "好", "action": "submit"}
    )
    client.force_login(committee)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            reverse("surveys_console:export", args=[sampled["survey"].pk]), {"format": fmt}
        )
    assert started.status_code == 302
    record = TaskRecord.objects.get(task_path__endswith="responses_export")
    assert record.status == "SUCCESSFUL", record.error
    status = client.get(started["Location"])
    assert 'data-testid="download"' in status.content.decode()
    download = client.get(reverse("surveys_console:download", args=[record.pk]))
    body = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    if fmt == "csv":
        text = body.decode("utf-8-sig")
        assert "aspects.environment_label" in text
        assert "非常满意" in text
        resident = sampled["residents"][0]
        assert resident.real_name not in text
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(body)).active
        assert sheet is not None
        headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
        assert "overall_label" in headers
        assert "invitation" not in headers
    other = make_staff("other", Role.CITY_COMMITTEE, "510100000000")
    client.force_login(other)
    assert client.get(reverse("surveys_console:download", args=[record.pk])).status_code == 404


def test_owner_area_is_chosen_among_the_officers_areas(client: Client, committee: User) -> None:
    client.force_login(committee)
    page = client.get(reverse("surveys_console:list")).content.decode()
    # The city and its 20 districts are offered in both forms (create, import).
    assert f'value="{WUHOU}"' in page
    assert page.count('<option value="5101') == 2 * 21
    district_officer = make_staff("wuhou-officer", Role.DISTRICT_OFFICER, WUHOU)
    client.force_login(district_officer)
    page = client.get(reverse("surveys_console:list")).content.decode()
    assert f'value="{WUHOU}"' in page
    assert 'value="510100000000"' not in page
    upload = io.BytesIO(build_xlsform(demo_definition(), title="问卷", form_id="q", version=1))
    upload.name = "form.xlsx"
    outside = client.post(
        reverse("surveys_console:list"),
        {
            "form": "import",
            "file": upload,
            "series": "q",
            "wave": 1,
            "division_code": "510104000000",
        },
    )
    assert outside.status_code == 400  # another district is not among the choices
    assert not Survey.objects.exists()
