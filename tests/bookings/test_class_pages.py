"""Classes on the pages and the API: the console form with its room picker (a clash comes
back in Chinese and saves nothing), what's on this week on the phone, sign-up and withdrawal,
my classes, and /api/v1/bookings/classes."""

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from shequ.bookings.classes import services
from shequ.bookings.models import CentreClass, Enrolment, Venue
from shequ.core.scopes import Role
from shequ.people.models import User
from tests.bookings.conftest import make_neighbour
from tests.bookings.test_classes import dance
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_staff

pytestmark = pytest.mark.usefixtures("chengdu")
SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY = datetime(2026, 12, 11, 10, 0, tzinfo=SHANGHAI)
ZH = {"accept-language": "zh-hans"}


@pytest.fixture(autouse=True)
def friday() -> Iterator[Any]:
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def worker() -> User:
    return make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO)


@pytest.fixture
def room() -> Venue:
    return Venue.objects.create(
        kind=Venue.Kind.ROOM, community_id=NIJIAQIAO, name="倪家桥社区党群服务中心·舞蹈室"
    )


def form(room: Venue, **changes: str) -> dict[str, str]:
    return {
        "name": "周三晚广场舞",
        "kind": "dance",
        "venue": str(room.pk),
        "host": "李老师",
        "description": "",
        "weekday": "3",
        "starts_at": "19:00",
        "ends_at": "20:30",
        "first_day": "2026-12-14",
        "last_day": "2027-01-31",
        "capacity": "2",
        "signup_opens": "",
        "signup_closes": "",
        **changes,
    }


def test_a_worker_creates_and_publishes_a_class_in_the_console(
    client: Client, worker: User, room: Venue
) -> None:
    other = Venue.objects.create(
        kind=Venue.Kind.ROOM, community_id=SHUIJINGFANG, name="水井坊社区·活动室"
    )
    client.force_login(worker)
    page = client.get("/console/bookings/classes/new/", headers=ZH)
    assert room.name in page.text
    assert other.name not in page.text
    refused = client.post("/console/bookings/classes/new/", form(room, venue=str(other.pk)))
    assert refused.status_code == 400
    assert not CentreClass.objects.exists()

    response = client.post("/console/bookings/classes/new/", form(room), headers=ZH)
    created = CentreClass.objects.get()
    assert response.status_code == 302
    assert created.status == CentreClass.Status.DRAFT
    detail = client.get(f"/console/bookings/classes/{created.pk}/", headers=ZH)
    assert "草稿" in detail.text
    assert detail.text.count('data-testid="session-row"') == 7

    client.post(f"/console/bookings/classes/{created.pk}/action/", {"action": "publish"})
    created.refresh_from_db()
    assert created.status == CentreClass.Status.PUBLISHED
    assert "社区活动与课程" in client.get("/console/", headers=ZH).text


def test_a_clashing_class_comes_back_with_a_chinese_error_and_nothing_saved(
    client: Client, worker: User, room: Venue
) -> None:
    services.class_create(actor=worker, data=dance(room))
    client.force_login(worker)

    response = client.post(
        "/console/bookings/classes/new/",
        form(room, name="刺绣班", starts_at="20:00", ends_at="21:00"),
        headers=ZH,
    )

    assert response.status_code == 400
    assert "已被“周三晚广场舞”占用：请另选时间或场地。" in response.text
    assert CentreClass.objects.count() == 1


def test_a_resident_sees_this_week_signs_up_and_withdraws_on_the_phone(
    client: Client, worker: User, room: Venue
) -> None:
    created = services.class_create(actor=worker, data=dance(room))
    services.class_publish(actor=worker, class_id=created.pk)
    alice = make_neighbour("alice")
    client.force_login(alice)

    assert "本周社区活动" in client.get("/", headers=ZH).text
    start = client.get("/bookings/classes/")
    assert start.status_code == 302
    assert start.url == f"/bookings/classes/c/{NIJIAQIAO}/"
    this_week = client.get(f"{start.url}?week=2026-12-14", headers=ZH)
    assert this_week.text.count('data-testid="session-row"') == 1
    assert "周三晚广场舞" in this_week.text

    page = client.get(f"/bookings/classes/{created.pk}/", headers=ZH)
    assert "报名整期课程" in page.text
    client.post(f"/bookings/classes/{created.pk}/enrol/")
    assert Enrolment.objects.get(user=alice).status == Enrolment.Status.ENROLLED
    mine = client.get("/bookings/classes/mine/", headers=ZH)
    assert "周三晚广场舞" in mine.text
    assert "已报名" in mine.text

    client.post(f"/bookings/classes/{created.pk}/withdraw/")
    assert Enrolment.objects.get(user=alice).status == Enrolment.Status.WITHDRAWN


def test_drafts_stay_hidden_from_residents(client: Client, worker: User, room: Venue) -> None:
    draft = services.class_create(actor=worker, data=dance(room))
    client.force_login(make_neighbour("alice"))
    assert client.get(f"/bookings/classes/{draft.pk}/").status_code == 404
    assert client.post(f"/bookings/classes/{draft.pk}/enrol/").status_code == 404
    assert not Enrolment.objects.exists()


