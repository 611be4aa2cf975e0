from datetime import date

from django.test import Client

from shequ.people.models import User
from shequ.projects.models import Project, Status
from tests.factories import make_user
from tests.projects.conftest import new_project


def test_public_list_and_detail(
    project: Project, client: Client, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(4):
        items = client.get("/api/v1/projects?type=shanty-town").json()["items"]
    assert [i["code"] for i in items] == [project.code]
    detail = client.get(f"/api/v1/projects/{project.code}").json()
    assert detail["events"][0]["status"] == Status.PLANNED
    assert detail["location"]["type"] == "Point"
    assert client.get("/api/v1/projects/NOPE").status_code == 404


def test_transitions_are_checked(
    project: Project, client: Client, worker: User, district_officer: User
) -> None:
    client.force_login(worker)
    refused = client.post(
        f"/api/v1/projects/{project.code}/transitions",
        {"target": Status.APPROVED},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    client.force_login(district_officer)
    moved = client.post(
        f"/api/v1/projects/{project.code}/transitions",
        {"target": Status.APPROVED, "on": "2018-02-01"},
        content_type="application/json",
    )
    assert moved.status_code == 200
    assert moved.json()["status"] == Status.APPROVED
    wrong = client.post(
        f"/api/v1/projects/{project.code}/transitions",
        {"target": Status.ACCEPTED},
        content_type="application/json",
    )
    assert wrong.json()["code"] == "transition_invalid"


def test_progress_over_100_is_a_problem(project: Project, client: Client, worker: User) -> None:
    client.force_login(worker)
    response = client.post(
        f"/api/v1/projects/{project.code}/progress",
        {"month": "2018-05-01", "progress": 101},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "progress_invalid"


def test_stats_are_for_staff_and_scoped(
    project: Project, client: Client, jinjiang_officer: User, district_officer: User
) -> None:
    client.force_login(district_officer)
    client.post(
        f"/api/v1/projects/{project.code}/transitions",
        {"target": Status.APPROVED, "on": "2018-02-01"},
        content_type="application/json",
    )
    client.post(
        f"/api/v1/projects/{project.code}/transitions",
        {"target": Status.UNDER_CONSTRUCTION, "on": "2018-03-01"},
        content_type="application/json",
    )
    mine = client.get("/api/v1/projects/stats?as_of=2018-07-31&year=2018").json()
    assert mine["total"] == 1
    client.force_login(jinjiang_officer)
    theirs = client.get("/api/v1/projects/stats?as_of=2018-07-31&year=2018").json()
    assert theirs["total"] == 0
    client.force_login(make_user("nobody"))
    assert client.get("/api/v1/projects/stats?as_of=2018-07-31&year=2018").status_code == 403


def test_follow_and_unfollow(project: Project, client: Client) -> None:
    client.force_login(make_user("api_fan"))
    assert client.post(f"/api/v1/projects/{project.code}/follow").json() == {"following": True}
    assert client.delete(f"/api/v1/projects/{project.code}/follow").json() == {"following": False}


def test_staff_area_list(
    project: Project, client: Client, jinjiang_officer: User, district_officer: User
) -> None:
    new_project(district_officer, "API-2", on=date(2018, 1, 5))
    client.force_login(jinjiang_officer)
    assert client.get("/api/v1/projects/mine").json()["count"] == 0
    client.force_login(district_officer)
    assert client.get("/api/v1/projects/mine").json()["count"] == 2
