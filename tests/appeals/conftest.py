from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.appeals.demo import seed_appeals
from shequ.appeals.models import Appeal, Category
from shequ.appeals.services.intake import appeal_submit
from shequ.core.scopes import Role
from shequ.people.models import User
from tests.factories import CITY, NIJIAQIAO, YULIN, make_resident, make_staff, make_user
from tests.images import jpeg

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The day before the National Day holidays of 2026 (1–7 October off, 10 October worked).
BEFORE_NATIONAL_DAY = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
# A point inside 武侯区 (near 玉林).
PIN = (104.0580, 30.6300)


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(chengdu: None) -> None:
    seed_appeals()


@pytest.fixture
def resident(world: None) -> User:
    user = make_user("reporter")
    make_resident(NIJIAQIAO, user=user, name="李四")
    return user


@pytest.fixture
def worker(world: None) -> User:
    return make_staff("njq_worker", Role.COMMUNITY_WORKER, NIJIAQIAO)


@pytest.fixture
def street(world: None) -> User:
    return make_staff("yulin_officer", Role.STREET_OFFICER, YULIN)


@pytest.fixture
def dispatcher(world: None) -> User:
    return make_staff("desk", Role.CITY_COMMITTEE, CITY)


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def photo(name: str = "lamp.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg(), content_type="image/jpeg")


def street_light(user: User, **extra: Any) -> Appeal:
    return appeal_submit(
        actor=user,
        category_id=category("ludeng").pk,
        description="倪家桥路口路灯不亮已经三天",
        community_code=NIJIAQIAO,
        longitude=PIN[0],
        latitude=PIN[1],
        **extra,
    )
