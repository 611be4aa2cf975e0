from datetime import date

import pytest

from shequ.civil.credit_codes import check_character
from shequ.civil.models import Kind, Organisation
from shequ.civil.services.registry import OrganisationData, organisation_register
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
