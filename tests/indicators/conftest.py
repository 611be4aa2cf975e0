from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shequ.core.scopes import Role
from shequ.indicators import evaluation
from shequ.indicators.models import TreeVersion
from shequ.indicators.services.trees import tree_install_default
from shequ.participation.models import Proposal
from shequ.people.models import User
from tests.factories import (
    CITY,
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    YULIN_NORTH,
    make_resident,
    make_staff,
)

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


def _proposals(code: str, count: int, author: User | None = None) -> None:
    resident = make_resident(code, name="议题人")
    for n in range(count):
        Proposal.objects.create(
            community_id=code,
            author=author or User.objects.create(username=f"p{code}{n}"),
            title=f"议题{n}",
            description="内容",
            category="environment",
        )
    assert resident.pk


@pytest.fixture
def evaluated(tree: TreeVersion, committee: User) -> tuple[TreeVersion, int]:
    year = timezone.localdate().year
    for code, residents, proposals in (
        (NIJIAQIAO, 3, 4),
        (YULIN_NORTH, 2, 1),
        (SHUIJINGFANG, 4, 0),
    ):
        for n in range(residents - 1):
            make_resident(code, name=f"居民{n}")
        _proposals(code, proposals)
    # The test city has records in three communities only: rank whoever has any data, and
    # keep the Monte Carlo short.
    TreeVersion.objects.filter(pk=tree.pk).update(min_data_share=0, draws=100)
    tree.refresh_from_db()
    evaluation.run_evaluate_now(actor=committee, version_id=tree.pk, year=year)
    return tree, year
