from datetime import date
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shequ.people.models import User
from shequ.projects.models import Project, Status
from shequ.projects.services import lifecycle
from tests import images
from tests.factories import make_user
from tests.projects.conftest import new_project


def test_public_list_and_detail(
    project: Project, client: Client, django_assert_max_num_queries: Any
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


def test_progress_feed_lists_reports_and_photo_urls(
    project: Project,
    client: Client,
    worker: User,
    settings: Any,
    tmp_path: Path,
    django_assert_max_num_queries: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client.force_login(worker)
    for month, percent in (("2018-05-01", 20), ("2018-06-01", 45)):
        client.post(
            f"/api/v1/projects/{project.code}/progress",
            {"month": month, "progress": percent, "actual_city": "1000"},
            content_type="application/json",
        )
    jpeg = SimpleUploadedFile("site.jpg", images.jpeg(), "image/jpeg")
    added = client.post(
        f"/api/v1/projects/{project.code}/photos",
        {"phase": "during", "caption": "施工中", "image": jpeg},
    )
    assert added.status_code == 201
    assert added.json()["url"].startswith("http://testserver/media/projects/")
    fake = SimpleUploadedFile("x.jpg", b"<script>alert(1)</script>", "image/jpeg")
    refused = client.post(
        f"/api/v1/projects/{project.code}/photos", {"phase": "during", "image": fake}
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "photo_type"
    client.logout()  # the feed is public, as the project page
    with django_assert_max_num_queries(4):
        feed = client.get(f"/api/v1/projects/{project.code}/progress").json()
    assert feed["progress"] == 45
    assert [(r["month"], r["progress"]) for r in feed["reports"]] == [
        ("2018-05-01", 20),
        ("2018-06-01", 45),
    ]
    assert feed["reports"][1]["actual_total"] == "1000.00"
    assert len(feed["photos"]) == 1
    photo = feed["photos"][0]
    assert (photo["phase"], photo["caption"]) == ("during", "施工中")
    stored = photo["url"].removeprefix("http://testserver/media/")
    assert (tmp_path / stored).read_bytes().startswith(b"\xff\xd8\xff")
    assert client.get("/api/v1/projects/NOPE/progress").status_code == 404


def test_photos_are_for_staff_of_the_area(
    project: Project, client: Client, jinjiang_officer: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    jpeg = SimpleUploadedFile("site.jpg", images.jpeg(), "image/jpeg")
    url = f"/api/v1/projects/{project.code}/photos"
    assert client.post(url, {"phase": "before", "image": jpeg}).status_code == 401
    client.force_login(make_user("photo_fan"))
    jpeg.seek(0)
    assert client.post(url, {"phase": "before", "image": jpeg}).status_code == 404
    client.force_login(jinjiang_officer)
    jpeg.seek(0)
    assert client.post(url, {"phase": "before", "image": jpeg}).status_code == 404
    assert not project.photos.exists()


def test_resident_follows_sees_state_messages_and_unfollows(
    project: Project, client: Client, district_officer: User
) -> None:
    url = f"/api/v1/projects/{project.code}/follow"
    assert client.post(url).status_code == 401
    fan = make_user("api_follower")
    client.force_login(fan)
    assert client.get(url).json() == {"following": False}
    assert client.post(url).json() == {"following": True}
    assert client.post(url).json() == {"following": True}  # twice is still once
    assert client.get(url).json() == {"following": True}
    lifecycle.project_transition(
        actor=district_officer, code=project.code, target=Status.APPROVED, on=date(2018, 2, 1)
    )
    mine = client.get("/api/v1/projects/following").json()
    assert [p["code"] for p in mine["projects"]] == [project.code]
    assert mine["messages"][0]["project_code"] == project.code
    assert "批复" in mine["messages"][0]["text"] or "Approved" in mine["messages"][0]["text"]
    assert client.delete(url).json() == {"following": False}
    assert client.get("/api/v1/projects/following").json()["projects"] == []
    assert client.post("/api/v1/projects/NOPE/follow").status_code == 404
