"""Writes of calls for proposals: issue a call, apply, review with automatic recusal, determine,
publicly notice (公示) with objections, contract and pay tranches through the funds ledger.

One workflow serves government purchase of services (政府购买服务) and community-making grants
(社区营造: the organisation applies with a community, a self-funding share and the residents'
council decision attached).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.civil import selectors
from shequ.civil.models import (
    Application,
    Call,
    ConflictDeclaration,
    Criterion,
    Expert,
    Field,
    Kind,
    Lot,
    Objection,
    Review,
)
from shequ.civil.permissions import CALL_ISSUERS, can_manage_calls, is_expert
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.services import plain_text
from shequ.places.models import Division

FEN = Decimal("0.01")


def _money(value: Any, *, field: str, allow_zero: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise DomainError("amount_invalid", _("Enter an amount in yuan."), field=field) from None
    if not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError("amount_invalid", _("Enter an amount in yuan."), field=field)
    if amount != amount.quantize(FEN):
        raise DomainError("amount_too_precise", _("Amounts are in fen at most."), field=field)
    return amount


@dataclass
class CriterionData:
    name: str
    weight: int
    max_score: int = 10


@dataclass
class LotData:
    name: str
    budget: Any


@transaction.atomic
def call_create(
    *,
    actor: Any,
    title: str,
    kind: str,
    division_code: str,
    field: str,
    budget: Any,
    max_award: Any,
    year: int,
    opens_at: datetime,
    closes_at: datetime,
    criteria: Sequence[CriterionData],
    eligible_kinds: Sequence[str] = (),
    min_grade: int | None = None,
    inspection_required: bool = True,
    min_self_share: int = 0,
    objection_days: int = 5,
    required_documents: Sequence[str] = (),
    lots: Sequence[LotData] = (),
    area_code: str = "",
    ip: str | None = None,
) -> Call:
    """Issue a call for the actor's area, with its scoring sheet (weights sum to 100).

    Raises: NotFound (area not the actor's); DomainError ``kind_invalid``, ``field_invalid``,
    ``amount_invalid``, ``award_over_budget``, ``dates_invalid``, ``criteria_required``,
    ``weights_sum``, ``self_share_invalid``, ``grade_invalid``, ``documents_invalid``,
    ``lots_over_budget`` (the lots' budgets exceed the call's), ``area_outside`` (the
    restricted area is not inside the call's).
    """
    if not can_manage_calls(actor, division_code):
        raise NotFound("division_not_found", _("No such division in your area."))
    division = Division.objects.filter(code=division_code).first()
    if division is None:
        raise NotFound("division_not_found", _("No such division in your area."))
    if kind not in Call.Kind.values:
        raise DomainError("kind_invalid", _("Choose the kind of call."), field="kind")
    if field not in Field.values:
        raise DomainError("field_invalid", _("Choose a field of service."), field="field")
    clean_budget = _money(budget, field="budget")
    clean_max = _money(max_award, field="max_award")
    if clean_max > clean_budget:
        raise DomainError(
            "award_over_budget",
            _("A single project cannot receive more than the whole budget."),
            field="max_award",
        )
    if closes_at <= opens_at:
        raise DomainError(
            "dates_invalid", _("The deadline must come after the opening."), field="closes_at"
        )
    if not 0 <= int(min_self_share) <= 100:
        raise DomainError(
            "self_share_invalid",
            _("Self-funding is a share from 0 to 100 %."),
            field="min_self_share",
        )
    if min_grade is not None and not 1 <= int(min_grade) <= 5:
        raise DomainError("grade_invalid", _("Choose a grade from 5A to 1A."), field="min_grade")
    kinds = [k for k in dict.fromkeys(eligible_kinds) if k in Kind.values] or list(Kind.values)
    rows = [c for c in criteria if c.name.strip()]
    if not rows:
        raise DomainError(
            "criteria_required",
            _("Give the scoring sheet at least one criterion."),
            field="criteria",
        )
    if sum(int(c.weight) for c in rows) != 100 or any(
        int(c.weight) <= 0 or int(c.max_score) <= 0 for c in rows
    ):
        raise DomainError(
            "weights_sum",
            _("The weights of the criteria must be positive and add up to 100."),
            field="criteria",
        )
    documents = list(
        dict.fromkeys(
            plain_text(d, field="required_documents", max_length=60)
            for d in required_documents
            if str(d).strip()
        )
    )
    if len(documents) > 12:
        raise DomainError(
            "documents_invalid",
            _("A call asks for twelve documents at most."),
            field="required_documents",
        )
    lot_rows = [
        (plain_text(lot.name, field="lots", max_length=80), _money(lot.budget, field="lots"))
        for lot in lots
        if str(lot.name).strip()
    ]
    if sum((b for _n, b in lot_rows), Decimal(0)) > clean_budget:
        raise DomainError(
            "lots_over_budget",
            _("The lots' budgets add up to more than the call's budget."),
            field="lots",
        )
    area = None
    if area_code:
        area = Division.objects.filter(code=area_code).first()
        if area is None or not area.code.startswith(_prefix(division.code)):
            raise DomainError(
                "area_outside",
                _("Restrict the call to an area inside the area it is issued for."),
                field="area",
            )
    call = Call.objects.create(
        title=plain_text(title, field="title", max_length=120),
        area=area,
        required_documents=documents,
        kind=kind,
        division=division,
        field=field,
        budget=clean_budget,
        max_award=clean_max,
        year=int(year),
        opens_at=opens_at,
        closes_at=closes_at,
        eligible_kinds=kinds,
        min_grade=min_grade,
        inspection_required=inspection_required,
        min_self_share=int(min_self_share),
        objection_days=int(objection_days),
        created_by=actor,
    )
    Criterion.objects.bulk_create(
        [
            Criterion(
                call=call,
                name=plain_text(c.name, field="criteria", max_length=80),
                weight=int(c.weight),
                max_score=int(c.max_score),
            )
            for c in rows
        ]
    )
    Lot.objects.bulk_create(
        [
            Lot(call=call, number=number, name=name, budget=budget)
            for number, (name, budget) in enumerate(lot_rows, start=1)
        ]
    )
    audit_record(
        actor=actor,
        verb="civil.call_create",
        target=call,
        division_code=division.code,
        changes={"budget": [None, str(clean_budget)]},
        ip=ip,
    )
    return call


def _call_for_manager(actor: Any, call_id: int) -> Call:
    call = Call.objects.select_for_update().filter(pk=call_id).first()
    if call is None or not can_manage_calls(actor, call.division_id):
        raise NotFound("call_not_found", _("No such call in your area."))
    return call


def _budget_lines(lines: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, str]], Decimal]:
    clean: list[dict[str, str]] = []
    total = Decimal(0)
    for line in lines:
        item = str(line.get("item", "")).strip()
        if not item and not str(line.get("amount", "")).strip():
            continue
        amount = _money(line.get("amount"), field="budget_lines")
        clean.append(
            {"item": plain_text(item, field="budget_lines", max_length=80), "amount": str(amount)}
        )
        total += amount
    return clean, total


def _prefix(code: str) -> str:
    from shequ.core.scopes import code_prefix

    return code_prefix(code)


@transaction.atomic
def review_start(*, actor: Any, call_id: int, ip: str | None = None) -> int:
    """Close the call and assign every active expert to every submitted application (the
    default suggestion: the officer then changes the reviewers, ``reviews.review_assign`` and
    ``review_unassign``); an expert linked to the applicant in the registry (works or worked
    for it, founded it, in the call's look-back years) is recused automatically. Returns the
    reviews made.

    Raises: NotFound; DomainError ``not_open``, ``no_experts``.
    """
    call = _call_for_manager(actor, call_id)
    if call.stage != Call.Stage.OPEN:
        raise DomainError("not_open", _("Review has already started for this call."))
    experts = list(Expert.objects.filter(is_active=True))
    if not experts:
        raise DomainError("no_experts", _("The expert pool is empty: add experts first."))
    applications = list(call.applications.filter(status=Application.Status.SUBMITTED))
    since = timezone.localdate() - timedelta(days=365 * call.recusal_years)
    links = selectors.expert_links(
        [e.user_id for e in experts], [a.organisation_id for a in applications], since=since
    )
    reviews = []
    for application in applications:
        for expert in experts:
            reason = links.get((expert.user_id, application.organisation_id), "")
            reviews.append(
                Review(
                    application=application,
                    expert=expert,
                    status=Review.Status.RECUSED if reason else Review.Status.ASSIGNED,
                    recusal_reason=reason,
                )
            )
    Review.objects.bulk_create(reviews, ignore_conflicts=True)
    call.stage = Call.Stage.REVIEW
    call.save(update_fields=["stage"])
    audit_record(
        actor=actor,
        verb="civil.review_start",
        target=call,
        division_code=call.division_id,
        changes={"reviews": [None, len(reviews)]},
        ip=ip,
    )
    return len(reviews)


@transaction.atomic
def review_score(
    *,
    actor: Any,
    review_id: int,
    scores: Mapping[int, Any],
    comment: str = "",
    ip: str | None = None,
) -> Review:
    """An expert scores an application on each criterion (empty = not applicable, N/A).
    The total is the weighted share of the applicable criteria, out of 100.

    Only an assigned expert who declared no conflict of interest (``reviews.conflict_declare``)
    scores.

    Raises: NotFound (not the actor's review); DomainError ``recused``, ``not_in_review``,
    ``declaration_required``, ``score_out_of_range``, ``all_not_applicable``.
    """
    review = (
        Review.objects.select_for_update()
        .select_related("expert", "application__call")
        .filter(pk=review_id)
        .first()
    )
    if review is None or not is_expert(actor) or review.expert.user_id != actor.pk:
        raise NotFound("review_not_found", _("No such review of yours."))
    if review.status == Review.Status.RECUSED:
        raise DomainError(
            "recused",
            _("You are recused from this application: %(reason)s"),
            reason=review.recusal_reason,
        )
    call = review.application.call
    if call.stage != Call.Stage.REVIEW:
        raise DomainError("not_in_review", _("This call is not under review."))
    if not ConflictDeclaration.objects.filter(review=review, has_conflict=False).exists():
        raise DomainError(
            "declaration_required",
            _("Declare first whether you have a conflict of interest with the applicant."),
        )
    clean: dict[str, int | None] = {}
    weighted = Decimal(0)
    weights = 0
    for criterion in call.criteria.all():
        raw = scores.get(criterion.pk)
        if raw is None or str(raw).strip() == "":
            clean[str(criterion.pk)] = None
            continue
        try:
            value = int(str(raw).strip())
        except ValueError:
            value = -1
        if not 0 <= value <= criterion.max_score:
            raise DomainError(
                "score_out_of_range",
                _("Score %(name)s from 0 to %(max)s."),
                field=f"c{criterion.pk}",
                name=criterion.name,
                max=criterion.max_score,
            )
        clean[str(criterion.pk)] = value
        weighted += Decimal(value) / criterion.max_score * criterion.weight
        weights += criterion.weight
    if weights == 0:
        raise DomainError("all_not_applicable", _("Score at least one criterion."), field="comment")
    review.scores = clean
    review.total = (weighted * 100 / weights).quantize(FEN)
    review.comment = plain_text(comment, field="comment", max_length=2000, required=False)
    review.status = Review.Status.SCORED
    review.scored_at = timezone.now()
    review.save(update_fields=["scores", "total", "comment", "status", "scored_at"])
    audit_record(
        actor=actor,
        verb="civil.review_score",
        target=review.application,
        division_code=call.division_id,
        changes={"total": [None, str(review.total)]},
        ip=ip,
    )
    return review


@transaction.atomic
def call_determine(
    *,
    actor: Any,
    call_id: int,
    awards: Mapping[int, Any],
    reason: str,
    ip: str | None = None,
) -> Call:
    """Select winners with their amounts (the rest are not selected) and open the public
    notice (公示) for the call's objection days. With lots, each lot's awards stay within its
    budget.

    Raises: NotFound; DomainError ``not_in_review``, ``reviews_open``, ``over_budget``,
    ``over_request``, ``award_unknown``, ``over_lot_budget``, ``required`` (reason).
    """
    call = _call_for_manager(actor, call_id)
    if call.stage != Call.Stage.REVIEW:
        raise DomainError("not_in_review", _("This call is not under review."))
    if Review.objects.filter(application__call=call, status=Review.Status.ASSIGNED).exists():
        raise DomainError("reviews_open", _("Some experts have not scored yet."))
    clean_reason = plain_text(reason, field="reason", max_length=300)
    applications = {a.pk: a for a in call.applications.filter(status=Application.Status.SUBMITTED)}
    chosen: dict[int, Decimal] = {}
    for app_id, value in awards.items():
        application = applications.get(int(app_id))
        if application is None:
            raise DomainError("award_unknown", _("Choose winners among the applications."))
        amount = _money(value, field="awards")
        if amount > application.amount:
            raise DomainError(
                "over_request",
                _("%(title)s asked for %(asked)s yuan; it cannot get more."),
                field="awards",
                title=application.title,
                asked=f"{application.amount:,.2f}",
            )
        chosen[application.pk] = amount
    if sum(chosen.values(), Decimal(0)) > call.budget:
        raise DomainError(
            "over_budget",
            _("The awards exceed the call's budget of %(budget)s yuan."),
            field="awards",
            budget=f"{call.budget:,.2f}",
        )
    for lot in call.lots.all():
        given = sum((v for k, v in chosen.items() if applications[k].lot_id == lot.pk), Decimal(0))
        if given > lot.budget:
            raise DomainError(
                "over_lot_budget",
                _("The awards in lot %(lot)s exceed its budget of %(budget)s yuan."),
                field="awards",
                lot=str(lot),
                budget=f"{lot.budget:,.2f}",
            )
    for application in applications.values():
        if application.pk in chosen:
            application.status = Application.Status.AWARDED
            application.award_amount = chosen[application.pk]
        else:
            application.status = Application.Status.NOT_AWARDED
        application.determination_reason = clean_reason
        application.save(update_fields=["status", "award_amount", "determination_reason"])
    call.stage = Call.Stage.NOTICE
    call.notice_ends_at = timezone.now() + timedelta(days=call.objection_days)
    call.save(update_fields=["stage", "notice_ends_at"])
    audit_record(
        actor=actor,
        verb="civil.call_determine",
        target=call,
        division_code=call.division_id,
        changes={"winners": [None, sorted(chosen)]},
        reason=clean_reason,
        ip=ip,
    )
    return call


@transaction.atomic
def objection_raise(
    *, actor: Any, call_id: int, text: str, application_id: int | None = None, ip: str | None = None
) -> Objection:
    """Anyone signed in objects to a determination while its public notice runs.

    Raises: NotFound; DomainError ``notice_closed``, text errors.
    """
    call = Call.objects.filter(pk=call_id).first()
    if call is None:
        raise NotFound("call_not_found", _("No such call."))
    if call.stage != Call.Stage.NOTICE or (
        call.notice_ends_at is not None and timezone.now() > call.notice_ends_at
    ):
        raise DomainError("notice_closed", _("The public notice of this call is not open."))
    if application_id is not None and not call.applications.filter(pk=application_id).exists():
        raise NotFound("application_not_found", _("No such application."))
    objection = Objection.objects.create(
        call=call,
        application_id=application_id,
        author=actor,
        text=plain_text(text, field="text", max_length=1000),
    )
    audit_record(
        actor=actor,
        verb="civil.objection_raise",
        target=call,
        division_code=call.division_id,
        ip=ip,
    )
    return objection


@transaction.atomic
def objection_answer(
    *, actor: Any, objection_id: int, answer: str, ip: str | None = None
) -> Objection:
    """The issuing office answers an objection; the answer is public under the notice.

    Raises: NotFound; DomainError ``already_answered``, text errors.
    """
    objection = Objection.objects.select_for_update().filter(pk=objection_id).first()
    if objection is None:
        raise NotFound("objection_not_found", _("No such objection."))
    _call_for_manager(actor, objection.call_id)
    if objection.answered_at is not None:
        raise DomainError("already_answered", _("This objection has been answered."))
    objection.answer = plain_text(answer, field="answer", max_length=1000)
    objection.answered_at = timezone.now()
    objection.save(update_fields=["answer", "answered_at"])
    audit_record(
        actor=actor,
        verb="civil.objection_answer",
        target=objection.call,
        division_code=objection.call.division_id,
        ip=ip,
    )
    return objection


@transaction.atomic
def expert_add(*, actor: Any, resident_id: int, display_name: str, ip: str | None = None) -> Expert:
    """Add a resident's account to the expert pool (district officers and the committee, for
    residents of their area; experts can be outside staff).

    Raises: NotFound; DomainError ``no_account``, text errors.
    """
    from shequ.people.models import Resident
    from shequ.people.permissions import covers

    resident = Resident.objects.filter(pk=resident_id).first()
    if resident is None or not covers(actor, resident.community_id, CALL_ISSUERS):
        raise NotFound("resident_not_found", _("No such resident in your area."))
    if resident.user_id is None:
        raise DomainError(
            "no_account", _("This resident has no account to sign in with yet."), field="person"
        )
    expert, _created = Expert.objects.update_or_create(
        user_id=resident.user_id,
        defaults={
            "display_name": plain_text(display_name, field="display_name", max_length=60),
            "is_active": True,
        },
    )
    audit_record(actor=actor, verb="civil.expert_add", target=expert, ip=ip)
    return expert
