from datetime import date

import pytest

from shequ.policies import selectors
from shequ.policies.demo import seed_policies
from shequ.policies.models import Policy

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_shows_the_guarantee_fund_chain(chengdu: None) -> None:
    created = seed_policies()
    assert created == Policy.objects.count() == 8
    assert seed_policies() == 0
    rows = selectors.policy_library(query="社区保障资金", today=date(2025, 1, 1))
    validity = {r.policy.title: r.validity for r in rows}
    assert validity["成都市城乡社区保障资金管理办法（示例）"] == "amended"
    assert validity["成都市社区公共服务和社会管理专项资金管理办法（示例，已废止）"] == "repealed"
    assert validity["社区保障资金使用实施细则（示例）"] == "expired"
    real = Policy.objects.get(doc_number="成府发〔2014〕7号")
    assert not real.is_demo
    assert real.source_url.startswith("http")
    assert all(p.is_demo for p in Policy.objects.filter(title__contains="示例"))
