"""Writes of official answers (官方答复): the community answers each proposal, and every
supporter and follower gets a message.

The answers follow one another:

- unanswered → being evaluated, accepted into the council's agenda, not feasible, merged;
- being evaluated → accepted, not feasible, merged;
- accepted → implemented, not feasible;
- not feasible → being evaluated (reconsidered);
- merged and implemented are final.

"Not feasible" needs a reason; "merged" names the proposal it joins (supports move over).
"""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.services import message_send_many, plain_text
from shequ.participation.models import Answer, Follow, Proposal, Support
from shequ.participation.services._common import require_organiser
from shequ.people.models import User

State = Answer.State
NEXT: dict[str, set[str]] = {
    "": {State.EVALUATING, State.ACCEPTED, State.NOT_FEASIBLE, State.MERGED},
    State.EVALUATING: {State.ACCEPTED, State.NOT_FEASIBLE, State.MERGED},
    State.ACCEPTED: {State.IMPLEMENTED, State.NOT_FEASIBLE},
    State.NOT_FEASIBLE: {State.EVALUATING},
    State.MERGED: set(),
    State.IMPLEMENTED: set(),
}


def next_states(proposal: Proposal) -> list[tuple[str, Any]]:
    """The answers that may follow the proposal's current one, as form choices."""
    allowed = NEXT.get(proposal.answer_state, set())
    return [(value, label) for value, label in State.choices if value in allowed]


def audience(proposal: Proposal) -> list[int]:
    """Users who support or follow the proposal (each once)."""
    supporters = Support.objects.filter(
        proposal=proposal, resident__user_id__isnull=False
    ).values_list("resident__user_id", flat=True)
    followers = Follow.objects.filter(proposal=proposal).values_list("user_id", flat=True)
    return sorted({int(u) for u in supporters} | {int(u) for u in followers})


@transaction.atomic
def answer_create(
    *,
    actor: User,
    proposal_id: int,
    state: str,
    text: Any = "",
    merge_into_id: int | None = None,
) -> Answer:
    """A worker of the proposal's community answers it officially.

    Raises: NotFound (also outside the worker's area); DomainError ``invalid_answer`` /
    ``answer_not_allowed`` (a state that does not follow the current one) / ``required``
    (no reason for "not feasible", no proposal to merge into) and the merge's errors."""
    proposal = Proposal.objects.select_for_update().filter(pk=proposal_id).first()
    if proposal is None or proposal.status == Proposal.Status.HIDDEN:
        raise NotFound("proposal_not_found", _("No such proposal."))
    require_organiser(actor, proposal.community_id)
    if state not in State.values:
        raise DomainError("invalid_answer", _("Choose an answer."), field="state")
    current = proposal.answer_state
    if state not in NEXT.get(current, set()):
        raise DomainError(
            "answer_not_allowed",
            _("“%(state)s” cannot follow the current answer “%(current)s”."),
            field="state",
            state=str(State(state).label),
            current=str(State(current).label) if current else str(_("not answered")),
        )
    body = plain_text(text, field="text", max_length=2000, required=state == State.NOT_FEASIBLE)
    if state == State.MERGED:
        if merge_into_id is None:
            raise DomainError(
                "required", _("Choose the proposal it is merged into."), field="merge_into"
            )
        from shequ.participation.services.proposals import proposal_merge

        proposal_merge(actor=actor, proposal_id=proposal.pk, into_id=merge_into_id, reason=body)
        proposal.refresh_from_db()
    elif state == State.ACCEPTED and proposal.status == Proposal.Status.OPEN:
        proposal.status = Proposal.Status.ON_AGENDA
    elif state in (State.NOT_FEASIBLE, State.IMPLEMENTED):
        proposal.status = Proposal.Status.DECIDED
    elif state == State.EVALUATING and proposal.status == Proposal.Status.DECIDED:
        proposal.status = Proposal.Status.OPEN
    proposal.answer_state = state
    proposal.save(update_fields=["status", "answer_state", "updated_at"])
    answer = Answer.objects.create(proposal=proposal, state=state, text=body, answered_by=actor)
    with translation.override(settings.LANGUAGE_CODE):
        title = str(_("Official answer to “%(title)s”: %(state)s")) % {
            "title": proposal.title[:60],
            "state": str(State(state).label),
        }
    message_send_many(
        user_ids=audience(proposal),
        category="community",
        title=title,
        body=body or proposal.title,
        url=f"/participation/proposals/{proposal.pk}/#answer",
    )
    audit_record(
        actor=actor,
        verb="participation.answer",
        target=proposal,
        reason=body,
        division_code=proposal.community_id,
        changes={"answer": [current, state]},
    )
    return answer
