"""The phone pages, the leader's pages and the console, through the Django test client, in
Chinese: what a user sees and that each page checks who may see it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import Service
from shequ.catalogue.selectors import service_way
from shequ.people.models import User
from shequ.volunteers import selectors
from shequ.volunteers.models import (
    Activity,
    HoursEntry,
    Membership,
    SignUp,
    StarAward,
    Team,
    Volunteer,
)
from shequ.volunteers.services import activities, ledger, teams
from tests.factories import NIJIAQIAO, login_verified
from tests.volunteers.conftest import PLACE, SATURDAY_9, register, resident_user


def zh(client: Client) -> Client:
    client.cookies["django_language"] = "zh-hans"
    return client


def as_user(user: User) -> Client:
    client = zh(Client())
    client.force_login(user)
    return client


def as_staff(user: User) -> Client:
    client = as_user(user)
    login_verified(client, user)
    return client


def test_the_catalogue_service_leads_to_registration(chengdu: None) -> None:
    seed_catalogue(policies_per_service=0)
    user = resident_user("bob")
    service = Service.objects.get(code="qingshaonian-zhiyuan")
    way = service_way(service=service, user=user)
    assert way.action_url == "/volunteers/register/"
    client = as_user(user)
    page = client.get(f"/catalogue/services/{service.pk}/")
    assert page.status_code == 200
    assert 'data-action="apply"' in page.content.decode()
    client.post(
        "/volunteers/register/",
        {
            "skills": ["first_aid"],
            "availability": ["weekend_morning"],
            "service_areas": [NIJIAQIAO],
        },
    )
    # Registered: the service page says so and leads to her volunteer page, not a second form.
    html = client.get(f"/catalogue/services/{service.pk}/").content.decode()
    assert "您已办理过此事项。" in html
    assert 'href="/volunteers/" data-testid="service-action" data-action="done"' in html
    assert 'data-action="apply"' not in html


def test_registration_page_shows_identity_and_registers(chengdu: None) -> None:
    user = resident_user("bob")
    client = as_user(user)
    page = client.get("/volunteers/register/")
    html = page.content.decode()
    assert "从已认证的账户" in html or "bo" in html
    assert user.resident.real_name in html
    assert str(user.resident.id_number.reveal()) not in html  # masked
    done = client.post(
        "/volunteers/register/",
        {
            "skills": ["first_aid"],
            "availability": ["weekend_morning"],
            "service_areas": [NIJIAQIAO],
        },
        follow=True,
    )
    volunteer = Volunteer.objects.get(user=user)
    assert volunteer.number in done.content.decode()
    assert volunteer.skills == ["first_aid"]


def test_a_thirteen_year_old_sees_a_chinese_refusal(chengdu: None) -> None:
    from datetime import date

    user = resident_user("kid", born=date(2013, 6, 1))
    page = as_user(user).post("/volunteers/register/", {})
    assert page.status_code == 400
    assert "志愿者须年满 14 周岁" in page.content.decode()
    assert not Volunteer.objects.exists()


def test_resident_journey_pages(volunteer_user: User, activity: Activity) -> None:
    client = as_user(volunteer_user)
    assert "周六敬老院探访" in client.get("/volunteers/activities/").content.decode()
    slot = activity.slots.get()
    client.post(f"/volunteers/slots/{slot.pk}/signup/", {"activity": activity.pk})
    assert SignUp.objects.get(volunteer__user=volunteer_user).status == SignUp.Status.CONFIRMED
    detail = client.get(f"/volunteers/activities/{activity.pk}/").content.decode()
    assert 'data-testid="my-slot-status"' in detail
    with time_machine.travel(SATURDAY_9, tick=False):
        token = selectors.checkin_token(activity.pk)
        page = client.get(f"/volunteers/check/{token}/")
        assert page.status_code == 200
        assert "周六敬老院探访" in page.content.decode()
        far = client.post(
            f"/volunteers/check/{token}/", {"latitude": "30.7", "longitude": str(PLACE[1])}
        )
        assert far.status_code == 400
        assert "米" in far.content.decode()
        near = client.post(
            f"/volunteers/check/{token}/",
            {"latitude": str(PLACE[0]), "longitude": str(PLACE[1])},
        )
        assert near.status_code == 200
        assert 'data-testid="check-result"' in near.content.decode()
    assert SignUp.objects.get().checked_in_at == SATURDAY_9
    home = client.get("/volunteers/").content.decode()
    assert volunteer_user.volunteer.number in home


def test_the_page_script_gets_the_scan_answer_alone(
    volunteer_user: User, activity: Activity
) -> None:
    client = as_user(volunteer_user)
    slot = activity.slots.get()
    client.post(f"/volunteers/slots/{slot.pk}/signup/", {"activity": activity.pk})
    json = "application/json"
    with time_machine.travel(SATURDAY_9, tick=False):
        url = f"/volunteers/check/{selectors.checkin_token(activity.pk)}/"
        far = client.post(url, {"latitude": "30.7", "longitude": str(PLACE[1])}, HTTP_ACCEPT=json)
        assert far.status_code == 400
        assert far.json()["ok"] is False
        assert "米" in far.json()["message"]
        assert SignUp.objects.get().checked_in_at is None
        here = {"latitude": str(PLACE[0]), "longitude": str(PLACE[1])}
        arrived = client.post(url, here, HTTP_ACCEPT=json).json()
    assert arrived["ok"] is True
    assert arrived["checked_out"] is False
    assert "签到" in arrived["message"]
    with time_machine.travel(SATURDAY_9 + timedelta(hours=3), tick=False):
        url = f"/volunteers/check/{selectors.checkin_token(activity.pk)}/"
        left = client.post(url, here, HTTP_ACCEPT=json).json()
    assert left["checked_out"] is True
    assert "3.0 小时" in left["message"]
    assert left["hours_url"] == "/volunteers/hours/"


def test_an_expired_code_page_says_so(volunteer_user: User, activity: Activity) -> None:
    token = selectors.checkin_token(activity.pk)
    with time_machine.travel(SATURDAY_9, tick=False):
        page = as_user(volunteer_user).get(f"/volunteers/check/{token}/")
    assert page.status_code == 400
    assert 'data-testid="check-error"' in page.content.decode()


def test_teams_join_and_leader_approves_on_the_phone(
    volunteer_user: User, team: Team, worker: User
) -> None:
    leader = resident_user("leader")
    register(leader)
    teams.team_leader_set(actor=worker, team_id=team.pk, resident_id=leader.resident.pk)
    as_user(volunteer_user).post(f"/volunteers/teams/{team.pk}/join/")
    membership = Membership.objects.get(volunteer__user=volunteer_user)
    leader_client = as_user(leader)
    page = leader_client.get(f"/volunteers/manage/teams/{team.pk}/").content.decode()
    assert volunteer_user.resident.real_name in page
    leader_client.post(f"/volunteers/manage/requests/{membership.pk}/", {"approve": "1"})
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    # Someone who leads nothing gets 404 on the team's page.
    assert as_user(volunteer_user).get(f"/volunteers/manage/teams/{team.pk}/").status_code == 404


def test_leader_shows_a_qr_and_marks_attendance(
    volunteer_user: User, activity: Activity, worker: User
) -> None:
    client = as_staff(worker)
    svg = client.get(f"/volunteers/manage/activities/{activity.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert "/volunteers/check/" in svg["X-Check-Url"]
    signup = activities.signup_create(actor=volunteer_user, slot_id=activity.slots.get().pk)
    with time_machine.travel(SATURDAY_9 + timedelta(hours=5), tick=False):
        slot_page = client.get(f"/volunteers/manage/slots/{signup.slot_id}/")
        assert volunteer_user.resident.real_name in slot_page.content.decode()
        client.post(
            f"/volunteers/manage/slots/{signup.slot_id}/mark/{signup.pk}/",
            {
                "checked_in_at": "2026-12-12T09:00",
                "checked_out_at": "2026-12-12T11:00",
                "reason": "手机没电",
            },
        )
    assert HoursEntry.objects.get(signup=signup).hours == Decimal("2.0")
    assert (
        as_user(volunteer_user)
        .get(f"/volunteers/manage/activities/{activity.pk}/qr.svg")
        .status_code
        == 404
    )


def test_worker_creates_and_publishes_an_activity_from_the_form(worker: User) -> None:
    client = as_staff(worker)
    assert client.get("/volunteers/manage/activities/new/").status_code == 200
    form = {
        "community": NIJIAQIAO,
        "title": "周三广场舞",
        "description": "带领居民跳舞",
        "place": "倪家桥社区广场",
        "latitude": "30.625",
        "longitude": "104.07",
        "signup_deadline": "2026-12-15T18:00",
        "day": "2026-12-16",
        "starts": "19:00",
        "ends": "20:30",
        "quota": "20",
        "min_age": "14",
        "min_level": "1",
    }
    bad = client.post("/volunteers/manage/activities/new/", {**form, "ends": "18:00"})
    assert bad.status_code == 400
    assert "结束" in bad.content.decode()
    assert not Activity.objects.exists()
    client.post("/volunteers/manage/activities/new/", form)
    made = Activity.objects.get()
    assert made.hours_cap == Decimal("1.5")
    client.post(f"/volunteers/manage/activities/{made.pk}/publish/")
    made.refresh_from_db()
    assert made.status == Activity.Status.PUBLISHED


def test_console_pages(
    volunteer_user: User, worker: User, django_assert_max_num_queries: object
) -> None:
    client = as_staff(worker)
    made = client.post(
        "/console/volunteers/teams/",
        {"name": "玉林巡逻队", "kind": "community", "division": NIJIAQIAO},
    )
    team = Team.objects.get(name="玉林巡逻队")
    assert made["Location"].endswith(f"/console/volunteers/teams/{team.pk}/")
    client.post(f"/console/volunteers/teams/{team.pk}/", {"person": volunteer_user.resident.pk})
    assert Membership.objects.get(team=team).role == Membership.Role.LEADER
    volunteer = volunteer_user.volunteer
    page = client.get("/console/volunteers/")
    assert volunteer.number in page.content.decode()
    bad = client.post(
        f"/console/volunteers/volunteers/{volunteer.pk}/",
        {"hours": "30", "served_on": "2026-12-01", "content": "义诊", "reason": "补录"},
    )
    assert bad.status_code == 400
    assert not HoursEntry.objects.exists()
    client.post(
        f"/console/volunteers/volunteers/{volunteer.pk}/",
        {"hours": "3", "served_on": "2026-12-01", "content": "义诊", "reason": "补录"},
    )
    entry = HoursEntry.objects.get()
    client.post(f"/console/volunteers/entries/{entry.pk}/correct/", {"reason": ""})
    assert HoursEntry.objects.count() == 1
    client.post(f"/console/volunteers/entries/{entry.pk}/correct/", {"reason": "重复"})
    assert selectors.volunteer_totals(volunteer).total == 0
    assert client.get("/console/volunteers/stars/").status_code == 200


def test_residents_cannot_open_the_console(volunteer_user: User) -> None:
    assert as_user(volunteer_user).get("/console/volunteers/").status_code == 403


def test_star_announcement_and_certificate_verification(volunteer_user: User, worker: User) -> None:
    from datetime import date

    for _ in range(5):
        ledger.hours_honour_add(
            actor=worker,
            volunteer_id=volunteer_user.volunteer.pk,
            hours="20",
            served_on=date(2026, 11, 1),
            content="长期服务",
            reason="年度核定",
        )
    as_staff(worker).post("/console/volunteers/stars/compute/")
    assert StarAward.objects.get().status == StarAward.Status.ANNOUNCED
    public = zh(Client()).get("/volunteers/stars/").content.decode()
    assert volunteer_user.volunteer.number in public
    assert "a**" in public  # the name masked
    client = as_user(volunteer_user)
    client.post("/volunteers/certificate/")
    number = volunteer_user.volunteer.certificates.get().document.number
    verified = zh(Client()).get(f"/verify/{number}/")
    assert verified.status_code == 200
    missing = zh(Client()).get("/verify/CD-2026-0000-0000-0/")
    assert missing.status_code in (400, 404)


@pytest.mark.parametrize("path", ["/api/v1/volunteers/me", "/api/v1/volunteers/activities"])
def test_api_reads(volunteer_user: User, activity: Activity, path: str) -> None:
    assert as_user(volunteer_user).get(path).status_code == 200


def test_api_sign_up_and_refusals(volunteer_user: User, activity: Activity) -> None:
    client = as_user(volunteer_user)
    slot = activity.slots.get()
    made = client.post(
        "/api/v1/volunteers/signups", {"slot_id": slot.pk}, content_type="application/json"
    )
    assert made.status_code == 201
    again = client.post(
        "/api/v1/volunteers/signups", {"slot_id": slot.pk}, content_type="application/json"
    )
    assert again.status_code == 400
    assert again["Content-Type"].startswith("application/problem+json")
    scan = client.post(
        "/api/v1/volunteers/check-in",
        {"token": "1-2-3", "latitude": 30.6, "longitude": 104.0},
        content_type="application/json",
    )
    assert scan.status_code == 400


def test_export_in_the_national_fields_keeps_id_numbers_masked(
    volunteer_user: User, worker: User
) -> None:
    import io

    from openpyxl import load_workbook

    from shequ.core.models import AuditEvent

    response = as_staff(worker).get("/console/volunteers/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("志愿者编号", "真实姓名", "证件类型", "身份证号")
    assert rows[1][0] == volunteer_user.volunteer.number
    assert "*" in str(rows[1][3])
    assert AuditEvent.objects.filter(verb="volunteers.export").count() == 1
    assert as_user(volunteer_user).get("/console/volunteers/export.xlsx").status_code == 403


def test_volunteers_per_thousand_residents(volunteer_user: User, worker: User) -> None:
    rows = selectors.volunteers_per_thousand(user=worker)
    assert rows[0]["volunteers"] == 1
    assert rows[0]["per_thousand"] == Decimal(1000) / rows[0]["residents"]


def test_a_long_record_is_paged_not_cut(volunteer_user: User, worker: User) -> None:
    volunteer = volunteer_user.volunteer
    for day in range(1, 53):
        ledger.hours_honour_add(
            actor=worker,
            volunteer_id=volunteer.pk,
            hours="1",
            served_on=date(2026, 10, 1) + timedelta(days=day),
            content=f"第{day}次巡逻",
            reason="补录",
        )
    client = as_staff(worker)
    first = client.get(f"/console/volunteers/volunteers/{volunteer.pk}/").content.decode()
    assert first.count('data-testid="console-ledger-row"') == 50
    assert "第52次巡逻" in first  # newest first
    assert "第1次巡逻<" not in first
    second = client.get(f"/console/volunteers/volunteers/{volunteer.pk}/?page=2")
    assert second.content.decode().count('data-testid="console-ledger-row"') == 2
    assert "第1次巡逻<" in second.content.decode()
