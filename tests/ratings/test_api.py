"""Ratings over the API: residents rate, staff list and answer within their department."""

from django.test import Client

from shequ.ratings.models import FollowUp, Rating


def test_resident_rates_over_the_api_once(client: Client, resident, closed) -> None:
    client.force_login(resident)
    rateable = client.get("/api/v1/ratings/rateable").json()
    assert [(r["subject"], r["subject_id"]) for r in rateable] == [("application", closed.pk)]
    payload = {
        "subject": "application",
        "subject_id": closed.pk,
        "level": 2,
        "reasons": ["too_slow"],
    }
    created = client.post("/api/v1/ratings/mine", payload, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["level_label"] == "不满意"
    assert body["follow_up"]["status"] == "open"
    again = client.post("/api/v1/ratings/mine", payload, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_rated"
    assert Rating.objects.count() == 1
    assert client.get("/api/v1/ratings/rateable").json() == []


def test_bad_level_over_the_api_is_a_problem_in_chinese(client: Client, resident, closed) -> None:
    client.force_login(resident)
    response = client.post(
        "/api/v1/ratings/mine",
        {"subject": "application", "subject_id": closed.pk, "level": 7},
        content_type="application/json",
        headers={"accept-language": "zh-hans"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_level"
    assert "五个等级" in response.json()["title"]
    assert not Rating.objects.exists()


def test_staff_endpoints_are_scoped_and_answer_is_the_departments(
    client: Client, resident, closed, shezhi_staff, other_staff
) -> None:
    client.force_login(resident)
    client.post(
        "/api/v1/ratings/mine",
        {"subject": "application", "subject_id": closed.pk, "level": 1, "reasons": ["not_done"]},
        content_type="application/json",
    )
    assert client.get("/api/v1/ratings/staff/ratings").status_code == 403
    follow_up = FollowUp.objects.get()
    client.force_login(other_staff)
    assert client.get("/api/v1/ratings/staff/ratings").json()["count"] == 0
    refused = client.post(
        f"/api/v1/ratings/staff/follow-ups/{follow_up.pk}/answer",
        {"text": "与我无关"},
        content_type="application/json",
    )
    assert refused.status_code == 404
    client.force_login(shezhi_staff)
    listed = client.get("/api/v1/ratings/staff/follow-ups").json()
    assert [item["id"] for item in listed["items"]] == [follow_up.pk]
    answered = client.post(
        f"/api/v1/ratings/staff/follow-ups/{follow_up.pk}/answer",
        {"text": "已重新办理"},
        content_type="application/json",
    )
    assert answered.status_code == 200
    assert answered.json()["answers"] == ["已重新办理"]
    client.force_login(resident)
    mine = client.get("/api/v1/ratings/mine").json()["items"][0]
    assert mine["follow_up"]["answers"] == ["已重新办理"]
    confirmed = client.post(
        f"/api/v1/ratings/mine/{mine['id']}/confirm",
        {"resolved": True},
        content_type="application/json",
    )
    assert confirmed.json()["follow_up"]["status"] == "resolved"


def test_levels_and_service_figures_are_public(client: Client, certificate) -> None:
    levels = client.get("/api/v1/ratings/levels").json()
    assert [lv["level"] for lv in levels] == [5, 4, 3, 2, 1]
    assert [lv["poor"] for lv in levels] == [False, False, False, True, True]
    figures = client.get(f"/api/v1/ratings/services/{certificate.pk}/figures").json()
    assert figures == {
        "total": 0,
        "satisfaction_percent": None,
        "per_level": {"5": 0, "4": 0, "3": 0, "2": 0, "1": 0},
    }
