from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.appeals import selectors
from shequ.appeals.models import Appeal, AppealEvent, RoutingRow, Unit
from shequ.appeals.routing import current_version
from shequ.appeals.selectors import rates
from shequ.appeals.services.catalogue import RowIn, routing_row_retire, routing_rows_add
from shequ.appeals.services.handling import (
    AlreadySigned,
    appeal_close,
    appeal_dispatch,
    appeal_rate,
    appeal_return,
    appeal_sign,
)
from shequ.appeals.services.intake import Caller, appeal_follow, appeal_submit
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.people.models import User
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, PIN, SHANGHAI, category, photo, street_light
from tests.factories import NIJIAQIAO, SHUIJINGFANG, YULIN, make_user

pytestmark = pytest.mark.django_db


def test_routing_uses_the_most_specific_row_and_says_why(resident: User) -> None:
    appeal = street_light(resident, photos=[photo()])
    row = RoutingRow.objects.get(category__code="ludeng", place_id=NIJIAQIAO)
    assert appeal.unit is not None
    assert appeal.unit.name == "倪家桥社区居委会"
    assert appeal.status == Appeal.Status.DISPATCHED
    assert appeal.routing_reason == (
        f"路灯故障 · 倪家桥社区居委会 → 倪家桥社区居委会（派单目录 v{current_version()} "
        f"第 {row.pk} 行）"
    )
    assert appeal.photos.count() == 1
    assert AuditEvent.objects.filter(verb="appeal.submit").count() == 1


@pytest.mark.parametrize(
    ("code", "community", "unit"),
    [
        ("zaosheng", NIJIAQIAO, "玉林街道办事处"),  # street row covers its communities
        ("ludeng", SHUIJINGFANG, "锦江区人民政府（兜底）"),  # no row: the district
        ("jianyi", NIJIAQIAO, "武侯区人民政府（兜底）"),
    ],
)
def test_routing_table(resident: User, code: str, community: str, unit: str) -> None:
    appeal = appeal_submit(
        actor=resident,
        category_id=category(code).pk,
        description="描述",
        community_code=community,
    )
    assert appeal.unit is not None
    assert appeal.unit.name == unit
    assert unit in appeal.routing_reason


def test_out_of_scope_category_says_where_to_go(resident: User) -> None:
    with pytest.raises(DomainError) as caught:
        appeal_submit(
            actor=resident,
            category_id=category("jinji").pk,
            description="着火了",
            community_code=NIJIAQIAO,
        )
    assert caught.value.code == "out_of_scope"
    assert "119" in str(caught.value)
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"description": ""}, "required"),
        ({"description": "字" * 10_000}, "too_long"),
        ({"category_id": 999_999}, "category_gone"),
        ({"longitude": 116.39, "latitude": 39.9}, "outside_city"),  # Beijing
        ({"longitude": 104.08, "latitude": 30.96}, "outside_district"),  # not in 武侯区
        (
            {"photos": [SimpleUploadedFile("x.jpg", b"not a picture at all")]},
            "file_type_not_allowed",
        ),
    ],
)
def test_bad_intake_is_refused_and_nothing_written(
    resident: User, changes: dict[str, object], code: str
) -> None:
    data: dict[str, object] = {
        "actor": resident,
        "category_id": category("ludeng").pk,
        "description": "路灯不亮",
        "community_code": NIJIAQIAO,
        "longitude": PIN[0],
        "latitude": PIN[1],
    }
    data.update(changes)
    with pytest.raises(DomainError) as caught:
        appeal_submit(**data)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert not Appeal.objects.exists()
    assert not AppealEvent.objects.exists()


def test_a_retired_category_is_refused(resident: User) -> None:
    lamp = category("ludeng")
    lamp.is_active = False
    lamp.save()
    with pytest.raises(DomainError, match="已不存在"):
        street_light(resident)


