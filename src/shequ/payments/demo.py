"""Demo bills for the demo resident (idempotent: matched by title)."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shequ.payments.models import Bill
from shequ.payments.services import bill_issue
from shequ.people.demo import ensure_departments
from shequ.people.models import Resident

BILLS = [
    ("shuiwu", Bill.Category.UTILITY, "2026年10月自来水费", Decimal("46.80")),
    ("shuiwu", Bill.Category.UTILITY, "2026年10月天然气费", Decimal("88.20")),
    ("yibao", Bill.Category.INSURANCE, "2027年度城乡居民医保个人缴费", Decimal("400.00")),
]


@transaction.atomic
def seed_payments() -> int:
    departments = ensure_departments()
    resident = Resident.objects.filter(user__username="resident").first()
    if resident is None:
        return 0
    created = 0
    for code, category, title, amount in BILLS:
        if Bill.objects.filter(user=resident.user, title=title).exists():
            continue
        bill_issue(
            actor=None,
            department_id=departments[code].pk,
            resident_id=resident.pk,
            title=title,
            amount=amount,
            due_date=timezone.localdate() + timedelta(days=20),
            category=category,
        )
        created += 1
    return created
