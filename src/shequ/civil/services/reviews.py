"""Writes of the reviewers of an application: the call's officer assigns experts from the pool
and removes an assignment before it is scored; the expert declares a conflict of interest (or
none) before scoring, and a declared conflict recuses them.

Starting the review (``calls.review_start``) assigns every active expert as the default
suggestion; the officer changes it here. The registry's automatic recusal still applies.
"""

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.civil import selectors
from shequ.civil.models import (
    Application,
    Call,
    ConflictDeclaration,
    Engagement,
    Expert,
    Organisation,
    Review,
)
from shequ.civil.permissions import CALL_ISSUERS, can_manage_calls, is_expert
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.services import plain_text
from shequ.people.permissions import has_role


def _not_in_review() -> DomainError:
    return DomainError("not_in_review", _("This call is not under review."))


@transaction.atomic
def review_assign(
    *, actor: Any, application_id: int, expert_id: int, ip: str | None = None
) -> Review:
    """The call's officer assigns an expert from the pool to review one application.

    Raises: NotFound (application not in the actor's area); DomainError ``not_in_review``,
    ``not_reviewed`` (screened out), ``not_an_expert``, ``already_assigned``, ``recused``
    (linked to the applicant in the registry, with the reason).
    """
    application = (
        Application.objects.select_for_update()
        .select_related("call")
        .filter(pk=application_id)
        .first()
    )
    if application is None or not can_manage_calls(actor, application.call.division_id):
        raise NotFound("application_not_found", _("No such application in your area."))
    call = application.call
    if call.stage != Call.Stage.REVIEW:
        raise _not_in_review()
    if application.status != Application.Status.SUBMITTED:
        raise DomainError("not_reviewed", _("Only submitted applications are reviewed."))
    expert = Expert.objects.filter(pk=expert_id, is_active=True).first()
    if expert is None:
        raise DomainError(
            "not_an_expert", _("Choose a reviewer from the expert pool."), field="expert"
        )
    if Review.objects.filter(application=application, expert=expert).exists():
        raise DomainError(
            "already_assigned",
            _("%(name)s is already a reviewer of this application."),
            field="expert",
            name=expert.display_name,
        )
    since = timezone.localdate() - timedelta(days=365 * call.recusal_years)
    links = selectors.expert_links([expert.user_id], [application.organisation_id], since=since)
    reason = links.get((expert.user_id, application.organisation_id))
    if reason:
        raise DomainError(
            "recused",
            _("%(name)s is recused from this application: %(reason)s"),
            field="expert",
            name=expert.display_name,
            reason=reason,
        )
    review = Review.objects.create(application=application, expert=expert)
    audit_record(
        actor=actor,
        verb="civil.review_assign",
        target=application,
        division_code=call.division_id,
        changes={"expert": [None, expert.pk]},
        ip=ip,
    )
    return review


@transaction.atomic
def review_unassign(*, actor: Any, review_id: int, ip: str | None = None) -> None:
    """The call's officer removes a reviewer who has not scored and is not recused (a
    recusal stays on the record).

    Raises: NotFound; DomainError ``not_in_review``, ``review_started``.
    """
    review = (
        Review.objects.select_for_update()
        .select_related("application__call", "expert")
        .filter(pk=review_id)
        .first()
    )
    if review is None or not can_manage_calls(actor, review.application.call.division_id):
        raise NotFound("review_not_found", _("No such reviewer in your area."))
    call = review.application.call
    if call.stage != Call.Stage.REVIEW:
        raise _not_in_review()
    if review.status != Review.Status.ASSIGNED:
        raise DomainError(
            "review_started",
            _("%(name)s has already scored or is recused: the assignment stays on the record."),
            name=review.expert.display_name,
        )
    application = review.application
    expert_id = review.expert_id
    review.delete()
    audit_record(
        actor=actor,
        verb="civil.review_unassign",
        target=application,
        division_code=call.division_id,
        changes={"expert": [expert_id, None]},
        ip=ip,
    )


