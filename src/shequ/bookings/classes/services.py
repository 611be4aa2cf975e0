"""Writes of service-centre classes. A class's sessions hold its room: they may not overlap
another class's sessions there, a closed day or residents' bookings. Enrolment locks the class
row and moves its counter with a conditional UPDATE (``enrolled < capacity``); a CHECK
constraint refuses anything else, so the last place is never taken twice."""

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.bookings.models import (
    Booking,
    CentreClass,
    ClassAttendance,
    ClassSession,
    Enrolment,
    Slot,
    Venue,
    VenueClosure,
)
from shequ.bookings.permissions import may_manage_venue
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record, changes_between
from shequ.notices.models import Category
from shequ.notices.services import message_send, plain_text
from shequ.people.models import User

MAX_WEEKS = 53
MY_CLASSES_URL = "/bookings/classes/mine/"


@dataclass(frozen=True)
class ClassIn:
    """What staff enter for a class. ``signup_opens`` defaults to now, ``signup_closes`` to
    the start of the last session (residents may join a running course)."""

    name: str
    kind: str
    venue_id: int
    weekday: int
    starts_at: time
    ends_at: time
    first_day: date
    last_day: date
    capacity: int
    description: str = ""
    host: str = ""
    signup_opens: datetime | None = None
    signup_closes: datetime | None = None


SCHEDULE_FIELDS = ("venue_id", "weekday", "starts_at", "ends_at", "first_day", "last_day")


def session_times(
    *, weekday: int, starts_at: time, ends_at: time, first_day: date, last_day: date
) -> list[tuple[datetime, datetime]]:
    """Start and end of every weekly session from ``first_day`` to ``last_day``."""
    zone = timezone.get_current_timezone()
    day = first_day + timedelta(days=(weekday - first_day.isoweekday()) % 7)
    times = []
    while day <= last_day:
        times.append(
            (
                datetime.combine(day, starts_at, tzinfo=zone),
                datetime.combine(day, ends_at, tzinfo=zone),
            )
        )
        day += timedelta(days=7)
    return times


def _room_for_staff(actor: User, venue_id: Any) -> Venue:
    venue = (
        Venue.objects.select_for_update().filter(pk=venue_id).first()
        if isinstance(venue_id, int) and not isinstance(venue_id, bool)
        else None
    )
    if venue is None or not may_manage_venue(actor, venue):
        raise NotFound("venue_not_found", _("No such room."))
    if venue.kind != Venue.Kind.ROOM or venue.community_id is None:
        raise DomainError(
            "not_a_room", _("Classes take place in a community room."), field="venue_id"
        )
    return venue


def _clean(data: ClassIn, *, venue: Venue) -> dict[str, Any]:
    """Validate a whole class into model fields. Raises DomainError on the first bad field."""
    clean: dict[str, Any] = {
        "name": plain_text(data.name, field="name", max_length=80),
        "description": plain_text(
            data.description, field="description", max_length=2000, required=False
        ),
        "host": plain_text(data.host, field="host", max_length=80, required=False),
        "venue": venue,
        "community_id": venue.community_id,
    }
    if data.kind not in CentreClass.Kind.values:
        raise DomainError("bad_choice", _("Choose one of the options."), field="kind")
    clean["kind"] = data.kind
    if not isinstance(data.weekday, int) or not 1 <= data.weekday <= 7:
        raise DomainError("bad_weekday", _("Choose a day of the week."), field="weekday")
    clean["weekday"] = data.weekday
    if data.starts_at >= data.ends_at:
        raise DomainError(
            "bad_hours", _("The end time must come after the start time."), field="ends_at"
        )
    clean["starts_at"], clean["ends_at"] = data.starts_at, data.ends_at
    if data.first_day > data.last_day:
        raise DomainError(
            "bad_days", _("The last day must not come before the first day."), field="last_day"
        )
    if (data.last_day - data.first_day).days > 7 * MAX_WEEKS:
        raise DomainError(
            "too_long",
            _("A class runs for at most a year; publish a new one after."),
            field="last_day",
        )
    clean["first_day"], clean["last_day"] = data.first_day, data.last_day
    if (
        isinstance(data.capacity, bool)
        or not isinstance(data.capacity, int)
        or not 1 <= data.capacity <= 500
    ):
        raise DomainError("out_of_range", _("1 to 500 places."), field="capacity")
    clean["capacity"] = data.capacity
    return clean


