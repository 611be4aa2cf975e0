"""The audit viewer (/console/audit/): who may read it, its filters, and an append-only trail."""

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import Client

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.core.services import audit_record
from shequ.people.models import User
from shequ.places.models import Division
from tests.factories import (
    CITY,
    JINJIANG,
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    YULIN,
    make_resident,
    make_staff,
    make_user,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
XIMIANQIAO = "510107001004"  # 洗面桥社区 (浆洗街街道, 武侯区)
MARKERS = ("R-e1", "R-e2", "R-e3", "R-e4", "R-e5")


def _at(moment: datetime, record: Callable[[], AuditEvent]) -> AuditEvent:
    """Record an event as if at ``moment`` (created_at is set by the database layer)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return record()


@pytest.fixture
def events(chengdu: None) -> dict[str, AuditEvent]:
    """Five events by alice, bob and the system, in 武侯区, 锦江区 and city-wide."""
    alice = make_user("alice")
    bob = make_user("bob")
    nijiaqiao = Division.objects.get(pk=NIJIAQIAO)
    shuijingfang = Division.objects.get(pk=SHUIJINGFANG)
    someone = make_resident(SHUIJINGFANG, name="水四")
    return {
        "e1": _at(
            datetime(2025, 3, 1, 0, 10, tzinfo=SHANGHAI),
            lambda: audit_record(
                actor=alice,
                verb="division.update",
                target=nijiaqiao,
                division_code=NIJIAQIAO,
                reason="R-e1",
                changes={"population": [None, 12000]},
            ),
        ),
        "e2": _at(
            datetime(2025, 3, 10, 23, 30, tzinfo=SHANGHAI),
            lambda: audit_record(
                actor=bob,
                verb="resident.reveal",
                target=someone,
                division_code=SHUIJINGFANG,
                reason="R-e2",
                ip="10.1.2.3",
            ),
        ),
        "e3": _at(
            datetime(2025, 3, 20, 9, 0, tzinfo=SHANGHAI),
            lambda: audit_record(
                actor=bob,
                verb="division.update",
                target=shuijingfang,
                division_code=SHUIJINGFANG,
                reason="R-e3",
            ),
        ),
        "e4": _at(
            datetime(2025, 3, 15, 12, 0, tzinfo=SHANGHAI),
            lambda: audit_record(
                actor=None, verb="divisions.reload", division_code=CITY, reason="R-e4"
            ),
        ),
        "e5": _at(
            datetime(2025, 4, 1, 8, 0, tzinfo=SHANGHAI),
            lambda: audit_record(
                actor=alice,
                verb="resident.verify",
                division_code=XIMIANQIAO,
                reason="R-e5",
            ),
        ),
    }


def _visible(client: Client, **params: str) -> set[str]:
    response = client.get("/console/audit/", params)
    assert response.status_code == 200
    html = response.content.decode()
    return {marker[2:] for marker in MARKERS if f"理由：{marker}</div>" in html}


@pytest.mark.parametrize(
    ("role", "scope"),
    [(Role.CITY_COMMITTEE, CITY), (Role.AUDITOR, CITY), (Role.SYSTEM_ADMIN, None)],
)
def test_city_wide_readers_see_every_event_newest_first(
    client: Client, events: dict[str, AuditEvent], role: str, scope: str | None
) -> None:
    client.force_login(make_staff("reader", role, scope))
    response = client.get("/console/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(f"理由：R-{key}</div>") for key in ("e5", "e3", "e4", "e2", "e1")]
    assert positions == sorted(positions)
    # the row shows who, what, on which object, from where and what changed
    assert "bob" in html
    assert "resident.reveal" in html  # a code without a label shows as itself
    assert "修改行政区划" in html  # division.update in words
    assert "区划：倪家桥社区 <a" in html
    assert f"object_id={NIJIAQIAO}" in html
    assert "10.1.2.3" in html
    assert "12000" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"actor": "bob"}, {"e2", "e3"}, id="actor"),
        pytest.param({"actor": "alice"}, {"e1", "e5"}, id="actor-alice"),
        pytest.param({"actor": "nobody"}, set(), id="unknown-actor"),
        pytest.param({"verb": "division.update"}, {"e1", "e3"}, id="verb"),
        pytest.param({"object_type": "people.resident"}, {"e2"}, id="object-type"),
        pytest.param(
            {"object_type": "places.division", "object_id": NIJIAQIAO}, {"e1"}, id="object"
        ),
        pytest.param({"since": "2025-03-05", "until": "2025-03-15"}, {"e2", "e4"}, id="range"),
        pytest.param({"since": "2025-03-01", "until": "2025-03-01"}, {"e1"}, id="first-day"),
        pytest.param({"until": "2025-03-10"}, {"e1", "e2"}, id="until-is-inclusive"),
        pytest.param({"since": "2025-03-21"}, {"e5"}, id="since"),
        pytest.param({"actor": "bob", "verb": "division.update"}, {"e3"}, id="combined"),
        pytest.param({"since": "2025-04-02", "until": "2025-03-01"}, set(), id="empty-range"),
    ],
)
def test_filters_narrow_the_events(
    client: Client, events: dict[str, AuditEvent], params: dict[str, str], expected: set[str]
) -> None:
    client.force_login(make_staff("auditor", Role.AUDITOR, CITY))
    assert _visible(client, **params) == expected


def test_filters_are_kept_in_the_form(client: Client, events: dict[str, AuditEvent]) -> None:
    client.force_login(make_staff("auditor", Role.AUDITOR, CITY))
    html = client.get(
        "/console/audit/", {"actor": "bob", "verb": "division.update", "since": "2025-03-05"}
    ).content.decode()
    assert 'name="actor" value="bob"' in html
    assert '<option value="division.update" selected>修改行政区划</option>' in html
    assert 'name="since" value="2025-03-05"' in html


def test_district_auditor_sees_only_events_inside_the_district(
    client: Client, events: dict[str, AuditEvent]
) -> None:
    client.force_login(make_staff("auditor_wh", Role.AUDITOR, WUHOU))
    assert _visible(client) == {"e1", "e5"}
    assert _visible(client, actor="bob") == set()


def test_district_auditor_pages_hold_fifty_events(client: Client, chengdu: None) -> None:
    for i in range(55):
        audit_record(actor=None, verb="test.event", division_code=NIJIAQIAO, reason=f"n{i}")
    audit_record(actor=None, verb="test.event", division_code=JINJIANG, reason="outside")
    client.force_login(make_staff("auditor_wh", Role.AUDITOR, WUHOU))
    first = client.get("/console/audit/").content.decode()
    second = client.get("/console/audit/", {"page": "2"}).content.decode()
    assert first.count('data-testid="audit-row"') == 50
    assert second.count('data-testid="audit-row"') == 5
    assert "outside" not in first + second


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.COMMUNITY_WORKER, NIJIAQIAO),
        (Role.STREET_OFFICER, YULIN),
        (Role.DISTRICT_OFFICER, WUHOU),
        (Role.DEPARTMENT_STAFF, "minzheng"),
    ],
)
def test_staff_who_are_not_readers_of_the_trail_get_403(
    client: Client, events: dict[str, AuditEvent], role: str, scope: str
) -> None:
    client.force_login(make_staff("staff", role, scope))
    response = client.get("/console/audit/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "R-e" not in html
    assert "resident.reveal" not in html


def test_residents_get_403_and_visitors_log_in(
    client: Client, events: dict[str, AuditEvent]
) -> None:
    anonymous = client.get("/console/audit/")
    assert anonymous.status_code == 302
    assert anonymous["Location"] == "/accounts/login/?next=/console/audit/"
    client.force_login(make_user("resident"))
    assert client.get("/console/audit/").status_code == 403


# ---------------------------------------------------------------------------------------------
# Append-only
# ---------------------------------------------------------------------------------------------


def _row(event: AuditEvent) -> dict[str, Any]:
    return dict(AuditEvent.objects.filter(pk=event.pk).values().get())


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda e: AuditEvent.objects.filter(pk=e.pk).update(reason="erased"), id="qs-update"
        ),
        pytest.param(lambda e: AuditEvent.objects.filter(pk=e.pk).delete(), id="qs-delete"),
        pytest.param(lambda e: AuditEvent.objects.all().delete(), id="delete-all"),
        pytest.param(lambda e: AuditEvent.objects.update(verb="nothing"), id="manager-update"),
        pytest.param(lambda e: AuditEvent.objects.bulk_update([e], ["reason"]), id="bulk-update"),
        pytest.param(lambda e: e.delete(), id="instance-delete"),
    ],
)
def test_audit_events_cannot_be_changed_or_removed(
    events: dict[str, AuditEvent], tamper: Callable[[AuditEvent], Any]
) -> None:
    event = events["e2"]
    before = _row(event)
    count = AuditEvent.objects.count()
    event.reason = "erased"
    with pytest.raises(TypeError, match="append-only"), transaction.atomic():
        tamper(event)
    assert _row(event) == before
    assert AuditEvent.objects.count() == count


def test_saving_an_existing_event_again_is_refused(events: dict[str, AuditEvent]) -> None:
    event = AuditEvent.objects.get(pk=events["e1"].pk)
    before = _row(event)
    event.reason = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    assert _row(event) == before


def test_trail_outlives_the_actors_account(events: dict[str, AuditEvent]) -> None:
    # given alice acted, then her account is removed
    User.objects.get(username="alice").delete()
    # then her events remain, still labelled with her name
    event = AuditEvent.objects.get(pk=events["e1"].pk)
    assert event.actor_id is None
    assert event.actor_label == "alice"
    assert AuditEvent.objects.filter(actor_label="alice").count() == 2


# ---------------------------------------------------------------------------------------------
# In plain words, and exported
# ---------------------------------------------------------------------------------------------


def test_the_trail_reads_in_chinese_under_the_right_headers(
    client: Client, events: dict[str, AuditEvent]
) -> None:
    client.force_login(make_staff("auditor", Role.AUDITOR, CITY))
    html = client.get("/console/audit/").content.decode()
    header = html[html.index("<thead>") : html.index("</thead>")]
    for title in ("时间", "操作人", "操作", "对象", "辖区", "详情"):
        assert f"<th>{title}</th>" in header
    assert "提出异议" not in header  # "Object" the column, not "to object"
    assert '<span data-testid="audit-verb">修改行政区划</span>' in html
    assert "倪家桥社区</td>" in html  # the division by name, not its code
    assert "系统" in html  # e4 was done by the system
    assert re.search(r"\d+ 条记录", html)


def test_every_action_code_written_in_the_code_base_has_a_label() -> None:
    """A new ``verb="…"`` needs its words in core/audit_verbs.py (else it shows as a code)."""
    from pathlib import Path

    from shequ.core.audit_verbs import AUDIT_VERB_LABELS

    source = Path(__file__).resolve().parents[2] / "src" / "shequ"
    written = set()
    for path in source.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        written |= set(re.findall(r'verb="([a-z_]+\.[a-z_]+)"', path.read_text("utf-8")))
    assert written, "no audit call sites found"
    assert sorted(written - set(AUDIT_VERB_LABELS)) == []


def test_the_action_filter_offers_words_and_selects_by_code(
    client: Client, events: dict[str, AuditEvent]
) -> None:
    client.force_login(make_staff("auditor", Role.AUDITOR, CITY))
    html = client.get("/console/audit/").content.decode()
    assert '<option value="funds.allocation_posted">下达资金分配</option>' in html
    assert '<option value="resident.reveal">resident.reveal</option>' in html
    assert '<option value="people.resident">' in html
    assert '<option value="bob">' in html  # the actor box suggests who appears in the trail


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "2025-13-01"}, "请按“年-月-日”填写日期。"),
        ({"since": "2025-04-02", "until": "2025-03-01"}, "起始日期晚于截止日期"),
    ],
)
def test_bad_dates_are_explained_in_chinese(
    client: Client, events: dict[str, AuditEvent], params: dict[str, str], message: str
) -> None:
    client.force_login(make_staff("auditor", Role.AUDITOR, CITY))
    response = client.get("/console/audit/", params, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    before = AuditEvent.objects.count()
    export = client.get("/console/audit/export.csv", params)
    assert export.status_code == 302  # no file, nothing recorded
    assert AuditEvent.objects.count() == before


def test_csv_export_holds_the_filtered_rows_in_words_and_is_itself_audited(
    client: Client, events: dict[str, AuditEvent]
) -> None:
    import csv
    import io

    client.force_login(make_staff("auditor", Role.AUDITOR, CITY))
    response = client.get("/console/audit/export.csv", {"verb": "division.update"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["时间", "操作人", "操作", "操作代码"]
    body = rows[1:]
    assert len(body) == 2
    assert {r[1] for r in body} == {"alice", "bob"}
    assert {r[2] for r in body} == {"修改行政区划"}
    assert {r[3] for r in body} == {"division.update"}
    assert {r[7] for r in body} == {"倪家桥社区", "水井坊社区"}
    assert "population: — → 12000" in {r[10] for r in body}
    export = AuditEvent.objects.get(verb="audit.export")
    assert export.actor_label == "auditor"
    assert export.changes == {
        "format": "csv",
        "filters": {"verb": "division.update"},
        "rows": 2,
    }
    # the export shows up in the trail, in words
    html = client.get("/console/audit/", {"verb": "audit.export"}).content.decode()
    assert "导出审计日志" in html


def test_excel_export_holds_the_same_rows(client: Client, events: dict[str, AuditEvent]) -> None:
    import io

    from openpyxl import load_workbook

    client.force_login(make_staff("auditor", Role.AUDITOR, CITY))
    response = client.get("/console/audit/export.xlsx", {"actor": "bob"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "操作")
    assert len(rows) == 3
    assert {r[1] for r in rows[1:]} == {"bob"}
    assert rows[1][0] == datetime(2025, 3, 20, 9, 0, tzinfo=SHANGHAI).replace(
        tzinfo=None
    )  # a date, in local time
    assert {r[9] for r in rows[1:]} == {"R-e2", "R-e3"}
    assert AuditEvent.objects.get(verb="audit.export").changes["format"] == "xlsx"


def test_export_follows_the_readers_area(client: Client, events: dict[str, AuditEvent]) -> None:
    import csv
    import io

    client.force_login(make_staff("auditor_wh", Role.AUDITOR, WUHOU))
    response = client.get("/console/audit/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r[9] for r in rows[1:]} == {"R-e1", "R-e5"}
    assert AuditEvent.objects.get(verb="audit.export").division_code == WUHOU


def test_staff_who_may_not_read_the_trail_may_not_export_it(
    client: Client, events: dict[str, AuditEvent]
) -> None:
    client.force_login(make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO))
    assert client.get("/console/audit/export.csv").status_code == 403
    assert client.get("/console/audit/export.xlsx").status_code == 403
    assert not AuditEvent.objects.filter(verb="audit.export").exists()


def test_the_audit_page_runs_a_fixed_number_of_queries(
    client: Client, chengdu: None, django_assert_max_num_queries: Any
) -> None:
    for i in range(30):
        audit_record(actor=None, verb="division.update", division_code=NIJIAQIAO, reason=f"n{i}")
    client.force_login(make_staff("auditor", Role.AUDITOR, CITY))
    client.get("/console/audit/")
    with django_assert_max_num_queries(20):
        assert client.get("/console/audit/").status_code == 200
