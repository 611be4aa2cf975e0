"""Star levels (星级志愿者): computed from the ledger, announced (公示) for some days with
room for objections, then awarded."""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.models import Category
from shequ.notices.services import message_send, plain_text
from shequ.people.models import User
from shequ.people.permissions import WORKERS, covers
from shequ.volunteers.models import StarAward, Volunteer
from shequ.volunteers.selectors import star_level_for


@transaction.atomic
def star_levels_compute(*, actor: User | None, today: date | None = None) -> dict[str, int]:
    """Announce each volunteer's new highest star level reached by the ledger, and award
    those whose announcement has ended without objection. Returns the counts.

    One grouped query over the ledger; levels already announced or awarded are not repeated.
    """
    today = today or timezone.localdate()
    thresholds = settings.SHEQU_VOLUNTEER_STAR_HOURS
    lowest = min(thresholds)
    # The highest level already announced or awarded, as a subquery: joining the awards
    # beside the ledger would count each hour once per award.
    top_level = (
        StarAward.objects.filter(volunteer=OuterRef("pk"))
        .exclude(status=StarAward.Status.WITHDRAWN)
        .order_by()
        .values("volunteer")
        .annotate(top=Max("level"))
        .values("top")
    )
    reached = (
        Volunteer.objects.annotate(total=Sum("hours__hours"))
        .filter(total__gte=lowest)
        .annotate(top=Subquery(top_level))
        .values_list("pk", "total", "top")
    )
    until = today + timedelta(days=settings.SHEQU_VOLUNTEER_ANNOUNCE_DAYS)
    new = []
    for volunteer_id, total, top in reached:
        level = star_level_for(total, thresholds)
        if level > (top or 0):
            new.append(
                StarAward(
                    volunteer_id=volunteer_id,
                    level=level,
                    hours=total,
                    announced_on=today,
                    announce_until=until,
                )
            )
    StarAward.objects.bulk_create(new, ignore_conflicts=True)
    awarded = star_awards_finalise(today=today)
    if new or awarded:
        audit_record(
            actor=actor,
            verb="stars.compute",
            changes={"announced": len(new), "awarded": awarded},
        )
    return {"announced": len(new), "awarded": awarded}


def star_awards_finalise(*, today: date) -> int:
    """Award the announced levels whose announcement has ended (inside a transaction)."""
    due = list(
        StarAward.objects.select_for_update(of=("self",))
        .filter(status=StarAward.Status.ANNOUNCED, announce_until__lte=today)
        .select_related("volunteer")
    )
    for award in due:
        award.status = StarAward.Status.AWARDED
        award.awarded_on = today
        award.save(update_fields=["status", "awarded_on"])
        message_send(
            user_id=award.volunteer.user_id,
            category=Category.SYSTEM,
            title=_("You are now a %(level)s-star volunteer") % {"level": award.level},
            url="/volunteers/",
        )
    return len(due)


@transaction.atomic
def star_object(*, actor: User, award_id: int, text: str, ip: str | None = None) -> StarAward:
    """Object to an announced star level (anyone signed in, during the announcement).

    Raises: NotFound, DomainError ``not_announced`` and text errors.
    """
    award = StarAward.objects.select_for_update(of=("self",)).filter(pk=award_id).first()
    if award is None:
        raise NotFound("not_found", _("Not found."))
    if award.status != StarAward.Status.ANNOUNCED:
        raise DomainError("not_announced", _("This star level is not under announcement."))
    award.objection = plain_text(text, field="text", max_length=500)
    award.status = StarAward.Status.OBJECTED
    award.save(update_fields=["objection", "status"])
    audit_record(actor=actor, verb="stars.object", target=award, ip=ip)
    return award


@transaction.atomic
def star_objection_decide(
    *, actor: User, award_id: int, uphold: bool, decision: str, ip: str | None = None
) -> StarAward:
    """A worker decides an objection: upheld withdraws the level, dismissed awards it.

    Raises: NotFound, DomainError ``not_objected`` and text errors (a decision is required).
    """
    award = (
        StarAward.objects.select_for_update(of=("self",))
        .select_related("volunteer")
        .filter(pk=award_id)
        .first()
    )
    if award is None or not covers(actor, award.volunteer.community_id, WORKERS):
        raise NotFound("not_found", _("Not found."))
    if award.status != StarAward.Status.OBJECTED:
        raise DomainError("not_objected", _("There is no objection to decide."))
    award.decision = plain_text(decision, field="decision", max_length=200)
    if uphold:
        award.status = StarAward.Status.WITHDRAWN
    else:
        award.status = StarAward.Status.AWARDED
        award.awarded_on = timezone.localdate()
    award.save(update_fields=["decision", "status", "awarded_on"])
    audit_record(
        actor=actor,
        verb="stars.objection_decide",
        target=award,
        division_code=award.volunteer.community_id,
        reason=award.decision,
        changes={"upheld": uphold},
        ip=ip,
    )
    return award