def _sessions_or_refuse(clean: dict[str, Any]) -> list[tuple[datetime, datetime]]:
    times = session_times(
        weekday=clean["weekday"],
        starts_at=clean["starts_at"],
        ends_at=clean["ends_at"],
        first_day=clean["first_day"],
        last_day=clean["last_day"],
    )
    if not times:
        raise DomainError(
            "no_sessions",
            _("That day of the week does not fall between the first and the last day."),
            field="last_day",
        )
    return times


def _signup_window(
    data: ClassIn, times: list[tuple[datetime, datetime]], now: datetime
) -> tuple[datetime, datetime]:
    opens = data.signup_opens or now
    closes = data.signup_closes or times[-1][0]
    if opens >= closes:
        raise DomainError(
            "bad_signup_window",
            _("Sign-up must close after it opens."),
            field="signup_closes",
        )
    if closes > times[-1][0]:
        raise DomainError(
            "signup_after_last_session",
            _("Sign-up must close before the last session starts."),
            field="signup_closes",
        )
    return opens, closes


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _refuse_clashes(
    venue: Venue, times: list[tuple[datetime, datetime]], *, own_class_id: int | None
) -> None:
    """Refuse sessions that would overlap a closed day, another class's session in the same
    room, or residents' bookings of it. Raises DomainError ``room_closed`` / ``room_taken``
    / ``room_booked`` (field ``first_day``) naming the first clash."""
    first, last = times[0][0], times[-1][1]
    closed = {
        c.day: c.reason
        for c in VenueClosure.objects.filter(
            venue=venue,
            day__gte=timezone.localtime(first).date(),
            day__lte=timezone.localtime(last).date(),
        )
    }
    for start, _end in times:
        day = timezone.localtime(start).date()
        if day in closed:
            raise DomainError(
                "room_closed",
                _("%(room)s is closed on %(day)s (%(reason)s): choose other dates or a room."),
                field="first_day",
                room=venue.name,
                day=day.isoformat(),
                reason=closed[day],
            )
    others = list(
        ClassSession.objects.filter(venue=venue, starts_at__lt=last, ends_at__gt=first)
        .exclude(centre_class__status=CentreClass.Status.CANCELLED)
        .exclude(centre_class_id=own_class_id)
        .select_related("centre_class")
        .order_by("starts_at")
    )
    booked = list(
        Slot.objects.filter(venue=venue, starts_at__lt=last, ends_at__gt=first, booked__gt=0)
        .filter(bookings__status=Booking.Status.CONFIRMED)
        .distinct()
        .order_by("starts_at")
    )
    for start, end in times:
        for other in others:
            if other.starts_at < end and other.ends_at > start:
                raise DomainError(
                    "room_taken",
                    _(
                        "%(room)s is taken by %(other)s on %(when)s–%(until)s: "
                        "choose another time or room."
                    ),
                    field="first_day",
                    room=venue.name,
                    other=other.centre_class.name,
                    when=_when(other.starts_at),
                    until=timezone.localtime(other.ends_at).strftime("%H:%M"),
                )
        for slot in booked:
            if slot.starts_at < end and slot.ends_at > start:
                raise DomainError(
                    "room_booked",
                    _("Residents have booked %(room)s on %(when)s: choose another time or room."),
                    field="first_day",
                    room=venue.name,
                    when=_when(slot.starts_at),
                )


def _hold_room(centre_class: CentreClass, times: list[tuple[datetime, datetime]]) -> None:
    """(Re)create the class's sessions and take the room's free booking slots they cover
    (slots once booked stay for the record with no places; the rest go)."""
    ClassSession.objects.filter(centre_class=centre_class).delete()
    ClassSession.objects.bulk_create(
        ClassSession(
            centre_class=centre_class, venue=centre_class.venue, starts_at=start, ends_at=end
        )
        for start, end in times
    )
    covered: list[int] = []
    slots = Slot.objects.filter(
        venue=centre_class.venue, starts_at__lt=times[-1][1], ends_at__gt=times[0][0]
    )
    for slot in slots:
        if any(slot.starts_at < end and slot.ends_at > start for start, end in times):
            covered.append(slot.pk)
    with_history = set(
        Booking.objects.filter(slot_id__in=covered).values_list("slot_id", flat=True)
    )
    Slot.objects.filter(pk__in=with_history).update(capacity=0, booked=0)
    Slot.objects.filter(pk__in=set(covered) - with_history).delete()


