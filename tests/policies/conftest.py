from datetime import date
from typing import Any

import pytest

from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.policies import services
from shequ.policies.models import Policy
from tests.factories import CITY, WUHOU, make_staff


@pytest.fixture
def city_officer(chengdu: None) -> User:
    return make_staff("city-policy", Role.CITY_COMMITTEE, CITY)


@pytest.fixture
def wuhou_officer(chengdu: None) -> User:
    return make_staff("wuhou-policy", Role.DISTRICT_OFFICER, WUHOU)


def policy_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "社区保障资金管理办法",
        "issuer": "成都市民政局",
        "doc_number": "成民发〔2018〕1号",
        "kind": "measures",
        "division": "",
        "structure": "supporting",
        "issued_on": date(2018, 1, 15),
        "effective_on": date(2018, 3, 1),
        "summary": "社区保障资金的分配和使用",
        "full_text": "第一条 为规范社区保障资金管理，制定本办法。",
    }
    data.update(overrides)
    return data


def make_policy(actor: User, *, publish: bool = True, **overrides: Any) -> Policy:
    return services.policy_create(actor=actor, data=policy_data(**overrides), publish=publish)
