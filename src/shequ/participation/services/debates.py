"""Writes of debates (议题辩论): the community's staff open a question for a period, in the
community's or its council's name; residents argue for or against (comments on the debate
with a stance, see ``comments``); staff close it with a summary, and everyone who argued is
told. Only workers of the debate's own community open and close it."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.services import message_send_many, plain_text
from shequ.participation.models import Comment, Council, Debate
from shequ.participation.permissions import can_organise
from shequ.participation.services._common import local_minute, require_organiser
from shequ.people.models import User

TITLE_MAX = 120
TEXT_MAX = 4000
# A debate opens within a year and runs at most a year.
LONGEST = timedelta(days=366)


def _moment(value: Any, *, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise DomainError("required", _("This field is required."), field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _shown(value: datetime) -> str:
    try:
        return local_minute(value)
    except OverflowError:  # a time at the very edge of the calendar
        return value.isoformat()


def _check_period(starts: datetime, ends: datetime, now: datetime) -> None:
    if ends <= now:
        raise DomainError(
            "closes_in_past",
            _("The closing time %(when)s has passed: choose a later one."),
            field="closes_at",
            when=_shown(ends),
        )
    if ends <= starts:
        raise DomainError(
            "closes_before_opening",
            _("The debate must close after it opens."),
            field="closes_at",
        )
    if starts > now + LONGEST or ends - starts > LONGEST:
        raise DomainError(
            "period_too_long",
            _("A debate opens within a year and runs for at most a year."),
            field="closes_at",
        )


def _council_of(community_code: str, council_id: int | None) -> Council | None:
    if council_id is None:
        return None
    council = Council.objects.filter(pk=council_id, community_id=community_code).first()
    if council is None:
        raise DomainError(
            "council_not_found", _("Choose a council of this community."), field="council_id"
        )
    return council


@transaction.atomic
def debate_open(
    *,
    actor: User,
    community_code: str,
    title: Any,
    description: Any,
    closes_at: Any,
    opens_at: Any = None,
    council_id: int | None = None,
) -> Debate:
    """Open a debate of the community (from ``opens_at``, default now, until ``closes_at``).

    Raises: NotFound (also outside the actor's community); DomainError ``required`` /
    ``too_long`` / ``markup_not_allowed`` / ``closes_before_opening`` / ``closes_in_past`` /
    ``period_too_long`` / ``council_not_found``."""
    require_organiser(actor, community_code)
    now = timezone.now()
    text_title = plain_text(title, field="title", max_length=TITLE_MAX)
    text = plain_text(description, field="description", max_length=TEXT_MAX)
    starts = now if opens_at in (None, "") else _moment(opens_at, field="opens_at")
    ends = _moment(closes_at, field="closes_at")
    _check_period(starts, ends, now)
    council = _council_of(community_code, council_id)
    debate = Debate.objects.create(
        community_id=community_code,
        council=council,
        title=text_title,
        description=text,
        opens_at=starts,
        closes_at=ends,
        opened_by=actor,
    )
    audit_record(
        actor=actor,
        verb="participation.debate_open",
        target=debate,
        division_code=community_code,
        changes={"closes_at": [None, ends.isoformat()]},
    )
    return debate


@transaction.atomic
def debate_edit(
    *,
    actor: User,
    debate_id: int,
    title: Any,
    description: Any,
    closes_at: Any,
    opens_at: Any = None,
    council_id: int | None = None,
) -> Debate:
    """Correct an open debate: its description, its closing time (later or earlier, never in
    the past) and in whose name it is held; its question too until the first argument, and
    when it opens until it has opened. Residents see the change at once.

    Raises: NotFound ``debate_not_found`` (also for a worker of another community);
    DomainError ``already_closed`` / ``question_argued`` / ``already_opened`` and those of
    ``debate_open``."""
    debate = Debate.objects.select_for_update().filter(pk=debate_id).first()
    if debate is None or not can_organise(actor, debate.community_id):
        raise NotFound("debate_not_found", _("No such debate in your area."))
    if debate.status == Debate.Status.CLOSED:
        raise DomainError("already_closed", _("This debate is already closed."))
    now = timezone.now()
    text_title = plain_text(title, field="title", max_length=TITLE_MAX)
    text = plain_text(description, field="description", max_length=TEXT_MAX)
    if text_title != debate.title and _arguments(debate).exists():
        raise DomainError(
            "question_argued",
            _("Residents have argued about this question: it cannot be changed any more."),
            field="title",
        )
    starts = debate.opens_at
    if opens_at not in (None, "") and _moment(opens_at, field="opens_at") != debate.opens_at:
        if debate.opens_at <= now:
            raise DomainError(
                "already_opened",
                _("The debate has opened: its opening time cannot be changed."),
                field="opens_at",
            )
        starts = _moment(opens_at, field="opens_at")
    ends = _moment(closes_at, field="closes_at")
    _check_period(starts, ends, now)
    council = _council_of(debate.community_id, council_id)
    before = {
        "title": debate.title,
        "description": debate.description,
        "opens_at": debate.opens_at.isoformat(),
        "closes_at": debate.closes_at.isoformat(),
        "council": debate.council_id,
    }
    debate.title, debate.description = text_title, text
    debate.opens_at, debate.closes_at, debate.council = starts, ends, council
    debate.save(update_fields=["title", "description", "opens_at", "closes_at", "council"])
    after = {
        "title": debate.title,
        "description": debate.description,
        "opens_at": debate.opens_at.isoformat(),
        "closes_at": debate.closes_at.isoformat(),
        "council": debate.council_id,
    }
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    audit_record(
        actor=actor,
        verb="participation.debate_edit",
        target=debate,
        division_code=debate.community_id,
        changes=changes,
    )
    return debate


def _arguments(debate: Debate) -> QuerySet[Comment]:
    return Comment.objects.filter(target=Comment.Target.DEBATE, target_key=str(debate.pk))


@transaction.atomic
def debate_close(*, actor: User, debate_id: int, summary: Any) -> Debate:
    """Close a debate with a summary of its arguments; everyone who argued gets a message.

    Raises: NotFound ``debate_not_found`` (also for a worker of another community);
    DomainError ``required`` / ``too_long`` / ``markup_not_allowed`` / ``already_closed``."""
    debate = Debate.objects.select_for_update().filter(pk=debate_id).first()
    if debate is None or not can_organise(actor, debate.community_id):
        raise NotFound("debate_not_found", _("No such debate in your area."))
    if debate.status == Debate.Status.CLOSED:
        raise DomainError("already_closed", _("This debate is already closed."))
    text = plain_text(summary, field="summary", max_length=TEXT_MAX)
    now = timezone.now()
    debate.status = Debate.Status.CLOSED
    debate.summary = text
    debate.closed_by = actor
    debate.closed_at = now
    debate.save()
    authors = (
        _arguments(debate)
        .exclude(author_id=actor.pk)
        .values_list("author_id", flat=True)
        .distinct()
    )
    with translation.override(settings.LANGUAGE_CODE):
        title = str(_("A debate you took part in is closed: %(title)s")) % {
            "title": debate.title[:80]
        }
    told = message_send_many(
        user_ids=sorted(set(authors)),
        category="community",
        title=title,
        body=text[:300],
        url=f"/participation/debates/{debate.pk}/",
    )
    audit_record(
        actor=actor,
        verb="participation.debate_close",
        target=debate,
        division_code=debate.community_id,
        changes={"status": [Debate.Status.OPEN, Debate.Status.CLOSED], "messages": [None, told]},
    )
    return debate
