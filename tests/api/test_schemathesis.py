"""Schemathesis over the whole OpenAPI document, as an anonymous caller, a resident, a
community worker and the city committee: no answer may be a server error, break the schema
the document gives for it, or refuse a request with anything but an RFC 7807 problem.

Each caller is one test over a database seeded with the test factories; every operation is a
subtest. Generation is derandomized and bounded (``MAX_EXAMPLES`` per operation on top of the
deterministic coverage cases: 4 on PostgreSQL, 1 on SQLite), so the four callers take a few
minutes on two cores. Marked ``fuzz``: `make test` runs it in the PostgreSQL pass only (the
production database, whose stricter types find most of what fuzzing finds); every app's own
API tests still run on both databases.
"""

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.conf import LazySettings
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from shequ.bookings.models import Slot, Venue
from shequ.casework.demo import seed_casework
from shequ.casework.services.applications import application_submit
from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import Service
from shequ.core.scopes import Role
from shequ.funds.services import allocation as fund_allocation
from shequ.funds.services import decisions as fund_decisions
from shequ.notices import services as notices
from shequ.participation.services import proposals
from shequ.payments import services as payments
from shequ.people.models import Department, User
from tests.casework.conftest import pdf, png, residence_answers
from tests.factories import CITY, NIJIAQIAO, WUHOU, make_resident, make_staff, make_user
from tests.funds.conftest import FORMULA, YEAR, council_register
from tests.projects.conftest import new_project

pytestmark = pytest.mark.fuzz

# The full generation runs on PostgreSQL, the production database, whose stricter types (integer
# ranges, text with NUL) find most of what fuzzing finds; run by hand on SQLite, every operation
# gets fewer generated cases.
MAX_EXAMPLES = 4 if os.environ.get("DATABASE_URL", "").startswith("postgres") else 1
CSRF_TOKEN = "schemathesisCsrfToken00000000000"  # 32 characters: a valid unmasked secret
CALLERS = ("anonymous", "resident", "worker", "committee")
PROBLEM = "application/problem+json"


@dataclass
class Tally:
    """Cases sent per caller, reported at the end of the run (tests/api/conftest.py)."""

    operations: set[str] = field(default_factory=set)
    cases: int = 0
    seconds: float = 0.0


TALLY: dict[str, Tally] = {}


@dataclass
class Caller:
    role: str
    cookies: dict[str, str]
    headers: dict[str, str]


def seed_world() -> dict[str, User]:
    """A small city: people of each role, services with forms, an application, a project,
    a posted allocation and a decision, a proposal, a notice, a bookable room and a bill."""
    seed_catalogue(policies_per_service=0)
    seed_casework()
    resident = make_user("st_resident", email="resident@example.cn")
    resident_record = make_resident(NIJIAQIAO, user=resident, name="王居民")
    for number in range(3):
        make_resident(NIJIAQIAO, name=f"居民{number}")
    worker = make_staff("st_worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    committee = make_staff("st_committee", Role.CITY_COMMITTEE, CITY)
    officer = make_staff("st_district", Role.DISTRICT_OFFICER, WUHOU)
    police = make_staff("st_police", Role.DEPARTMENT_STAFF, "gongan")

    application_submit(
        actor=resident,
        service_id=Service.objects.get(code="juzhuzheng").pk,
        data=residence_answers(),
        files={"photo": png(), "proof": pdf()},
    )
    new_project(officer)
    fund_allocation.formula_save(actor=officer, year=YEAR, district_code=WUHOU, data=FORMULA)
    fund_allocation.allocation_post(actor=officer, year=YEAR, district_code=WUHOU)
    council_register(NIJIAQIAO, members=15)
    fund_decisions.approval_record_create(
        actor=worker,
        community_code=NIJIAQIAO,
        subject="楼道灯改造",
        amount="50000",
        meeting_date=date(YEAR, 3, 1),
        members_total=15,
        members_present=12,
        votes_for=10,
        votes_against=1,
        votes_abstain=1,
    )
    proposals.proposal_create(
        actor=resident,
        community_code=NIJIAQIAO,
        title="小区增设休息座椅",
        description="在健身区旁边增加几张长椅，方便老人休息。",
        category="environment",
    )
    notices.community_notice_publish(
        actor=worker, community_code=NIJIAQIAO, title="停水通知", body="周六上午停水。"
    )
    room = Venue.objects.create(
        kind=Venue.Kind.ROOM, community_id=NIJIAQIAO, name="活动室", capacity=4, max_per_week=2
    )
    start = timezone.now() + timedelta(days=2)
    Slot.objects.create(venue=room, starts_at=start, ends_at=start + timedelta(hours=1), capacity=4)
    payments.bill_issue(
        actor=None,
        department_id=Department.objects.get(code="gongan").pk,
        resident_id=resident_record.pk,
        title="证件工本费",
        amount=Decimal("20.00"),
        due_date=timezone.localdate() + timedelta(days=30),
    )
    return {"resident": resident, "worker": worker, "committee": committee, "police": police}


@pytest.fixture(params=CALLERS)
def caller(
    request: pytest.FixtureRequest, chengdu: None, settings: LazySettings, tmp_path: Path
) -> Caller:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    people = seed_world()
    role: str = request.param
    if role == "anonymous":
        return Caller(role, cookies={}, headers={})
    browser = Client()
    browser.force_login(people[role])
    return Caller(
        role,
        cookies={"sessionid": browser.cookies["sessionid"].value, "csrftoken": CSRF_TOKEN},
        headers={"X-CSRFToken": CSRF_TOKEN},
    )


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Calls through the WSGI handler keep the test's connection and transaction, as Django's
    test client does (else PostgreSQL's connection is closed after the first request)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(caller: Caller, in_test_transaction: None) -> schemathesis.BaseSchema:
    """The published document, called in-process through Django's WSGI application."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    schema.config.generation.update(
        deterministic=True, with_security_parameters=False, max_examples=MAX_EXAMPLES
    )
    return schema


@pytest.fixture
def tally(caller: Caller) -> Iterator[Tally]:
    entry = TALLY.setdefault(caller.role, Tally())
    started = time.perf_counter()
    yield entry
    entry.seconds += time.perf_counter() - started


def refusals_are_problems(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx and 5xx of the API is an RFC 7807 problem with its status."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith(PROBLEM), (
        f"{response.status_code} answered as {content_type!r}, not as a problem"
    )
    body = response.json()
    assert body["status"] == response.status_code
    assert body["title"]
    return True


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api(case: schemathesis.Case, caller: Caller, tally: Tally) -> None:
    tally.operations.add(case.operation.label)
    tally.cases += 1
    case.call_and_validate(
        cookies=caller.cookies,
        headers=caller.headers,
        checks=[not_a_server_error, response_schema_conformance, refusals_are_problems],
    )