def _state(centre_class: CentreClass) -> dict[str, Any]:
    return {
        "name": centre_class.name,
        "kind": centre_class.kind,
        "venue": centre_class.venue_id,
        "host": centre_class.host,
        "weekday": centre_class.weekday,
        "starts_at": centre_class.starts_at.isoformat(timespec="minutes"),
        "ends_at": centre_class.ends_at.isoformat(timespec="minutes"),
        "first_day": centre_class.first_day.isoformat(),
        "last_day": centre_class.last_day.isoformat(),
        "capacity": centre_class.capacity,
        "signup_opens": centre_class.signup_opens.isoformat(),
        "signup_closes": centre_class.signup_closes.isoformat(),
        "status": centre_class.status,
    }


@transaction.atomic
def class_create(*, actor: User, data: ClassIn) -> CentreClass:
    """A draft class in one of the actor's community rooms, with its weekly sessions holding
    the room. Raises: NotFound (not your room), DomainError (bad field or a clash)."""
    venue = _room_for_staff(actor, data.venue_id)
    clean = _clean(data, venue=venue)
    if clean["first_day"] < timezone.localdate():
        raise DomainError("day_past", _("The first day is already over."), field="first_day")
    times = _sessions_or_refuse(clean)
    clean["signup_opens"], clean["signup_closes"] = _signup_window(data, times, timezone.now())
    _refuse_clashes(venue, times, own_class_id=None)
    centre_class = CentreClass.objects.create(**clean, created_by=actor)
    _hold_room(centre_class, times)
    audit_record(
        actor=actor,
        verb="class.create",
        target=centre_class,
        division_code=centre_class.community_id,
        changes=changes_between({}, _state(centre_class)),
    )
    return centre_class


def _class_for_staff(actor: User, class_id: int) -> CentreClass:
    centre_class = (
        CentreClass.objects.select_for_update().select_related("venue").filter(pk=class_id).first()
    )
    if centre_class is None or not may_manage_venue(actor, centre_class.venue):
        raise NotFound("class_not_found", _("No such class."))
    return centre_class


@transaction.atomic
def class_update(*, actor: User, class_id: int, data: ClassIn) -> CentreClass:
    """Change a class. Its room, day, times and dates change only while it is a draft; the
    places never drop below those signed up (more places move the waiting list up).

    Raises: NotFound, DomainError (bad field, a clash, ``schedule_locked``, ``cancelled``).
    """
    centre_class = _class_for_staff(actor, class_id)
    if centre_class.status == CentreClass.Status.CANCELLED:
        raise DomainError("cancelled", _("This class is cancelled."))
    current = {
        "venue_id": centre_class.venue_id,
        "weekday": centre_class.weekday,
        "starts_at": centre_class.starts_at,
        "ends_at": centre_class.ends_at,
        "first_day": centre_class.first_day,
        "last_day": centre_class.last_day,
    }
    schedule_changed = any(getattr(data, key) != value for key, value in current.items())
    if schedule_changed and centre_class.status != CentreClass.Status.DRAFT:
        raise DomainError(
            "schedule_locked",
            _(
                "Residents may have signed up already: the room, day, times and dates of a "
                "published class stay. Cancel it and publish a new one."
            ),
            field="first_day",
        )
    # A new schedule locks its room row: two workers never fill one evening at once.
    venue = _room_for_staff(actor, data.venue_id) if schedule_changed else centre_class.venue
    clean = _clean(data, venue=venue)
    if schedule_changed and clean["first_day"] < timezone.localdate():
        raise DomainError("day_past", _("The first day is already over."), field="first_day")
    if clean["capacity"] < centre_class.enrolled:
        raise DomainError(
            "below_enrolled",
            _("%(n)s residents have signed up: keep at least that many places."),
            field="capacity",
            n=centre_class.enrolled,
        )
    times = _sessions_or_refuse(clean)
    clean["signup_opens"], clean["signup_closes"] = _signup_window(
        data, times, centre_class.signup_opens
    )
    if schedule_changed:
        _refuse_clashes(venue, times, own_class_id=centre_class.pk)
    before = _state(centre_class)
    for key, value in clean.items():
        setattr(centre_class, key, value)
    centre_class.save()
    if schedule_changed:
        _hold_room(centre_class, times)
    while centre_class.enrolled < centre_class.capacity and _promote_waiting(centre_class):
        centre_class.refresh_from_db(fields=["enrolled"])
    audit_record(
        actor=actor,
        verb="class.update",
        target=centre_class,
        division_code=centre_class.community_id,
        changes=changes_between(before, _state(centre_class)),
    )
    return centre_class


