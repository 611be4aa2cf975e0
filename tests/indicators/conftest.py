from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from shequ.core.scopes import Role
from shequ.indicators.models import TreeVersion
from shequ.indicators.services import tree_install_default
from shequ.people.models import User
from tests.factories import CITY, WUHOU, make_staff

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2026
IN_YEAR = datetime(2026, 5, 4, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def committee(chengdu: None) -> User:
    return make_staff("committee", Role.CITY_COMMITTEE, CITY)


@pytest.fixture
def district_officer(chengdu: None) -> User:
    return make_staff("wuhou_officer", Role.DISTRICT_OFFICER, WUHOU)


@pytest.fixture
def tree(committee: User) -> TreeVersion:
    return tree_install_default(actor=committee)
