"""'Me too' before filing: open public requests of the same category within 200 m and 30
days are offered on the phone page (with and without scripts) and over the API, and a
resident joins one instead of filing it again, once, audited."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from shequ.appeals import selectors
from shequ.appeals.models import Appeal, AppealEvent, AppealFollower
from shequ.appeals.services.handling import appeal_close, appeal_sign
from shequ.appeals.services.intake import appeal_follow, appeal_submit, similar_check
from shequ.core.errors import DomainError
from shequ.core.models import AuditEvent
from shequ.people.models import User
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, PIN, category, street_light
from tests.factories import NIJIAQIAO, make_user

pytestmark = pytest.mark.django_db

NOW = BEFORE_NATIONAL_DAY
# About 96 m and about 290 m east of the pin.
NEAR = (PIN[0] + 0.001, PIN[1])
FAR = (PIN[0] + 0.003, PIN[1])


@pytest.fixture(autouse=True)
def fixed_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def similar_to(lon_lat: tuple[float, float], code: str = "ludeng") -> list[Appeal]:
    found = similar_check(category_id=category(code).pk, longitude=lon_lat[0], latitude=lon_lat[1])
    return [s.appeal for s in found]


def test_an_open_request_within_200_m_is_offered_with_its_distance(resident: User) -> None:
    appeal = street_light(resident)
    found = similar_check(category_id=appeal.category_id, longitude=NEAR[0], latitude=NEAR[1])
    assert [(s.appeal, s.metres) for s in found] == [(appeal, 96)]


def test_farther_than_200_m_or_another_category_is_not_offered(resident: User) -> None:
    street_light(resident)
    assert similar_to(FAR) == []
    assert similar_to(PIN, code="zaosheng") == []


def test_nearest_first(resident: User) -> None:
    first = street_light(resident)
    second = appeal_submit(
        actor=resident,
        category_id=category("ludeng").pk,
        description="路灯不亮",
        community_code=NIJIAQIAO,
        longitude=NEAR[0],
        latitude=NEAR[1],
    )
    assert similar_to((NEAR[0] + 0.0002, NEAR[1])) == [second, first]


def test_older_than_30_days_is_not_offered(resident: User) -> None:
    appeal = street_light(resident)
    with time_machine.travel(NOW + timedelta(days=29), tick=False):
        assert similar_to(PIN) == [appeal]
    with time_machine.travel(NOW + timedelta(days=31), tick=False):
        assert similar_to(PIN) == []


def test_a_handled_request_is_not_offered(resident: User, worker: User) -> None:
    appeal = street_light(resident)
    appeal_sign(actor=worker, appeal_id=appeal.pk)
    assert similar_to(PIN) == [appeal]  # signed for, in progress: still open
    appeal_close(actor=worker, appeal_id=appeal.pk, reply="已修复")
    assert similar_to(PIN) == []


def test_a_private_request_is_never_offered(client: Client, resident: User) -> None:
    private = street_light(resident, is_private=True)
    assert similar_to(PIN) == []
    fragment = client.get(
        "/appeals/nearby/",
        {
            "category": category("ludeng").pk,
            "community": NIJIAQIAO,
            "longitude": PIN[0],
            "latitude": PIN[1],
        },
    )
    assert private.number not in fragment.text
    answer = Client().get(
        "/api/v1/appeals/similar",
        {"category": category("ludeng").pk, "lat": PIN[1], "lng": PIN[0]},
    )
    assert answer.json() == []


def test_the_index_covers_exactly_the_open_statuses() -> None:
    index = next(i for i in Appeal._meta.indexes if i.name == "appeal_similar")
    assert index.condition is not None
    assert dict(index.condition.children)["status__in"] == list(Appeal.OPEN_STATUSES)


@pytest.mark.parametrize(
    ("lng", "lat", "title"),
    [
        ("abc", "30.63", "无法读取地图位置。"),
        ("nan", "30.63", "无法读取地图位置。"),
        ("", "", "无法读取地图位置。"),
        ("116.40", "39.90", "地图位置不在成都市范围内。"),
    ],
)
def test_bad_coordinates_give_a_chinese_error(world: None, lng: str, lat: str, title: str) -> None:
    answer = Client().get(
        "/api/v1/appeals/similar",
        {"category": category("ludeng").pk, "lat": lat, "lng": lng},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.status_code == 400
    assert answer.json()["title"] == title
    assert answer.json()["field"] == "location"


def test_api_lists_similar_and_follows_once(resident: User) -> None:
    appeal = street_light(resident)
    answer = Client().get(
        "/api/v1/appeals/similar",
        {"category": appeal.category_id, "lat": NEAR[1], "lng": NEAR[0]},
    )
    assert answer.status_code == 200
    assert [(a["number"], a["distance_m"]) for a in answer.json()] == [(appeal.number, 96)]
    assert "reporter" not in answer.text
    neighbour = make_user("neighbour")
    client = Client()
    client.force_login(neighbour)
    first = client.post(f"/api/v1/appeals/{appeal.pk}/follow")
    second = client.post(f"/api/v1/appeals/{appeal.pk}/follow")
    assert (first.status_code, first.json()["already"]) == (200, False)
    assert (second.status_code, second.json()["already"]) == (200, True)
    assert AppealFollower.objects.filter(appeal=appeal).count() == 1
    assert Client().post(f"/api/v1/appeals/{appeal.pk}/follow").status_code == 401


def test_joining_is_audited_and_twice_changes_nothing(resident: User) -> None:
    appeal = street_light(resident)
    neighbour = make_user("neighbour")
    appeal_follow(actor=neighbour, appeal_id=appeal.pk)
    appeal_follow(actor=neighbour, appeal_id=appeal.pk)
    assert AppealFollower.objects.filter(appeal=appeal, user=neighbour).count() == 1
    assert appeal.events.filter(kind=AppealEvent.Kind.FOLLOWED).count() == 1
    audit = AuditEvent.objects.filter(verb="appeal.follow", object_id=str(appeal.pk))
    assert [a.actor_id for a in audit] == [neighbour.pk]


def test_joining_a_private_or_handled_request_is_refused(resident: User, worker: User) -> None:
    private = street_light(resident, is_private=True)
    neighbour = make_user("neighbour")
    with pytest.raises(DomainError):
        appeal_follow(actor=neighbour, appeal_id=private.pk)
    handled = street_light(resident)
    appeal_sign(actor=worker, appeal_id=handled.pk)
    appeal_close(actor=worker, appeal_id=handled.pk, reply="已修复")
    with pytest.raises(DomainError) as refused:
        appeal_follow(actor=neighbour, appeal_id=handled.pk)
    assert refused.value.code == "not_open"
    assert not AppealFollower.objects.exists()


def _form(**extra: object) -> dict[str, object]:
    return {
        "category": category("ludeng").pk,
        "description": "路灯又不亮了",
        "community": NIJIAQIAO,
        "longitude": NEAR[0],
        "latitude": NEAR[1],
        **extra,
    }


def test_without_scripts_the_check_step_offers_me_too_and_files_nothing(
    client: Client, resident: User
) -> None:
    appeal = street_light(resident)
    neighbour = make_user("neighbour")
    client.force_login(neighbour)
    page = client.post("/appeals/new/", _form(action="check"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert appeal.number in page.text
    assert "相距约 96 米" in page.text
    assert f'formaction="/appeals/{appeal.pk}/follow/"' in page.text
    assert "我也遇到了" in page.text
    assert 'name="file_anyway" value="1"' in page.text
    assert Appeal.objects.count() == 1
    # "我也遇到了": the button posts the form to the follow page.
    joined = client.post(f"/appeals/{appeal.pk}/follow/", _form(), follow=True)
    assert "您已关注此诉求，每次进展都会通知您。" in joined.text
    again = client.post(f"/appeals/{appeal.pk}/follow/", _form(), follow=True)
    assert "您已关注此诉求。" in again.text
    assert AppealFollower.objects.filter(appeal=appeal).count() == 1
    assert Appeal.objects.count() == 1
    assert appeal in selectors.appeal_list_for_resident(user=neighbour)


def test_send_shows_similar_first_then_files_anyway(client: Client, resident: User) -> None:
    appeal = street_light(resident)
    client.force_login(make_user("neighbour"))
    shown = client.post("/appeals/new/", _form(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert shown.status_code == 200
    assert appeal.number in shown.text
    assert "不是同一个问题？仍然提交您的诉求。" in shown.text
    assert Appeal.objects.count() == 1
    filed = client.post("/appeals/new/", _form(file_anyway="1"))
    assert filed.status_code == 302
    assert Appeal.objects.count() == 2


def test_the_check_step_says_when_nothing_is_similar(client: Client, resident: User) -> None:
    client.force_login(resident)
    page = client.post("/appeals/new/", _form(action="check", category=category("zaosheng").pk))
    assert page.status_code == 200
    assert 'data-testid="me-too-none"' in page.text
    assert not Appeal.objects.exists()


def test_the_check_step_with_a_pin_outside_the_city_says_so(client: Client, resident: User) -> None:
    client.force_login(resident)
    page = client.post(
        "/appeals/new/",
        _form(action="check", longitude="116.40", latitude="39.90"),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert page.status_code == 400
    assert "地图位置不在成都市范围内。" in page.text
    assert not Appeal.objects.exists()
