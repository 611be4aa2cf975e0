"""Writes of council meetings (议事会会议): scheduling, the agenda, sign-in and the quorum,
votes on agenda items and the decisions they produce, closing with the minutes."""

import secrets
import uuid
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.core.uploads import accept_upload
from shequ.notices.services import plain_text
from shequ.participation import funding
from shequ.participation.models import (
    AgendaItem,
    Attendance,
    Council,
    CouncilMember,
    ItemVote,
    ItemVoter,
    Meeting,
    Proposal,
)
from shequ.participation.services._common import money_or_none, notify_followers, require_organiser
from shequ.participation.services.councils import members_in_office
from shequ.people.models import User

MINUTES_TYPES = ("pdf", "jpg", "png")
MINUTES_MAX_KB = 10 * 1024


@transaction.atomic
def meeting_schedule(
    *,
    actor: User,
    council_id: int,
    title: str,
    starts_at: datetime,
    location: str = "",
    capacity: int | None = None,
) -> Meeting:
    """Schedule a meeting; with ``capacity`` residents may register for its seats."""
    council = Council.objects.filter(pk=council_id).first()
    if council is None:
        raise NotFound("council_not_found", _("No such council."))
    require_organiser(actor, council.community_id)
    meeting = Meeting.objects.create(
        council=council,
        community_id=council.community_id,
        title=plain_text(title, field="title", max_length=120),
        starts_at=starts_at,
        location=plain_text(location, field="location", max_length=120, required=False),
        checkin_token=secrets.token_urlsafe(24),
        capacity=capacity if capacity and capacity > 0 else None,
    )
    audit_record(
        actor=actor,
        verb="participation.meeting_schedule",
        target=meeting,
        division_code=council.community_id,
    )
    return meeting


@transaction.atomic
def agenda_add(
    *,
    actor: User,
    meeting_id: int,
    kind: str,
    title: str = "",
    proposal_id: int | None = None,
    amount: Any = None,
    secret: bool = False,
) -> AgendaItem:
    """Put a proposal, a spending item or another matter on a meeting's agenda.

    Raises: DomainError ``meeting_closed`` / ``amount`` for spending without an amount."""
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("meeting_not_found", _("No such meeting."))
    require_organiser(actor, meeting.community_id)
    if meeting.status == Meeting.Status.CLOSED:
        raise DomainError("meeting_closed", _("The meeting is closed."))
    if kind not in AgendaItem.Kind.values:
        raise DomainError("invalid_kind", _("Choose a kind of item."), field="kind")
    proposal = None
    if kind == AgendaItem.Kind.PROPOSAL:
        proposal = (
            Proposal.objects.filter(pk=proposal_id or 0, community_id=meeting.community_id)
            .exclude(status__in=["hidden", "merged"])
            .first()
        )
        if proposal is None:
            raise DomainError("proposal_not_found", _("No such proposal."), field="proposal")
        title = title or proposal.title
    money = money_or_none(amount, field="amount", required=kind == AgendaItem.Kind.SPENDING)
    title = plain_text(title, field="title", max_length=200)
    position = meeting.items.count() + 1
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=position,
        kind=kind,
        title=title,
        proposal=proposal,
        amount=money,
        secret=secret,
    )
    audit_record(
        actor=actor,
        verb="participation.agenda_add",
        target=item,
        division_code=meeting.community_id,
    )
    return item


def quorum_of(meeting: Meeting) -> tuple[int, int, bool]:
    """(present, in office, quorate): present × den ≥ in office × num."""
    council = meeting.council
    total = meeting.members_total or len(members_in_office(council, timezone.localdate()))
    present = meeting.attendance.count()
    return present, total, total > 0 and present * council.quorum_den >= total * council.quorum_num


@transaction.atomic
def meeting_open(*, actor: User, meeting_id: int) -> Meeting:
    """Start the session: the members in office are counted for the quorum from now on."""
    meeting = (
        Meeting.objects.select_for_update().select_related("council").filter(pk=meeting_id).first()
    )
    if meeting is None:
        raise NotFound("meeting_not_found", _("No such meeting."))
    require_organiser(actor, meeting.community_id)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise DomainError("meeting_not_scheduled", _("The meeting has already started."))
    total = len(members_in_office(meeting.council, timezone.localdate()))
    if total == 0:
        raise DomainError("no_members", _("The council has no members in office."))
    meeting.status = Meeting.Status.OPEN
    meeting.members_total = total
    meeting.save(update_fields=["status", "members_total"])
    audit_record(
        actor=actor,
        verb="participation.meeting_open",
        target=meeting,
        division_code=meeting.community_id,
    )
    return meeting


