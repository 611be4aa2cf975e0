"""Writes of ratings: rate a use of a service, add a follow-up comment, answer and confirm a
follow-up (整改 and 回访). Each in one transaction, audited."""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.casework.workdays import HolidayTableMissing, working_day_add
from shequ.core.errors import DomainError, NotFound
from shequ.core.scopes import Role
from shequ.core.services import audit_record
from shequ.notices.models import Category
from shequ.notices.services import message_send, message_send_many, plain_text
from shequ.people.models import StaffRole, User
from shequ.ratings import selectors
from shequ.ratings.models import (
    LEVEL_REASONS,
    POOR_LEVELS,
    FollowUp,
    FollowUpEntry,
    Level,
    Rating,
)
from shequ.ratings.permissions import is_department_staff_of

# The department answers a poor rating within five working days (national rules).
FOLLOW_UP_WORKING_DAYS = 5
# After the second answer the resident's "not resolved" closes the follow-up as unresolved,
# for the supervisors, instead of reopening it forever.
MAX_ROUNDS = 2
COMMENT_MAX = 500


class AlreadyRated(DomainError):
    """One rating per case or use: a second one is refused (the first may get a comment)."""

    status = 409

    def __init__(self) -> None:
        super().__init__("already_rated", _("You have already rated this."))


def follow_up_due(start: date) -> date:
    """Five working days after ``start``; weekdays only past the end of the holiday table
    (a follow-up always has a deadline, the table can be entered later)."""
    try:
        return working_day_add(start, FOLLOW_UP_WORKING_DAYS)
    except HolidayTableMissing:
        day, counted = start, 0
        while counted < FOLLOW_UP_WORKING_DAYS:
            day += timedelta(days=1)
            if day.weekday() < 5:
                counted += 1
        return day


def _level(value: Any) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in Level.values:
        raise DomainError(
            "bad_level",
            _("Choose one of the five levels, from very satisfied to very dissatisfied."),
            field="level",
        )
    return level


def _reasons(level: int, reasons: Sequence[str], comment: str) -> list[str]:
    allowed = LEVEL_REASONS[level]
    chosen = list(dict.fromkeys(str(r) for r in reasons))
    if any(code not in allowed for code in chosen):
        raise DomainError(
            "bad_reason", _("Choose reasons from the list for this level."), field="reasons"
        )
    if level in POOR_LEVELS and not chosen:
        raise DomainError(
            "reason_required",
            _("Please choose at least one reason for a poor rating."),
            field="reasons",
        )
    if "other" in chosen and not comment:
        raise DomainError(
            "comment_required", _("Please describe the other reason."), field="comment"
        )
    return chosen


def _staff_of(department_id: int) -> list[int]:
    return list(
        StaffRole.objects.filter(
            role=Role.DEPARTMENT_STAFF, department_id=department_id, is_active=True
        ).values_list("user_id", flat=True)
    )


def _tell_department(follow_up: FollowUp, title: Any) -> None:
    message_send_many(
        user_ids=_staff_of(follow_up.department_id),
        category=Category.SYSTEM,
        title=title,
        body=_("Answer by %(due)s.") % {"due": follow_up.due_date.isoformat()},
        url=f"/console/ratings/follow-ups/{follow_up.pk}/",
    )


@transaction.atomic
def rating_submit(
    *,
    actor: User,
    subject: str,
    subject_id: int,
    level: Any,
    reasons: Sequence[str] = (),
    comment: str = "",
    ip: str | None = None,
) -> Rating:
    """Rate one's own closed case, used booking or paid bill, once. A poor rating (差评)
    opens a follow-up for the responsible department, due in five working days.

    Raises: NotFound (not the actor's), DomainError ``not_closed`` / ``not_used`` /
    ``not_paid`` / ``bad_level`` / ``bad_reason`` / ``reason_required`` /
    ``comment_required`` / ``already_rated`` and the text errors of ``plain_text``.
    """
    described = selectors.rateable_get(
        user=actor, subject=subject, subject_id=subject_id, lock=True
    )
    if selectors.rating_for_subject(user=actor, subject=subject, subject_id=subject_id):
        raise AlreadyRated
    clean_level = _level(level)
    clean_comment = plain_text(comment, field="comment", max_length=COMMENT_MAX, required=False)
    clean_reasons = _reasons(clean_level, reasons, clean_comment)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                user=actor,
                subject=described.subject,
                title=described.title[:120],
                service_id=described.service_id,
                department_id=described.department_id,
                community_id=described.community_id,
                level=clean_level,
                reasons=clean_reasons,
                comment=clean_comment,
                **{f"{described.subject}_id": described.subject_id},
            )
    except IntegrityError:
        raise AlreadyRated from None
    audit_record(
        actor=actor,
        verb="rating.submit",
        target=rating,
        division_code=described.community_id or "",
        changes={"level": [None, clean_level]},
        ip=ip,
    )
    if clean_level in POOR_LEVELS:
        follow_up = FollowUp.objects.create(
            rating=rating,
            department_id=described.department_id,
            due_date=follow_up_due(timezone.localdate()),
        )
        audit_record(
            actor=actor,
            verb="rating.follow_up_open",
            target=follow_up,
            division_code=described.community_id or "",
            changes={"due_date": [None, follow_up.due_date.isoformat()]},
        )
        _tell_department(
            follow_up, _("Poor rating to follow up: %(title)s") % {"title": rating.title}
        )
    return rating