def test_overlapping_rows_are_refused_naming_both(dispatcher: User) -> None:
    existing = RoutingRow.objects.get(category__code="ludeng", place_id=NIJIAQIAO)
    street_unit = Unit.objects.get(name="玉林街道办事处")
    before = current_version()
    with pytest.raises(DomainError) as caught:
        routing_rows_add(
            actor=dispatcher,
            rows=[RowIn(category("ludeng").pk, NIJIAQIAO, street_unit.pk)],
            note="改派",
        )
    message = str(caught.value)
    assert caught.value.code == "row_overlap"
    assert f"第 {existing.pk} 行" in message
    assert "新增第 1 行" in message
    assert current_version() == before
    with pytest.raises(DomainError, match="新增第 2 行"):
        routing_rows_add(
            actor=dispatcher,
            rows=[
                RowIn(category("biaoyang").pk, YULIN, street_unit.pk),
                RowIn(category("biaoyang").pk, YULIN, street_unit.pk),
            ],
            note="两行",
        )
    assert not RoutingRow.objects.filter(category__code="biaoyang").exists()


def test_catalogue_edits_make_versions_and_old_decisions_keep_their_row(
    resident: User, dispatcher: User
) -> None:
    first = street_light(resident)
    row = RoutingRow.objects.get(category__code="ludeng", place_id=NIJIAQIAO)
    routing_row_retire(actor=dispatcher, row_id=row.pk)
    version = routing_rows_add(
        actor=dispatcher,
        rows=[RowIn(category("ludeng").pk, NIJIAQIAO, Unit.objects.get(name="玉林街道办事处").pk)],
        note="路灯改由街道",
    )
    second = street_light(resident)
    assert second.unit is not None
    assert second.unit.name == "玉林街道办事处"
    assert f"v{version.number}" in second.routing_reason
    first.refresh_from_db()
    assert f"第 {row.pk} 行" in first.routing_reason


def test_only_the_committee_edits_the_catalogue(worker: User) -> None:
    with pytest.raises(DomainError, match="市委社治委"):
        routing_row_retire(actor=worker, row_id=RoutingRow.objects.first().pk)  # type: ignore[union-attr]


def test_return_redispatch_sign_close_rate_and_reopen(
    resident: User, worker: User, street: User, dispatcher: User
) -> None:
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False):
        appeal = street_light(resident)
    # General class: 7 working days from intake, over the National Day holidays.
    assert appeal.deadline_at.astimezone(SHANGHAI).date().isoformat() == "2026-10-15"
    with pytest.raises(DomainError) as no_reason:
        appeal_return(actor=worker, appeal_id=appeal.pk, reason="", text="")
    assert no_reason.value.code == "return_reason_required"
    with time_machine.travel(BEFORE_NATIONAL_DAY + timedelta(hours=3), tick=False):
        appeal_return(actor=worker, appeal_id=appeal.pk, reason="not_our_duty", text="路灯归街道管")
    returned = AppealEvent.objects.get(appeal=appeal, kind="returned")
    assert returned.held_seconds == 3 * 3600
    assert returned.unit is not None
    assert returned.unit.name == "倪家桥社区居委会"
    street_unit = Unit.objects.get(name="玉林街道办事处")
    appeal = appeal_dispatch(
        actor=dispatcher, appeal_id=appeal.pk, unit_id=street_unit.pk, note="街道负责路灯"
    )
    assert "街道负责路灯" in appeal.routing_reason
    # The clock did not restart at re-dispatch.
    assert appeal.deadline_at.astimezone(SHANGHAI).date().isoformat() == "2026-10-15"
    with pytest.raises(NotFound):
        appeal_sign(actor=worker, appeal_id=appeal.pk)
    appeal_sign(actor=street, appeal_id=appeal.pk)
    with pytest.raises(AlreadySigned, match="yulin_officer"):
        appeal_sign(actor=street, appeal_id=appeal.pk)
    appeal_close(actor=street, appeal_id=appeal.pk, reply="已更换灯泡", photos=[photo("fixed.jpg")])
    other = make_user("someone_else")
    with pytest.raises(NotFound):
        appeal_rate(actor=other, appeal_id=appeal.pk, level="satisfied", fixed=True)
    with pytest.raises(DomainError, match="还有什么问题"):
        appeal_rate(actor=resident, appeal_id=appeal.pk, level="dissatisfied", fixed=False)
    appeal = appeal_rate(
        actor=resident, appeal_id=appeal.pk, level="dissatisfied", fixed=False, comment="还是不亮"
    )
    assert appeal.status == Appeal.Status.DISPATCHED
    assert appeal.unit == street_unit
    assert appeal.round == 2
    kinds = list(AppealEvent.objects.filter(appeal=appeal).values_list("kind", flat=True))
    assert kinds == [
        "received",
        "dispatched",
        "returned",
        "dispatched",
        "signed",
        "closed",
        "rated",
        "reopened",
        "dispatched",
    ]
    appeal_sign(actor=street, appeal_id=appeal.pk)
    appeal_close(actor=street, appeal_id=appeal.pk, reply="更换了线路")
    appeal = appeal_rate(actor=resident, appeal_id=appeal.pk, level="satisfied", fixed=True)
    assert appeal.status == Appeal.Status.RATED


