"""Fixtures of the projects tests: staff in real places and a few projects."""

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps

from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.projects.models import Project, ProjectType
from shequ.projects.services import registration
from tests.factories import CITY, JINJIANG, NIJIAQIAO, SHUIJINGFANG, WUHOU, YULIN, make_staff

# A point inside 武侯区 and one inside 锦江区 (WGS84 lon, lat).
WUHOU_POINT = {"type": "Point", "coordinates": [104.045, 30.63]}
JINJIANG_POINT = {"type": "Point", "coordinates": [104.10, 30.64]}


@pytest.fixture
def committee(chengdu: None) -> User:
    return make_staff("p_committee", Role.CITY_COMMITTEE, CITY)


@pytest.fixture
def district_officer(chengdu: None) -> User:
    return make_staff("p_district", Role.DISTRICT_OFFICER, WUHOU)


@pytest.fixture
def jinjiang_officer(chengdu: None) -> User:
    return make_staff("p_jinjiang", Role.DISTRICT_OFFICER, JINJIANG)


@pytest.fixture
def street_officer(chengdu: None) -> User:
    return make_staff("p_street", Role.STREET_OFFICER, YULIN)


@pytest.fixture
def worker(chengdu: None) -> User:
    return make_staff("p_worker", Role.COMMUNITY_WORKER, NIJIAQIAO)


def ensure_taxonomy() -> None:
    """The five actions and their types, which a data migration adds (a browser test runs
    after a flush; plain tests get them back from ``tests/conftest.py``)."""
    if not ProjectType.objects.exists():
        import_module("shequ.projects.migrations.0002_taxonomy").add_taxonomy(apps, None)
        import_module("shequ.projects.migrations.0006_name_en").add_english_names(apps, None)


def new_project(
    actor: User,
    code: str = "P-2018-001",
    *,
    type_code: str = "shanty-town",
    community: str = NIJIAQIAO,
    year: int = 2018,
    on: date = date(2018, 1, 10),
    location: dict | None = None,
) -> Project:
    ensure_taxonomy()
    return registration.project_create(
        actor=actor,
        code=code,
        name=f"项目{code}",
        type_code=type_code,
        community_codes=[community],
        year=year,
        location=location
        if location is not None
        else (WUHOU_POINT if community.startswith("510107") else JINJIANG_POINT),
        planned_city="1000000.00",
        planned_district="2000000.50",
        registered_on=on,
    )


@pytest.fixture
def project(district_officer: User) -> Project:
    return new_project(district_officer)


__all__ = ["SHUIJINGFANG", "new_project"]
