"""Demo bills for the demo resident (idempotent: matched by title)."""

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shequ.payments.models import Bill, LocalUtilityAccount, UtilityCompany
from shequ.payments.services import bill_issue
from shequ.payments.utilities import luhn_complete
from shequ.people.demo import ensure_departments
from shequ.people.models import Department, Resident

BILLS = [
    ("shuiwu", Bill.Category.UTILITY, "2026年10月自来水费", Decimal("46.80")),
    ("shuiwu", Bill.Category.UTILITY, "2026年10月天然气费", Decimal("88.20")),
    ("yibao", Bill.Category.INSURANCE, "2027年度城乡居民医保个人缴费", Decimal("400.00")),
]


# Real companies of Chengdu (names only), each under the department that oversees it.
COMPANIES = [
    ("cd-water", "成都市自来水有限责任公司", UtilityCompany.Kind.WATER, "shuiwu"),
    ("cd-power", "国网四川省电力公司成都供电公司", UtilityCompany.Kind.POWER, "jingxin"),
    ("cd-gas", "成都城市燃气有限责任公司", UtilityCompany.Kind.GAS, "chengguan"),
]
# The demo resident's accounts in the local utility interface (check digit included):
# bind them from 我的账单 → 绑定户号.
DEMO_ACCOUNTS = [
    ("cd-water", "100623184", Decimal("52.60")),
    ("cd-power", "5102938476", Decimal("138.45")),
    ("cd-gas", "8800172634", Decimal("64.00")),
]


def seed_utilities(departments: Mapping[str, Department], resident: Resident | None) -> None:
    companies = {}
    for code, name, kind, department in COMPANIES:
        companies[code], _created = UtilityCompany.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "department": departments[department]}
        )
    if resident is None:
        return
    address = resident.community.name if resident.community is not None else ""
    for company, stem, amount in DEMO_ACCOUNTS:
        LocalUtilityAccount.objects.get_or_create(
            company=companies[company],
            number=luhn_complete(stem),
            defaults={
                "holder_name": resident.real_name,
                "address": address,
                "monthly_amount": amount,
            },
        )


@transaction.atomic
def seed_payments() -> int:
    departments = ensure_departments()
    resident = (
        Resident.objects.filter(user__username="resident").select_related("community").first()
    )
    seed_utilities(departments, resident)
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
