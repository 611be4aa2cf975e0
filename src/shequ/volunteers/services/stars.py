"""Star levels (星级志愿者): computed from the ledger, announced (公示) for some days with
room for objections, then awarded."""

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.models import Category, Preference
from shequ.notices.services import message_send, message_send_many, plain_text
from shequ.people.models import User
from shequ.people.permissions import WORKERS, covers
from shequ.volunteers.models import HoursEntry, StarAward

# Memory for the one statement that sums the ledger per volunteer (PostgreSQL, this
# transaction only): about 450 MB are used at a million volunteers.
STAR_WORK_MEM = "512MB"


def _announce_sql(thresholds: tuple[int, ...]) -> str:
    """One statement: every volunteer's total from the ledger, the level it reaches, and a
    new announced award where that level is above the highest one announced or awarded
    (withdrawn awards do not count). A level withdrawn before is not announced again (the
    one award per level constraint)."""
    award = StarAward._meta.db_table
    hours = HoursEntry._meta.db_table
    level = " + ".join(["CASE WHEN SUM(h.hours) >= %s THEN 1 ELSE 0 END"] * len(thresholds))
    # The earlier awards in their own grouped subquery: joined beside the ledger rows they
    # would count each hour once per award.
    return f"""
        INSERT INTO {award}
            (volunteer_id, level, hours, status, announced_on, announce_until, objection,
             decision)
        SELECT t.volunteer_id, t.level, t.total, %s, %s, %s, '', ''
        FROM (
            SELECT h.volunteer_id, SUM(h.hours) AS total, {level} AS level
            FROM {hours} h
            GROUP BY h.volunteer_id
            HAVING SUM(h.hours) >= %s
        ) t
        LEFT JOIN (
            SELECT volunteer_id, MAX(level) AS top
            FROM {award}
            WHERE status <> %s
            GROUP BY volunteer_id
        ) a ON a.volunteer_id = t.volunteer_id
        WHERE t.level > COALESCE(a.top, 0)
        ON CONFLICT (volunteer_id, level) DO NOTHING
    """  # noqa: S608 - table names from the models, values as parameters


@transaction.atomic
def star_levels_compute(*, actor: User | None, today: date | None = None) -> dict[str, int]:
    """Announce each volunteer's new highest star level reached by the ledger, and award
    those whose announcement has ended without objection. Returns the counts.

    Set-based: one statement sums the ledger per volunteer and inserts the new
    announcements, one more awards the announcements that have ended (a million
    volunteers over twenty million ledger rows in seconds, not a loop per volunteer).
    Levels already announced or awarded are not repeated. Audited as ``stars.compute``.
    """
    today = today or timezone.localdate()
    thresholds = tuple(sorted(settings.SHEQU_VOLUNTEER_STAR_HOURS))
    until = today + timedelta(days=settings.SHEQU_VOLUNTEER_ANNOUNCE_DAYS)
    params: list[Any] = [StarAward.Status.ANNOUNCED.value, today, until, *thresholds]
    params += [thresholds[0], StarAward.Status.WITHDRAWN.value]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The per-volunteer sums are hashed in memory: with the default 4 MB a million
            # volunteers spilled to disk and the statement took 55 s instead of 14 s.
            cursor.execute("SET LOCAL work_mem = %s", [STAR_WORK_MEM])
        cursor.execute(_announce_sql(thresholds), params)
        announced = max(cursor.rowcount, 0)
    awarded = star_awards_finalise(today=today)
    if announced or awarded:
        audit_record(
            actor=actor,
            verb="stars.compute",
            changes={"announced": announced, "awarded": awarded},
        )
    return {"announced": announced, "awarded": awarded}


def star_awards_finalise(*, today: date) -> int:
    """Award the announced levels whose announcement has ended (inside a transaction), in
    one update, and tell each volunteer: in-app in one insert per level, one by one only
    for those who asked for system messages by SMS or e-mail too."""
    due = StarAward.objects.filter(status=StarAward.Status.ANNOUNCED, announce_until__lte=today)
    rows = list(
        due.select_for_update(of=("self",)).values_list("pk", "level", "volunteer__user_id")
    )
    if not rows:
        return 0
    ids = [pk for pk, _level, _user in rows]
    for start in range(0, len(ids), 10_000):
        StarAward.objects.filter(pk__in=ids[start : start + 10_000]).update(
            status=StarAward.Status.AWARDED, awarded_on=today
        )
    opted = set(
        Preference.objects.filter(category=Category.SYSTEM)
        .filter(Q(sms=True) | Q(email=True))
        .values_list("user_id", flat=True)
    )
    by_level: dict[int, list[int]] = {}
    for _pk, level, user_id in rows:
        title = _("You are now a %(level)s-star volunteer") % {"level": level}
        if user_id in opted:
            message_send(user_id=user_id, category=Category.SYSTEM, title=title, url="/volunteers/")
        else:
            by_level.setdefault(level, []).append(user_id)
    for level, user_ids in by_level.items():
        message_send_many(
            user_ids=user_ids,
            category=Category.SYSTEM,
            title=_("You are now a %(level)s-star volunteer") % {"level": level},
            body="",
            url="/volunteers/",
        )
    return len(rows)


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
