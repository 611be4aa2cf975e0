"""Writes of community money: the ledger, allocation, spending, objections and donations.

Every service runs in one database transaction: a refused or crashing call leaves no posting.
Balances change only in ``_post``, which locks the touched accounts (in primary-key order, so
two posts never deadlock) and refuses any account that holds money going below zero; the
database check constraint ``funds_account_no_overdraft`` is the last line of defence.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.pii import mask_numbers_in_text
from shequ.core.scopes import CITY_CODE, code_prefix
from shequ.core.services import audit_record
from shequ.core.uploads import check_upload, clean_image
from shequ.funds import councils
from shequ.funds.models import (
    NO_YEAR,
    Account,
    AllocationLine,
    AllocationRun,
    ApprovalRecord,
    Commitment,
    Donation,
    EvaluationScore,
    IncentivePool,
    LedgerTransaction,
    Objection,
    Payment,
    Posting,
    Reservation,
    SecurityFormula,
    Track,
)
from shequ.funds.permissions import (
    can_answer_objection,
    can_configure_allocation,
    can_manage_incentive_pool,
    can_record_decision,
    can_reserve,
    can_reverse,
    can_spend,
)
from shequ.notices.models import Category
from shequ.notices.services import message_send
from shequ.people.levels import Action, require_level
from shequ.people.models import VerificationLevel
from shequ.places.models import Division

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
RECEIPT_TYPES = ("pdf", "ofd", "xml", "jpg", "png")

# ---------------------------------------------------------------------------------------------
# Money


def money_parse(value: Any, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """A positive amount in yuan with at most two decimal places (fen).

    Raises: DomainError ``amount_invalid``, ``amount_not_positive``, ``amount_too_precise``,
    ``amount_too_large``.
    """
    if isinstance(value, float):
        # Floats cannot say 0.1 exactly; read their shortest decimal form, never their binary.
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise DomainError(
            "amount_invalid", _("Enter an amount in yuan, e.g. 1200.50."), field=field
        ) from None
    if not amount.is_finite():
        raise DomainError(
            "amount_invalid", _("Enter an amount in yuan, e.g. 1200.50."), field=field
        )
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(
            "amount_not_positive", _("The amount must be greater than zero."), field=field
        )
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(FEN):
        raise DomainError(
            "amount_too_precise",
            _("Amounts are in yuan with at most two decimal places (fen)."),
            field=field,
        )
    if amount > MAX_AMOUNT:
        raise DomainError("amount_too_large", _("The amount is too large."), field=field)
    return amount.quantize(FEN)


def _check_upload(upload: UploadedFile | None, *, field: str, required: bool) -> File | None:
    """The file to store: a scan or photo comes without its metadata (GPS), downscaled."""
    if upload is None:
        if required:
            raise DomainError("file_required", _("Attach the file."), field=field)
        return None
    content_type = check_upload(
        upload, field=field, types=RECEIPT_TYPES, max_kb=MAX_UPLOAD_BYTES // 1024
    )
    return clean_image(upload, content_type, field=field)


# ---------------------------------------------------------------------------------------------
# Ledger core


def account_for(kind: str, division_code: str, track: str, year: int) -> Account:
    """The ledger account (created on first use)."""
    account, _created = Account.objects.get_or_create(
        kind=kind, division_id=division_code, track=track, year=year
    )
    return account


def _account_ids(
    keys: Iterable[tuple[str, str, str, int]],
) -> dict[tuple[str, str, str, int], int]:
    found: dict[tuple[str, str, str, int], int] = {}
    by_kind: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    for kind, code, track, year in set(keys):
        by_kind[(kind, track, year)].append(code)
    for (kind, track, year), codes in by_kind.items():
        rows = Account.objects.filter(
            kind=kind, track=track, year=year, division_id__in=codes
        ).values_list("division_id", "id")
        for code, pk in rows:
            found[(kind, code, track, year)] = pk
    return found


def _accounts_for(
    keys: Iterable[tuple[str, str, str, int]],
) -> dict[tuple[str, str, str, int], int]:
    """Ids of many accounts at once, creating the missing ones in one statement."""
    wanted = set(keys)
    found = _account_ids(wanted)
    missing = wanted - set(found)
    if missing:
        Account.objects.bulk_create(
            [Account(kind=k, division_id=c, track=t, year=y) for k, c, t, y in missing],
            batch_size=1000,
            ignore_conflicts=True,
        )
        found.update(_account_ids(missing))
    return found


def _post(
    *,
    actor: Any,
    kind: str,
    division_code: str,
    year: int,
    legs: Sequence[tuple[int, Decimal]],
    memo: str = "",
    reverses: LedgerTransaction | None = None,
    reason: str = "",
) -> LedgerTransaction:
    """Write one balanced transaction and move the balances, under row locks.

    Callers check permissions; this checks the money. Must run inside ``transaction.atomic``.
    Raises: DomainError ``unbalanced``, ``insufficient_funds``.
    """
    merged: dict[int, Decimal] = defaultdict(Decimal)
    for account_id, amount in legs:
        if amount != amount.quantize(FEN):
            raise DomainError("amount_too_precise", _("Amounts are in fen at most."))
        merged[account_id] += amount
    merged = {pk: amount for pk, amount in merged.items() if amount != 0}
    if len(merged) < 2 or sum(merged.values(), Decimal(0)) != 0:
        raise DomainError("unbalanced", _("The postings of a transaction must sum to zero."))
    accounts = list(Account.objects.select_for_update().filter(pk__in=list(merged)).order_by("pk"))
    for account in accounts:
        new_balance = account.balance + merged[account.pk]
        if account.kind not in Account.SOURCE_KINDS and new_balance < 0:
            raise DomainError(
                "insufficient_funds",
                _("Not enough money: %(account)s holds %(balance)s yuan."),
                account=str(account),
                balance=f"{account.balance:,.2f}",
            )
        account.balance = new_balance
    user = actor if getattr(actor, "is_authenticated", False) else None
    entry = LedgerTransaction.objects.create(
        kind=kind,
        division_id=division_code,
        year=year,
        memo=memo[:200],
        reverses=reverses,
        reason=reason[:500],
        created_by=user,
    )
    Posting.objects.bulk_create(
        [Posting(transaction=entry, account_id=pk, amount=amount) for pk, amount in merged.items()],
        batch_size=1000,
    )
    Account.objects.bulk_update(accounts, ["balance"], batch_size=500)
    return entry


@transaction.atomic
def transaction_reverse(
    *, actor: Any, transaction_id: int, reason: str, ip: str | None = None
) -> LedgerTransaction:
    """A correcting entry that mirrors ``transaction_id``; the original stays as it was.

    Raises: NotFound; PermissionDenied; DomainError ``reason_required``,
    ``reversal_of_reversal``, ``already_reversed``, ``reversal_not_supported``,
    ``insufficient_funds``.
    """
    original = LedgerTransaction.objects.select_for_update().filter(pk=transaction_id).first()
    if original is None or not can_reverse(actor, original.division_id):
        raise NotFound("transaction_not_found", _("No such transaction in your area."))
    if not reason.strip():
        raise DomainError(
            "reason_required", _("Give the reason for the correction."), field="reason"
        )
    if original.kind == LedgerTransaction.Kind.REVERSAL:
        raise DomainError(
            "reversal_of_reversal",
            _("A reversal cannot be reversed; post a new transaction instead."),
        )
    if LedgerTransaction.objects.filter(reverses=original).exists():
        raise DomainError("already_reversed", _("This transaction has already been reversed."))
    if original.kind in (LedgerTransaction.Kind.RESERVE, LedgerTransaction.Kind.UNRESERVE):
        raise DomainError(
            "reversal_not_supported",
            _("Reservations are corrected by releasing them, not by reversal."),
        )
    if original.kind not in (
        LedgerTransaction.Kind.ALLOCATION,
        LedgerTransaction.Kind.PAYMENT,
        LedgerTransaction.Kind.DONATION,
    ):
        raise DomainError(
            "reversal_not_supported",
            _("Commitments are corrected by releasing them, not by reversal."),
        )
    legs = [(p.account_id, -p.amount) for p in original.postings.all()]
    if original.kind == LedgerTransaction.Kind.PAYMENT:
        payment = Payment.objects.select_related("commitment").get(transaction=original)
        commitment = Commitment.objects.select_for_update().get(pk=payment.commitment_id)
        if commitment.status == Commitment.Status.CLOSED:
            raise DomainError(
                "commitment_closed", _("The spending item is closed; it cannot change.")
            )
        commitment.paid -= payment.amount
        commitment.save(update_fields=["paid"])
    entry = _post(
        actor=actor,
        kind=LedgerTransaction.Kind.REVERSAL,
        division_code=original.division_id,
        year=original.year,
        legs=legs,
        memo=f"reversal of #{original.pk}",
        reverses=original,
        reason=reason.strip(),
    )
    audit_record(
        actor=actor,
        verb="funds.transaction_reversed",
        target=entry,
        division_code=original.division_id,
        reason=reason.strip(),
        changes={"reverses": [None, original.pk]},
        ip=ip,
    )
    return entry


# ---------------------------------------------------------------------------------------------
# Allocation (资金分配)


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


def _check_year(year: int) -> int:
    if not 2000 <= int(year) <= 2100:
        raise DomainError("year_invalid", _("Enter a year between 2000 and 2100."), field="year")
    return int(year)


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


# ---------------------------------------------------------------------------------------------
# Spending decided by residents (议事会决议 → 承诺 → 支付 → 结项)


QUORUM_DEFAULT = "2/3"
MAJORITY_DEFAULT = "1/2"


def rule_fraction(value: Any) -> Fraction:
    """A council rule as an exact fraction: ``"2/3"``, ``"0.5"``, ``Fraction(2, 3)`` or ``1``.

    Floats are read through their shortest decimal form (0.5 → 1/2), never their binary one.
    Raises: ImproperlyConfigured for anything that is not a fraction from 0 to 1.
    """
    try:
        fraction = value if isinstance(value, Fraction) else Fraction("".join(str(value).split()))
    except (ValueError, ZeroDivisionError):
        raise ImproperlyConfigured(
            f"council rule {value!r} is not a fraction such as 2/3"
        ) from None
    if not 0 <= fraction <= 1:
        raise ImproperlyConfigured(f"council rule {value!r} must be from 0 to 1")
    return fraction


def council_rules() -> tuple[Fraction, Fraction]:
    """(quorum: share of members present, majority: share of those present voting for),
    from ``SHEQU_FUNDS_QUORUM`` (default 2/3) and ``SHEQU_FUNDS_MAJORITY`` (default 1/2)."""
    return (
        rule_fraction(getattr(settings, "SHEQU_FUNDS_QUORUM", QUORUM_DEFAULT)),
        rule_fraction(getattr(settings, "SHEQU_FUNDS_MAJORITY", MAJORITY_DEFAULT)),
    )


def has_quorum(present: int, members: int, quorum: Fraction) -> bool:
    """At least ``quorum`` of the members present, compared exactly in integers:
    present × den ≥ members × num (2 of 3 meets a 2/3 quorum; 0.6667 would not)."""
    return members > 0 and present * quorum.denominator >= members * quorum.numerator


def has_majority(votes_for: int, present: int, majority: Fraction) -> bool:
    """More than ``majority`` of those present vote for: for × den > present × num."""
    return votes_for * majority.denominator > present * majority.numerator


def _community(code: str) -> Division:
    division = Division.objects.filter(code=code, level=Division.Level.COMMUNITY).first()
    if division is None:
        raise NotFound("community_not_found", _("No such community in your area."))
    return division


def _council_counts(
    community_code: str,
    *,
    meeting_id: int | None,
    meeting_date: date | None,
    members_present: int | None,
    members_total: int | None,
) -> tuple[date, int, int]:
    """(meeting day, members in office, members present) of a decision, from the council
    register and, for a meeting held on the platform, its sign-in; typed counts are only
    checked against them.

    Raises: DomainError ``meeting_not_found``, ``meeting_date_required``, ``date_in_future``,
    ``no_register``, ``present_required``, ``counts_register``, ``counts_sign_in``,
    ``counts_invalid``.
    """
    if meeting_id is not None:
        held = councils.meeting_held(community_code, meeting_id)
        if held is None:
            raise DomainError(
                "meeting_not_found",
                _("Choose a council meeting of this community that has been held."),
                field="meeting",
            )
        day, total, present = held.held_on, held.in_office, held.present
        if members_present is not None and members_present != present:
            raise DomainError(
                "counts_sign_in",
                _("%(present)s members signed in to that meeting, not %(given)s."),
                field="members_present",
                present=present,
                given=members_present,
            )
    else:
        if meeting_date is None:
            raise DomainError(
                "meeting_date_required", _("Give the meeting date."), field="meeting_date"
            )
        if meeting_date > timezone.localdate():
            raise DomainError(
                "date_in_future",
                _("The meeting date cannot be in the future."),
                field="meeting_date",
            )
        day, total = meeting_date, councils.members_in_office(community_code, meeting_date)
        if total == 0:
            raise DomainError(
                "no_register",
                _(
                    "The council register has no members in office on %(date)s: record the "
                    "council's members (participation console) first."
                ),
                field="meeting_date",
                date=meeting_date.isoformat(),
            )
        if members_present is None:
            raise DomainError(
                "present_required", _("Give the members present."), field="members_present"
            )
        present = members_present
    if members_total is not None and members_total != total:
        raise DomainError(
            "counts_register",
            _("The council register has %(total)s members in office on %(date)s, not %(given)s."),
            field="members_total",
            total=total,
            date=day.isoformat(),
            given=members_total,
        )
    if present < 0 or present > total:
        raise DomainError(
            "counts_invalid",
            _("Members present must be from 0 to the %(total)s members in office on %(date)s."),
            field="members_present",
            total=total,
            date=day.isoformat(),
        )
    return day, total, present


@transaction.atomic
def approval_record_create(
    *,
    actor: Any,
    community_code: str,
    subject: str,
    amount: Any,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    meeting_date: date | None = None,
    meeting_id: int | None = None,
    members_present: int | None = None,
    members_total: int | None = None,
    minutes: UploadedFile | None = None,
    source: str = "console",
    ip: str | None = None,
) -> ApprovalRecord:
    """Record a resident council decision and disclose it, opening the objection window.

    The members are not free numbers: those in office come from the council register of the
    community on the meeting day; with ``meeting_id`` (a meeting held on the platform) the
    day and the members present come from the meeting and its sign-in, else
    ``members_present`` is typed and must fit the register. A ``members_total`` given is
    only checked against the register.

    The participation app calls this with ``meeting_id`` and ``source="participation"`` once
    a vote closes; a street or district officer closing the vote on the community's behalf
    may record it too.
    Raises: NotFound; DomainError ``subject_required``, the count errors of
    ``_council_counts``, ``counts_invalid``, ``no_quorum``, ``not_passed``,
    ``date_in_future``, amount and file errors.
    """
    if not can_record_decision(actor, community_code):
        raise NotFound("community_not_found", _("No such community in your area."))
    _community(community_code)
    if not subject.strip():
        raise DomainError("subject_required", _("Say what was decided."), field="subject")
    value = money_parse(amount)
    meeting_date, members_total, members_present = _council_counts(
        community_code,
        meeting_id=meeting_id,
        meeting_date=meeting_date,
        members_present=members_present,
        members_total=members_total,
    )
    if any(n < 0 for n in (votes_for, votes_against, votes_abstain)):
        raise DomainError("counts_invalid", _("Votes cannot be negative."), field="votes_for")
    if votes_for + votes_against + votes_abstain > members_present:
        raise DomainError(
            "counts_invalid",
            _("More votes than members present."),
            field="votes_for",
        )
    quorum, majority = council_rules()
    if not has_quorum(members_present, members_total, quorum):
        raise DomainError(
            "no_quorum",
            _("No quorum: %(present)s of %(total)s members present."),
            field="members_present",
            present=members_present,
            total=members_total,
        )
    if not has_majority(votes_for, members_present, majority):
        raise DomainError(
            "not_passed",
            _("The decision did not pass: %(votes)s votes for of %(present)s present."),
            field="votes_for",
            votes=votes_for,
            present=members_present,
        )
    minutes_file = _check_upload(minutes, field="minutes", required=False)
    days = int(getattr(settings, "SHEQU_FUNDS_OBJECTION_DAYS", 7))
    user = actor if getattr(actor, "is_authenticated", False) else None
    record = ApprovalRecord(
        community_id=community_code,
        subject=subject.strip()[:200],
        amount=value,
        meeting_date=meeting_date,
        members_total=members_total,
        members_present=members_present,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        source=source[:20],
        objection_deadline=timezone.now() + timedelta(days=days),
        created_by=user,
    )
    if minutes_file is not None:
        record.minutes.save(minutes_file.name or "minutes.pdf", minutes_file, save=False)
    record.save()
    audit_record(
        actor=actor,
        verb="funds.decision_recorded",
        target=record,
        division_code=community_code,
        changes={
            "amount": [None, str(value)],
            "votes": [None, f"{votes_for}/{members_present}"],
            "members": [None, f"{members_present}/{members_total}"],
            **({"meeting": [None, meeting_id]} if meeting_id is not None else {}),
        },
        ip=ip,
    )
    return record


def _fund_year(track: str, year: int) -> int:
    if track not in Track.values:
        raise DomainError("track_invalid", _("Choose a fund."), field="track")
    return NO_YEAR if track == Track.DONATION else _check_year(year)


def _fund_account(community_code: str, track: str, year: int) -> Account:
    """Raises: DomainError ``no_fund`` when the community has no such fund."""
    fund = Account.objects.filter(
        kind=Account.Kind.FUND, division_id=community_code, track=track, year=year
    ).first()
    if fund is None:
        raise DomainError(
            "no_fund", _("This community has no such fund for that year."), field="track"
        )
    return fund


def _reservation_to_draw(
    reservation_id: int, *, community_code: str, track: str, year: int, value: Decimal
) -> Reservation:
    """The open reservation a commitment draws from, locked. Raises: DomainError
    ``reservation_not_found``, ``reservation_released``, ``reservation_other_fund``,
    ``over_reservation``."""
    reservation = Reservation.objects.select_for_update().filter(pk=reservation_id).first()
    if reservation is None or reservation.community_id != community_code:
        raise DomainError(
            "reservation_not_found",
            _("No such reservation in this community's fund."),
            field="reservation",
        )
    if reservation.status != Reservation.Status.OPEN:
        raise DomainError(
            "reservation_released",
            _("This reservation has been released; nothing more can be committed from it."),
            field="reservation",
        )
    if (reservation.track, reservation.year) != (track, year):
        raise DomainError(
            "reservation_other_fund",
            _("The reservation holds money of another fund or year."),
            field="reservation",
        )
    if value > reservation.remaining:
        raise DomainError(
            "over_reservation",
            _("Only %(left)s yuan of the reservation is left."),
            field="amount",
            left=f"{reservation.remaining:,.2f}",
        )
    return reservation


@transaction.atomic
def commitment_create(
    *,
    actor: Any,
    community_code: str,
    approval_id: int | None,
    track: str,
    year: int,
    project: str,
    category: str,
    supplier: str,
    amount: Any,
    reservation_id: int | None = None,
    ip: str | None = None,
) -> Commitment:
    """Commit money of a community fund to a spending item approved by the council.

    With ``reservation_id`` the money comes out of that reservation (a budgeting round's
    budget held since the round opened), not out of the fund's available balance.
    Raises: NotFound; DomainError ``approval_required``, ``approval_other_community``,
    ``over_approval``, ``no_fund``, ``insufficient_funds``, the reservation errors of
    ``_reservation_to_draw``, amount errors.
    """
    allowed = (
        can_spend(actor, community_code)
        if reservation_id is None
        else can_reserve(actor, community_code)
    )
    if not allowed:
        raise NotFound("community_not_found", _("No such community in your area."))
    _community(community_code)
    value = money_parse(amount)
    if not project.strip():
        raise DomainError("project_required", _("Name the project."), field="project")
    if not supplier.strip():
        raise DomainError("supplier_required", _("Name the supplier."), field="supplier")
    if category not in Commitment.Category.values:
        raise DomainError("category_invalid", _("Choose a category."), field="category")
    year = _fund_year(track, year)
    if approval_id is None:
        raise DomainError(
            "approval_required",
            _("Spending needs a decision of the residents' council."),
            field="approval",
        )
    approval = ApprovalRecord.objects.select_for_update().filter(pk=approval_id).first()
    if approval is None:
        raise DomainError(
            "approval_required",
            _("Spending needs a decision of the residents' council."),
            field="approval",
        )
    if approval.community_id != community_code:
        raise DomainError(
            "approval_other_community",
            _("That decision belongs to another community."),
            field="approval",
        )
    committed = approval.commitments.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    if committed + value > approval.amount:
        raise DomainError(
            "over_approval",
            _("The council approved %(approved)s yuan; %(left)s yuan is left of it."),
            field="amount",
            approved=f"{approval.amount:,.2f}",
            left=f"{approval.amount - committed:,.2f}",
        )
    reservation = None
    if reservation_id is not None:
        reservation = _reservation_to_draw(
            reservation_id, community_code=community_code, track=track, year=year, value=value
        )
        source = account_for(Account.Kind.RESERVED, community_code, track, year)
    else:
        source = _fund_account(community_code, track, year)
    held = account_for(Account.Kind.COMMITMENT, community_code, track, year)
    entry = _post(
        actor=actor,
        kind=LedgerTransaction.Kind.COMMITMENT,
        division_code=community_code,
        year=year,
        legs=[(source.pk, -value), (held.pk, value)],
        memo=project.strip()[:200],
    )
    if reservation is not None:
        reservation.used += value
        reservation.save(update_fields=["used"])
    user = actor if getattr(actor, "is_authenticated", False) else None
    commitment = Commitment.objects.create(
        community_id=community_code,
        track=track,
        year=year,
        approval=approval,
        reservation=reservation,
        project=project.strip()[:200],
        category=category,
        supplier=supplier.strip()[:200],
        amount=value,
        transaction=entry,
        created_by=user,
    )
    changes: dict[str, Any] = {"amount": [None, str(value)], "approval": [None, approval.pk]}
    if reservation is not None:
        changes["reservation"] = [None, reservation.pk]
    audit_record(
        actor=actor,
        verb="funds.committed",
        target=commitment,
        division_code=community_code,
        changes=changes,
        ip=ip,
    )
    return commitment


# ---------------------------------------------------------------------------------------------
# Reservations (预留): a budgeting round's budget held in the ledger while the round runs


@transaction.atomic
def reservation_create(
    *,
    actor: Any,
    community_code: str,
    track: str,
    year: int,
    amount: Any,
    purpose: str,
    ip: str | None = None,
) -> Reservation:
    """Hold ``amount`` of the community's fund for ``purpose``: it moves from the available
    balance into the fund's reserved account, under the same row locks as every posting, so
    two reservations (or a reservation and a commitment) can never hold more than the fund has.

    Raises: NotFound; DomainError ``purpose_required``, ``track_invalid``, ``no_fund``,
    ``insufficient_funds``, amount errors.
    """
    if not can_reserve(actor, community_code):
        raise NotFound("community_not_found", _("No such community in your area."))
    _community(community_code)
    value = money_parse(amount)
    text = purpose.strip()
    if not text:
        raise DomainError("purpose_required", _("Say what the money is reserved for."))
    year = _fund_year(track, year)
    fund = _fund_account(community_code, track, year)
    reserved = account_for(Account.Kind.RESERVED, community_code, track, year)
    entry = _post(
        actor=actor,
        kind=LedgerTransaction.Kind.RESERVE,
        division_code=community_code,
        year=year,
        legs=[(fund.pk, -value), (reserved.pk, value)],
        memo=text[:200],
    )
    user = actor if getattr(actor, "is_authenticated", False) else None
    reservation = Reservation.objects.create(
        community_id=community_code,
        track=track,
        year=year,
        purpose=text[:200],
        amount=value,
        transaction=entry,
        created_by=user,
    )
    audit_record(
        actor=actor,
        verb="funds.reserved",
        target=reservation,
        division_code=community_code,
        changes={"amount": [None, str(value)], "purpose": [None, reservation.purpose]},
        ip=ip,
    )
    return reservation


@transaction.atomic
def reservation_release(
    *, actor: Any, reservation_id: int, reason: str = "", ip: str | None = None
) -> Reservation:
    """End a reservation: what was not committed out of it goes back to the available balance
    of the fund (the unspent rest of a budgeting round). Releasing twice is refused.

    Raises: NotFound; DomainError ``reservation_released``.
    """
    reservation = Reservation.objects.select_for_update().filter(pk=reservation_id).first()
    if reservation is None or not can_reserve(actor, reservation.community_id):
        raise NotFound("reservation_not_found", _("No such reservation in your area."))
    if reservation.status != Reservation.Status.OPEN:
        raise DomainError(
            "reservation_released",
            _("This reservation has been released; nothing more can be committed from it."),
        )
    left = reservation.remaining
    if left > 0:
        _back_to_fund(
            actor,
            LedgerTransaction.Kind.UNRESERVE,
            Account.Kind.RESERVED,
            reservation,
            left,
            f"release: {reservation.purpose}",
        )
    reservation.released += left
    reservation.status = Reservation.Status.RELEASED
    reservation.released_at = timezone.now()
    reservation.save(update_fields=["released", "status", "released_at"])
    audit_record(
        actor=actor,
        verb="funds.reservation_released",
        target=reservation,
        division_code=reservation.community_id,
        reason=reason.strip()[:500],
        changes={
            "status": ["open", "released"],
            "released": [None, str(left)],
            "committed": [None, str(reservation.used)],
        },
        ip=ip,
    )
    return reservation


def _commitment_for_update(actor: Any, commitment_id: int) -> Commitment:
    commitment = Commitment.objects.select_for_update().filter(pk=commitment_id).first()
    if commitment is None or not can_spend(actor, commitment.community_id):
        raise NotFound("commitment_not_found", _("No such spending item in your area."))
    if commitment.status == Commitment.Status.CLOSED:
        raise DomainError("commitment_closed", _("The spending item is closed; it cannot change."))
    return commitment


@transaction.atomic
def payment_create(
    *,
    actor: Any,
    commitment_id: int,
    amount: Any,
    invoice_number: str,
    receipt: UploadedFile | None,
    urgent_reason: str = "",
    ip: str | None = None,
) -> Payment:
    """Pay the supplier against a commitment, with the receipt (invoice) attached.

    Payment waits for the decision's objection window to close: residents may still object
    until then. An urgent payment inside the window needs ``urgent_reason``, written down,
    audited (``funds.paid_urgently``) and disclosed with the payment; an open objection
    holds every payment, urgent or not.
    Raises: NotFound; DomainError ``objection_window_open``, ``objection_open``,
    ``over_commitment``, ``commitment_closed``, ``invoice_required``, amount and file errors.
    """
    commitment = _commitment_for_update(actor, commitment_id)
    value = money_parse(amount)
    if not invoice_number.strip():
        raise DomainError(
            "invoice_required", _("Enter the invoice number."), field="invoice_number"
        )
    receipt_file = _check_upload(receipt, field="receipt", required=True)
    if Objection.objects.filter(
        approval_id=commitment.approval_id, status=Objection.Status.OPEN
    ).exists():
        raise DomainError(
            "objection_open",
            _("A resident's objection to this decision is open; payment waits for the answer."),
        )
    deadline = ApprovalRecord.objects.values_list("objection_deadline", flat=True).get(
        pk=commitment.approval_id
    )
    urgent = ""
    if timezone.now() <= deadline:
        urgent = urgent_reason.strip()
        if not urgent:
            raise DomainError(
                "objection_window_open",
                _(
                    "Residents may object to this decision until %(until)s; payment waits "
                    "until then. Only an urgent payment may go earlier, with the reason "
                    "written down."
                ),
                field="urgent_reason",
                until=timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
            )
        if len(urgent) > 500:
            raise DomainError(
                "reason_too_long", _("At most %(n)s characters."), field="urgent_reason", n=500
            )
    if value > commitment.remaining:
        raise DomainError(
            "over_commitment",
            _("Only %(left)s yuan of this commitment is left to pay."),
            field="amount",
            left=f"{commitment.remaining:,.2f}",
        )
    held = account_for(
        Account.Kind.COMMITMENT, commitment.community_id, commitment.track, commitment.year
    )
    paid = account_for(
        Account.Kind.PAYABLE, commitment.community_id, commitment.track, commitment.year
    )
    entry = _post(
        actor=actor,
        kind=LedgerTransaction.Kind.PAYMENT,
        division_code=commitment.community_id,
        year=commitment.year,
        legs=[(held.pk, -value), (paid.pk, value)],
        memo=f"{commitment.project} · {invoice_number.strip()}"[:200],
    )
    commitment.paid += value
    commitment.save(update_fields=["paid"])
    user = actor if getattr(actor, "is_authenticated", False) else None
    payment = Payment(
        commitment=commitment,
        community_id=commitment.community_id,
        amount=value,
        invoice_number=invoice_number.strip()[:60],
        urgent_reason=urgent,
        transaction=entry,
        created_by=user,
    )
    assert receipt_file is not None  # checked above  # noqa: S101
    payment.receipt.save(receipt_file.name or "receipt.pdf", receipt_file, save=False)
    payment.save()
    changes: dict[str, Any] = {"amount": [None, str(value)], "commitment": [None, commitment.pk]}
    if urgent:
        changes["objection_deadline"] = [None, deadline.isoformat()]
    audit_record(
        actor=actor,
        verb="funds.paid_urgently" if urgent else "funds.paid",
        target=payment,
        division_code=commitment.community_id,
        reason=urgent,
        changes=changes,
        ip=ip,
    )
    return payment


def _back_to_fund(
    actor: Any,
    kind: str,
    held_kind: str,
    holder: Commitment | Reservation,
    value: Decimal,
    memo: str,
) -> None:
    """Post money held for ``holder`` (commitment or reservation) back to its fund account."""
    held = account_for(held_kind, holder.community_id, holder.track, holder.year)
    fund = account_for(Account.Kind.FUND, holder.community_id, holder.track, holder.year)
    _post(
        actor=actor,
        kind=kind,
        division_code=holder.community_id,
        year=holder.year,
        legs=[(held.pk, -value), (fund.pk, value)],
        memo=memo[:200],
    )


def _release(actor: Any, commitment: Commitment, value: Decimal, memo: str) -> None:
    _back_to_fund(
        actor, LedgerTransaction.Kind.RELEASE, Account.Kind.COMMITMENT, commitment, value, memo
    )
    commitment.released += value
    commitment.save(update_fields=["released"])


@transaction.atomic
def commitment_release(
    *, actor: Any, commitment_id: int, amount: Any, reason: str, ip: str | None = None
) -> Commitment:
    """Give unspent commitment back to the fund.

    Raises: NotFound; DomainError ``reason_required``, ``over_commitment``, amount errors.
    """
    commitment = _commitment_for_update(actor, commitment_id)
    value = money_parse(amount)
    if not reason.strip():
        raise DomainError("reason_required", _("Give the reason."), field="reason")
    if value > commitment.remaining:
        raise DomainError(
            "over_commitment",
            _("Only %(left)s yuan of this commitment is left to pay."),
            field="amount",
            left=f"{commitment.remaining:,.2f}",
        )
    _release(actor, commitment, value, f"release: {commitment.project}")
    audit_record(
        actor=actor,
        verb="funds.released",
        target=commitment,
        division_code=commitment.community_id,
        reason=reason.strip(),
        changes={"released": [None, str(value)]},
        ip=ip,
    )
    return commitment


@transaction.atomic
def commitment_close(*, actor: Any, commitment_id: int, ip: str | None = None) -> Commitment:
    """Close a spending item: whatever is unpaid goes back to the fund; no more payments.

    Raises: NotFound; DomainError ``commitment_closed``.
    """
    commitment = _commitment_for_update(actor, commitment_id)
    left = commitment.remaining
    if left > 0:
        _release(actor, commitment, left, f"closed: {commitment.project}")
    commitment.status = Commitment.Status.CLOSED
    commitment.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb="funds.closed",
        target=commitment,
        division_code=commitment.community_id,
        changes={"status": ["open", "closed"], "released": [None, str(left)]},
        ip=ip,
    )
    return commitment


# ---------------------------------------------------------------------------------------------
# Objections (异议) during the disclosure window


@transaction.atomic
def objection_raise(
    *, actor: Any, approval_id: int, reason: str, ip: str | None = None
) -> Objection:
    """A verified resident of the community objects to a disclosed decision.

    Raises: NotFound; PermissionDenied ``not_resident``; DomainError ``window_closed``,
    ``reason_required``.
    """
    approval = ApprovalRecord.objects.filter(pk=approval_id).first()
    if approval is None:
        raise NotFound("decision_not_found", _("No such decision."))
    resident = (
        getattr(actor, "resident", None) if getattr(actor, "is_authenticated", False) else None
    )
    if (
        resident is None
        or resident.community_id != approval.community_id
        or resident.verification_level < VerificationLevel.ID_CHECKED
    ):
        raise PermissionDenied(
            "not_resident",
            _("Only verified residents of this community may object."),
        )
    require_level(Action.OBJECT, resident.verification_level)
    if timezone.now() > approval.objection_deadline:
        raise DomainError("window_closed", _("The objection period of this decision has ended."))
    text = reason.strip()
    if len(text) < 5:
        raise DomainError(
            "reason_required", _("Explain your objection in a few words."), field="reason"
        )
    objection = Objection.objects.create(
        approval=approval,
        community_id=approval.community_id,
        resident_user=actor,
        reason=mask_numbers_in_text(text),
    )
    audit_record(
        actor=actor,
        verb="funds.objection_raised",
        target=objection,
        division_code=approval.community_id,
        ip=ip,
    )
    return objection


@transaction.atomic
def objection_answer(
    *, actor: Any, objection_id: int, answer: str, ip: str | None = None
) -> Objection:
    """A street officer answers an objection; the hold on payments lifts. The objection and
    its answer are shown on the public disclosure page (the objector's name masked), and the
    objector gets the answer in their inbox.

    Raises: NotFound; DomainError ``answer_required``, ``already_answered``.
    """
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("approval")
        .filter(pk=objection_id)
        .first()
    )
    if objection is None or not can_answer_objection(actor, objection.community_id):
        raise NotFound("objection_not_found", _("No such objection in your area."))
    if objection.status != Objection.Status.OPEN:
        raise DomainError("already_answered", _("This objection has already been answered."))
    if not answer.strip():
        raise DomainError("answer_required", _("Write the answer."), field="answer")
    objection.status = Objection.Status.ANSWERED
    objection.answer = mask_numbers_in_text(answer.strip())
    objection.answered_by = actor
    objection.answered_at = timezone.now()
    objection.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    audit_record(
        actor=actor,
        verb="funds.objection_answered",
        target=objection,
        division_code=objection.community_id,
        changes={"status": ["open", "answered"]},
        ip=ip,
    )
    message_send(
        user_id=objection.resident_user_id,
        category=Category.COMMUNITY,
        title=_("Your objection has been answered"),
        body=f"{objection.approval.subject}\n{objection.answer}",
        url=f"/funds/{objection.community_id}/#decision-{objection.approval_id}",
    )
    return objection


# ---------------------------------------------------------------------------------------------
# Community foundations (社区基金)


@transaction.atomic
def donation_record(
    *,
    actor: Any,
    community_code: str,
    donor_name: str,
    name_public: bool,
    amount: Any,
    purpose: str = "",
    receipt: UploadedFile | None = None,
    ip: str | None = None,
) -> Donation:
    """Record a gift to the community foundation; it becomes spendable like any fund.

    Raises: NotFound; DomainError amount and file errors.
    """
    if not can_spend(actor, community_code):
        raise NotFound("community_not_found", _("No such community in your area."))
    _community(community_code)
    value = money_parse(amount)
    receipt_file = _check_upload(receipt, field="receipt", required=False)
    donors = account_for(Account.Kind.DONORS, community_code, Track.DONATION, NO_YEAR)
    fund = account_for(Account.Kind.FUND, community_code, Track.DONATION, NO_YEAR)
    entry = _post(
        actor=actor,
        kind=LedgerTransaction.Kind.DONATION,
        division_code=community_code,
        year=NO_YEAR,
        legs=[(donors.pk, -value), (fund.pk, value)],
        memo=purpose.strip()[:200],
    )
    user = actor if getattr(actor, "is_authenticated", False) else None
    donation = Donation(
        community_id=community_code,
        donor_name=donor_name.strip()[:100],
        name_public=name_public,
        amount=value,
        purpose=purpose.strip()[:200],
        transaction=entry,
        created_by=user,
    )
    if receipt_file is not None:
        donation.receipt.save(receipt_file.name or "receipt.pdf", receipt_file, save=False)
    donation.save()
    audit_record(
        actor=actor,
        verb="funds.donation_recorded",
        target=donation,
        division_code=community_code,
        changes={"amount": [None, str(value)], "donor": [None, donation.donor_public]},
        ip=ip,
    )
    return donation


# ---------------------------------------------------------------------------------------------
# Reconciliation (对账)


@dataclass
class ReconcileProblem:
    what: str
    detail: str


def ledger_reconcile() -> tuple[int, list[ReconcileProblem]]:
    """Prove the ledger: every balance equals the sum of its postings, every transaction
    sums to zero, no account holding money is negative. Returns (accounts checked, problems)."""
    problems: list[ReconcileProblem] = []
    sums = dict(Posting.objects.values_list("account_id").annotate(s=Sum("amount")).order_by())
    checked = 0
    for account in Account.objects.all().iterator(chunk_size=2000):
        checked += 1
        total = Decimal(str(sums.get(account.pk) or 0)).quantize(FEN)
        if total != account.balance:
            problems.append(
                ReconcileProblem(
                    f"account {account.pk} ({account})",
                    f"balance {account.balance} != postings {total}",
                )
            )
        if account.kind not in Account.SOURCE_KINDS and account.balance < 0:
            problems.append(
                ReconcileProblem(f"account {account.pk} ({account})", f"negative {account.balance}")
            )
    # Summed per transaction in the database, compared in fen: SQLite adds decimals as
    # binary floats, so a raw comparison with zero would report rounding noise.
    per_transaction = (
        Posting.objects.values_list("transaction_id")
        .annotate(s=Sum("amount"))
        .order_by("transaction_id")
    )
    for txn, total in per_transaction.iterator(chunk_size=5000):
        if Decimal(str(total)).quantize(FEN) != 0:
            problems.append(ReconcileProblem(f"transaction {txn}", f"postings sum to {total}"))
    problems.extend(_reconcile_holdings())
    return checked, problems


def _reconcile_holdings() -> list[ReconcileProblem]:
    """The reserved and commitment accounts hold exactly what their open items still hold:
    per (community, track, year), reserved = Σ reservation remainders and commitments =
    Σ (committed − paid − released) of the spending items."""
    problems: list[ReconcileProblem] = []
    expected: dict[tuple[str, str, str, int], Decimal] = defaultdict(Decimal)
    for code, track, year, total in (
        Reservation.objects.values_list("community_id", "track", "year")
        .annotate(s=Sum(F("amount") - F("used") - F("released")))
        .order_by()
    ):
        expected[(Account.Kind.RESERVED, code, track, year)] += Decimal(str(total or 0))
    for code, track, year, total in (
        Commitment.objects.values_list("community_id", "track", "year")
        .annotate(s=Sum(F("amount") - F("paid") - F("released")))
        .order_by()
    ):
        expected[(Account.Kind.COMMITMENT, code, track, year)] += Decimal(str(total or 0))
    held = Account.objects.filter(
        kind__in=[Account.Kind.RESERVED, Account.Kind.COMMITMENT]
    ).values_list("pk", "kind", "division_id", "track", "year", "balance")
    seen: set[tuple[str, str, str, int]] = set()
    for pk, kind, code, track, year, balance in held.iterator(chunk_size=2000):
        key = (kind, code, track, year)
        seen.add(key)
        want = expected.get(key, Decimal(0)).quantize(FEN)
        if balance != want:
            problems.append(
                ReconcileProblem(
                    f"account {pk} ({kind} {code} {track} {year})",
                    f"balance {balance} != open items {want}",
                )
            )
    for key, want in expected.items():
        if key not in seen and want.quantize(FEN) != 0:
            problems.append(ReconcileProblem(f"{key[0]} {key[1]} {key[2]} {key[3]}", "no account"))
    return problems