@transaction.atomic
def rating_add_comment(*, actor: User, rating_id: int, text: str, ip: str | None = None) -> Rating:
    """Add the one follow-up comment (追评) to one's own rating; the rating stays as it was.

    Raises: NotFound, DomainError ``comment_exists`` and the text errors of ``plain_text``.
    """
    rating = Rating.objects.select_for_update().filter(pk=rating_id, user_id=actor.pk).first()
    if rating is None:
        raise NotFound("rating_not_found", _("No such rating."))
    if rating.addendum:
        raise DomainError(
            "comment_exists", _("You have already added a follow-up comment."), field="text"
        )
    rating.addendum = plain_text(text, field="text", max_length=COMMENT_MAX)
    rating.addendum_at = timezone.now()
    rating.save(update_fields=["addendum", "addendum_at"])
    audit_record(
        actor=actor,
        verb="rating.comment",
        target=rating,
        division_code=rating.community_id or "",
        ip=ip,
    )
    return rating


def _locked_follow_up(follow_up_id: int) -> FollowUp:
    follow_up = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("rating")
        .filter(pk=follow_up_id)
        .first()
    )
    if follow_up is None:
        raise NotFound("follow_up_not_found", _("No such follow-up."))
    return follow_up


@transaction.atomic
def follow_up_answer(
    *, actor: User, follow_up_id: int, text: str, ip: str | None = None
) -> FollowUp:
    """The department's answer to a poor rating; the resident is told and asked to confirm.

    Raises: NotFound (not the actor's department's), DomainError ``not_open`` and the text
    errors of ``plain_text``.
    """
    follow_up = _locked_follow_up(follow_up_id)
    if not is_department_staff_of(actor, follow_up.department_id):
        raise NotFound("follow_up_not_found", _("No such follow-up."))
    if follow_up.status != FollowUp.Status.OPEN:
        raise DomainError("not_open", _("This follow-up is not waiting for an answer."))
    clean = plain_text(text, field="text", max_length=1000)
    FollowUpEntry.objects.create(
        follow_up=follow_up, kind=FollowUpEntry.Kind.ANSWER, author=actor, text=clean
    )
    follow_up.status = FollowUp.Status.ANSWERED
    follow_up.answered_at = timezone.now()
    follow_up.save(update_fields=["status", "answered_at"])
    audit_record(
        actor=actor,
        verb="rating.follow_up_answer",
        target=follow_up,
        division_code=follow_up.rating.community_id or "",
        ip=ip,
    )
    message_send(
        user_id=follow_up.rating.user_id,
        category=Category.APPLICATION,
        title=_("The department answered your rating of %(title)s")
        % {"title": follow_up.rating.title},
        body=clean,
        url=f"/ratings/{follow_up.rating_id}/",
    )
    return follow_up


@transaction.atomic
def follow_up_confirm(
    *,
    actor: User,
    follow_up_id: int,
    resolved: bool,
    comment: str = "",
    ip: str | None = None,
) -> FollowUp:
    """The resident's verdict on the answer (回访). Not resolved: the department answers
    again within five working days; after the second answer the follow-up closes unresolved.

    Raises: NotFound (not the actor's rating), DomainError ``not_answered`` and the text
    errors of ``plain_text``.
    """
    follow_up = _locked_follow_up(follow_up_id)
    if follow_up.rating.user_id != actor.pk:
        raise NotFound("follow_up_not_found", _("No such follow-up."))
    if follow_up.status != FollowUp.Status.ANSWERED:
        raise DomainError("not_answered", _("There is no answer to confirm yet."))
    clean = plain_text(comment, field="comment", max_length=COMMENT_MAX, required=False)
    if not resolved and not clean:
        raise DomainError(
            "comment_required",
            _("Please say what is still not resolved."),
            field="comment",
        )
    kind = FollowUpEntry.Kind.RESOLVED if resolved else FollowUpEntry.Kind.NOT_RESOLVED
    FollowUpEntry.objects.create(follow_up=follow_up, kind=kind, author=actor, text=clean)
    before = follow_up.status
    if resolved:
        follow_up.status = FollowUp.Status.RESOLVED
        follow_up.closed_at = timezone.now()
    elif follow_up.round >= MAX_ROUNDS:
        follow_up.status = FollowUp.Status.UNRESOLVED
        follow_up.closed_at = timezone.now()
    else:
        follow_up.status = FollowUp.Status.OPEN
        follow_up.round += 1
        follow_up.due_date = follow_up_due(timezone.localdate())
    follow_up.save(update_fields=["status", "closed_at", "round", "due_date"])
    audit_record(
        actor=actor,
        verb="rating.follow_up_confirm",
        target=follow_up,
        division_code=follow_up.rating.community_id or "",
        changes={"status": [before, follow_up.status]},
        ip=ip,
    )
    if follow_up.status == FollowUp.Status.OPEN:
        _tell_department(
            follow_up,
            _("Not resolved, please answer again: %(title)s") % {"title": follow_up.rating.title},
        )
    return follow_up