def test_me_too_offers_nearby_open_requests_and_follows(resident: User) -> None:
    appeal = street_light(resident)
    found = selectors.nearby_open(
        category_id=appeal.category_id,
        community_code=NIJIAQIAO,
        longitude=PIN[0] + 0.001,
        latitude=PIN[1],
    )
    assert found == [appeal]
    far = selectors.nearby_open(
        category_id=appeal.category_id,
        community_code=NIJIAQIAO,
        longitude=PIN[0] + 0.05,
        latitude=PIN[1],
    )
    assert far == []
    neighbour = make_user("neighbour")
    appeal_follow(actor=neighbour, appeal_id=appeal.pk)
    appeal_follow(actor=neighbour, appeal_id=appeal.pk)  # twice: one follower
    assert list(selectors.appeal_list_for_resident(user=neighbour)) == [appeal]


def test_hotline_call_keeps_the_callers_number_encrypted(dispatcher: User, resident: User) -> None:
    appeal = appeal_submit(
        actor=dispatcher,
        category_id=category("gongshui").pk,
        description="小区停水",
        community_code=NIJIAQIAO,
        caller=Caller(name="王先生", phone="13912345678"),
    )
    assert appeal.channel == Appeal.Channel.HOTLINE
    assert appeal.reporter is None
    assert str(appeal.caller_phone) == "139****5678"
    assert appeal.deadline_at - appeal.created_at == timedelta(hours=24)
    with pytest.raises(DomainError, match="热线坐席"):
        appeal_submit(
            actor=resident,
            category_id=category("gongshui").pk,
            description="小区停水",
            community_code=NIJIAQIAO,
            caller=Caller(name="王先生", phone="13912345678"),
        )


def test_rates_equal_an_independent_count_of_the_events(
    resident: User, worker: User, street: User, dispatcher: User
) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        a = street_light(resident)
        b = street_light(resident)
        c = street_light(resident)
        appeal_sign(actor=worker, appeal_id=a.pk)
        appeal_close(actor=worker, appeal_id=a.pk, reply="修好了")
        appeal_rate(actor=resident, appeal_id=a.pk, level="satisfied", fixed=True)
        appeal_sign(actor=worker, appeal_id=b.pk)
        appeal_close(actor=worker, appeal_id=b.pk, reply="修好了")
        appeal_rate(
            actor=resident, appeal_id=b.pk, level="dissatisfied", fixed=False, comment="没修"
        )
        appeal_return(actor=worker, appeal_id=c.pk, reason="wrong_area", text="不是本社区")
    since = datetime(2026, 3, 1, tzinfo=SHANGHAI)
    until = datetime(2026, 4, 1, tzinfo=SHANGHAI)
    rows = {r.unit.name: r for r in rates.unit_rates(since=since, until=until)}
    mine = rows["倪家桥社区居委会"]
    unit = Unit.objects.get(name="倪家桥社区居委会")
    events = AppealEvent.objects.filter(unit=unit)
    assert mine.dispatched == events.filter(kind="dispatched").count() == 4  # b reopened
    assert mine.responded == 3  # a, b signed, c returned; b's second dispatch unanswered
    assert mine.response_rate == 75.0
    assert mine.closed == 2
    assert mine.returned == 1
    assert (mine.rated, mine.resolved, mine.satisfied) == (2, 1, 1)
    assert mine.satisfaction_rate == 50.0
    assert mine.resolution_rate == 50.0
    assert rates.unit_rates(since=until, until=until + timedelta(days=30)) == []
