"""The survey API: submit by token, refuse bad answers as problems, read results scoped."""

from typing import Any

from django.test import Client

from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.surveys.models import Response
from tests.factories import SHUIJINGFANG, make_staff
from tests.surveys.conftest import GOOD_ANSWERS


def test_submit_by_token_then_second_submit_conflicts(
    client: Client, sampled: dict[str, Any]
) -> None:
    token = next(iter(sampled["tokens"].values()))
    payload = {"answers": GOOD_ANSWERS, "submit": True, "invitation_token": token}
    first = client.post("/api/v1/surveys/responses", payload, content_type="application/json")
    assert first.status_code == 200, first.content
    assert first.json()["score"] == 81.5
    second = client.post("/api/v1/surveys/responses", payload, content_type="application/json")
    assert second.status_code == 409
    assert second.json()["code"] == "already_submitted"
    assert Response.objects.count() == 1


def test_bad_answers_come_back_as_a_problem_listing_each(
    client: Client, sampled: dict[str, Any]
) -> None:
    token = next(iter(sampled["tokens"].values()))
    answers = {**GOOD_ANSWERS, "years_here": -1, "comment": "<script>x</script>"}
    reply = client.post(
        "/api/v1/surveys/responses",
        {"answers": answers, "invitation_token": token},
        content_type="application/json",
    )
    assert reply.status_code == 422
    assert reply["Content-Type"] == "application/problem+json"
    assert {(e["field"], e["code"]) for e in reply.json()["errors"]} == {
        ("years_here", "constraint"),
        ("comment", "text_markup"),
    }
    assert not Response.objects.exists()


def test_results_and_quota_are_scoped(
    client: Client, committee: User, sampled: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    survey = sampled["survey"]
    client.force_login(committee)
    with django_assert_max_num_queries(10):
        listing = client.get("/api/v1/surveys")
    assert [s["id"] for s in listing.json()["items"]] == [survey.pk]
    detail = client.get(f"/api/v1/surveys/{survey.pk}").json()
    assert detail["questions"][1]["choices"] == ["yes", "no"]
    quota = client.get(f"/api/v1/surveys/{survey.pk}/quota").json()
    assert sum(row["allocated"] for row in quota) == 6
    results = client.get(f"/api/v1/surveys/{survey.pk}/results?level=community").json()
    assert results["n"] == 0
    assert results["index"]["value"] is None
    client.force_login(make_staff("sjf", Role.COMMUNITY_WORKER, SHUIJINGFANG))
    assert client.get(f"/api/v1/surveys/{survey.pk}/results").status_code == 404
    assert client.get("/api/v1/surveys").json()["items"] == []
