"""Division loader (NBS file → table) and staff edits of a division's attributes."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import Resident, User
from shequ.people.permissions import can_edit_division, can_view_division
from shequ.places.models import Division
from shequ.places.selectors import division_children
from shequ.places.services import (
    DIVISIONS_CSV,
    ValidationErrors,
    division_update_attributes,
    divisions_load,
    short_name_of,
)
from tests.factories import (
    CITY,
    JINJIANG,
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    YULIN,
    YULIN_NORTH,
    make_resident,
    make_staff,
)

YULIN_EAST = "510107005002"  # 玉林东路社区
EDITED_FIELDS = (
    "service_centre_address",
    "longitude",
    "latitude",
    "population",
    "households",
    "urban_rural",
    "updated_at",
)

# ---------------------------------------------------------------------------------------------
# Loader
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "expected"),
    [("city", 1), ("district", 20), ("street", 261), ("community", 3047)],
)
def test_loaded_divisions_have_the_nbs_counts(chengdu: None, level: str, expected: int) -> None:
    # given the real file loaded once for the test database
    # when counting each level
    count = Division.objects.filter(level=level, is_active=True).count()
    # then each level has exactly the NBS number of rows
    assert count == expected


def test_reloading_the_same_file_changes_nothing(chengdu: None) -> None:
    # given the divisions already loaded
    before = Division.objects.count()
    # when the same file is loaded again
    report = divisions_load()
    # then nothing is created, updated or deactivated, and there are no duplicates
    assert (report.created, report.updated, report.deactivated) == (0, 0, 0)
    assert report.unchanged == 3329
    assert Division.objects.count() == before == 3329


def _trimmed_csv(tmp_path: Path, *, drop: str, rename: tuple[str, str, str] | None) -> Path:
    lines = DIVISIONS_CSV.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith(drop + ",")]
    if rename is not None:
        code, old, new = rename
        kept = [
            line.replace(f"{code},{old},", f"{code},{new},", 1) if line.startswith(code) else line
            for line in kept
        ]
    path = tmp_path / "divisions-2024.csv"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


def test_newer_file_deactivates_missing_community_and_renames_changed_one(
    chengdu: None, tmp_path: Path
) -> None:
    # given a resident registered in 玉林东路社区 and a newer file without that community
    # and with 玉林北路社区 renamed
    resident = make_resident(YULIN_EAST, name="李四")
    trimmed = _trimmed_csv(
        tmp_path,
        drop=YULIN_EAST,
        rename=(YULIN_NORTH, "玉林北路社区居委会", "玉林北街社区居委会"),
    )
    # when the newer file is loaded
    report = divisions_load(csv_path=trimmed, geojson_path=None)
    # then the missing community is inactive but still there, and its resident survives
    assert (report.created, report.updated, report.deactivated) == (0, 1, 1)
    gone = Division.objects.get(pk=YULIN_EAST)
    assert gone.is_active is False
    assert Resident.objects.get(pk=resident.pk).community_id == YULIN_EAST
    assert YULIN_EAST not in {d.code for d in division_children(YULIN)}
    # and the renamed community carries its new name and short name
    renamed = Division.objects.get(pk=YULIN_NORTH)
    assert (renamed.name, renamed.short_name) == ("玉林北街社区居委会", "玉林北街社区")
    assert renamed.is_active is True
    assert Division.objects.count() == 3329


def test_full_file_after_a_trimmed_one_reactivates_and_restores(
    chengdu: None, tmp_path: Path
) -> None:
    # given a trimmed file was loaded
    trimmed = _trimmed_csv(
        tmp_path,
        drop=YULIN_EAST,
        rename=(YULIN_NORTH, "玉林北路社区居委会", "玉林北街社区居委会"),
    )
    divisions_load(csv_path=trimmed, geojson_path=None)
    # when the full file is loaded again
    report = divisions_load()
    # then the community is active again and the name is restored, without duplicates
    assert (report.created, report.updated, report.deactivated) == (0, 2, 0)
    assert Division.objects.get(pk=YULIN_EAST).is_active is True
    assert Division.objects.get(pk=YULIN_NORTH).short_name == "玉林北路社区"
    assert Division.objects.count() == 3329
    assert YULIN_EAST in {d.code for d in division_children(YULIN)}


def test_file_with_a_bad_code_is_refused_and_changes_nothing(chengdu: None, tmp_path: Path) -> None:
    # given a file with a renamed community and a malformed code further down
    renamed = _trimmed_csv(
        tmp_path, drop="none", rename=(NIJIAQIAO, "倪家桥社区居委会", "错误社区居委会")
    )
    path = tmp_path / "bad.csv"
    path.write_text(
        renamed.read_text(encoding="utf-8")
        + "51010700500X,坏数据社区居委会,community,510107005000,,2023\n",
        encoding="utf-8",
    )
    events_before = AuditEvent.objects.count()
    # when loading it
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        divisions_load(csv_path=path, geojson_path=None)
    # then the error names the bad code and nothing was written
    assert caught.value.code == "bad_division_file"
    assert "51010700500X" in str(caught.value)
    assert Division.objects.get(pk=NIJIAQIAO).short_name == "倪家桥社区"
    assert Division.objects.count() == 3329
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("倪家桥社区居委会", "倪家桥社区"),
        ("八宝街社区居民委员会", "八宝街社区"),
        ("工人村社区居委会", "工人村社区"),
        ("同福村村民委员会", "同福村"),
        ("大梁村村委会", "大梁村"),
        ("跳蹬村委会", "跳蹬村"),
        ("玉林街道", "玉林街道"),
    ],
)
def test_short_names_drop_the_committee_suffix(name: str, short: str) -> None:
    assert short_name_of(name) == short


@pytest.mark.parametrize(
    ("code", "short", "urban_rural"),
    [
        (NIJIAQIAO, "倪家桥社区", "urban"),
        ("510106030005", "工人村社区", "urban"),
        ("510113003200", "同福村", "rural"),
        ("510108008200", "跳蹬村", "rural"),
        (YULIN, "玉林街道", ""),
        (WUHOU, "武侯区", ""),
    ],
)
def test_loaded_rows_carry_short_name_and_urban_or_rural(
    chengdu: None, code: str, short: str, urban_rural: str
) -> None:
    division = Division.objects.get(pk=code)
    assert (division.short_name, division.urban_rural) == (short, urban_rural)


def test_every_village_is_rural_and_every_other_community_urban(chengdu: None) -> None:
    communities = Division.objects.filter(level="community")
    rural = communities.filter(urban_rural="rural")
    assert rural.count() == 1294
    assert communities.filter(urban_rural="urban").count() == 1753
    assert all(name.endswith("村") for name in rural.values_list("short_name", flat=True))


def test_reload_keeps_urban_or_rural_corrected_by_staff(chengdu: None) -> None:
    # given staff corrected 倪家桥 to rural by hand
    Division.objects.filter(pk=NIJIAQIAO).update(urban_rural="rural")
    # when the file is reloaded
    divisions_load(geojson_path=None)
    # then the correction stands
    assert Division.objects.get(pk=NIJIAQIAO).urban_rural == "rural"


def test_twenty_district_boundaries_are_loaded(chengdu: None) -> None:
    districts = Division.objects.filter(level="district")
    assert districts.filter(boundary__isnull=False).count() == 20
    boundary = districts.get(pk=WUHOU).boundary
    assert boundary is not None
    assert boundary["type"] in ("Polygon", "MultiPolygon")
    assert divisions_load().boundaries == 20


# ---------------------------------------------------------------------------------------------
# Staff edits of attributes
# ---------------------------------------------------------------------------------------------


def _snapshot(code: str) -> tuple[Any, ...]:
    division = Division.objects.get(pk=code)
    return tuple(getattr(division, field) for field in EDITED_FIELDS)


def _update_events(code: str) -> int:
    return AuditEvent.objects.filter(verb="division.update", object_id=code).count()


@pytest.fixture
def nijiaqiao_worker(chengdu: None) -> User:
    return make_staff("worker_njq", Role.COMMUNITY_WORKER, NIJIAQIAO)


def test_worker_saves_own_community_attributes_and_it_is_audited(nijiaqiao_worker: User) -> None:
    # given a community worker of 倪家桥社区
    # when they set the address, population and coordinates inside 武侯区
    division = division_update_attributes(
        actor=nijiaqiao_worker,
        code=NIJIAQIAO,
        data={
            "service_centre_address": "  武侯区倪家桥路 8 号  ",
            "population": "12000",
            "households": 4100,
            "longitude": "104.05",
            "latitude": "30.62",
        },
        ip="10.0.0.8",
    )
    # then the row is saved (address trimmed, coordinates to 6 places)
    saved = Division.objects.get(pk=NIJIAQIAO)
    assert saved.service_centre_address == "武侯区倪家桥路 8 号"
    assert (saved.population, saved.households) == (12000, 4100)
    assert (saved.longitude, saved.latitude) == (Decimal("104.050000"), Decimal("30.620000"))
    assert division.population == 12000
    # and one audit event records who changed what, before and after
    event = AuditEvent.objects.get(verb="division.update", object_id=NIJIAQIAO)
    assert event.actor_id == nijiaqiao_worker.pk
    assert event.actor_label == "worker_njq"
    assert event.division_code == NIJIAQIAO
    assert event.ip == "10.0.0.8"
    assert event.changes == {
        "service_centre_address": ["", "武侯区倪家桥路 8 号"],
        "population": [None, 12000],
        "households": [None, 4100],
        "longitude": [None, "104.050000"],
        "latitude": [None, "30.620000"],
    }


@pytest.mark.parametrize(
    "role_and_scope",
    [
        (Role.STREET_OFFICER, YULIN),
        (Role.DISTRICT_OFFICER, WUHOU),
        (Role.CITY_COMMITTEE, CITY),
        (Role.SYSTEM_ADMIN, None),
    ],
)
def test_officers_above_the_community_may_edit_it(
    chengdu: None, role_and_scope: tuple[str, str | None]
) -> None:
    role, scope = role_and_scope
    officer = make_staff("officer", role, scope)
    division_update_attributes(actor=officer, code=NIJIAQIAO, data={"population": 9000})
    assert Division.objects.get(pk=NIJIAQIAO).population == 9000
    assert _update_events(NIJIAQIAO) == 1


@pytest.mark.parametrize(
    ("data", "errors", "zh_fragment"),
    [
        pytest.param(
            {"longitude": "104.116", "latitude": "30.61"},
            {"longitude": "outside_district"},
            "武侯区",
            id="point-in-jinjiang",
        ),
        pytest.param(
            {"longitude": "30.62", "latitude": "104.05"},
            {"longitude": "outside_district"},
            "WGS84",
            id="swapped-lon-lat",
        ),
        pytest.param(
            {"longitude": "116.40", "latitude": "39.90"},
            {"longitude": "outside_district"},
            "不在武侯区",
            id="beijing",
        ),
        pytest.param(
            {"population": "一万"},
            {"population": "not_a_number"},
            "整数",
            id="population-not-a-number",
        ),
        pytest.param(
            {"population": "-5"},
            {"population": "out_of_range"},
            "2,000,000",
            id="negative-population",
        ),
        pytest.param(
            {"households": "3000000"},
            {"households": "out_of_range"},
            "2,000,000",
            id="too-many-households",
        ),
        pytest.param(
            {"service_centre_address": "<script>alert(1)</script>"},
            {"service_centre_address": "markup_not_allowed"},
            "不能包含",
            id="script-in-address",
        ),
        pytest.param(
            {"service_centre_address": "路" * 201},
            {"service_centre_address": "too_long"},
            "200",
            id="address-too-long",
        ),
        pytest.param(
            {"longitude": "104.05"},
            {"longitude": "coordinates_incomplete"},
            "同时",
            id="longitude-only",
        ),
        pytest.param(
            {"latitude": "30.62"},
            {"longitude": "coordinates_incomplete"},
            "同时",
            id="latitude-only",
        ),
        pytest.param(
            {"longitude": "东经104", "latitude": "30.62"},
            {"longitude": "not_a_number"},
            "数字",
            id="longitude-not-a-number",
        ),
        pytest.param(
            {"urban_rural": "suburban"},
            {"urban_rural": "bad_choice"},
            "",
            id="unknown-urban-rural",
        ),
        pytest.param(
            {"population": "abc", "households": "-1", "service_centre_address": "<b>"},
            {
                "population": "not_a_number",
                "households": "out_of_range",
                "service_centre_address": "markup_not_allowed",
            },
            "",
            id="three-errors-at-once",
        ),
    ],
)
def test_bad_attributes_are_refused_with_field_errors_and_change_nothing(
    nijiaqiao_worker: User, data: dict[str, Any], errors: dict[str, str], zh_fragment: str
) -> None:
    # given the community as loaded
    before = _snapshot(NIJIAQIAO)
    # when the worker submits bad values
    with translation.override("zh-hans"), pytest.raises(ValidationErrors) as caught:
        division_update_attributes(actor=nijiaqiao_worker, code=NIJIAQIAO, data=data)
    # then every bad field is named with its code and a Chinese message
    with translation.override("zh-hans"):
        got = {e.field: e.code for e in caught.value.errors}
        messages = " ".join(str(e) for e in caught.value.errors)
    assert got == errors
    assert zh_fragment in messages
    assert any("\u4e00" <= ch <= "\u9fff" for ch in messages)
    # and the English message is English (only the district's name stays Chinese)
    with translation.override("en"):
        english = " ".join(str(e) for e in caught.value.errors)
    assert english.replace("武侯区", "").isascii()
    # and nothing changed, nothing was audited
    assert _snapshot(NIJIAQIAO) == before
    assert _update_events(NIJIAQIAO) == 0


def test_swapped_coordinates_message_names_the_district_and_the_point(
    nijiaqiao_worker: User,
) -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationErrors) as caught:
        division_update_attributes(
            actor=nijiaqiao_worker,
            code=NIJIAQIAO,
            data={"longitude": "30.62", "latitude": "104.05"},
        )
    with translation.override("zh-hans"):
        message = str(caught.value)
    assert message == (
        "坐标点（30.620000, 104.050000）不在武侯区范围内。坐标应为 WGS84 经度、纬度。"
    )


@pytest.mark.parametrize(
    ("username", "role", "scope"),
    [
        ("worker_north", Role.COMMUNITY_WORKER, YULIN_NORTH),
        ("worker_sjf", Role.COMMUNITY_WORKER, SHUIJINGFANG),
        ("officer_jj", Role.DISTRICT_OFFICER, JINJIANG),
        ("auditor_city", Role.AUDITOR, CITY),
        ("auditor_wh", Role.AUDITOR, WUHOU),
        ("dept", Role.DEPARTMENT_STAFF, "minzheng"),
    ],
)
def test_staff_without_edit_rights_over_the_community_are_refused(
    chengdu: None, username: str, role: str, scope: str
) -> None:
    # given staff whose area does not cover 倪家桥, or who only read (auditors)
    outsider = make_staff(username, role, scope)
    before = _snapshot(NIJIAQIAO)
    # when they try to edit 倪家桥
    with translation.override("zh-hans"), pytest.raises(PermissionDenied) as caught:
        division_update_attributes(actor=outsider, code=NIJIAQIAO, data={"population": 1})
    # then they are refused in Chinese and nothing changed
    with translation.override("zh-hans"):
        assert str(caught.value) == "您无权修改该区划。"
    assert caught.value.status in (403, 404)
    assert _snapshot(NIJIAQIAO) == before
    assert _update_events(NIJIAQIAO) == 0


@pytest.mark.parametrize("code", [YULIN, WUHOU, CITY])
def test_community_worker_may_not_edit_the_divisions_above(
    nijiaqiao_worker: User, code: str
) -> None:
    before = _snapshot(code)
    with pytest.raises(PermissionDenied):
        division_update_attributes(actor=nijiaqiao_worker, code=code, data={"population": 1})
    assert _snapshot(code) == before


def test_city_auditor_may_view_but_not_edit(chengdu: None) -> None:
    auditor = make_staff("auditor", Role.AUDITOR, CITY)
    division = Division.objects.get(pk=NIJIAQIAO)
    assert can_view_division(auditor, division)
    assert not can_edit_division(auditor, division)
    with pytest.raises(PermissionDenied):
        division_update_attributes(actor=auditor, code=NIJIAQIAO, data={"population": 1})
    assert Division.objects.get(pk=NIJIAQIAO).population is None


def test_unknown_division_is_not_found(nijiaqiao_worker: User) -> None:
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        division_update_attributes(
            actor=nijiaqiao_worker, code="510107005999", data={"population": 1}
        )
    with translation.override("zh-hans"):
        message = str(caught.value)
    assert (caught.value.code, caught.value.status) == ("unknown_division", 404)
    assert message == "没有代码为 510107005999 的区划。"
