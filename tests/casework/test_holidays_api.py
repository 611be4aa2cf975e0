"""/api/v1/casework/holidays: the committee reads and enters a year's holidays over the API;
others are refused; bad days are answered in Chinese and change nothing.

The 2027 days entered here are test data (the real notice is not in the project yet)."""

from typing import Any

import pytest
from django.test import Client

from shequ.casework.models import Holiday, HolidayYear
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from tests.factories import CITY, NIJIAQIAO, make_staff

pytestmark = pytest.mark.usefixtures("chengdu")
TEST_NOTICE = "测试用通知（非真实安排）"
DAYS = [
    {"day": "2027-01-01", "kind": "off", "name": "元旦"},
    {"day": "2027-01-02", "kind": "off", "name": "元旦"},
    {"day": "2027-01-09", "kind": "work", "name": "元旦调休上班"},
]


def _put(client: Client, year: int, body: dict[str, Any]) -> Any:
    return client.put(
        f"/api/v1/casework/holidays/{year}",
        body,
        content_type="application/json",
        headers={"accept-language": "zh-hans"},
    )


def test_the_committee_enters_and_reads_a_year(client: Client) -> None:
    committee = make_staff("committee-api", Role.CITY_COMMITTEE, CITY)
    client.force_login(committee)
    assert client.get("/api/v1/casework/holidays/2027").status_code == 404
    entered = _put(client, 2027, {"source": TEST_NOTICE, "days": DAYS})
    assert entered.status_code == 200, entered.content
    assert entered.json()["days"] == DAYS
    assert 2027 in client.get("/api/v1/casework/holidays").json()
    again = _put(client, 2027, {"source": TEST_NOTICE, "days": DAYS[:1]})
    assert [d["day"] for d in again.json()["days"]] == ["2027-01-01"]
    assert Holiday.objects.filter(day__year=2027).count() == 1
    verbs = list(AuditEvent.objects.filter(actor=committee).values_list("verb", flat=True))
    assert verbs.count("holiday_year.enter") == 1
    assert verbs.count("holiday_year.replace") == 1


def test_bad_days_are_refused_in_chinese_and_nothing_changes(client: Client) -> None:
    client.force_login(make_staff("admin-api", Role.SYSTEM_ADMIN))
    weekday_worked = [*DAYS, {"day": "2027-01-04", "kind": "work", "name": "元旦调休上班"}]
    refused = _put(client, 2027, {"source": TEST_NOTICE, "days": weekday_worked})
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert "调休上班日应为周六或周日" in refused.json()["title"]
    outside = _put(
        client, 2027, {"source": TEST_NOTICE, "days": [{**DAYS[0], "day": "2028-01-01"}]}
    )
    assert outside.status_code == 400
    no_source = _put(client, 2027, {"source": " ", "days": DAYS})
    assert no_source.json()["field"] == "source"
    assert not HolidayYear.objects.filter(year=2027).exists()
    assert not Holiday.objects.filter(day__year=2027).exists()


def test_a_community_worker_is_refused(client: Client) -> None:
    client.force_login(make_staff("worker-api", Role.COMMUNITY_WORKER, NIJIAQIAO))
    assert client.get("/api/v1/casework/holidays/2026").status_code == 403
    refused = _put(client, 2027, {"source": TEST_NOTICE, "days": DAYS})
    assert refused.status_code == 403
    assert "社治委" in refused.json()["title"]
    assert not HolidayYear.objects.filter(year=2027).exists()
