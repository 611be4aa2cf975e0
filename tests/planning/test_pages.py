import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from shequ.core.scopes import Role
from shequ.participation.models import Proposal
from shequ.people.models import User
from shequ.planning.models import Assignment, Consultation, Suggestion
from shequ.planning.services import consultations, plans, reports, suggestions, worklog
from tests.factories import NIJIAQIAO, SHUIJINGFANG, login_verified, make_staff
from tests.planning.conftest import TERM, WHEN
from tests.planning.test_services import _policy

pytestmark = pytest.mark.django_db

PAGES = [
    "/console/planning/",
    "/console/planning/assignments/",
    "/console/planning/suggestions/",
    "/console/planning/plans/",
    "/console/planning/worklog/",
    "/console/planning/reports/",
]


@pytest.mark.parametrize("url", PAGES)
def test_each_console_page_is_scoped(
    client: Client, url: str, open_consultation: Consultation, resident: User, planner: User
) -> None:
    suggestions.suggestion_submit(actor=resident, consultation_id=open_consultation.pk, text="路灯")
    plans.plan_create(actor=planner, community_code=NIJIAQIAO, title="倪家桥社区规划", on=TERM[0])
    worklog.worklog_add(
        actor=planner, community_code=NIJIAQIAO, day=WHEN.date(), hours="2", work="走访"
    )
    inside = make_staff("in-worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    outside = make_staff("out-worker", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    client.force_login(outside)
    login_verified(client, outside)
    page = client.get(url).content.decode()
    for text in ("街巷微更新议事会", "路灯", "倪家桥社区规划", "走访", "玉林街道办事处"):
        assert text not in page
    for user in (inside, planner):
        client.force_login(user)
        login_verified(client, user)
        assert client.get(url).status_code == 200
    client.force_login(resident)
    assert client.get(url).status_code == 403


def test_consultation_list_queries_do_not_grow(
    client: Client,
    django_assert_max_num_queries: DjangoAssertNumQueries,
    planner: User,
    assignment: Assignment,
) -> None:
    for n in range(5):
        consultations.consultation_schedule(
            actor=planner,
            community_code=NIJIAQIAO,
            title=f"议事会{n}",
            topic="t",
            place="p",
            starts_at=WHEN,
        )
    client.force_login(planner)
    with django_assert_max_num_queries(25):
        assert client.get("/console/planning/").status_code == 200


def test_a_resident_signs_in_suggests_and_the_planner_makes_a_proposal(
    client: Client, open_consultation: Consultation, resident: User, planner: User
) -> None:
    client.force_login(resident)
    assert "街巷微更新议事会" in client.get("/planning/").content.decode()
    url = f"/planning/{open_consultation.pk}/"
    assert client.post(url + "sign-in/").status_code == 302
    assert 'data-testid="signed-in"' in client.get(url).content.decode()
    response = client.post(url + "suggest/", {"text": ""})
    assert response.status_code == 400
    assert client.post(url + "suggest/", {"text": "增加路灯"}).status_code == 302
    assert client.post(url + "rate/", {"stars": "5", "comment": "好"}).status_code == 302
    response = client.post(url + "rate/", {"stars": "4"})
    assert response.status_code == 400
    suggestion = Suggestion.objects.get()
    client.force_login(planner)
    page = client.get(f"/console/planning/c/{open_consultation.pk}/").content.decode()
    assert "王秀英" in page
    assert "增加路灯" in page
    response = client.post(
        f"/console/planning/suggestions/{suggestion.pk}/promote/",
        {"title": "增加路灯", "category": "safety"},
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    page = client.get(f"/console/planning/c/{open_consultation.pk}/").content.decode()
    assert f"/participation/proposals/{proposal.pk}/" in page


def test_a_closed_consultation_refuses_a_suggestion_on_the_phone(
    client: Client, consultation: Consultation, resident: User
) -> None:
    client.force_login(resident)
    response = client.post(f"/planning/{consultation.pk}/suggest/", {"text": "x"})
    assert response.status_code == 400
    assert not Suggestion.objects.exists()


def test_an_officer_sees_the_out_of_scope_error_on_the_form(
    client: Client, officer: User, planner: User
) -> None:
    client.force_login(officer)
    login_verified(client, officer)
    response = client.post(
        "/console/planning/assignments/",
        {
            "planner": planner.pk,
            "community": NIJIAQIAO,
            "term_start": "2026-05-01",
            "term_end": "2026-04-01",
            "hours_per_month": "10",
        },
    )
    assert response.status_code == 400
    assert 'data-testid="error-term_end"' in response.content.decode()
    assert not Assignment.objects.exists()


def test_the_policy_page_lists_the_reports_that_assess_it(client: Client, expert: User) -> None:
    policy = _policy()
    report = reports.report_publish(
        actor=expert,
        title="社区发展治理政策实施评估",
        summary="s",
        findings="f",
        recommendations="r",
        policy_ids=[policy.pk],
    )
    page = client.get(f"/policies/{policy.pk}/").content.decode()
    assert "社区发展治理政策实施评估" in page
    assert (
        "社区发展治理政策实施评估" in client.get(f"/planning/reports/{report.pk}/").content.decode()
    )
    body = client.get(f"/api/v1/planning/reports?policy={policy.pk}").json()
    assert body["items"][0]["title"] == "社区发展治理政策实施评估"


def test_the_api_scopes_consultations(
    client: Client, open_consultation: Consultation, resident: User, planner: User
) -> None:
    outside = make_staff("api-out", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    client.force_login(outside)
    login_verified(client, outside)
    assert client.get("/api/v1/planning/consultations").json()["count"] == 0
    client.force_login(planner)
    assert client.get("/api/v1/planning/consultations").json()["count"] == 1
    client.force_login(resident)
    assert client.get("/api/v1/planning/my-consultations").json()["count"] == 1
    response = client.post(
        f"/api/v1/planning/consultations/{open_consultation.pk}/rating",
        {"stars": 5},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_attended"


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        *PAGES,
        "/api/v1/planning/consultations",
        "/api/v1/planning/suggestions",
        "/api/v1/planning/plans",
        "/api/v1/planning/worklog",
        "/api/v1/planning/assignments",
    ],
)
def test_list_queries_do_not_grow_with_rows(
    client: Client, url: str, open_consultation: Consultation, resident: User, planner: User
) -> None:
    def add_rows(n: int) -> None:
        for i in range(n):
            suggestions.suggestion_submit(
                actor=resident, consultation_id=open_consultation.pk, text=f"建议{i}"
            )
            plans.plan_create(actor=planner, community_code=NIJIAQIAO, title=f"规划{i}", on=TERM[0])
            worklog.worklog_add(
                actor=planner, community_code=NIJIAQIAO, day=TERM[0], hours="0.5", work="走访"
            )

    client.force_login(planner)
    add_rows(1)
    few = _queries(client, url)
    add_rows(4)
    assert _queries(client, url) == few