def _member_of(meeting: Meeting, user: User) -> CouncilMember | None:
    today = timezone.localdate()
    return (
        CouncilMember.objects.filter(
            council_id=meeting.council_id,
            resident__user_id=user.pk,
            term_start__lte=today,
            term_end__gte=today,
        )
        .select_related("resident")
        .first()
    )


@transaction.atomic
def attendance_sign_in(
    *, actor: User, meeting_id: int, token: str = "", member_id: int | None = None
) -> Attendance:
    """A member signs in by scanning the QR code (``token``), or staff sign a member in.

    Raises: DomainError ``bad_token`` / ``not_a_member`` / ``meeting_closed`` /
    ``already_signed_in``."""
    meeting = Meeting.objects.select_related("council").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("meeting_not_found", _("No such meeting."))
    if member_id is None:
        if not secrets.compare_digest(token or "", meeting.checkin_token):
            raise DomainError("bad_token", _("This sign-in code is not valid."))
        member = _member_of(meeting, actor)
        method = Attendance.Method.QR
    else:
        require_organiser(actor, meeting.community_id)
        today = timezone.localdate()
        # Staff sign in members in office only: the count present is checked against the
        # register when a decision is recorded.
        member = CouncilMember.objects.filter(
            pk=member_id, council_id=meeting.council_id, term_start__lte=today, term_end__gte=today
        ).first()
        method = Attendance.Method.STAFF
    if member is None:
        raise DomainError("not_a_member", _("Only council members in office may sign in."))
    if meeting.status == Meeting.Status.CLOSED:
        raise DomainError("meeting_closed", _("The meeting is closed."))
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(meeting=meeting, member=member, method=method)
    except IntegrityError:
        raise DomainError("already_signed_in", _("Already signed in.")) from None
    audit_record(
        actor=actor,
        verb="participation.sign_in",
        target=attendance,
        division_code=meeting.community_id,
    )
    return attendance


def _item_for_update(item_id: int) -> AgendaItem:
    item = (
        AgendaItem.objects.select_for_update()
        .select_related("meeting", "meeting__council")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound("item_not_found", _("No such agenda item."))
    return item


@transaction.atomic
def item_open_vote(*, actor: User, item_id: int) -> AgendaItem:
    """Open voting on an item. Raises: DomainError ``no_quorum`` / ``meeting_not_open``."""
    item = _item_for_update(item_id)
    require_organiser(actor, item.meeting.community_id)
    if item.meeting.status != Meeting.Status.OPEN:
        raise DomainError("meeting_not_open", _("The meeting is not in session."))
    if item.status != AgendaItem.Status.PENDING:
        raise DomainError("already_voted", _("This item has already been voted on."))
    present, total, quorate = quorum_of(item.meeting)
    if not quorate:
        raise DomainError(
            "no_quorum",
            _("No quorum: %(present)s of %(total)s members are present."),
            present=present,
            total=total,
        )
    item.status = AgendaItem.Status.VOTING
    item.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb="participation.vote_open",
        target=item,
        division_code=item.meeting.community_id,
    )
    return item


def _vote_key(item_id: int, member_id: int) -> str:
    return salted_hmac("shequ.participation.item", f"{item_id}:{member_id}").hexdigest()


@transaction.atomic
def item_vote(*, actor: User, item_id: int, choice: str, member_id: int | None = None) -> None:
    """A member signed in to the meeting votes for / against / abstains; the vote can be
    changed until the item closes. Staff may record an open vote for a member (show of hands).

    Raises: DomainError ``not_voting`` / ``not_signed_in`` / ``invalid_choice``."""
    item = AgendaItem.objects.select_related("meeting").filter(pk=item_id).first()
    if item is None:
        raise NotFound("item_not_found", _("No such agenda item."))
    if choice not in ItemVote.Choice.values:
        raise DomainError("invalid_choice", _("Vote for, against or abstain."), field="choice")
    if member_id is not None:
        require_organiser(actor, item.meeting.community_id)
        if item.secret:
            raise DomainError("secret_vote", _("In a secret vote members vote themselves."))
        member = CouncilMember.objects.filter(
            pk=member_id, council_id=item.meeting.council_id
        ).first()
    else:
        member = _member_of(item.meeting, actor)
    if (
        member is None
        or not Attendance.objects.filter(meeting=item.meeting, member=member).exists()
    ):
        raise DomainError("not_signed_in", _("Only members signed in to the meeting may vote."))
    # Lock the item row so a vote and the close never interleave.
    item = _item_for_update(item_id)
    if item.status != AgendaItem.Status.VOTING:
        raise DomainError("not_voting", _("Voting on this item is not open."))
    ItemVoter.objects.get_or_create(item=item, member=member)
    key = _vote_key(item.pk, member.pk)
    ItemVote.objects.update_or_create(
        item=item,
        ballot_key=key,
        defaults={"choice": choice, "member": None if item.secret else member},
    )
    audit_record(
        actor=actor,
        verb="participation.vote",
        target=item,
        division_code=item.meeting.community_id,
        # How a member voted is recorded only for open votes.
        changes={} if item.secret else {"member": [None, member.pk], "choice": [None, choice]},
    )


