"""Writes of comments (评论): residents of the community discuss proposals, budgeting
projects, agenda items and projects; others agree or disagree, report abuse; community staff
moderate (hide with a reason the author is told).

Rules: ID-checked residents of the target's community comment (the council may ask for a
higher level), as do the community's staff; council members in office and staff are marked.
Threads are one level deep. Phone and ID numbers are masked before the text is stored. A
person posts at most ``RATE_BURST`` comments in ``RATE_WINDOW`` and ``RATE_DAY`` a day."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied, RateLimited
from shequ.core.pii import mask_name
from shequ.core.services import audit_record
from shequ.notices.services import message_send, plain_text
from shequ.participation.models import (
    AgendaItem,
    Comment,
    CommentReport,
    CommentVote,
    CouncilMember,
    Debate,
    Proposal,
    Round,
    RoundProject,
)
from shequ.participation.permissions import can_organise
from shequ.participation.services.councils import council_for
from shequ.people.levels import how_to_reach
from shequ.people.models import Resident, User, VerificationLevel

MAX_LENGTH = 1000
RATE_WINDOW = timedelta(minutes=10)
RATE_BURST = 5
RATE_DAY = 30


@dataclass(frozen=True)
class Target:
    kind: str
    key: str
    community_code: str
    open: bool
    url: str
    title: str
    # The page the target itself lives on (the discussion page links back to it).
    home: str = ""


def target_get(kind: str, key: Any) -> Target:
    """What a comment is on, with its community and whether it takes comments.

    Raises: NotFound for anything the public cannot see."""
    key = str(key)
    missing = NotFound("comment_target_not_found", _("No such item to comment on."))
    if kind == Comment.Target.PROPOSAL and key.isdigit():
        proposal = Proposal.objects.filter(pk=int(key)).exclude(status="hidden").first()
        if proposal is None:
            raise missing
        return Target(
            kind,
            key,
            proposal.community_id,
            proposal.status in (Proposal.Status.OPEN, Proposal.Status.ON_AGENDA),
            f"/participation/proposals/{proposal.pk}/#comments",
            proposal.title,
        )
    if kind == Comment.Target.ROUND_PROJECT and key.isdigit():
        project = (
            RoundProject.objects.select_related("round")
            .filter(pk=int(key))
            .exclude(round__phase=Round.Phase.DRAFT)
            .first()
        )
        if project is None:
            raise missing
        return Target(
            kind,
            key,
            project.round.community_id,
            True,
            f"/participation/discuss/{kind}/{key}/",
            project.title,
            f"/participation/rounds/{project.round_id}/",
        )
    if kind == Comment.Target.AGENDA_ITEM and key.isdigit():
        item = AgendaItem.objects.select_related("meeting").filter(pk=int(key)).first()
        if item is None:
            raise missing
        return Target(
            kind,
            key,
            item.meeting.community_id,
            True,
            f"/participation/discuss/{kind}/{key}/",
            item.title,
            f"/participation/meetings/{item.meeting_id}/",
        )
    if kind == Comment.Target.DEBATE and key.isdigit():
        debate = Debate.objects.filter(pk=int(key), opens_at__lte=timezone.now()).first()
        if debate is None:
            raise missing
        return Target(
            kind,
            key,
            debate.community_id,
            debate.status == Debate.Status.OPEN and debate.closes_at > timezone.now(),
            f"/participation/debates/{debate.pk}/#arguments",
            debate.title,
            f"/participation/debates/{debate.pk}/",
        )
    if kind == Comment.Target.PROJECT:
        from shequ.projects.models import Project

        found = Project.objects.filter(code=key).values_list("division_id", "name").first()
        if found is None:
            raise missing
        return Target(
            kind,
            key,
            found[0],
            True,
            f"/participation/discuss/{kind}/{key}/",
            found[1],
            f"/projects/{key}/",
        )
    raise missing


def _is_council_member(resident: Resident, community_code: str) -> bool:
    today = timezone.localdate()
    return CouncilMember.objects.filter(
        council__community_id=community_code,
        resident=resident,
        term_start__lte=today,
        term_end__gte=today,
    ).exists()


def comment_level(community_code: str) -> int:
    council = council_for(community_code)
    if council is not None and council.comment_level is not None:
        return council.comment_level
    return int(VerificationLevel.ID_CHECKED)


def commenter(actor: Any, community_code: str) -> tuple[str, str] | None:
    """(role, label) the actor comments with in the community, or None when they may not."""
    if not getattr(actor, "is_authenticated", False):
        return None
    if can_organise(actor, community_code):
        name = actor.get_full_name() or actor.get_username()
        return Comment.Role.STAFF, str(name)[:40]
    resident = Resident.objects.filter(user_id=actor.pk).first()
    if (
        resident is None
        or resident.community_id != community_code
        or resident.verification_level < comment_level(community_code)
    ):
        return None
    role = (
        Comment.Role.COUNCIL
        if _is_council_member(resident, community_code)
        else Comment.Role.RESIDENT
    )
    return role, mask_name(resident.real_name)


def _require_commenter(actor: User, community_code: str) -> tuple[str, str]:
    found = commenter(actor, community_code)
    if found is not None:
        return found
    resident = Resident.objects.filter(user_id=actor.pk).first()
    if resident is not None and resident.community_id == community_code:
        required = comment_level(community_code)
        raise PermissionDenied(
            "level_required",
            _("Commenting here needs the level “%(required)s”. %(how)s"),
            required=str(VerificationLevel(required).label),
            how=how_to_reach(resident.verification_level, required),
        )
    raise PermissionDenied(
        "not_a_verified_resident",
        _("Only ID-checked residents of this community may take part."),
    )


def _rate_limit(actor: User) -> None:
    now = timezone.now()
    recent = Comment.objects.filter(author=actor, created_at__gte=now - timedelta(days=1))
    if recent.count() >= RATE_DAY:
        raise RateLimited(
            "comment_rate_day",
            _("You have posted %(n)s comments today; try again tomorrow."),
            n=RATE_DAY,
        )
    if recent.filter(created_at__gte=now - RATE_WINDOW).count() >= RATE_BURST:
        raise RateLimited(
            "comment_rate",
            _("You have posted %(n)s comments in ten minutes; please wait a little."),
            n=RATE_BURST,
        )


@transaction.atomic
def comment_post(
    *,
    actor: User,
    target: str,
    key: Any,
    body: Any,
    parent_id: int | None = None,
    stance: str = "",
) -> Comment:
    """Post a comment, or a reply to a top-level comment of the same target. On a debate a
    thread's first comment is an argument: ``stance`` is ``for`` or ``against``.

    Raises: NotFound; PermissionDenied ``not_a_verified_resident`` / ``level_required``;
    DomainError ``required`` / ``too_long`` / ``markup_not_allowed`` / ``closed`` /
    ``reply_depth`` / ``stance_required``; RateLimited ``comment_rate`` /
    ``comment_rate_day``."""
    found = target_get(target, key)
    role, label = _require_commenter(actor, found.community_code)
    if not found.open:
        if target == Comment.Target.DEBATE:
            raise DomainError("closed", _("This debate is closed: it takes no more arguments."))
        raise DomainError("closed", _("This item is closed: it takes no more comments."))
    text = plain_text(body, field="body", max_length=MAX_LENGTH)
    if target != Comment.Target.DEBATE or parent_id is not None:
        stance = ""
    elif stance not in Comment.Stance.values:
        raise DomainError(
            "stance_required", _("Say whether you argue for or against."), field="stance"
        )
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(
            pk=parent_id, target=target, target_key=found.key, status=Comment.Status.VISIBLE
        ).first()
        if parent is None:
            raise NotFound("comment_not_found", _("No such comment."))
        if parent.parent_id is not None:
            raise DomainError("reply_depth", _("Reply to the first comment of the thread."))
    _rate_limit(actor)
    comment = Comment.objects.create(
        community_id=found.community_code,
        target=target,
        target_key=found.key,
        parent=parent,
        author=actor,
        author_label=label,
        role=role,
        body=text,
        stance=stance,
    )
    if target == Comment.Target.PROPOSAL:
        Proposal.objects.filter(pk=int(found.key)).update(comments_count=F("comments_count") + 1)
    if parent is not None and parent.author_id != actor.pk:
        message_send(
            user_id=parent.author_id,
            category="community",
            title=_("Someone replied to your comment"),
            body=found.title,
            url=found.url,
        )
    audit_record(
        actor=actor,
        verb="participation.comment_post",
        target=comment,
        division_code=found.community_code,
    )
    return comment


def _visible_comment(comment_id: int, *, lock: bool = False) -> Comment:
    queryset = Comment.objects.select_for_update() if lock else Comment.objects.all()
    comment = queryset.filter(pk=comment_id, status=Comment.Status.VISIBLE).first()
    if comment is None:
        raise NotFound("comment_not_found", _("No such comment."))
    return comment


@transaction.atomic
def comment_vote(*, actor: User, comment_id: int, value: int) -> Comment:
    """Agree (+1), disagree (-1) or take one's vote back (0); one vote per person.

    Raises: NotFound; PermissionDenied; DomainError ``own_comment`` / ``invalid_vote``."""
    comment = _visible_comment(comment_id, lock=True)
    _require_commenter(actor, comment.community_id)
    if value not in (-1, 0, 1):
        raise DomainError("invalid_vote", _("Agree or disagree."))
    if comment.author_id == actor.pk:
        raise DomainError("own_comment", _("You cannot vote on your own comment."))
    CommentVote.objects.filter(comment=comment, user=actor).delete()
    if value:
        CommentVote.objects.create(comment=comment, user=actor, value=value)
    votes = CommentVote.objects.filter(comment=comment)
    comment.up = votes.filter(value=1).count()
    comment.down = votes.filter(value=-1).count()
    comment.save(update_fields=["up", "down"])
    return comment


@transaction.atomic
def comment_report(*, actor: User, comment_id: int, reason: Any) -> CommentReport:
    """Report a comment to the community's moderators, once per person.

    Raises: NotFound; PermissionDenied; DomainError ``own_comment`` / ``already_reported`` /
    ``required``."""
    comment = _visible_comment(comment_id, lock=True)
    _require_commenter(actor, comment.community_id)
    if comment.author_id == actor.pk:
        raise DomainError("own_comment", _("You cannot report your own comment."))
    text = plain_text(reason, field="reason", max_length=300)
    if CommentReport.objects.filter(comment=comment, user=actor).exists():
        raise DomainError("already_reported", _("You have already reported this comment."))
    report = CommentReport.objects.create(comment=comment, user=actor, reason=text)
    comment.reports = F("reports") + 1
    comment.save(update_fields=["reports"])
    audit_record(
        actor=actor,
        verb="participation.comment_report",
        target=comment,
        division_code=comment.community_id,
    )
    return report


@transaction.atomic
def comment_hide(*, actor: User, comment_id: int, reason: Any) -> Comment:
    """A worker of the comment's community hides it; the reason shows in its place and the
    author gets a message. Reports on it are resolved.

    Raises: NotFound (also for a worker of another community); DomainError ``required``."""
    comment = _visible_comment(comment_id, lock=True)
    if not can_organise(actor, comment.community_id):
        raise NotFound("comment_not_found", _("No such comment."))
    text = plain_text(reason, field="reason", max_length=300)
    comment.status = Comment.Status.HIDDEN
    comment.hidden_reason = text
    comment.save(update_fields=["status", "hidden_reason"])
    CommentReport.objects.filter(comment=comment).update(resolved=True)
    found = target_get(comment.target, comment.target_key)
    message_send(
        user_id=comment.author_id,
        category="community",
        title=_("Your comment was hidden by the community's moderators"),
        body=text,
        url=found.url,
    )
    audit_record(
        actor=actor,
        verb="participation.comment_hide",
        target=comment,
        reason=text,
        division_code=comment.community_id,
        changes={"status": [Comment.Status.VISIBLE, Comment.Status.HIDDEN]},
    )
    return comment


@transaction.atomic
def comment_keep(*, actor: User, comment_id: int) -> Comment:
    """A worker reads the reports and keeps the comment: the reports leave the queue.

    Raises: NotFound (also for a worker of another community)."""
    comment = _visible_comment(comment_id, lock=True)
    if not can_organise(actor, comment.community_id):
        raise NotFound("comment_not_found", _("No such comment."))
    CommentReport.objects.filter(comment=comment).update(resolved=True)
    audit_record(
        actor=actor,
        verb="participation.comment_keep",
        target=comment,
        division_code=comment.community_id,
    )
    return comment
