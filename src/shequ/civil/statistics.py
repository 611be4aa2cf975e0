"""Public statistics of the registry and the money (reads only): organisations per 10,000
residents by district (population from the places data), the distribution of valid grades,
and the money awarded and paid per field of service and per district. A few grouped queries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from shequ.civil.models import Application, Contract, Field, Grade, Organisation, Rating
from shequ.places.models import Division


@dataclass
class DistrictRow:
    code: str
    name: str
    organisations: int
    population: int | None
    per_10k: float | None


@dataclass
class MoneyRow:
    key: str
    label: str
    awarded: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)


@dataclass
class Statistics:
    districts: list[DistrictRow]
    grades: list[tuple[str, int]]
    ungraded: int
    by_field: list[MoneyRow]
    by_district: list[MoneyRow]
    totals: dict[str, Any] = field(default_factory=dict)


def _populations() -> dict[str, int]:
    """District code → population: the district's own figure, else the sum of its
    communities' figures (places data)."""
    out: dict[str, int] = {}
    for code, population in Division.objects.filter(
        level=Division.Level.DISTRICT, population__gt=0
    ).values_list("code", "population"):
        out[code] = population or 0
    sums: dict[str, int] = defaultdict(int)
    for code, population in Division.objects.filter(
        level=Division.Level.COMMUNITY, population__gt=0
    ).values_list("code", "population"):
        sums[code[:6] + "000000"] += population or 0
    for code, total in sums.items():
        out.setdefault(code, total)
    return out


def civil_statistics(on: date | None = None) -> Statistics:
    day = on or timezone.localdate()
    active = Organisation.objects.filter(status=Organisation.Status.ACTIVE)
    per_district: dict[str, int] = defaultdict(int)
    for authority, count in (
        active.order_by()
        .values_list("authority_id")
        .annotate(n=Count("pk"))
        .values_list("authority_id", "n")
    ):
        per_district[authority[:6] + "000000"] += count
    populations = _populations()
    districts = []
    for division in Division.objects.filter(level=Division.Level.DISTRICT).order_by("code"):
        count = per_district.get(division.code, 0)
        population = populations.get(division.code)
        if not count and not population:
            continue
        districts.append(
            DistrictRow(
                code=division.code,
                name=division.short_name or division.name,
                organisations=count,
                population=population,
                per_10k=round(count * 10000 / population, 2) if population else None,
            )
        )
    # The newest valid grade of each active organisation.
    best: dict[int, int] = {}
    for organisation_id, grade in (
        Rating.objects.filter(organisation__status=Organisation.Status.ACTIVE, expires_on__gte=day)
        .order_by("organisation_id", "-year", "-id")
        .values_list("organisation_id", "grade")
    ):
        best.setdefault(organisation_id, grade)
    counts: dict[int, int] = defaultdict(int)
    for grade in best.values():
        counts[grade] += 1
    grades = [(label, counts.get(value, 0)) for value, label in Grade.choices]
    ungraded = active.count() - len(best)
    fields = {key: MoneyRow(key, str(label)) for key, label in Field.choices}
    areas: dict[str, MoneyRow] = {}
    names = dict(Division.objects.filter(level=Division.Level.DISTRICT).values_list("code", "name"))

    def area(code: str) -> MoneyRow:
        district = code[:6] + "000000"
        if district not in areas:
            areas[district] = MoneyRow(district, names.get(district, district))
        return areas[district]

    for call_field, division, awarded in (
        Application.objects.filter(status=Application.Status.AWARDED)
        .order_by()
        .values_list("call__field", "call__division_id")
        .annotate(total=Sum("award_amount"))
    ):
        if call_field in fields:
            fields[call_field].awarded += awarded or 0
        area(division).awarded += awarded or 0
    for call_field, division, paid in (
        Contract.objects.filter(~Q(paid=0))
        .order_by()
        .values_list("application__call__field", "division_id")
        .annotate(total=Sum("paid"))
    ):
        if call_field in fields:
            fields[call_field].paid += paid or 0
        area(division).paid += paid or 0
    by_field = [row for row in fields.values() if row.awarded or row.paid]
    by_district = sorted(areas.values(), key=lambda r: r.key)
    return Statistics(
        districts=districts,
        grades=grades,
        ungraded=ungraded,
        by_field=by_field,
        by_district=by_district,
        totals={
            "organisations": active.count(),
            "awarded": sum((r.awarded for r in by_field), Decimal(0)),
            "paid": sum((r.paid for r in by_field), Decimal(0)),
        },
    )