def my_item_votes(*, user: Any, meeting: Meeting) -> dict[int, str] | None:
    """For a council member signed in to ``meeting``: their own current choice per agenda item
    (found through the keyed hash, so also in a secret vote); ``None`` for anyone else."""
    if not getattr(user, "is_authenticated", False):
        return None
    member = _member_of(meeting, user)
    if member is None or not Attendance.objects.filter(meeting=meeting, member=member).exists():
        return None
    keys = {_vote_key(item.pk, member.pk): item.pk for item in meeting.items.all()}
    votes = ItemVote.objects.filter(item__meeting=meeting, ballot_key__in=list(keys))
    return {keys[key]: choice for key, choice in votes.values_list("ballot_key", "choice")}


@transaction.atomic
def item_close_vote(*, actor: User, item_id: int) -> AgendaItem:
    """Count the votes and decide: passed when more than half of the members present vote for.
    A passed spending item produces the council decision (ApprovalRecord) in the funds app.

    Raises: DomainError ``no_quorum`` (nothing is decided) / ``not_voting``."""
    item = _item_for_update(item_id)
    meeting = item.meeting
    require_organiser(actor, meeting.community_id)
    if item.status != AgendaItem.Status.VOTING:
        raise DomainError("not_voting", _("Voting on this item is not open."))
    funding.may_record_decision(actor=actor, item=item)
    present, total, quorate = quorum_of(meeting)
    if not quorate:
        raise DomainError(
            "no_quorum",
            _("No quorum: %(present)s of %(total)s members are present."),
            present=present,
            total=total,
        )
    counts = dict.fromkeys(ItemVote.Choice.values, 0)
    for choice in item.votes.values_list("choice", flat=True):
        counts[choice] += 1
    item.votes_for = counts["for"]
    item.votes_against = counts["against"]
    item.votes_abstain = counts["abstain"]
    item.present = present
    passed = item.votes_for * 2 > present
    item.status = AgendaItem.Status.PASSED if passed else AgendaItem.Status.REJECTED
    item.decided_at = timezone.now()
    if passed and item.kind == AgendaItem.Kind.SPENDING:
        item.approval_record_id = funding.approval_record_from_decision(actor=actor, item=item)
    item.save()
    if item.proposal_id:
        Proposal.objects.filter(pk=item.proposal_id).update(status=Proposal.Status.DECIDED)
        decided = Proposal.objects.get(pk=item.proposal_id)
        notify_followers(decided, _("The council decided on a proposal you follow"))
    audit_record(
        actor=actor,
        verb="participation.decision",
        target=item,
        division_code=meeting.community_id,
        changes={
            "status": ["voting", item.status],
            "for": [None, item.votes_for],
            "against": [None, item.votes_against],
            "abstain": [None, item.votes_abstain],
        },
    )
    return item


@transaction.atomic
def meeting_close(
    *, actor: User, meeting_id: int, minutes_text: str = "", minutes: Any = None
) -> Meeting:
    """Close the session with its minutes. Raises: DomainError ``votes_open``."""
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("meeting_not_found", _("No such meeting."))
    require_organiser(actor, meeting.community_id)
    if meeting.status != Meeting.Status.OPEN:
        raise DomainError("meeting_not_open", _("The meeting is not in session."))
    if meeting.items.filter(status=AgendaItem.Status.VOTING).exists():
        raise DomainError("votes_open", _("Close the open votes first."))
    meeting.minutes_text = plain_text(
        minutes_text, field="minutes_text", max_length=20000, required=False
    )
    if minutes:
        stored, content_type = accept_upload(
            minutes, field="minutes", types=MINUTES_TYPES, max_kb=MINUTES_MAX_KB
        )
        meeting.minutes.save(
            f"{uuid.uuid4().hex}.{content_type.rsplit('/', 1)[-1].replace('jpeg', 'jpg')}",
            stored,
            save=False,
        )
    meeting.status = Meeting.Status.CLOSED
    meeting.save()
    audit_record(
        actor=actor,
        verb="participation.meeting_close",
        target=meeting,
        division_code=meeting.community_id,
    )
    return meeting
