"""Demo social organisations in 武侯区 with grades and inspections, and an open
community-making call, registered by the demo district officer. Idempotent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from shequ.civil.credit_codes import check_character
from shequ.civil.models import Call, Kind, Organisation
from shequ.civil.services import calls
from shequ.civil.services.registry import (
    OrganisationData,
    inspection_record,
    organisation_register,
    rating_record,
)
from shequ.people.models import User

WUHOU = "510107000000"
YULIN = "510107005000"
NIJIAQIAO = "510107005004"
# (name, kind, first 17 characters of the credit code or "", fields, grade)
ORGANISATIONS = [
    (
        "成都市武侯区邻里守望社会工作服务中心",
        Kind.SERVICE_INSTITUTION,
        "52510107MJ0000101",
        ["elderly", "governance"],
        4,
    ),
    (
        "成都市武侯区青苗青少年发展促进会",
        Kind.SOCIAL_GROUP,
        "51510107MJ0000202",
        ["youth", "children"],
        3,
    ),
    ("倪家桥社区睦邻互助队", Kind.COMMUNITY_BASED, "", ["volunteering"], None),
]


@transaction.atomic
def seed_civil() -> int:
    """Register the demo organisations and open one call; returns organisations made."""
    officer = User.objects.filter(username="district").first()
    if officer is None or Organisation.objects.exists():
        return 0
    year = timezone.localdate().year
    for name, kind, first17, fields, grade in ORGANISATIONS:
        organisation = organisation_register(
            actor=officer,
            data=OrganisationData(
                name=name,
                kind=kind,
                credit_code=first17 + check_character(first17) if first17 else "",
                authority_code=YULIN if kind == Kind.COMMUNITY_BASED else WUHOU,
                legal_rep_name="陈静",
                fields=fields,
                service_area_codes=[NIJIAQIAO],
                staff_count=6,
                volunteer_count=40,
            ),
        )
        if grade:
            rating_record(
                actor=officer, organisation_id=organisation.pk, grade=grade, year=year - 2
            )
        inspection_record(
            actor=officer, organisation_id=organisation.pk, year=year - 1, result="passed"
        )
    now = timezone.now()
    calls.call_create(
        actor=officer,
        title=f"{year}年武侯区社区营造项目征集",
        kind=Call.Kind.COMMUNITY_MAKING,
        division_code=WUHOU,
        field="governance",
        budget="1200000",
        max_award="100000",
        year=year,
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=30),
        criteria=[
            calls.CriterionData("需求分析", 30),
            calls.CriterionData("实施方案", 40),
            calls.CriterionData("居民参与", 30),
        ],
        min_grade=3,
        min_self_share=10,
    )
    return len(ORGANISATIONS)
