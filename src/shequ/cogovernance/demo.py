"""Demonstration co-governance data for 倪家桥社区 (idempotent, keyed by names).

The names of the organisations and people here are made up for the demonstration and marked
as such ("示例"); designations made here carry ``is_demo`` and show a "demo" badge. The real
list of the report's 117 demonstration communities is not in a source we hold.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction

from shequ.cogovernance.models import (
    Agreement,
    AreaOrganisation,
    Category,
    Commitment,
    Criterion,
    Designation,
    Member,
    Need,
    OrgKind,
    Position,
    Resource,
)
from shequ.places.models import Division

NIJIAQIAO = "510107005004"  # 倪家桥社区, 玉林街道, 武侯区
YULIN_NORTH = "510107005001"  # 玉林北路社区
SHUIJINGFANG = "510104017001"  # 水井坊社区
DEMO_YEAR = 2024


@transaction.atomic
def seed_cogovernance() -> int:
    """The demo community's party committee, a grid branch, its residents' committee, a unit
    offering a room under a co-building agreement, a need, and demo designations. Returns
    how many organisations were added."""
    if not Division.objects.filter(pk=NIJIAQIAO).exists():
        return 0
    if AreaOrganisation.objects.filter(division_id=NIJIAQIAO).exists():
        return 0
    committee = AreaOrganisation.objects.create(
        kind=OrgKind.PARTY_COMMITTEE, name="倪家桥社区党委（示例）", division_id=NIJIAQIAO
    )
    branch = AreaOrganisation.objects.create(
        kind=OrgKind.GRID_BRANCH,
        name="倪家桥社区第一网格党支部（示例）",
        division_id=NIJIAQIAO,
        parent=committee,
    )
    AreaOrganisation.objects.create(
        kind=OrgKind.RESIDENTS_COMMITTEE, name="倪家桥社区居民委员会（示例）", division_id=NIJIAQIAO
    )
    unit = AreaOrganisation.objects.create(
        kind=OrgKind.UNIT,
        name="示例驻区单位（某科技公司）",
        division_id=NIJIAQIAO,
        parent=committee,
        contact_name="示例联络人",
    )
    Member.objects.create(
        organisation=committee,
        position=Position.SECRETARY,
        outside_name="示例书记",
        term_start=date(2021, 12, 1),
        term_end=date(2026, 11, 30),
    )
    Member.objects.create(
        organisation=branch,
        position=Position.SECRETARY,
        outside_name="示例支书",
        term_start=date(2021, 12, 1),
    )
    agreement = Agreement.objects.create(
        community_id=NIJIAQIAO,
        unit=unit,
        title="倪家桥社区与示例驻区单位共建协议（示例）",
        starts_on=date(2025, 1, 1),
        ends_on=date(2027, 12, 31),
        signed_on=date(2024, 12, 20),
    )
    room = Commitment.objects.create(
        agreement=agreement,
        category=Category.VENUE,
        description="开放一楼会议室，每月20小时",
        quantity=Decimal("240"),
        unit_label="小时",
    )
    Commitment.objects.create(
        agreement=agreement,
        category=Category.MONEY,
        description="每年资助社区活动",
        amount=Decimal("20000.00"),
    )
    Resource.objects.create(
        organisation=unit,
        division_id=NIJIAQIAO,
        title="一楼会议室（60平方米）",
        category=Category.VENUE,
        quantity=Decimal("20"),
        unit_label="小时/月",
        availability="周二、周四下午",
        commitment=room,
    )
    Need.objects.create(
        community_id=NIJIAQIAO,
        title="老年人活动场地",
        category=Category.VENUE,
        description="居民反映小区内缺少老年人下棋、唱歌的室内场地。",
    )
    for code in (NIJIAQIAO, YULIN_NORTH, SHUIJINGFANG):
        if Division.objects.filter(pk=code).exists():
            Designation.objects.get_or_create(
                year=DEMO_YEAR,
                community_id=code,
                defaults={
                    "criteria": [Criterion.PARTY_LEADS, Criterion.THREE_LISTS],
                    "evidence": "示例记录，不是真实的评定名单。",
                    "is_demo": True,
                },
            )
    return 4
