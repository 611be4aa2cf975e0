"""Allocation of the security (保障) and incentive (激励) funds (资金分配): formulas, the
incentive pool, evaluation scores, the preview and the yearly posting."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.scopes import CITY_CODE, code_prefix
from shequ.core.services import audit_record
from shequ.funds.models import (
    Account,
    AllocationLine,
    AllocationRun,
    EvaluationScore,
    IncentivePool,
    LedgerTransaction,
    SecurityFormula,
    Track,
)
from shequ.funds.permissions import can_configure_allocation, can_manage_incentive_pool
from shequ.funds.services._common import _check_year
from shequ.funds.services.ledger import FEN, _accounts_for, _post, money_parse
from shequ.places.models import Division

FORMULA_FIELDS = (
    "base_urban",
    "base_rural",
    "per_household",
    "per_resident",
    "floor",
    "cap",
)


def _year_open(year: int, district_code: str | None = None) -> None:
    runs = AllocationRun.objects.filter(year=year)
    if district_code:
        runs = runs.filter(district_id=district_code)
    if runs.exists():
        raise DomainError(
            "year_posted", _("The allocation of %(year)s is already posted."), year=year
        )


@transaction.atomic
def formula_save(
    *, actor: Any, year: int, district_code: str, data: dict[str, Any], ip: str | None = None
) -> SecurityFormula:
    """Configure a district's security-fund formula for a year (before it is posted).

    Raises: NotFound; DomainError ``year_posted``, ``cap_below_floor``, amount errors.
    """
    district = Division.objects.filter(code=district_code, level=Division.Level.DISTRICT).first()
    if district is None or not can_configure_allocation(actor, district_code):
        raise NotFound("district_not_found", _("No such district in your area."))
    year = _check_year(year)
    _year_open(year, district_code)
    values: dict[str, Decimal] = {
        name: money_parse(data.get(name, ""), field=name, allow_zero=True)
        for name in FORMULA_FIELDS
    }
    if values["cap"] < values["floor"]:
        raise DomainError("cap_below_floor", _("The cap must not be below the floor."), field="cap")
    share = money_parse(data.get("city_share", "0"), field="city_share", allow_zero=True)
    if share > 100:
        raise DomainError(
            "share_invalid", _("The city share is a percentage from 0 to 100."), field="city_share"
        )
    existing = SecurityFormula.objects.filter(year=year, district_id=district_code).first()
    before = (
        {n: str(getattr(existing, n)) for n in (*FORMULA_FIELDS, "city_share")} if existing else {}
    )
    formula, _created = SecurityFormula.objects.update_or_create(
        year=year, district_id=district_code, defaults={**values, "city_share": share}
    )
    after = {n: str(getattr(formula, n)) for n in (*FORMULA_FIELDS, "city_share")}
    audit_record(
        actor=actor,
        verb="funds.formula_saved",
        target=formula,
        division_code=district_code,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
        ip=ip,
    )
    return formula


def _parse_tiers(raw: Any) -> list[list[float]]:
    tiers: list[list[float]] = []
    try:
        for minimum, weight in raw or []:
            tiers.append([float(Decimal(str(minimum))), float(Decimal(str(weight)))])
    except (TypeError, ValueError, InvalidOperation):
        raise DomainError(
            "tiers_invalid", _("Tiers are pairs of minimum score and weight."), field="tiers"
        ) from None
    if any(w < 0 or m < 0 or m > 100 for m, w in tiers):
        raise DomainError(
            "tiers_invalid", _("Tiers are pairs of minimum score and weight."), field="tiers"
        )
    return sorted(tiers, reverse=True)


@transaction.atomic
def incentive_pool_save(
    *,
    actor: Any,
    year: int,
    amount: Any,
    method: str,
    tiers: Any = None,
    ip: str | None = None,
) -> IncentivePool:
    """The city committee sets the year's incentive pool and how it is shared.

    Raises: PermissionDenied; DomainError ``year_posted``, ``method_invalid``, ``tiers_invalid``.
    """
    if not can_manage_incentive_pool(actor):
        raise PermissionDenied("forbidden", _("Only the city committee sets the incentive pool."))
    year = _check_year(year)
    _year_open(year)
    value = money_parse(amount, allow_zero=True)
    if method not in IncentivePool.Method.values:
        raise DomainError("method_invalid", _("Choose how the pool is shared."), field="method")
    parsed = _parse_tiers(tiers) if method == IncentivePool.Method.TIERS else []
    if method == IncentivePool.Method.TIERS and not parsed:
        raise DomainError("tiers_invalid", _("Tiers are pairs of minimum score and weight."))
    pool, _created = IncentivePool.objects.update_or_create(
        year=year, defaults={"amount": value, "method": method, "tiers": parsed}
    )
    audit_record(
        actor=actor,
        verb="funds.incentive_pool_saved",
        target=pool,
        division_code=CITY_CODE,
        changes={"amount": [None, str(value)], "method": [None, method]},
        ip=ip,
    )
    return pool


@dataclass
class ImportResult:
    rows: int = 0
    saved: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


SCORE_HEADERS = {"code": ("社区代码", "code", "区划代码"), "score": ("评分", "score", "得分")}


def scores_import(*, actor: Any, year: int, file: Any, ip: str | None = None) -> ImportResult:
    """Evaluation scores from an Excel sheet (columns 社区代码, 评分); all rows or none.

    Every bad row is reported with its row number and the reason; nothing is saved then.
    Raises: PermissionDenied; DomainError ``year_posted``, ``file_unreadable``, ``headers``.
    """
    import openpyxl

    if not can_manage_incentive_pool(actor):
        raise PermissionDenied("forbidden", _("Only the city committee imports scores."))
    year = _check_year(year)
    _year_open(year)
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise DomainError(
            "file_unreadable", _("This is not an Excel (.xlsx) file."), field="file"
        ) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip().lower() for c in next(rows, ())]
    columns: dict[str, int] = {}
    for key, names in SCORE_HEADERS.items():
        for index, title in enumerate(header):
            if title in names:
                columns[key] = index
    if len(columns) < 2:
        raise DomainError(
            "headers", _("The first row must have the columns 社区代码 and 评分."), field="file"
        )
    communities = set(
        Division.objects.filter(level=Division.Level.COMMUNITY).values_list("code", flat=True)
    )
    result = ImportResult()
    scores: dict[str, Decimal] = {}
    for number, row in enumerate(rows, start=2):
        if row is None or all(c in (None, "") for c in row):
            continue
        result.rows += 1
        code = str(row[columns["code"]] or "").strip()
        raw = row[columns["score"]] if columns["score"] < len(row) else None
        if code not in communities:
            result.errors.append(
                (number, str(_("unknown community code %(code)s") % {"code": code}))
            )
            continue
        if code in scores:
            result.errors.append(
                (number, str(_("community %(code)s appears twice") % {"code": code}))
            )
            continue
        try:
            score = Decimal(str(raw).strip()).quantize(FEN)
        except (InvalidOperation, ValueError):
            result.errors.append((number, str(_("the score is not a number"))))
            continue
        if not Decimal(0) <= score <= Decimal(100):
            result.errors.append((number, str(_("the score must be from 0 to 100"))))
            continue
        scores[code] = score
    if result.errors:
        return result
    with transaction.atomic():
        EvaluationScore.objects.filter(year=year).delete()
        EvaluationScore.objects.bulk_create(
            [EvaluationScore(year=year, community_id=c, score=s) for c, s in scores.items()],
            batch_size=1000,
        )
        result.saved = len(scores)
        audit_record(
            actor=actor,
            verb="funds.scores_imported",
            division_code=CITY_CODE,
            changes={"year": [None, year], "rows": [None, len(scores)]},
            ip=ip,
        )
    return result


def scores_replace(
    *, actor: Any, year: int, scores: dict[str, Decimal], source: str, ip: str | None = None
) -> int:
    """Replace a year's evaluation scores with computed ones (the indicators app's run
    ``source``), instead of an Excel import; returns how many were saved.

    Raises: PermissionDenied; DomainError ``year_posted`` or ``score_range``.
    """
    if not can_manage_incentive_pool(actor):
        raise PermissionDenied("forbidden", _("Only the city committee imports scores."))
    year = _check_year(year)
    _year_open(year)
    communities = set(
        Division.objects.filter(level=Division.Level.COMMUNITY, code__in=list(scores)).values_list(
            "code", flat=True
        )
    )
    clean: dict[str, Decimal] = {}
    for code, score in scores.items():
        if code not in communities:
            continue
        value = Decimal(score).quantize(FEN)
        if not Decimal(0) <= value <= Decimal(100):
            raise DomainError(
                "score_range", _("the score must be from 0 to 100") + f" ({code})", field="year"
            )
        clean[code] = value
    with transaction.atomic():
        EvaluationScore.objects.filter(year=year).delete()
        EvaluationScore.objects.bulk_create(
            [EvaluationScore(year=year, community_id=c, score=v) for c, v in clean.items()],
            batch_size=1000,
        )
        audit_record(
            actor=actor,
            verb="funds.scores_imported",
            division_code=CITY_CODE,
            changes={"year": [None, year], "rows": [None, len(clean)], "source": [None, source]},
            ip=ip,
        )
    return len(clean)


def split_exactly(total: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """Share ``total`` by ``weights`` in whole fen; the remainder fen go to the largest
    fractional parts (ties by key), so the shares add up to ``total`` exactly."""
    positive = {k: w for k, w in weights.items() if w > 0}
    weight_sum = sum(positive.values(), Decimal(0))
    if total <= 0 or weight_sum <= 0:
        return dict.fromkeys(weights, Decimal("0.00"))
    total_fen = int((total / FEN).to_integral_value())
    exact = {k: Decimal(total_fen) * w / weight_sum for k, w in positive.items()}
    floors = {k: int(v) for k, v in exact.items()}
    remainder = total_fen - sum(floors.values())
    order = sorted(positive, key=lambda k: (-(exact[k] - floors[k]), k))
    for key in order[:remainder]:
        floors[key] += 1
    return {k: (Decimal(floors.get(k, 0)) * FEN).quantize(FEN) for k in weights}


@dataclass
class PlannedLine:
    community: str
    district: str
    security: Decimal
    incentive: Decimal


@dataclass
class DistrictPreview:
    district: Division
    communities: int
    security: Decimal
    incentive: Decimal
    city_part: Decimal
    district_part: Decimal
    has_formula: bool
    posted: bool

    @property
    def total(self) -> Decimal:
        return self.security + self.incentive


def security_amount(
    formula: SecurityFormula, urban_rural: str, households: int, people: int
) -> Decimal:
    base = formula.base_rural if urban_rural == Division.UrbanRural.RURAL else formula.base_urban
    raw = base + formula.per_household * households + formula.per_resident * people
    amount = raw.quantize(FEN, rounding=ROUND_HALF_UP)
    return min(max(amount, formula.floor), formula.cap)


def _incentive_shares(year: int) -> dict[str, Decimal]:
    pool = IncentivePool.objects.filter(year=year).first()
    if pool is None:
        return {}
    scores = dict(EvaluationScore.objects.filter(year=year).values_list("community_id", "score"))
    weights: dict[str, Decimal] = {}
    for code, score in scores.items():
        if pool.method == IncentivePool.Method.PROPORTIONAL:
            weights[code] = score
        else:
            weight = Decimal(0)
            for minimum, tier_weight in pool.tiers:
                if score >= Decimal(str(minimum)):
                    weight = Decimal(str(tier_weight))
                    break
            weights[code] = weight
    return split_exactly(pool.amount, weights)


def allocation_plan(
    year: int, district_codes: Sequence[str]
) -> tuple[dict[str, list[PlannedLine]], dict[str, SecurityFormula]]:
    """What every community of the districts would receive: (lines per district, formulas)."""
    formulas = {
        f.district_id: f
        for f in SecurityFormula.objects.filter(year=year, district_id__in=district_codes)
    }
    shares = _incentive_shares(year)
    lines: dict[str, list[PlannedLine]] = {code: [] for code in district_codes}
    prefixes = {code_prefix(code): code for code in district_codes}
    communities = (
        Division.objects.filter(level=Division.Level.COMMUNITY, is_active=True)
        .values_list("code", "urban_rural", "households", "population")
        .order_by("code")
    )
    for code, urban_rural, households, people in communities:
        district = prefixes.get(code[:6])
        if district is None:
            continue
        formula = formulas.get(district)
        security = (
            security_amount(formula, urban_rural, households or 0, people or 0)
            if formula
            else Decimal("0.00")
        )
        lines[district].append(
            PlannedLine(code, district, security, shares.get(code, Decimal("0.00")))
        )
    return lines, formulas


def _target_districts(actor: Any, district_code: str | None) -> list[Division]:
    districts = Division.objects.filter(level=Division.Level.DISTRICT).order_by("code")
    if district_code:
        districts = districts.filter(code=district_code)
    allowed = [d for d in districts if can_configure_allocation(actor, d.code)]
    if not allowed:
        raise NotFound("district_not_found", _("No such district in your area."))
    return allowed


def _city_split(security: Decimal, formula: SecurityFormula | None) -> tuple[Decimal, Decimal]:
    if formula is None:
        return Decimal("0.00"), Decimal("0.00")
    city = (security * formula.city_share / 100).quantize(FEN, rounding=ROUND_HALF_UP)
    return city, security - city


def allocation_preview(
    *, actor: Any, year: int, district_code: str | None = None
) -> list[DistrictPreview]:
    """Totals per district of what posting would allocate (nothing is written).

    Raises: NotFound when no district of the request is in the actor's area.
    """
    year = _check_year(year)
    districts = _target_districts(actor, district_code)
    lines, formulas = allocation_plan(year, [d.code for d in districts])
    posted = set(
        AllocationRun.objects.filter(year=year, district__in=districts).values_list(
            "district_id", flat=True
        )
    )
    rows = []
    for district in districts:
        planned = lines[district.code]
        security = sum((line.security for line in planned), Decimal("0.00"))
        city, own = _city_split(security, formulas.get(district.code))
        rows.append(
            DistrictPreview(
                district=district,
                communities=len(planned),
                security=security,
                incentive=sum((line.incentive for line in planned), Decimal("0.00")),
                city_part=city,
                district_part=own,
                has_formula=district.code in formulas,
                posted=district.code in posted,
            )
        )
    return rows


@transaction.atomic
def allocation_post(
    *, actor: Any, year: int, district_code: str | None = None, ip: str | None = None
) -> list[AllocationRun]:
    """Post the year's allocation for the district (or every district of the actor's area
    that has a formula): one balanced transaction per district, once.

    Raises: NotFound; DomainError ``year_posted``, ``no_formula``.
    """
    year = _check_year(year)
    districts = _target_districts(actor, district_code)
    lines, formulas = allocation_plan(year, [d.code for d in districts])
    targets = [d for d in districts if d.code in formulas]
    if not targets:
        raise DomainError(
            "no_formula", _("Configure the security fund formula of %(year)s first."), year=year
        )
    already = AllocationRun.objects.filter(year=year, district__in=targets).first()
    if already is not None:
        raise DomainError(
            "year_posted",
            _("The allocation of %(year)s is already posted for %(district)s."),
            year=year,
            district=str(already.district),
        )
    keys: list[tuple[str, str, str, int]] = [
        (Account.Kind.CITY_POOL, CITY_CODE, Track.SECURITY, year),
        (Account.Kind.CITY_POOL, CITY_CODE, Track.INCENTIVE, year),
    ]
    for district in targets:
        keys.append((Account.Kind.DISTRICT_POOL, district.code, Track.SECURITY, year))
        for line in lines[district.code]:
            keys.append((Account.Kind.FUND, line.community, Track.SECURITY, year))
            keys.append((Account.Kind.FUND, line.community, Track.INCENTIVE, year))
    ids = _accounts_for(keys)
    runs: list[AllocationRun] = []
    user = actor if getattr(actor, "is_authenticated", False) else None
    for district in targets:
        planned = lines[district.code]
        security = sum((line.security for line in planned), Decimal("0.00"))
        incentive = sum((line.incentive for line in planned), Decimal("0.00"))
        city, own = _city_split(security, formulas[district.code])
        legs: list[tuple[int, Decimal]] = []
        for line in planned:
            if line.security:
                legs.append(
                    (ids[(Account.Kind.FUND, line.community, Track.SECURITY, year)], line.security)
                )
            if line.incentive:
                legs.append(
                    (
                        ids[(Account.Kind.FUND, line.community, Track.INCENTIVE, year)],
                        line.incentive,
                    )
                )
        if city:
            legs.append((ids[(Account.Kind.CITY_POOL, CITY_CODE, Track.SECURITY, year)], -city))
        if own:
            legs.append(
                (ids[(Account.Kind.DISTRICT_POOL, district.code, Track.SECURITY, year)], -own)
            )
        if incentive:
            legs.append(
                (ids[(Account.Kind.CITY_POOL, CITY_CODE, Track.INCENTIVE, year)], -incentive)
            )
        if not legs:
            continue
        entry = _post(
            actor=actor,
            kind=LedgerTransaction.Kind.ALLOCATION,
            division_code=district.code,
            year=year,
            legs=legs,
            memo=f"{year} allocation {district.short_name or district.name}",
        )
        try:
            with transaction.atomic():
                run = AllocationRun.objects.create(
                    year=year,
                    district=district,
                    transaction=entry,
                    security_total=security,
                    incentive_total=incentive,
                    communities=len(planned),
                    posted_by=user,
                )
        except IntegrityError:
            # Someone posted the same district at the same moment: the key refuses the second.
            raise DomainError(
                "year_posted",
                _("The allocation of %(year)s is already posted for %(district)s."),
                year=year,
                district=str(district),
            ) from None
        formula = formulas[district.code]
        AllocationLine.objects.bulk_create(
            [
                AllocationLine(
                    run=run,
                    community_id=line.community,
                    year=year,
                    track=track,
                    amount=amount,
                    basis=basis,
                )
                for line in planned
                for track, amount, basis in (
                    (Track.SECURITY, line.security, f"formula {formula.pk}"),
                    (Track.INCENTIVE, line.incentive, "score"),
                )
                if amount
            ],
            batch_size=1000,
        )
        audit_record(
            actor=actor,
            verb="funds.allocation_posted",
            target=run,
            division_code=district.code,
            changes={
                "year": [None, year],
                "security": [None, str(security)],
                "incentive": [None, str(incentive)],
                "communities": [None, len(planned)],
            },
            ip=ip,
        )
        runs.append(run)
    return runs
