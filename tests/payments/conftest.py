from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shequ.core.scopes import Role
from shequ.payments.models import Bill
from shequ.payments.services import bill_issue
from shequ.people.models import Department, Resident, User
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user


@pytest.fixture
def payer(chengdu: None) -> User:
    user = make_user("payer")
    make_resident(NIJIAQIAO, user=user, name="王五")
    return user


@pytest.fixture
def water_staff(chengdu: None) -> User:
    return make_staff("water", Role.DEPARTMENT_STAFF, "shuiwu")


@pytest.fixture
def bill(payer: User, water_staff: User) -> Bill:
    department = Department.objects.get(code="shuiwu")
    return bill_issue(
        actor=water_staff,
        department_id=department.pk,
        resident_id=Resident.objects.get(user=payer).pk,
        title="10月水费",
        amount=Decimal("46.80"),
        due_date=timezone.localdate() + timedelta(days=10),
        category=Bill.Category.UTILITY,
    )
