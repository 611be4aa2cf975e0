"""Writes of contract evaluations: the call's officer records a mid-term or final evaluation
by an expert of the pool or a third-party evaluator organisation from the registry, with its
score and report. The contractor never evaluates itself, nor does an expert or evaluator
linked to it in the registry.
"""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.civil import selectors
from shequ.civil.models import Contract, Evaluation, Expert, Organisation
from shequ.civil.permissions import can_manage_calls
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.core.uploads import accept_upload
from shequ.notices.services import plain_text

REPORT_TYPES = ("pdf", "docx")


@transaction.atomic
def evaluation_record(
    *,
    actor: Any,
    contract_id: int,
    stage: str,
    score: Any,
    summary: str,
    report: UploadedFile | None,
    evaluated_on: date,
    expert_id: int | None = None,
    evaluator_id: int | None = None,
    ip: str | None = None,
) -> Evaluation:
    """Record one evaluation of a contract (one per stage).

    Raises: NotFound (contract not in the actor's area); DomainError ``stage_invalid``,
    ``evaluator_required`` (neither or both of expert and organisation),
    ``evaluator_is_contractor``, ``evaluator_linked`` (an expert tied to the contractor),
    ``evaluator_invalid`` (not an active expert / organisation), ``score_invalid``,
    ``report_required``, ``file_type_not_allowed``, ``already_evaluated``, text errors.
    """
    contract = (
        Contract.objects.select_for_update()
        .select_related("application__call")
        .filter(pk=contract_id)
        .first()
    )
    if contract is None or not can_manage_calls(actor, contract.application.call.division_id):
        raise NotFound("contract_not_found", _("No such contract in your area."))
    if stage not in Evaluation.Stage.values:
        raise DomainError("stage_invalid", _("Choose mid-term or final."), field="stage")
    if (expert_id is None) == (evaluator_id is None):
        raise DomainError(
            "evaluator_required",
            _("Choose either an expert or a third-party evaluator organisation."),
            field="evaluator",
        )
    contractor_id = contract.application.organisation_id
    expert = None
    evaluator = None
    if evaluator_id is not None:
        if evaluator_id == contractor_id:
            raise DomainError(
                "evaluator_is_contractor",
                _("The contractor cannot evaluate its own project."),
                field="evaluator",
            )
        evaluator = Organisation.objects.filter(
            pk=evaluator_id, status=Organisation.Status.ACTIVE
        ).first()
        if evaluator is None:
            raise DomainError(
                "evaluator_invalid",
                _("Choose an active organisation from the registry."),
                field="evaluator",
            )
    elif expert_id is not None:
        expert = Expert.objects.filter(pk=expert_id, is_active=True).first()
        if expert is None:
            raise DomainError(
                "evaluator_invalid", _("Choose an active expert of the pool."), field="expert"
            )
        since = timezone.localdate() - timedelta(days=365 * contract.application.call.recusal_years)
        reason = selectors.expert_links([expert.user_id], [contractor_id], since=since).get(
            (expert.user_id, contractor_id)
        )
        if reason:
            raise DomainError(
                "evaluator_linked",
                _("This expert cannot evaluate the contractor: %(reason)s"),
                field="expert",
                reason=reason,
            )
    try:
        value = Decimal(str(score).strip())
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value <= 100 or value != value.quantize(Decimal("0.01")):
        raise DomainError("score_invalid", _("Give a score from 0 to 100."), field="score")
    if report is None:
        raise DomainError(
            "report_required", _("Attach the evaluation report (PDF or Word)."), field="report"
        )
    stored, content_type = accept_upload(report, field="report", types=REPORT_TYPES, max_kb=20480)
    if contract.evaluations.filter(stage=stage).exists():
        raise DomainError(
            "already_evaluated",
            _("This stage of the contract is already evaluated."),
            field="stage",
        )
    evaluation = Evaluation(
        contract=contract,
        stage=stage,
        expert=expert,
        evaluator=evaluator,
        score=value,
        summary=plain_text(summary, field="summary", max_length=4000),
        report_type=content_type,
        evaluated_on=evaluated_on,
        recorded_by=actor,
    )
    evaluation.report.save(stored.name or "report", stored, save=False)
    evaluation.save()
    audit_record(
        actor=actor,
        verb="civil.evaluation_record",
        target=contract,
        division_code=contract.division_id,
        changes={"stage": [None, stage], "score": [None, str(value)]},
        ip=ip,
    )
    return evaluation
