"""Life events and themes kept by the committee, services created from scratch under them:
audited services, console pages and /api/v1/catalogue endpoints. A community worker is
refused, bad input is answered in Chinese and changes nothing."""

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from shequ.catalogue import selectors, services
from shequ.catalogue.models import SearchEntry, Service, Topic
from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import Department
from tests.factories import CITY, NIJIAQIAO, make_staff

pytestmark = pytest.mark.usefixtures("chengdu")
ZH = {"accept-language": "zh-hans"}


@pytest.fixture
def department() -> Department:
    return Department.objects.create(
        code="weijian", name="成都市卫生健康委员会", short_name="卫健委"
    )


def _json(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(url, body, content_type="application/json", headers=ZH)


def test_the_committee_adds_a_life_event_and_puts_services_under_it(department) -> None:
    committee = make_staff("committee1", Role.CITY_COMMITTEE, CITY)
    admin = make_staff("admin1", Role.SYSTEM_ADMIN)
    topic = services.topic_create(actor=committee, code="shengyu", name="生育", kind="life_event")
    service = services.service_create(
        actor=admin,
        department_id=department.pk,
        code="chusheng-yixue-zhengming",
        topic_codes=["shengyu"],
        name="出生医学证明办理",
        summary="新生儿出生后办理出生医学证明。",
        channel=Service.Channel.IN_PERSON,
        kind=Service.Kind.APPLICATION,
    )
    assert list(service.topics.all()) == [topic]
    other = services.service_create(
        actor=admin,
        department_id=department.pk,
        code="yufang-jiezhong",
        name="预防接种预约",
        summary="儿童预防接种预约。",
        channel=Service.Channel.ONLINE,
        kind=Service.Kind.BOOKING,
    )

    services.topic_update(
        actor=committee, topic_id=topic.pk, name="生育收养", service_ids=[other.pk]
    )

    assert list(selectors.topic_services(topic_id=topic.pk)) == [other]
    # The search index follows: the old service no longer carries the topic's name.
    assert "生育" not in SearchEntry.objects.get(service=service).body_tokens
    assert "生育" in SearchEntry.objects.get(service=other).body_tokens
    event = AuditEvent.objects.get(verb="topic.update")
    assert event.actor == committee
    assert event.changes["name"] == ["生育", "生育收养"]
    assert AuditEvent.objects.filter(verb="topic.create", actor=committee).count() == 1


def test_a_community_worker_may_not_keep_topics() -> None:
    worker = make_staff("worker1", Role.COMMUNITY_WORKER, NIJIAQIAO)
    with pytest.raises(PermissionDenied):
        services.topic_create(actor=worker, code="yanglao", name="养老", kind="life_event")
    assert not Topic.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="topic.").exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"code": "Bad Code!", "name": "养老", "kind": "life_event"}, "code", "小写字母"),
        ({"code": "yanglao", "name": " ", "kind": "life_event"}, "name", "必填"),
        ({"code": "yanglao", "name": "养" * 41, "kind": "life_event"}, "name", "40"),
        ({"code": "yanglao", "name": "养老", "kind": "bogus"}, "kind", "选项"),
        ({"code": "yanglao", "name": "养老", "kind": "theme", "order": 5000}, "order", "999"),
    ],
)
def test_bad_topics_are_refused_in_chinese_and_nothing_is_written(
    fields: dict[str, Any], field: str, message: str
) -> None:
    committee = make_staff("committee2", Role.CITY_COMMITTEE, CITY)
    with pytest.raises(DomainError) as caught:
        services.topic_create(actor=committee, **fields)
    assert caught.value.field == field
    with translation.override("zh-hans"):
        assert message in str(caught.value)
    assert not Topic.objects.exists()
    assert not AuditEvent.objects.filter(verb__in=["topic.create", "service.create"]).exists()


def test_a_service_is_refused_for_an_unknown_topic_and_nothing_is_created(department) -> None:
    admin = make_staff("admin2", Role.SYSTEM_ADMIN)
    with pytest.raises(DomainError) as caught:
        services.service_create(
            actor=admin,
            department_id=department.pk,
            code="xin-shixiang",
            topic_codes=["no-such-topic"],
            name="新事项",
            summary="说明",
            channel="online",
            kind="information",
        )
    assert caught.value.code == "unknown_topic"
    assert not Service.objects.exists()
    assert not AuditEvent.objects.filter(verb__in=["topic.create", "service.create"]).exists()


