"""Sign-in by QR code and planners ticking in residents who have no phone at hand."""

import pytest
from django.test import Client

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.planning.models import Attendance, Consultation
from shequ.planning.services import attendance, consultations
from tests.factories import (
    NIJIAQIAO,
    SHUIJINGFANG,
    login_verified,
    make_resident,
    make_staff,
    make_user,
)

pytestmark = pytest.mark.django_db


def _people(url: str, client: Client, q: str) -> str:
    return client.get(url, {"q": q}).content.decode()


def test_the_console_shows_the_sign_in_qr_and_a_printable_page(
    client: Client, open_consultation: Consultation, planner: User
) -> None:
    client.force_login(planner)
    page = client.get(f"/console/planning/c/{open_consultation.pk}/").content.decode()
    assert 'data-testid="sign-in-qr"' in page
    assert "<svg" in page
    assert f"/planning/{open_consultation.pk}/sign-in/" in page
    poster = client.get(f"/console/planning/c/{open_consultation.pk}/qr/")
    assert poster.status_code == 200
    body = poster.content.decode()
    for text in ("街巷微更新议事会", "党群服务中心", "2026-06-10 14:30", "打印", "<svg"):
        assert text in body


def test_a_resident_scanning_the_code_logs_in_then_lands_on_the_sign_in_page(
    client: Client, open_consultation: Consultation, resident: User
) -> None:
    url = f"/planning/{open_consultation.pk}/sign-in/"
    response = client.get(url)
    assert response.status_code == 302
    assert "next=" in response["Location"]
    assert "sign-in" in response["Location"]
    client.force_login(resident)
    page = client.get(url).content.decode()
    assert 'data-testid="qr-welcome"' in page
    assert 'data-testid="sign-in"' in page
    client.post(url)
    assert Attendance.objects.filter(consultation=open_consultation, user=resident).count() == 1


def test_other_communities_staff_get_404_on_the_qr_and_people_pages(
    client: Client, open_consultation: Consultation
) -> None:
    outside = make_staff("qr-out", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    client.force_login(outside)
    login_verified(client, outside)
    for suffix in ("qr/", "people/?q=王"):
        assert client.get(f"/console/planning/c/{open_consultation.pk}/{suffix}").status_code == 404
    person = make_resident(NIJIAQIAO, name="李四", user=make_user("ticked-out"))
    response = client.post(
        f"/console/planning/c/{open_consultation.pk}/people/", {"resident": person.pk}
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(verb="planning.resident_search").exists()


def test_the_planner_searches_masked_and_ticks_a_resident_in_once(
    client: Client, open_consultation: Consultation, planner: User
) -> None:
    person = make_resident(NIJIAQIAO, name="李秀兰", user=make_user("li-xiulan"))
    make_resident(SHUIJINGFANG, name="李秀梅", user=make_user("li-xiumei"))
    client.force_login(planner)
    url = f"/console/planning/c/{open_consultation.pk}/people/"
    page = _people(url, client, "李")
    assert "李*兰" in page
    assert "李秀兰" not in page  # masked
    assert "李*梅" not in page  # another community
    assert person.id_number.reveal() not in page
    event = AuditEvent.objects.get(verb="planning.resident_search")
    assert event.actor == planner
    assert event.reason == "李"
    assert event.changes["found"] == 1
    for _n in range(2):
        response = client.post(url, {"resident": person.pk, "q": "李"})
        assert response.status_code == 302
    ticked = Attendance.objects.get(consultation=open_consultation)
    assert ticked.user_id == person.user_id
    assert ticked.how == "ticked"
    assert AuditEvent.objects.filter(verb="planning.attendance_tick").count() == 1
    assert 'data-testid="person-signed-in"' in _people(url, client, "李")


def test_bad_input_gives_a_chinese_error_and_changes_nothing(
    client: Client, open_consultation: Consultation, planner: User
) -> None:
    client.force_login(planner)
    url = f"/console/planning/c/{open_consultation.pk}/people/"
    response = client.get(url, {"q": "1234"})
    assert response.status_code == 400
    assert "请至少输入姓氏" in response.content.decode()
    assert not AuditEvent.objects.filter(verb="planning.resident_search").exists()
    elsewhere = make_resident(SHUIJINGFANG, name="赵六", user=make_user("zhao-liu"))
    response = client.post(url, {"resident": elsewhere.pk}, follow=True)
    assert "请选择本社区的居民。" in response.content.decode()
    response = client.post(url, {"resident": "abc"}, follow=True)
    assert response.status_code == 200
    assert not Attendance.objects.exists()


def test_the_api_searches_and_ticks(
    client: Client, open_consultation: Consultation, planner: User, resident: User
) -> None:
    person = make_resident(NIJIAQIAO, name="李秀兰", user=make_user("api-li"))
    base = f"/api/v1/planning/consultations/{open_consultation.pk}"
    client.force_login(planner)
    body = client.get(f"{base}/people", {"q": "李"}).json()
    assert body["results"][0]["name_masked"] == "李*兰"
    assert "李秀兰" not in str(body)
    bad = client.get(f"{base}/people", {"q": ""})
    assert bad.status_code == 400
    assert "请至少输入姓氏" in bad.json()["title"]
    for _n in range(2):
        response = client.post(
            f"{base}/attendance", {"resident_id": person.pk}, content_type="application/json"
        )
        assert response.status_code == 201
        assert response.json()["name_masked"] == "李*兰"
    assert Attendance.objects.filter(consultation=open_consultation).count() == 1


def test_a_resident_cannot_tick_others_in(
    client: Client, open_consultation: Consultation, resident: User
) -> None:
    other = make_resident(NIJIAQIAO, name="李秀兰", user=make_user("not-me"))
    base = f"/api/v1/planning/consultations/{open_consultation.pk}"
    client.force_login(resident)
    response = client.post(
        f"{base}/attendance", {"resident_id": other.pk}, content_type="application/json"
    )
    assert response.status_code == 404
    assert client.get(f"{base}/people", {"q": "李"}).status_code == 404
    assert client.get(f"/console/planning/c/{open_consultation.pk}/people/").status_code == 403
    assert not Attendance.objects.exists()


def test_a_closed_consultation_takes_no_ticks(
    open_consultation: Consultation, planner: User
) -> None:
    from shequ.core.errors import DomainError

    person = make_resident(NIJIAQIAO, name="李秀兰", user=make_user("closed-li"))
    consultations.consultation_set_status(
        actor=planner, consultation_id=open_consultation.pk, status="closed"
    )
    with pytest.raises(DomainError) as error:
        attendance.attendance_tick(
            actor=planner, consultation_id=open_consultation.pk, resident_id=person.pk
        )
    assert error.value.code == "closed"
    assert not Attendance.objects.exists()
