from datetime import date
from typing import Any

import pytest

from shequ.cogovernance.models import Agreement, AreaOrganisation, Need, Resource
from shequ.cogovernance.services import agreements, lists, organisations
from shequ.core.scopes import Role
from shequ.people.models import User
from tests.factories import NIJIAQIAO, SHUIJINGFANG, WUHOU, YULIN, make_staff

YULIN_NORTH = "510107005001"


@pytest.fixture
def worker(chengdu: None) -> User:
    return make_staff("cg-worker", Role.COMMUNITY_WORKER, NIJIAQIAO)


@pytest.fixture
def worker_sjf(chengdu: None) -> User:
    return make_staff("cg-worker-sjf", Role.COMMUNITY_WORKER, SHUIJINGFANG)


@pytest.fixture
def street(chengdu: None) -> User:
    return make_staff("cg-street", Role.STREET_OFFICER, YULIN)


@pytest.fixture
def district(chengdu: None) -> User:
    return make_staff("cg-district", Role.DISTRICT_OFFICER, WUHOU)


@pytest.fixture
def admin(chengdu: None) -> User:
    return make_staff("cg-admin", Role.SYSTEM_ADMIN)


def org(actor: User, name: str = "某科技公司", **extra: Any) -> AreaOrganisation:
    data = {"kind": "unit", "name": name, "division": NIJIAQIAO, **extra}
    return organisations.organisation_create(actor=actor, data=data)


def agreement(actor: User, unit: AreaOrganisation, **extra: Any) -> Agreement:
    data = {
        "community": unit.division_id if len(unit.division_id) == 12 else NIJIAQIAO,
        "unit": unit.pk,
        "title": "共建协议",
        "starts_on": date(2025, 1, 1),
        "ends_on": date(2027, 12, 31),
        **extra,
    }
    commitments = [
        {"category": "venue", "description": "会议室每月20小时", "quantity": "240"},
    ]
    return agreements.agreement_create(actor=actor, data=data, commitments=commitments)


def need(actor: User, community: str = NIJIAQIAO, **extra: Any) -> Need:
    data = {"community": community, "title": "老年人活动场地", "category": "venue", **extra}
    return lists.need_create(actor=actor, data=data)


def resource(actor: User, unit: AreaOrganisation, **extra: Any) -> Resource:
    data = {
        "organisation": unit.pk,
        "title": "一楼会议室",
        "category": "venue",
        "quantity": "20",
        "unit_label": "小时/月",
        **extra,
    }
    return lists.resource_create(actor=actor, data=data)