@transaction.atomic
def class_publish(*, actor: User, class_id: int) -> CentreClass:
    """Show a draft class to the residents of its community. Raises NotFound, DomainError."""
    centre_class = _class_for_staff(actor, class_id)
    if centre_class.status != CentreClass.Status.DRAFT:
        raise DomainError("invalid_transition", _("Only a draft can be published."))
    if centre_class.last_day < timezone.localdate():
        raise DomainError("class_over", _("This class is already over."))
    centre_class.status = CentreClass.Status.PUBLISHED
    centre_class.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb="class.publish",
        target=centre_class,
        division_code=centre_class.community_id,
        changes={"status": [CentreClass.Status.DRAFT, CentreClass.Status.PUBLISHED]},
    )
    return centre_class


@transaction.atomic
def class_cancel(*, actor: User, class_id: int, reason: str) -> CentreClass:
    """Cancel a class: everyone signed up or waiting is told, the room is free again.
    Raises: NotFound, DomainError ``invalid_transition`` / ``required``."""
    centre_class = _class_for_staff(actor, class_id)
    if centre_class.status == CentreClass.Status.CANCELLED:
        raise DomainError("invalid_transition", _("This class is cancelled already."))
    clean_reason = plain_text(reason, field="reason", max_length=100)
    before = centre_class.status
    centre_class.status = CentreClass.Status.CANCELLED
    centre_class.save(update_fields=["status"])
    live = Enrolment.objects.filter(
        centre_class=centre_class,
        status__in=(Enrolment.Status.ENROLLED, Enrolment.Status.WAITING),
    ).values_list("user_id", flat=True)
    for user_id in live:
        message_send(
            user_id=user_id,
            category=Category.BOOKING,
            title=_("%(name)s is cancelled: %(reason)s")
            % {"name": centre_class.name, "reason": clean_reason},
            url=MY_CLASSES_URL,
        )
    audit_record(
        actor=actor,
        verb="class.cancel",
        target=centre_class,
        division_code=centre_class.community_id,
        reason=clean_reason,
        changes={"status": [before, CentreClass.Status.CANCELLED]},
    )
    return centre_class


# --- Residents sign up for the whole course ------------------------------------------------


@transaction.atomic
def enrolment_make(*, actor: User, class_id: int, wait: bool = False) -> Enrolment:
    """Sign up for a class's whole course, or join its waiting list when full and ``wait``.

    Raises: NotFound (no such published class); DomainError ``not_your_community`` /
    ``signup_not_open`` / ``signup_closed`` / ``already_enrolled`` / ``class_full``.
    """
    centre_class = (
        CentreClass.objects.select_for_update()
        .filter(pk=class_id, status=CentreClass.Status.PUBLISHED)
        .first()
    )
    if centre_class is None:
        raise NotFound("class_not_found", _("No such class."))
    resident = getattr(actor, "resident", None)
    if resident is None or resident.community_id != centre_class.community_id:
        raise DomainError(
            "not_your_community", _("This class is for the residents of its community.")
        )
    now = timezone.now()
    if now < centre_class.signup_opens:
        raise DomainError(
            "signup_not_open",
            _("Sign-up opens on %(when)s."),
            when=_when(centre_class.signup_opens),
        )
    if now > centre_class.signup_closes:
        raise DomainError("signup_closed", _("Sign-up for this class has closed."))
    if Enrolment.objects.filter(
        centre_class=centre_class,
        user_id=actor.pk,
        status__in=(Enrolment.Status.ENROLLED, Enrolment.Status.WAITING),
    ).exists():
        raise DomainError("already_enrolled", _("You have signed up for this class already."))
    taken = CentreClass.objects.filter(pk=centre_class.pk, enrolled__lt=F("capacity")).update(
        enrolled=F("enrolled") + 1
    )
    if not taken and not wait:
        raise DomainError("class_full", _("This class is full."))
    status = Enrolment.Status.ENROLLED if taken else Enrolment.Status.WAITING
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                centre_class=centre_class,
                user_id=actor.pk,
                status=status,
                enrolled_at=now if taken else None,
            )
    except IntegrityError:
        raise DomainError(
            "already_enrolled", _("You have signed up for this class already.")
        ) from None
    message_send(
        user_id=actor.pk,
        category=Category.BOOKING,
        title=(_("Signed up: %(name)s") if taken else _("On the waiting list: %(name)s"))
        % {"name": centre_class.name},
        url=MY_CLASSES_URL,
    )
    return enrolment