def test_staff_mark_attendance_on_the_session_page(
    client: Client, worker: User, room: Venue, friday: Any
) -> None:
    created = services.class_create(actor=worker, data=dance(room))
    services.class_publish(actor=worker, class_id=created.pk)
    alice = make_neighbour("alice")
    services.enrolment_make(actor=alice, class_id=created.pk)
    session = created.sessions.order_by("starts_at").first()
    assert session is not None
    friday.move_to(datetime(2026, 12, 16, 19, 5, tzinfo=SHANGHAI))
    client.force_login(worker)
    url = f"/console/bookings/classes/sessions/{session.pk}/attendance/"
    assert "尚未签到" in client.get(url, headers=ZH).text
    assert client.post(url, {"present": [str(alice.pk)]}).status_code == 302
    assert session.attendance.get().present is True


def _api(client: Client, method: str, url: str, body: Any = None) -> Any:
    return getattr(client, method)(url, body or {}, content_type="application/json", headers=ZH)


def test_classes_through_the_api(client: Client, worker: User, room: Venue) -> None:
    created = services.class_create(actor=worker, data=dance(room, capacity=1))
    services.class_publish(actor=worker, class_id=created.pk)
    alice, bob = make_neighbour("alice"), make_neighbour("bob")
    client.force_login(alice)

    listed = _api(client, "get", "/api/v1/bookings/classes").json()
    assert [(c["name"], c["starts_at"], c["free"]) for c in listed] == [
        ("周三晚广场舞", "19:00", 1)
    ]
    enrolled = _api(client, "post", f"/api/v1/bookings/classes/{created.pk}/enrol")
    assert enrolled.status_code == 201
    assert enrolled.json()["status"] == "enrolled"

    client.force_login(bob)
    full = _api(client, "post", f"/api/v1/bookings/classes/{created.pk}/enrol")
    assert full.status_code == 400
    assert full.json()["code"] == "class_full"
    waits = _api(client, "post", f"/api/v1/bookings/classes/{created.pk}/enrol", {"wait": True})
    assert waits.json()["status"] == "waiting"
    detail = _api(client, "get", f"/api/v1/bookings/classes/{created.pk}").json()
    assert (detail["my_status"], detail["my_waiting_position"]) == ("waiting", 1)
    assert detail["next_sessions"][0]["starts_at"] == "2026-12-16T11:00:00Z"  # 19:00 in Chengdu

    client.force_login(alice)
    assert (
        _api(client, "post", f"/api/v1/bookings/classes/{created.pk}/withdraw").json()["status"]
        == "withdrawn"
    )
    client.force_login(bob)
    assert [e["status"] for e in _api(client, "get", "/api/v1/bookings/classes/mine").json()] == [
        "enrolled"
    ]
    assert _api(client, "get", f"/api/v1/bookings/classes?community={SHUIJINGFANG}").json() == []
    assert _api(client, "get", "/api/v1/bookings/classes/99999").status_code == 404


def test_the_week_runs_from_monday(client: Client) -> None:
    response = client.get(f"/bookings/classes/c/{NIJIAQIAO}/?week=2026-12-17", headers=ZH)
    assert response.status_code == 200
    assert "12-14–12-20" in response.text
    assert date(2026, 12, 17).isoweekday() == 4
    assert time(0) == time.min


def test_staff_run_classes_through_the_api(
    client: Client, worker: User, room: Venue, friday: Any
) -> None:
    client.force_login(worker)
    body = {
        "name": "读书会",
        "kind": "reading",
        "venue_id": room.pk,
        "weekday": 6,
        "starts_at": "09:30",
        "ends_at": "11:00",
        "first_day": "2026-12-12",
        "last_day": "2026-12-26",
        "capacity": 10,
    }
    created = _api(client, "post", "/api/v1/bookings/classes/staff", body)
    assert created.status_code == 201
    class_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    clash = _api(client, "post", "/api/v1/bookings/classes/staff", {**body, "name": "咖啡角"})
    assert clash.status_code == 400
    assert clash.json()["code"] == "room_taken"
    assert (
        _api(client, "post", f"/api/v1/bookings/classes/staff/{class_id}/publish").json()["status"]
        == "published"
    )

    alice = make_neighbour("alice")
    services.enrolment_make(actor=alice, class_id=class_id)
    listed = _api(client, "get", f"/api/v1/bookings/classes/staff/{class_id}/enrolments").json()
    assert [(e["user_id"], e["status"]) for e in listed] == [(alice.pk, "enrolled")]
    sessions = _api(client, "get", f"/api/v1/bookings/classes/staff/{class_id}/sessions").json()
    assert len(sessions) == 3
    friday.move_to(datetime(2026, 12, 12, 9, 40, tzinfo=SHANGHAI))
    marked = _api(
        client,
        "post",
        f"/api/v1/bookings/classes/staff/sessions/{sessions[0]['id']}/attendance",
        {"present": [alice.pk]},
    )
    assert marked.json() == {"present": 1}

    client.force_login(make_staff("stranger", Role.COMMUNITY_WORKER, SHUIJINGFANG))
    assert _api(client, "get", "/api/v1/bookings/classes/staff").json() == []
    refused = _api(
        client, "post", f"/api/v1/bookings/classes/staff/{class_id}/cancel", {"reason": "试试"}
    )
    assert refused.status_code == 404
    assert _api(client, "post", "/api/v1/bookings/classes/staff", body).status_code == 404
