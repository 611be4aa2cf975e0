from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.planning.models import Assignment, Consultation
from shequ.planning.services import assignments, consultations
from tests.factories import CITY, NIJIAQIAO, YULIN, make_resident, make_staff, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
WHEN = datetime(2026, 6, 10, 14, 30, tzinfo=SHANGHAI)
TERM = (date(2026, 1, 1), date(2099, 12, 31))


@pytest.fixture
def officer(chengdu: None) -> User:
    return make_staff("plan-street", Role.STREET_OFFICER, YULIN)


@pytest.fixture
def planner(chengdu: None) -> User:
    return make_staff("plan-planner", Role.PLANNER, YULIN)


@pytest.fixture
def expert(chengdu: None) -> User:
    return make_staff("plan-expert", Role.EXPERT, CITY)


@pytest.fixture
def worker(chengdu: None) -> User:
    return make_staff("plan-worker", Role.COMMUNITY_WORKER, NIJIAQIAO)


@pytest.fixture
def resident(chengdu: None) -> User:
    user = make_user("plan-resident")
    make_resident(NIJIAQIAO, name="王秀英", user=user)
    return user


@pytest.fixture
def assignment(officer: User, planner: User) -> Assignment:
    return assignments.assignment_create(
        actor=officer,
        planner_id=planner.pk,
        community_code=NIJIAQIAO,
        term_start=TERM[0],
        term_end=TERM[1],
        hours_per_month=16,
        contract_party="玉林街道办事处",
    )


@pytest.fixture
def consultation(assignment: Assignment, planner: User) -> Consultation:
    return consultations.consultation_schedule(
        actor=planner,
        community_code=NIJIAQIAO,
        title="街巷微更新议事会",
        topic="人行道和照明",
        place="党群服务中心",
        starts_at=WHEN,
    )


@pytest.fixture
def open_consultation(consultation: Consultation, planner: User) -> Consultation:
    return consultations.consultation_set_status(
        actor=planner, consultation_id=consultation.pk, status="open"
    )