def _promote_waiting(centre_class: CentreClass) -> Enrolment | None:
    """Give a free place to the longest-waiting resident (class row already locked)."""
    waiting = (
        Enrolment.objects.select_for_update()
        .filter(centre_class=centre_class, status=Enrolment.Status.WAITING)
        .order_by("created_at", "id")
        .first()
    )
    if waiting is None:
        return None
    if not CentreClass.objects.filter(pk=centre_class.pk, enrolled__lt=F("capacity")).update(
        enrolled=F("enrolled") + 1
    ):
        return None
    waiting.status = Enrolment.Status.ENROLLED
    waiting.enrolled_at = timezone.now()
    waiting.save(update_fields=["status", "enrolled_at"])
    message_send(
        user_id=waiting.user_id,
        category=Category.BOOKING,
        title=_("A place came free: you are signed up for %(name)s") % {"name": centre_class.name},
        url=MY_CLASSES_URL,
    )
    return waiting


@transaction.atomic
def enrolment_withdraw(*, actor: User, class_id: int) -> Enrolment:
    """The resident leaves a class (or its waiting list); the first waiting moves up.

    Raises: NotFound (not signed up), DomainError ``class_over``.
    """
    centre_class = CentreClass.objects.select_for_update().filter(pk=class_id).first()
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(
            centre_class_id=class_id,
            user_id=actor.pk,
            status__in=(Enrolment.Status.ENROLLED, Enrolment.Status.WAITING),
        )
        .first()
    )
    if centre_class is None or enrolment is None:
        raise NotFound("enrolment_not_found", _("You have not signed up for this class."))
    if centre_class.last_day < timezone.localdate():
        raise DomainError("class_over", _("This class is already over."))
    was_enrolled = enrolment.status == Enrolment.Status.ENROLLED
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.withdrawn_at = timezone.now()
    enrolment.save(update_fields=["status", "withdrawn_at"])
    if was_enrolled:
        CentreClass.objects.filter(pk=centre_class.pk).update(enrolled=F("enrolled") - 1)
        if centre_class.status == CentreClass.Status.PUBLISHED:
            _promote_waiting(centre_class)
    return enrolment


# --- Staff mark who came -------------------------------------------------------------------


@transaction.atomic
def attendance_mark(*, actor: User, session_id: int, present: Iterable[int]) -> int:
    """Record who of those signed up came to a session that has begun (the others are marked
    absent); marking again corrects it. Returns how many were present.

    Raises: NotFound (not your class), DomainError ``not_started`` / ``not_enrolled``.
    """
    session = ClassSession.objects.select_related("centre_class__venue").filter(pk=session_id)
    found = session.first()
    if found is None or not may_manage_venue(actor, found.centre_class.venue):
        raise NotFound("session_not_found", _("No such session."))
    if found.starts_at > timezone.now():
        raise DomainError("not_started", _("The session has not begun yet."))
    enrolled = set(
        Enrolment.objects.filter(
            centre_class=found.centre_class, status=Enrolment.Status.ENROLLED
        ).values_list("user_id", flat=True)
    )
    came = set(present)
    if came - enrolled:
        raise DomainError(
            "not_enrolled", _("Only residents signed up for the class can be marked.")
        )
    before = {str(a.user_id): a.present for a in ClassAttendance.objects.filter(session=found)}
    for user_id in sorted(enrolled):
        ClassAttendance.objects.update_or_create(
            session=found,
            user_id=user_id,
            defaults={"present": user_id in came, "marked_by": actor},
        )
    audit_record(
        actor=actor,
        verb="class.attendance",
        target=found.centre_class,
        division_code=found.centre_class.community_id,
        changes={
            "session": [None, _when(found.starts_at)],
            "present": [sum(before.values()), len(came)],
        },
    )
    return len(came)


CLASS_IN_FIELDS = tuple(f.name for f in fields(ClassIn))
