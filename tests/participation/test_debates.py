"""Debates: the community's staff open a question for a period, residents argue for or
against, staff close it with a summary (pages on the phone, console, API, permissions)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.notices.models import Message
from shequ.participation.models import Comment, Debate
from shequ.participation.services import comments, debates
from shequ.people.models import User
from tests.factories import NIJIAQIAO, SHUIJINGFANG
from tests.participation.conftest import Place

NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)  # 10:00 in Chengdu
BASE = "/api/v1/participation"


@pytest.fixture(autouse=True)
def fixed_now():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def open_debate(place: Place, **kw: object) -> Debate:
    data: dict[str, object] = {
        "title": "东门停车场要不要改成口袋公园？",
        "description": "停车位少了 12 个，但多了一块老人和孩子休息的地方。",
        "closes_at": NOW + timedelta(days=7),
    }
    data.update(kw)
    return debates.debate_open(actor=place.worker, community_code=NIJIAQIAO, **data)


def argue(place: Place, who: int, debate: Debate, body: str, stance: str = "for") -> Comment:
    return comments.comment_post(
        actor=place.residents[who], target="debate", key=debate.pk, body=body, stance=stance
    )


def test_residents_argue_and_staff_close_with_a_summary(place: Place, client: Client) -> None:
    debate = open_debate(place, council_id=place.council.pk)
    argue(place, 3, debate, "孩子们需要地方玩")
    first_against = argue(place, 4, debate, "车位本来就不够", stance="against")
    # A reply to an argument takes no stance of its own.
    reply = comments.comment_post(
        actor=place.residents[5],
        target="debate",
        key=debate.pk,
        body="可以在路边划车位",
        parent_id=first_against.pk,
        stance="for",
    )
    assert reply.stance == ""
    page = client.get(f"/participation/debates/{debate.pk}/").content.decode()
    assert "东门停车场要不要改成口袋公园？" in page
    assert "倪家桥社区居民议事会" in page
    assert "赞成（1）" in page
    assert "反对（1）" in page
    assert "可以在路边划车位" in page
    assert "登录后发表观点" in page

    closed = debates.debate_close(
        actor=place.worker, debate_id=debate.pk, summary="多数居民赞成，议事会下次会议表决。"
    )
    assert closed.status == Debate.Status.CLOSED
    # Everyone who argued is told, once each.
    told = Message.objects.filter(url=f"/participation/debates/{debate.pk}/")
    assert sorted(told.values_list("user_id", flat=True)) == sorted(
        u.pk for u in place.residents[3:6]
    )
    assert "您参与的议题辩论已结束" in told.first().title  # type: ignore[union-attr]
    client.force_login(place.residents[1])
    page = client.get(f"/participation/debates/{debate.pk}/").content.decode()
    assert 'data-testid="debate-summary"' in page
    assert "多数居民赞成" in page
    assert 'data-testid="argument-form"' not in page
    assert "该辩论已结束，不再接受发言。" in page
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"participation.debate_open", "participation.debate_close"} <= verbs


def test_reachable_from_the_community_page(place: Place, client: Client) -> None:
    debate = open_debate(place)
    open_debate(place, title="以后再开", opens_at=NOW + timedelta(days=2))
    page = client.get(f"/participation/c/{NIJIAQIAO}/").content.decode()
    assert f'href="/participation/c/{NIJIAQIAO}/debates/"' in page
    assert f'href="/participation/debates/{debate.pk}/"' in page
    listing = client.get(f"/participation/c/{NIJIAQIAO}/debates/").content.decode()
    assert listing.count('data-testid="debate-row"') == 1  # the future one is not shown yet
    assert "赞成 0 · 反对 0" in listing
    assert client.get(f"/participation/c/{SHUIJINGFANG}/debates/").status_code == 200


def test_a_resident_argues_from_the_phone_page(place: Place, client: Client) -> None:
    debate = open_debate(place)
    client.force_login(place.residents[2])
    page = client.get(f"/participation/debates/{debate.pk}/").content.decode()
    assert 'data-testid="argument-form"' in page
    response = client.post(
        f"/participation/comments/debate/{debate.pk}/",
        {"body": "车位可以改到西边空地", "stance": "against"},
        follow=True,
    )
    page = response.content.decode()
    assert "车位可以改到西边空地" in page
    assert "反对（1）" in page
    # No stance chosen: a clear message, nothing stored.
    response = client.post(
        f"/participation/comments/debate/{debate.pk}/", {"body": "我没选立场"}, follow=True
    )
    assert "请选择您的立场：赞成或反对。" in response.content.decode()
    assert Comment.objects.filter(target="debate").count() == 1


@pytest.mark.parametrize(
    ("body", "code"), [("", "required"), ("   ", "required"), ("长" * 10000, "too_long")]
)
def test_empty_or_long_arguments_are_refused(place: Place, body: str, code: str) -> None:
    debate = open_debate(place)
    with pytest.raises(DomainError) as error:
        argue(place, 1, debate, body)
    assert error.value.code == code
    assert not Comment.objects.exists()


def test_arguing_on_a_closed_or_expired_debate_is_refused(
    place: Place, fixed_now: time_machine.Traveller
) -> None:
    debate = open_debate(place)
    debates.debate_close(actor=place.worker, debate_id=debate.pk, summary="结束")
    with pytest.raises(DomainError) as error:
        argue(place, 1, debate, "还想说一句")
    assert error.value.code == "closed"
    assert "该辩论已结束，不再接受发言。" in str(error.value)
    later = open_debate(place, title="第二个问题")
    fixed_now.shift(timedelta(days=8))
    with pytest.raises(DomainError) as error:
        argue(place, 1, later, "过期了")
    assert error.value.code == "closed"
    assert not Comment.objects.exists()


def test_who_may_argue(place: Place) -> None:
    debate = open_debate(place)
    for user in (place.outsider, place.unverified):
        with pytest.raises(PermissionDenied):
            comments.comment_post(
                actor=user, target="debate", key=debate.pk, body="我也想说", stance="for"
            )
    future = open_debate(place, title="还没开始", opens_at=NOW + timedelta(days=1))
    with pytest.raises(NotFound):
        argue(place, 1, future, "太早了")
    assert not Comment.objects.exists()


def test_a_worker_of_another_community_cannot_open_or_close(place: Place, client: Client) -> None:
    with pytest.raises(NotFound):
        debates.debate_open(
            actor=place.other_worker,
            community_code=NIJIAQIAO,
            title="别的社区的问题",
            description="d",
            closes_at=NOW + timedelta(days=3),
        )
    debate = open_debate(place)
    with pytest.raises(NotFound) as error:
        debates.debate_close(actor=place.other_worker, debate_id=debate.pk, summary="越权")
    assert "您的辖区内没有该议题辩论。" in str(error.value)
    client.force_login(place.other_worker)
    assert client.get(f"/console/participation/debates/{debate.pk}/").status_code == 404
    response = client.post(
        f"{BASE}/debates/{debate.pk}/close",
        json.dumps({"summary": "越权"}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert "您的辖区内没有该议题辩论。" in response.json()["title"]
    debate.refresh_from_db()
    assert (debate.status, debate.summary) == (Debate.Status.OPEN, "")
    assert Debate.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"title": ""}, "required"),
        ({"description": "长" * 5000}, "too_long"),
        ({"closes_at": NOW - timedelta(hours=1)}, "closes_in_past"),
        ({"opens_at": NOW + timedelta(days=9)}, "closes_before_opening"),
        ({"council_id": 999999}, "council_not_found"),
        ({"closes_at": datetime(9999, 12, 31, 23, 59, tzinfo=UTC)}, "period_too_long"),
    ],
)
def test_bad_debates_are_refused(place: Place, change: dict[str, object], code: str) -> None:
    with pytest.raises(DomainError) as error:
        open_debate(place, **change)
    assert error.value.code == code
    assert not Debate.objects.exists()


def test_closing_twice_or_without_summary_is_refused(place: Place) -> None:
    debate = open_debate(place)
    with pytest.raises(DomainError) as error:
        debates.debate_close(actor=place.worker, debate_id=debate.pk, summary="  ")
    assert error.value.code == "required"
    debates.debate_close(actor=place.worker, debate_id=debate.pk, summary="结论")
    with pytest.raises(DomainError) as error:
        debates.debate_close(actor=place.worker, debate_id=debate.pk, summary="再来")
    assert error.value.code == "already_closed"
    debate.refresh_from_db()
    assert debate.summary == "结论"


def test_console_opens_and_closes(place: Place, client: Client) -> None:
    client.force_login(place.worker)
    desk = client.get(f"/console/participation/c/{NIJIAQIAO}/").content.decode()
    assert 'data-testid="new-debate"' in desk
    url = f"/console/participation/c/{NIJIAQIAO}/debates/new/"
    form = client.get(url).content.decode()
    assert "倪家桥社区居民议事会" in form
    response = client.post(
        url,
        {
            "title": "要不要装充电桩？",
            "description": "电动车充电难",
            "closes_at": "2026-05-01T18:00",
        },
    )
    assert response.status_code == 400
    assert "已过" in response.content.decode()
    assert not Debate.objects.exists()
    response = client.post(
        url,
        {
            "title": "要不要装充电桩？",
            "description": "电动车充电难",
            "council_id": str(place.council.pk),
            "closes_at": "2026-05-11T18:00",
        },
    )
    debate = Debate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/console/participation/debates/{debate.pk}/"
    assert debate.council_id == place.council.pk
    page = f"/console/participation/debates/{debate.pk}/"
    assert client.post(page, {"summary": ""}).status_code == 400
    assert Debate.objects.get().status == Debate.Status.OPEN
    response = client.post(page, {"summary": "同意在北门装 10 个充电桩"})
    assert response.status_code == 302
    closed = client.get(page).content.decode()
    assert "同意在北门装 10 个充电桩" in closed
    assert 'data-testid="submit"' not in closed


def test_api(place: Place, client: Client) -> None:
    client.force_login(place.worker)
    response = client.post(
        f"{BASE}/debates",
        json.dumps(
            {
                "community": NIJIAQIAO,
                "title": "楼道要不要统一装灯？",
                "description": "电费由谁出",
                "closes_at": (NOW + timedelta(days=5)).isoformat(),
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201
    debate_id = response.json()["id"]
    client.force_login(place.residents[1])
    response = client.post(
        f"{BASE}/comments/debate/{debate_id}",
        json.dumps({"body": "应该装", "stance": "for"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["stance"] == "for"
    response = client.post(
        f"{BASE}/comments/debate/{debate_id}",
        json.dumps({"body": "不选立场"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "stance_required"
    rows = client.get(f"{BASE}/communities/{NIJIAQIAO}/debates").json()["items"]
    assert [(r["id"], r["arguments_for"], r["arguments_against"]) for r in rows] == [
        (debate_id, 1, 0)
    ]
    client.force_login(place.worker)
    response = client.post(
        f"{BASE}/debates/{debate_id}/close",
        json.dumps({"summary": "统一装灯，电费公摊"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert client.get(f"{BASE}/debates/{debate_id}").json()["summary"] == "统一装灯，电费公摊"


def edit(place: Place, debate: Debate, actor: User | None = None, **kw: object) -> Debate:
    data: dict[str, object] = {
        "title": debate.title,
        "description": debate.description,
        "closes_at": debate.closes_at,
        "opens_at": debate.opens_at,
        "council_id": debate.council_id,
    }
    data.update(kw)
    return debates.debate_edit(actor=actor or place.worker, debate_id=debate.pk, **data)


def test_staff_correct_an_open_debate_and_the_question_stays_once_argued(place: Place) -> None:
    debate = open_debate(place)
    corrected = edit(
        place,
        debate,
        title="东门停车场改口袋公园，你怎么看？",
        closes_at=NOW + timedelta(days=10),
        council_id=place.council.pk,
    )
    assert corrected.title == "东门停车场改口袋公园，你怎么看？"
    assert corrected.closes_at == NOW + timedelta(days=10)
    event = AuditEvent.objects.get(verb="participation.debate_edit")
    assert set(event.changes) == {"title", "closes_at", "council"}

    argue(place, 3, debate, "孩子们需要地方玩")
    with pytest.raises(DomainError) as error:
        edit(place, corrected, title="换一个问题")
    assert error.value.code == "question_argued"
    assert "已有居民" in str(error.value)
    # The description and the closing time may still be corrected; the opening has passed.
    edit(place, corrected, description="补充：停车位可移到北门。")
    with pytest.raises(DomainError) as error:
        edit(place, corrected, opens_at=NOW + timedelta(days=1))
    assert error.value.code == "already_opened"
    debate.refresh_from_db()
    assert (debate.title, debate.description, debate.opens_at) == (
        "东门停车场改口袋公园，你怎么看？",
        "补充：停车位可移到北门。",
        NOW,
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"title": ""}, "required"),
        ({"closes_at": NOW - timedelta(hours=1)}, "closes_in_past"),
        ({"council_id": 999999}, "council_not_found"),
        ({"description": "<script>alert(1)</script>"}, "markup_not_allowed"),
    ],
)
def test_bad_corrections_are_refused_and_change_nothing(
    place: Place, change: dict[str, object], code: str
) -> None:
    debate = open_debate(place)
    with pytest.raises(DomainError) as error:
        edit(place, debate, **change)
    assert error.value.code == code
    after = Debate.objects.get(pk=debate.pk)
    assert (after.title, after.description, after.closes_at, after.council_id) == (
        debate.title,
        debate.description,
        debate.closes_at,
        None,
    )
    assert not AuditEvent.objects.filter(verb="participation.debate_edit").exists()


def test_a_closed_debate_or_another_communitys_cannot_be_corrected(place: Place) -> None:
    debate = open_debate(place)
    with pytest.raises(NotFound):
        edit(place, debate, actor=place.other_worker, title="越权")
    debates.debate_close(actor=place.worker, debate_id=debate.pk, summary="结论")
    with pytest.raises(DomainError) as error:
        edit(place, debate, description="结束后再改")
    assert error.value.code == "already_closed"
    assert Debate.objects.get(pk=debate.pk).description == debate.description


def test_console_and_api_correct_a_debate(place: Place, client: Client) -> None:
    debate = open_debate(place, opens_at=NOW + timedelta(days=1), closes_at=NOW + timedelta(days=5))
    client.force_login(place.worker)
    page = client.get(f"/console/participation/debates/{debate.pk}/").content.decode()
    assert 'data-testid="debate-edit"' in page
    url = f"/console/participation/debates/{debate.pk}/edit/"
    form = client.get(url).content.decode()
    assert "东门停车场要不要改成口袋公园？" in form
    assert "2026-05-09T10:00" in form  # the closing time, in Chengdu's time
    fields = {"title": debate.title, "description": debate.description}
    response = client.post(
        url, {**fields, "opens_at": "2026-05-05T10:00", "closes_at": "2026-05-04T09:00"}
    )
    assert response.status_code == 400
    assert Debate.objects.get(pk=debate.pk).closes_at == NOW + timedelta(days=5)
    response = client.post(
        url, {**fields, "opens_at": "2026-05-04T12:00", "closes_at": "2026-05-12T18:00"}
    )
    assert response.status_code == 302
    after = Debate.objects.get(pk=debate.pk)
    assert after.opens_at == datetime(2026, 5, 4, 4, 0, tzinfo=UTC)
    assert after.closes_at == datetime(2026, 5, 12, 10, 0, tzinfo=UTC)

    response = client.put(
        f"{BASE}/debates/{debate.pk}",
        json.dumps(
            {
                "title": "口袋公园还是停车场？",
                "description": debate.description,
                "closes_at": (NOW + timedelta(days=6)).isoformat(),
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["title"] == "口袋公园还是停车场？"
    # A worker of another community is told there is no such debate, on the page and the API.
    client.force_login(place.other_worker)
    assert client.get(url).status_code == 404
    response = client.put(
        f"{BASE}/debates/{debate.pk}",
        json.dumps(
            {
                "title": "越权",
                "description": "x",
                "closes_at": (NOW + timedelta(days=6)).isoformat(),
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Debate.objects.get(pk=debate.pk).title == "口袋公园还是停车场？"


def test_the_community_desk_pages_its_debates(place: Place, client: Client) -> None:
    for number in range(31):
        open_debate(place, title=f"第{number + 1}个议题讨论")
    client.force_login(place.worker)
    desk = f"/console/participation/c/{NIJIAQIAO}/"
    first = client.get(desk).content.decode()
    assert first.count('data-testid="debate-row"') == 30
    assert "debates_page=2" in first
    second = client.get(desk, {"debates_page": 2}).content.decode()
    assert second.count('data-testid="debate-row"') == 1
