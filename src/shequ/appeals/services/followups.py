"""The follow-up questionnaire (回访): for the categories the committee chooses, ``N`` days
after a request is rated fixed its reporter is asked "问题是否仍已解决？" in the inbox, with a
one-tap answer page. "No" files a new request linked to the old one in the same cluster
(a recurrence), routed like any other; the old request and its rating stay as they were."""

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import (
    Appeal,
    AppealFollowup,
    AppealRating,
    Category,
    Satisfaction,
)
from shequ.appeals.services.clusters import cluster_recurrence
from shequ.appeals.services.intake import appeal_submit
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.models import Category as MessageCategory
from shequ.notices.services import message_send, plain_text
from shequ.people.models import User

# Ratings more than this late (the category's days passed long ago, e.g. when the committee
# turns follow-ups on) are not asked about: a question months later helps nobody.
LATEST = timedelta(days=30)
COMMENT_MAX = 500


class AlreadyAnswered(DomainError):
    """The follow-up was answered before: a second answer changes nothing."""

    status = 409


def _due(now: datetime) -> list[AppealRating]:
    due: list[AppealRating] = []
    for category in Category.objects.filter(followup=True, is_active=True):
        until = now - timedelta(days=category.followup_days)
        due.extend(
            AppealRating.objects.filter(
                appeal__category=category,
                appeal__status=Appeal.Status.RATED,
                appeal__reporter__isnull=False,
                fixed=True,
                created_at__lte=until,
                created_at__gt=until - LATEST,
                followup__isnull=True,
            )
            .exclude(level=Satisfaction.DISSATISFIED)
            .select_related("appeal", "appeal__category")
            .order_by("created_at", "id")
        )
    return due


def followups_send(*, now: datetime | None = None) -> int:
    """Ask every reporter whose request is due (idempotent: once per rating, whenever it
    runs). Each question in its own transaction, audited as ``appeal.followup_send``.
    Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for rating in _due(now):
        appeal = rating.appeal
        reporter_id = appeal.reporter_id
        if reporter_id is None:  # filtered out by ``_due``; for the type checker
            continue
        try:
            with transaction.atomic():
                followup = AppealFollowup.objects.create(
                    rating=rating, appeal=appeal, reporter_id=reporter_id, sent_at=now
                )
                message_send(
                    user_id=reporter_id,
                    category=MessageCategory.APPLICATION,
                    title=_("Follow-up on %(number)s (%(category)s): is the problem still fixed?")
                    % {"number": appeal.number, "category": appeal.category.name},
                    body=str(_("One tap to answer; it helps us see whether fixes last.")),
                    url=f"/appeals/followups/{followup.pk}/",
                )
                audit_record(
                    actor=None,
                    verb="appeal.followup_send",
                    target=appeal,
                    division_code=appeal.community_id,
                    changes={"followup": [None, followup.pk]},
                )
        except IntegrityError:  # another worker asked at the same moment
            continue
        sent += 1
    return sent


def _answer(value: Any) -> bool:
    if value in (True, "yes", "1", 1):
        return True
    if value in (False, "no", "0", 0):
        return False
    raise DomainError(
        "bad_answer", _("Choose whether the problem is still fixed."), field="still_fixed"
    )


@transaction.atomic
def followup_answer(
    *, actor: User, followup_id: int, still_fixed: Any, comment: str = "", ip: str | None = None
) -> AppealFollowup:
    """The reporter answers the follow-up. "No" files a new request at the same place (the
    comment, or a note, as its description), in the old request's cluster as its recurrence.

    Raises: NotFound (someone else's or missing), DomainError ``bad_answer`` /
    ``already_answered`` and the text errors of ``plain_text`` and ``appeal_submit``."""
    followup = (
        AppealFollowup.objects.select_for_update()
        .select_related("appeal", "appeal__category")
        .filter(pk=followup_id)
        .first()
    )
    if followup is None or followup.reporter_id != actor.pk:
        raise NotFound("followup_not_found", _("No such follow-up."))
    if followup.answered_at is not None:
        raise AlreadyAnswered("already_answered", _("You have already answered this follow-up."))
    fixed = _answer(still_fixed)
    clean = plain_text(comment, field="comment", max_length=COMMENT_MAX, required=False)
    old = followup.appeal
    if not fixed:
        description = clean or str(
            _("On the follow-up the resident said the problem of %(number)s is back.")
            % {"number": old.number}
        )
        new = appeal_submit(
            actor=actor,
            category_id=old.category_id,
            description=description,
            community_code=old.community_id,
            longitude=old.longitude,
            latitude=old.latitude,
            address=old.address,
            is_private=old.is_private,
            ip=ip,
        )
        cluster_recurrence(appeal=new, earlier=old, actor=actor, ip=ip)
        followup.recurrence = new
    followup.still_fixed = fixed
    followup.comment = clean
    followup.answered_at = timezone.now()
    followup.save(update_fields=["still_fixed", "comment", "answered_at", "recurrence"])
    audit_record(
        actor=actor,
        verb="appeal.followup_answer",
        target=old,
        division_code=old.community_id,
        changes={
            "still_fixed": [None, fixed],
            **({"recurrence": [None, followup.recurrence.number]} if followup.recurrence else {}),
        },
        ip=ip,
    )
    return followup