@transaction.atomic
def conflict_declare(
    *,
    actor: Any,
    review_id: int,
    has_conflict: bool,
    reason: str = "",
    ip: str | None = None,
) -> ConflictDeclaration:
    """The assigned expert declares, once, whether they have a conflict of interest with the
    applicant. A declared conflict recuses them; the officer can then assign another.

    Raises: NotFound (not the actor's review); DomainError ``not_in_review``, ``recused``,
    ``already_declared``, ``reason_required``, text errors.
    """
    review = (
        Review.objects.select_for_update()
        .select_related("expert", "application__call")
        .filter(pk=review_id)
        .first()
    )
    if review is None or not is_expert(actor) or review.expert.user_id != actor.pk:
        raise NotFound("review_not_found", _("No such review of yours."))
    call = review.application.call
    if call.stage != Call.Stage.REVIEW:
        raise _not_in_review()
    if ConflictDeclaration.objects.filter(review=review).exists():
        raise DomainError("already_declared", _("You have already declared for this application."))
    if review.status != Review.Status.ASSIGNED:
        raise DomainError(
            "recused",
            _("You are recused from this application: %(reason)s"),
            reason=review.recusal_reason,
        )
    clean = plain_text(reason, field="reason", max_length=300, required=False)
    if has_conflict and not clean:
        raise DomainError(
            "reason_required",
            _("Say what your conflict of interest with the applicant is."),
            field="reason",
        )
    declaration = ConflictDeclaration.objects.create(
        review=review, has_conflict=has_conflict, reason=clean if has_conflict else ""
    )
    if has_conflict:
        review.status = Review.Status.RECUSED
        review.recusal_reason = (
            str(_("declared a conflict of interest: %(reason)s")) % {"reason": clean}
        )[:300]
        review.save(update_fields=["status", "recusal_reason"])
    audit_record(
        actor=actor,
        verb="civil.conflict_declare",
        target=review.application,
        division_code=call.division_id,
        changes={"conflict": [None, has_conflict]},
        reason=declaration.reason,
        ip=ip,
    )
    return declaration


@transaction.atomic
def engagement_record(
    *,
    actor: Any,
    expert_id: int,
    organisation_id: int,
    kind: str,
    started_on: date,
    ended_on: date | None = None,
    via_organisation_id: int | None = None,
    note: str = "",
    ip: str | None = None,
) -> Engagement:
    """Record an expert's engagement with an organisation (district officers and the
    committee, for organisations of their area): employed by it, founded it, or paid by it
    (directly, or through the expert's organisation ``via``). It recuses the expert from the
    organisation's applications (``selectors.expert_links``).

    Raises: NotFound (no such expert, organisation not in the actor's area); DomainError
    ``kind_invalid``, ``dates_invalid``, ``via_invalid`` (the expert's organisation is the
    payer itself, or given for another kind than paid).
    """
    expert = Expert.objects.filter(pk=expert_id).first()
    if expert is None or not has_role(actor, *CALL_ISSUERS, "system_admin"):
        raise NotFound("expert_not_found", _("No such expert."))
    organisation = selectors.organisation_list_for(user=actor).filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound("organisation_not_found", _("No such organisation in your area."))
    if kind not in Engagement.Kind.values:
        raise DomainError("kind_invalid", _("Choose the kind of engagement."), field="kind")
    if ended_on is not None and ended_on < started_on:
        raise DomainError(
            "dates_invalid", _("The end cannot come before the start."), field="ended_on"
        )
    via = None
    if via_organisation_id is not None:
        via = Organisation.objects.filter(pk=via_organisation_id).first()
        if via is None or via.pk == organisation.pk or kind != Engagement.Kind.PAID:
            raise DomainError(
                "via_invalid",
                _("The expert's organisation is another organisation, paid by this one."),
                field="via",
            )
    engagement = Engagement.objects.create(
        expert=expert,
        organisation=organisation,
        kind=kind,
        via=via,
        started_on=started_on,
        ended_on=ended_on,
        note=plain_text(note, field="note", max_length=200, required=False),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        verb="civil.engagement_record",
        target=expert,
        division_code=organisation.authority_id,
        changes={"organisation": [None, organisation.pk], "kind": [None, kind]},
        ip=ip,
    )
    return engagement
