from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shequ.bookings.models import Booking, Slot, Venue
from shequ.casework.demo import seed_casework
from shequ.casework.models import Application
from shequ.casework.services.applications import application_act, application_submit
from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import Service
from shequ.core.scopes import Role
from shequ.payments.models import Bill
from shequ.people.models import Department, User
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The day before the National Day holidays of 2026 (国庆节 1–7 October, 10 October worked):
# five working days later is Tuesday 13 October.
BEFORE_NATIONAL_DAY = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
MONDAY_IN_TABLE = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def catalogue(chengdu: None) -> None:
    seed_catalogue(policies_per_service=0)
    seed_casework()


@pytest.fixture
def certificate(catalogue: None) -> Service:
    """社区居住证明开具 (市委社治委, a community-level service with a one-field form)."""
    return Service.objects.get(code="shequ-zhengming")


@pytest.fixture
def resident(catalogue: None) -> User:
    user = make_user("rater")
    make_resident(NIJIAQIAO, user=user, name="王五")
    return user


@pytest.fixture
def shezhi_staff(catalogue: None) -> User:
    return make_staff("shezhi_staff", Role.DEPARTMENT_STAFF, "shezhi")


@pytest.fixture
def other_staff(catalogue: None) -> User:
    return make_staff("minzheng_staff", Role.DEPARTMENT_STAFF, "minzheng")


def submitted_case(user: User, service: Service) -> Application:
    return application_submit(
        actor=user, service_id=service.pk, data={"purpose": "子女入学报名"}, files={}
    )


def closed_case(user: User, service: Service, staff: User) -> Application:
    application = submitted_case(user, service)
    for action in ("accept", "approve", "complete"):
        application = application_act(actor=staff, application_id=application.pk, action=action)
    return application


@pytest.fixture
def closed(resident: User, certificate: Service, shezhi_staff: User) -> Application:
    return closed_case(resident, certificate, shezhi_staff)


def booking_for(user: User, *, ends_in: timedelta, status: str = "confirmed") -> Booking:
    department = Department.objects.get(code="zhengwu")
    venue = Venue.objects.create(
        kind=Venue.Kind.HALL,
        name="武侯区政务服务中心·综合窗口",
        department=department,
        service=Service.objects.filter(code="zhengwu-yuyue").first(),
    )
    ends = timezone.now() + ends_in
    slot = Slot.objects.create(
        venue=venue, starts_at=ends - timedelta(minutes=30), ends_at=ends, capacity=5, booked=1
    )
    return Booking.objects.create(slot=slot, user=user, status=status)


def bill_for(user: User, *, status: str = Bill.Status.PAID) -> Bill:
    return Bill.objects.create(
        user=user,
        department=Department.objects.get(code="shuiwu"),
        category=Bill.Category.UTILITY,
        title="2026年10月自来水费",
        amount=Decimal("46.80"),
        due_date=timezone.localdate() + timedelta(days=10),
        status=status,
        paid_at=timezone.now() if status == Bill.Status.PAID else None,
    )