def test_topics_and_services_through_the_api(client: Client, department) -> None:
    client.force_login(make_staff("committee3", Role.CITY_COMMITTEE, CITY))
    created = _json(
        client,
        "post",
        "/api/v1/catalogue/topics",
        {"code": "yanglao", "name": "养老", "kind": "life_event"},
    )
    assert created.status_code == 201, created.content
    topic = created.json()
    taken = _json(
        client,
        "post",
        "/api/v1/catalogue/topics",
        {"code": "yanglao", "name": "养老2", "kind": "theme"},
    )
    assert taken.status_code == 400
    assert taken["Content-Type"] == "application/problem+json"
    assert taken.json()["code"] == "code_taken"
    assert "已" in taken.json()["title"]
    assert Topic.objects.get().name == "养老"

    client.logout()
    client.force_login(make_staff("weijian1", Role.DEPARTMENT_STAFF, "weijian"))
    body = {
        "department_id": department.pk,
        "code": "laonian-youdai",
        "name": "老年人优待证办理",
        "summary": "60岁以上老年人办理优待证。",
        "channel": "both",
        "kind": "application",
        "topic_codes": ["yanglao"],
    }
    service = _json(client, "post", "/api/v1/catalogue/services", body)
    assert service.status_code == 201, service.content
    refused = _json(client, "patch", f"/api/v1/catalogue/topics/{topic['id']}", {"name": "改名"})
    assert refused.status_code == 403
    assert Topic.objects.get().name == "养老"

    client.logout()
    client.force_login(make_staff("committee4", Role.CITY_COMMITTEE, CITY))
    listed = client.get(f"/api/v1/catalogue/topics/{topic['id']}/services").json()
    assert [s["code"] for s in listed] == ["laonian-youdai"]
    emptied = _json(client, "patch", f"/api/v1/catalogue/topics/{topic['id']}", {"service_ids": []})
    assert emptied.status_code == 200
    assert not Service.objects.get(code="laonian-youdai").topics.exists()
    bad = _json(client, "patch", f"/api/v1/catalogue/topics/{topic['id']}", {"order": -1})
    assert bad.status_code == 400
    assert bad.json()["field"] == "order"


def test_the_console_pages_for_topics(client: Client, department) -> None:
    worker = make_staff("worker2", Role.COMMUNITY_WORKER, NIJIAQIAO)
    client.force_login(worker)
    assert client.get("/console/catalogue/topics/").status_code == 403
    assert 'href="/console/catalogue/topics/"' not in client.get("/console/").content.decode()

    client.force_login(make_staff("admin3", Role.SYSTEM_ADMIN))
    home = client.get("/console/").content.decode()
    assert 'href="/console/catalogue/topics/"' in home
    assert 'href="/console/bookings/"' in home
    bad = client.post(
        "/console/catalogue/topics/", {"kind": "theme", "code": "Bad Code", "name": "x", "order": 0}
    )
    assert bad.status_code == 400
    assert "小写字母" in bad.content.decode()
    assert not Topic.objects.exists()
    done = client.post(
        "/console/catalogue/topics/",
        {"kind": "theme", "code": "jiuye", "name": "就业创业", "order": 1},
    )
    topic = Topic.objects.get(code="jiuye")
    assert done["Location"] == f"/console/catalogue/topics/{topic.pk}/"
    new = client.post(
        "/console/catalogue/new/",
        {
            "department": department.pk,
            "code": "chuangye-danbao",
            "name": "创业担保贷款",
            "summary": "符合条件的创业者申请担保贷款。",
            "min_level": 1,
            "fee": "0",
            "channel": "online",
            "kind": "application",
            "is_published": "on",
            "topics": ["jiuye"],
        },
    )
    assert new.status_code == 302, new.content.decode()
    service = Service.objects.get(code="chuangye-danbao")
    assert list(service.topics.values_list("code", flat=True)) == ["jiuye"]
    page = client.get(f"/console/catalogue/topics/{topic.pk}/").content.decode()
    assert "创业担保贷款" in page
    saved = client.post(
        f"/console/catalogue/topics/{topic.pk}/", {"name": "就业", "order": 2, "services": []}
    )
    assert saved.status_code == 302
    assert not service.topics.exists()
    # The service's own page keeps its topics, and changing them there is audited.
    client.post(
        f"/console/catalogue/{service.pk}/",
        {
            "name": service.name,
            "summary": service.summary,
            "min_level": 1,
            "fee": "0",
            "channel": "online",
            "kind": "application",
            "is_published": "on",
            "topics": ["jiuye"],
        },
    )
    assert list(service.topics.values_list("code", flat=True)) == ["jiuye"]
    assert AuditEvent.objects.get(verb="service.update").changes["topics"] == [[], ["jiuye"]]
