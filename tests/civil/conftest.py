from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.civil.credit_codes import check_character
from shequ.civil.models import Call, Kind, Membership, Organisation
from shequ.civil.services import applications, calls
from shequ.civil.services.registry import (
    OrganisationData,
    inspection_record,
    organisation_register,
    rating_record,
)
from shequ.core.scopes import Role
from shequ.people.models import User, VerificationLevel
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user

WUHOU = "510107000000"
YULIN = "510107005000"


def code_with_check(first17: str) -> str:
    return first17 + check_character(first17)


@pytest.fixture
def district_officer(chengdu: None) -> User:
    return make_staff("wuhou_officer", Role.DISTRICT_OFFICER, WUHOU)


@pytest.fixture
def street_officer(chengdu: None) -> User:
    return make_staff("yulin_officer", Role.STREET_OFFICER, YULIN)


def org_data(**overrides: object) -> OrganisationData:
    values: dict[str, object] = {
        "name": "成都市武侯区阳光社工服务中心",
        "kind": Kind.SERVICE_INSTITUTION,
        "credit_code": code_with_check("52510107MJ0012345"),
        "authority_code": WUHOU,
        "legal_rep_name": "李四",
        "legal_rep_phone": "13912345678",
        "fields": ["elderly"],
        "service_area_codes": [NIJIAQIAO],
        "bank_account": "6222021234567890123",
        "registered_on": date(2020, 5, 1),
    }
    values.update(overrides)
    return OrganisationData(**values)  # type: ignore[arg-type]


@pytest.fixture
def organisation(district_officer: User) -> Organisation:
    return organisation_register(actor=district_officer, data=org_data())


def verified_user(username: str, level: int = VerificationLevel.REGISTRY_MATCHED) -> User:
    user = make_user(username)
    make_resident(NIJIAQIAO, user=user, name="王小明", level=level)
    return user


SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2026, 3, 31, 17, 0, tzinfo=SHANGHAI)
DURING = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def minutes() -> SimpleUploadedFile:
    return SimpleUploadedFile("jueyi.pdf", PDF, content_type="application/pdf")


@pytest.fixture
def graded(organisation: Organisation, district_officer: User) -> Organisation:
    rating_record(actor=district_officer, organisation_id=organisation.pk, grade=4, year=2024)
    inspection_record(
        actor=district_officer, organisation_id=organisation.pk, year=2025, result="passed"
    )
    return organisation


@pytest.fixture
def applicant(graded: Organisation) -> User:
    user = verified_user("org_worker")
    Membership.objects.create(organisation=graded, user=user, role="admin")
    return user


@pytest.fixture
def call(district_officer: User) -> Call:
    return calls.call_create(
        actor=district_officer,
        title="2026年武侯区社区营造项目",
        kind=Call.Kind.COMMUNITY_MAKING,
        division_code=WUHOU,
        field="elderly",
        budget="200000",
        max_award="100000",
        year=2026,
        opens_at=OPENS,
        closes_at=CLOSES,
        criteria=[
            calls.CriterionData("需求分析", 40),
            calls.CriterionData("实施方案", 40),
            calls.CriterionData("居民参与", 20),
        ],
        min_grade=3,
        min_self_share=10,
    )


def submit(call: Call, user: User, org: Organisation, **overrides: object) -> object:
    values: dict[str, object] = {
        "actor": user,
        "call_id": call.pk,
        "organisation_id": org.pk,
        "title": "倪家桥长者食堂营造",
        "summary": "与社区共建长者食堂，每周服务300人次。",
        "amount": "90000",
        "self_funding": "10000",
        "budget_lines": [{"item": "人员", "amount": "60000"}, {"item": "物料", "amount": "40000"}],
        "community_code": NIJIAQIAO,
        "council_minutes": minutes(),
        "now": DURING,
    }
    values.update(overrides)
    return applications.application_submit(**values)  # type: ignore[arg-type]
