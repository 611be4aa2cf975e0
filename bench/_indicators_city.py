"""The indicators bench's city: records for every community, in bulk, for the default tree's
computed indicators (``shequ.indicators.sources``) to count.

``seed_city`` runs after ``load_divisions`` and ``seed_demo`` (which puts the residents in the
registry, spread over every community by population) and writes, for every active community:
accounts for a share of its residents, residents' requests with their dispatch, sign-for and
handling events and ratings (on PostgreSQL ``bench/appeals.py``'s generate_series helpers,
which spread them evenly over the communities with the same rates everywhere; on SQLite the
same shape written with executemany, by population and tilted by quality), five-actions
projects and their milestones, casework applications with service ratings and follow-ups,
rooms, bookings and service-centre class sessions, notices, proposals and supports, a council
with members, meetings, sign-ins and agenda items, the community fund's accounts, bills and
donations, survey responses, electronic documents, volunteers with their hours and activities,
and a finished 15-minute access run's coverage rows. Everything is dated in the bench year up
to now (requests: the two years before now, as bench/appeals.py does). Each community has a
latent "quality" that tilts its rates (on-time, satisfied, completed...), so the communities
differ as in a city. No service is called: rows go in with bulk_create (or SQL) in large
batches, and a seeded ``random.Random`` makes every run write the same records.
"""

import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any

import numpy as np

BATCH = 5000


@dataclass(frozen=True)
class Volumes:
    """How many records of each kind the city gets (spread by population)."""

    requests: int
    projects: int
    survey_responses: int
    applications: int
    bookings: int
    notices: int
    proposals: int
    supports: int
    bills: int
    donations: int
    documents: int
    hours_entries: int
    meetings_per_council: int
    activities_per_community: int
    sessions_per_month: int
    account_share: tuple[float, float]  # residents with an account: lowest, highest share
    volunteer_share: float  # of the residents with an account


# The city (1,000,000 residents, 100,000 projects, 1,000,000 requests, 10,000 survey
# responses) and the rest in proportion; --quick is about a twentieth, with a floor of one
# project per action and one survey response in every community.
FULL = Volumes(
    requests=1_000_000,
    projects=100_000,
    survey_responses=10_000,
    applications=100_000,
    bookings=200_000,
    notices=72_000,
    proposals=60_000,
    supports=300_000,
    bills=200_000,
    donations=20_000,
    documents=50_000,
    hours_entries=150_000,
    meetings_per_council=6,
    activities_per_community=6,
    sessions_per_month=4,
    account_share=(0.10, 0.30),
    volunteer_share=0.15,
)
QUICK = Volumes(
    requests=50_000,
    projects=5_000,
    survey_responses=3_000,
    applications=10_000,
    bookings=15_000,
    notices=9_000,
    proposals=6_000,
    supports=30_000,
    bills=15_000,
    donations=3_000,
    documents=5_000,
    hours_entries=7_500,
    meetings_per_council=4,
    activities_per_community=2,
    sessions_per_month=1,
    account_share=(0.10, 0.30),
    volunteer_share=0.15,
)
ACTIONS = ("old-city", "back-alley", "featured-street", "service-upgrade", "safe-community")
COVERAGE = ("_all", "clinic", "elderly_care", "school", "culture", "park", "market")
PROPOSAL_CATEGORIES = ("environment", "facilities", "safety", "culture", "services", "other")


def batched(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def insert(model: type, rows: Iterable[Any]) -> list[Any]:
    """bulk_create in batches; the created rows (with their ids) are returned. A date the
    row was given is kept even where the model stamps it on creation (auto_now_add)."""
    out: list[Any] = []
    for chunk in batched(rows):
        stamped = [
            f
            for f in model._meta.concrete_fields
            if getattr(f, "auto_now_add", False) and getattr(chunk[0], f.attname) is not None
        ]
        for f in stamped:
            f.auto_now_add = False
        try:
            out += model.objects.bulk_create(chunk, batch_size=BATCH)
        finally:
            for f in stamped:
                f.auto_now_add = True
    return out


class City:
    """The communities, their residents and accounts, the clock and the random source."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        from shequ.people.demo import allocate
        from shequ.places.models import Division

        self.rng = rng
        self.now = now
        self.year = now.year
        self.start = now.replace(month=1, day=1, hour=8, minute=0, second=0, microsecond=0)
        self.allocate = allocate
        communities = list(
            Division.objects.filter(level=Division.Level.COMMUNITY, is_active=True)
            .order_by("code")
            .values_list("code", "population")
        )
        self.codes = [code for code, _ in communities]
        self.weights = np.array([p or 1000 for _, p in communities], dtype=np.float64)
        # A community's latent quality: tilts every rate it gets, so rankings mean something.
        self.quality = {code: rng.gauss(0.0, 1.0) for code in self.codes}
        self.residents: dict[str, list[int]] = {code: [] for code in self.codes}
        self.users: dict[str, list[int]] = {code: [] for code in self.codes}
        self.resident_of: dict[int, int] = {}

    def spread(self, total: int, floor: int = 0) -> dict[str, int]:
        """``total`` (at least ``floor`` per community) in proportion to population."""
        rest = max(0, total - floor * len(self.codes))
        counts = self.allocate(rest, self.weights) + floor
        return dict(zip(self.codes, (int(c) for c in counts), strict=True))

    def chance(self, code: str, base: float, tilt: float = 0.08) -> float:
        """A probability around ``base``, higher for a better community."""
        return min(0.99, max(0.01, base + tilt * self.quality[code]))

    def moment(self, start: datetime | None = None) -> datetime:
        """A moment between ``start`` (default 2 January) and now."""
        start = start or self.start + timedelta(days=1)
        return start + timedelta(seconds=self.rng.random() * (self.now - start).total_seconds())

    def day(self) -> date:
        return self.moment().date()

    def months(self) -> int:
        return self.now.month


def seed_city(volumes: Volumes, *, seed: int, now: datetime) -> dict[str, int]:
    """Records for every community; {kind: rows written}."""
    from django.db import connection, transaction

    city = City(random.Random(seed), now)
    written: dict[str, int] = {}
    steps = (
        accounts,
        requests,
        projects,
        applications,
        bookings,
        notices,
        participation,
        funds,
        payments,
        surveys,
        documents,
        volunteers,
        coverage,
    )
    for step in steps:
        started = time.perf_counter()
        if step is requests and connection.vendor == "postgresql":
            written.update(step(city, volumes))  # bench/appeals.py VACUUMs: no transaction
        else:
            with transaction.atomic():
                written.update(step(city, volumes))
        print(
            f"seeded: city {step.__name__} {time.perf_counter() - started:.1f} s", file=sys.stderr
        )
    return written


def department() -> Any:
    from shequ.people.models import Department

    return Department.objects.get_or_create(
        code="bench-city", defaults={"name": "基准测试部门", "short_name": "基准"}
    )[0]


# --- residents' accounts ---------------------------------------------------------------------


def accounts(city: City, volumes: Volumes) -> dict[str, int]:
    """An account for a share of every community's residents (10–30%, by quality), linked to
    the registry row as a resident's own account is."""
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.db import connection

    from shequ.people.models import Resident, User

    linked: set[int] = set()  # the demo accounts' residents keep their accounts
    for pk, code, user in Resident.objects.order_by("id").values_list(
        "id", "community_id", "user_id"
    ):
        if code in city.residents:
            city.residents[code].append(pk)
            if user is not None:
                linked.add(pk)
    low, high = volumes.account_share
    chosen: list[tuple[str, int]] = []
    for code, ids in city.residents.items():
        share = low + (high - low) * city.chance(code, 0.5, 0.2)
        chosen += [(code, pk) for pk in ids if city.rng.random() < share and pk not in linked]
    users = insert(
        User,
        (
            User(
                username=f"bench-r{pk}",
                password=UNUSABLE_PASSWORD_PREFIX,
                first_name="",
                last_name="",
                email="",
            )
            for _code, pk in chosen
        ),
    )
    links = []
    for (code, resident), user in zip(chosen, users, strict=True):
        city.users[code].append(user.pk)
        city.resident_of[user.pk] = resident
        links.append((user.pk, resident))
    with connection.cursor() as cursor:
        for chunk in batched(links, 20_000):
            cursor.executemany("UPDATE people_resident SET user_id = %s WHERE id = %s", chunk)
        # Residents whose identity staff checked: 50–95% of each community.
        for chunk in batched(city.codes, 500):
            for code in chunk:
                share = city.chance(code, 0.75, 0.12)
                cursor.execute(
                    "UPDATE people_resident SET verified_at = created_at"
                    " WHERE community_id = %s AND (id * 37) %% 1000 < %s",
                    [code, int(share * 1000)],
                )
    return {"accounts": len(users)}


# --- residents' requests (诉求) --------------------------------------------------------------


def requests(city: City, volumes: Volumes) -> dict[str, int]:
    """``volumes.requests`` requests received in the two years before now (one in twenty
    still open, received in the last 60 days), their events and ratings, as bench/appeals.py
    seeds them; then one in twenty-five handled requests marked as the recurrence of an
    earlier one of its community."""
    from django.db import connection

    from shequ.appeals.models import Appeal, AppealEvent, AppealRating

    if connection.vendor == "postgresql":
        import appeals as bench_appeals  # bench/appeals.py: the same catalogue and requests

        bench_appeals.NOW = city.now
        bench_appeals.seed_catalogue(0)  # categories and units; no routing rows are needed
        bench_appeals.seed_requests(volumes.requests // 20, volumes.requests)
    else:
        seed_requests_sqlite(city, volumes.requests)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE appeals_appeal SET recurrence_of_id = (
                SELECT MAX(b.id) FROM appeals_appeal b
                WHERE b.community_id = appeals_appeal.community_id AND b.id < appeals_appeal.id
                  AND b.closed_at IS NOT NULL)
            WHERE id %% %s = 0 AND closed_at IS NOT NULL
            """,
            [25],
        )
    return {
        "requests": Appeal.objects.count(),
        "request_events": AppealEvent.objects.count(),
        "request_ratings": AppealRating.objects.count(),
    }


def seed_requests_sqlite(city: City, total: int) -> None:
    """bench/appeals.py's requests without generate_series: the same states, deadlines (7
    days), events (dispatched after a minute, signed for within days, closed within ten days)
    and ratings (three in five handled requests), with the community's quality tilting how
    fast it handles and how residents rate it. Rows go in with executemany and ids of their
    own (the ORM's bulk_create spends most of its time building SQL)."""
    from django.db import connection
    from django.utils import timezone

    from shequ.appeals.deadlines import holiday_exceptions, working_day_ordinals
    from shequ.appeals.models import Category, Unit
    from shequ.places.models import Division

    categories = [
        c.pk
        for c in insert(
            Category,
            (Category(code=f"c{i}", name=f"类别{i}", name_en="", position=i) for i in range(30)),
        )
    ]
    units = [
        u.pk
        for u in insert(
            Unit,
            (
                Unit(name=d.name + "兜底", kind=Unit.Kind.DISTRICT, division=d)
                for d in Division.objects.filter(level=Division.Level.DISTRICT)
            ),
        )
    ]
    per = city.spread(total)
    rng = city.rng
    stamp = connection.ops.adapt_datetimefield_value
    open_states = ("awaiting", "dispatched", "in_progress", "returned")
    two_years = timedelta(days=730)
    # Working days of a handled request as the app stores them (the holiday table).
    local = timezone.get_current_timezone()
    span = ((city.now - two_years).astimezone(local).date(), (city.now + timedelta(days=30)).date())
    ordinals = working_day_ordinals(*span, holiday_exceptions(*span))

    def working_days(start: datetime, end: datetime) -> int:
        return max(
            ordinals[end.astimezone(local).date()] - ordinals[start.astimezone(local).date()], 0
        )

    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM appeals_appeal")
        first = cursor.fetchone()[0] + 1
    appeals: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    ratings: list[tuple[Any, ...]] = []
    pk = first - 1
    for code in city.codes:
        on_time = city.chance(code, 0.7, 0.1)
        satisfied = city.chance(code, 0.75, 0.1)
        fixed = city.chance(code, 0.7, 0.1)
        for _ in range(per[code]):
            pk += 1
            unit = units[pk % len(units)]
            is_open = pk % 20 == 0
            at = city.now - (timedelta(days=60) if is_open else two_years) * rng.random()
            deadline = at + timedelta(days=7)
            closed = None
            if not is_open:
                late = rng.random() > on_time
                closed = at + timedelta(days=7 + 3 * rng.random() if late else 7 * rng.random())
            rated = not is_open and rng.random() < 0.6
            status = rng.choice(open_states) if is_open else ("rated" if rated else "closed")
            appeals.append(
                (
                    pk,
                    rng.choice(categories),
                    "complaint",
                    "路灯不亮",
                    "",
                    code,
                    "api",
                    "",
                    pk % 20 == 1,
                    status,
                    unit,
                    "",
                    stamp(deadline),
                    stamp(at),
                    stamp(closed) if closed else None,
                    "",
                    1,
                    "",
                    0,
                )
            )
            signed = None
            if status not in ("awaiting", "dispatched"):
                signed = at + timedelta(hours=1 + 200 * rng.random() ** 3)
            answered = None if signed is None else signed <= deadline
            dispatched = stamp(at + timedelta(minutes=1))
            events.append((pk, code, "dispatched", unit, "", "", None, answered, None, dispatched))
            if signed is not None:
                events.append((pk, code, "signed", unit, "", "", None, None, None, stamp(signed)))
            if closed is not None:
                events.append(
                    (
                        pk,
                        code,
                        "closed",
                        unit,
                        "",
                        "",
                        closed <= deadline,
                        None,
                        working_days(at, closed),
                        stamp(closed),
                    )
                )
            if rated:
                happy = rng.random() < satisfied
                level = (
                    ("satisfied" if rng.random() < 0.6 else "fairly") if happy else "dissatisfied"
                )
                ratings.append(
                    (
                        pk,
                        code,
                        1,
                        unit,
                        level,
                        rng.random() < fixed,
                        "",
                        "",
                        stamp(closed + timedelta(days=1)),
                    )
                )
            if len(appeals) >= BATCH * 4:
                _write_requests(appeals, events, ratings)
    _write_requests(appeals, events, ratings)


def _write_requests(
    appeals: list[tuple[Any, ...]], events: list[tuple[Any, ...]], ratings: list[tuple[Any, ...]]
) -> None:
    """Write the rows and empty the lists."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO appeals_appeal (id, category_id, nature, description, address,"
            " community_id, channel, caller_name, is_private, status, unit_id, routing_reason,"
            " deadline_at, created_at, closed_at, reply, round, ruling, escalation_level)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s)",
            appeals,
        )
        cursor.executemany(
            "INSERT INTO appeals_appealevent (appeal_id, community_id, kind, unit_id, text,"
            " note, on_time, responded, working_days, at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            events,
        )
        cursor.executemany(
            "INSERT INTO appeals_appealrating (appeal_id, community_id, round, unit_id, level,"
            " fixed, comment, cause, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            ratings,
        )
    for rows in (appeals, events, ratings):
        rows.clear()


# --- five-actions projects (五大行动) --------------------------------------------------------


def projects(city: City, volumes: Volumes) -> dict[str, int]:
    """At least one project of each action in every community, the rest by population; a
    project is completed or accepted by the community's quality, and has three milestones
    in the year, done on time or late (or not yet done)."""
    from shequ.projects.models import Milestone, Project, ProjectType

    types: dict[str, list[Any]] = {action: [] for action in ACTIONS}
    for project_type in ProjectType.objects.select_related("action"):
        types.setdefault(project_type.action.code, []).append(project_type)
    districts = {code: code[:6] + "000000" for code in city.codes}
    per = city.spread(volumes.projects, floor=len(ACTIONS))
    rng = city.rng
    statuses = ("planned", "approved", "construction")

    def rows() -> Iterator[Project]:
        n = 0
        for code in city.codes:
            for k in range(per[code]):
                n += 1
                action = ACTIONS[k % len(ACTIONS)]
                done = rng.random() < city.chance(code, 0.55, 0.15)
                status = rng.choice(("completed", "accepted")) if done else rng.choice(statuses)
                yield Project(
                    code=f"B{city.year}-{n:07d}",
                    name=f"项目{n}",
                    project_type=rng.choice(types[action]),
                    division_id=code,
                    district_id=districts[code],
                    year=city.year,
                    implementer="",
                    status=status,
                    status_since=city.day(),
                    progress=100 if done else rng.randrange(0, 90),
                    description="",
                    is_synthetic=True,
                )

    made = 0
    milestones = 0
    for chunk in batched(rows()):
        created = Project.objects.bulk_create(chunk, batch_size=BATCH)
        made += len(created)
        rows_m = []
        for p in created:
            for m in range(3):
                planned = city.start.date() + timedelta(days=rng.randrange(0, 330))
                done_on = None
                if planned < city.now.date() and rng.random() < 0.85:
                    late = rng.random() > city.chance(p.division_id, 0.7, 0.12)
                    done_on = planned + timedelta(
                        days=rng.randrange(1, 40) if late else -rng.randrange(0, 10)
                    )
                rows_m.append(
                    Milestone(
                        project=p,
                        name=f"节点{m + 1}",
                        weight=1,
                        planned_on=planned,
                        done_on=done_on,
                    )
                )
        milestones += len(Milestone.objects.bulk_create(rows_m, batch_size=BATCH))
    return {"projects": made, "milestones": milestones}


# --- casework applications and service ratings -----------------------------------------------


def applications(city: City, volumes: Volumes) -> dict[str, int]:
    """Applications by residents with an account; decided within or after the legal deadline
    (by quality), some escalated; three in five decided ones rated (1–5 stars), with a
    follow-up for the low ratings, answered or not."""
    from shequ.casework.models import Application, FormDefinition
    from shequ.catalogue.models import Service
    from shequ.ratings.models import FollowUp, Rating

    dept = department()
    service = Service.objects.get_or_create(
        code="bench-application",
        defaults={
            "department": dept,
            "name": "基准测试事项",
            "name_en": "Bench application",
            "summary": "",
            "description": "",
            "eligibility": "",
            "documents": "",
            "channel": "online",
            "kind": "application",
            "time_limit_days": 15,
            "in_person_window": "",
            "in_person_address": "",
            "in_person_hours": "",
            "phone": "",
            "sso_entry_url": "",
        },
    )[0]
    form = FormDefinition.objects.get_or_create(service=service, version=1)[0]
    per = city.spread(volumes.applications)
    rng = city.rng

    def rows() -> Iterator[Application]:
        for code in city.codes:
            users = city.users[code]
            for _ in range(per[code] if users else 0):
                submitted = city.moment()
                due = (submitted + timedelta(days=21)).date()
                decided = None
                if rng.random() < 0.85:
                    late = rng.random() > city.chance(code, 0.85, 0.08)
                    days = 21 + rng.randrange(1, 20) if late else rng.randrange(1, 21)
                    decided = min(city.now, submitted + timedelta(days=days))
                applicant = rng.choice(users)
                yield Application(
                    service=service,
                    form=form,
                    applicant_id=applicant,
                    resident_id=city.resident_of[applicant],
                    department=dept,
                    community_id=code,
                    status="approved" if decided else "accepted",
                    submitted_at=submitted,
                    accepted_at=submitted,
                    due_date=due,
                    decided_at=decided,
                    reason="",
                    escalated_at=submitted + timedelta(days=22)
                    if rng.random() > city.chance(code, 0.95, 0.03)
                    else None,
                )

    made = rated = followed = 0
    for chunk in batched(rows()):
        created = Application.objects.bulk_create(chunk, batch_size=BATCH)
        made += len(created)
        ratings = []
        for a in created:
            if a.decided_at is not None and rng.random() < 0.6:
                good = rng.random() < city.chance(a.community_id, 0.8, 0.08)
                ratings.append(
                    Rating(
                        user_id=a.applicant_id,
                        subject="application",
                        application=a,
                        title="基准测试事项",
                        service=service,
                        department=dept,
                        community_id=a.community_id,
                        level=rng.choice((4, 5)) if good else rng.choice((1, 2, 3)),
                        comment="",
                        addendum="",
                        created_at=min(city.now, a.decided_at + timedelta(days=1)),
                    )
                )
        ratings = Rating.objects.bulk_create(ratings, batch_size=BATCH)
        rated += len(ratings)
        follow = [
            FollowUp(
                rating=r,
                department=dept,
                status="answered" if answered else "open",
                due_date=(r.created_at + timedelta(days=5)).date(),
                opened_at=r.created_at,
                answered_at=r.created_at + timedelta(days=2) if answered else None,
            )
            for r in ratings
            if r.level <= 2
            for answered in [rng.random() < city.chance(r.community_id, 0.8, 0.1)]
        ]
        followed += len(FollowUp.objects.bulk_create(follow, batch_size=BATCH))
    return {"applications": made, "service_ratings": rated, "follow_ups": followed}


# --- rooms, bookings, service-centre classes --------------------------------------------------


def bookings(city: City, volumes: Volumes) -> dict[str, int]:
    """One to three rooms per community; bookings of one-hour slots by its residents with an
    account (some not attended); a published weekly class whose sessions run up to now."""
    from django.db import connection

    from shequ.bookings.models import Booking, CentreClass, ClassSession, Slot, Venue

    rng = city.rng
    venues = insert(
        Venue,
        (
            Venue(kind="room", name=f"活动室{k + 1}", address="", community_id=code)
            for code in city.codes
            for k in range(1 + int(rng.random() * 3))
        ),
    )
    by_community: dict[str, list[Any]] = {}
    for venue in venues:
        by_community.setdefault(venue.community_id, []).append(venue)
    per = city.spread(volumes.bookings)
    slots: list[Slot] = []
    wanted: list[tuple[str, int]] = []
    for code in city.codes:
        users, count = city.users[code], per[code]
        n = 0
        while count > 0 and users:
            venue = by_community[code][n % len(by_community[code])]
            day = city.moment().replace(hour=9 + n % 8, minute=0, second=0, microsecond=0)
            take = min(count, len(users), 1 + rng.randrange(8))
            count -= take
            n += 1
            slots.append(
                Slot(venue=venue, starts_at=day, ends_at=day + timedelta(hours=1), capacity=10)
            )
            wanted.append((code, take))
    seen: set[tuple[int, datetime]] = set()
    unique_slots, unique_wanted = [], []
    for slot, want in zip(slots, wanted, strict=True):
        if (slot.venue.pk, slot.starts_at) not in seen:
            seen.add((slot.venue.pk, slot.starts_at))
            unique_slots.append(slot)
            unique_wanted.append(want)
    made_slots = insert(Slot, unique_slots)
    rows = []
    for slot, (code, take) in zip(made_slots, unique_wanted, strict=True):
        for user in rng.sample(city.users[code], take):
            no_show = rng.random() > city.chance(code, 0.92, 0.04)
            rows.append(
                Booking(
                    slot=slot,
                    user_id=user,
                    status="no_show" if no_show else "confirmed",
                    confirmed_at=slot.starts_at - timedelta(days=2),
                )
            )
    made = insert(Booking, rows)
    booked: dict[int, int] = {}
    for booking in made:
        if booking.status == "confirmed":
            booked[booking.slot.pk] = booked.get(booking.slot.pk, 0) + 1
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE bookings_slot SET booked = %s WHERE id = %s",
            [(n, pk) for pk, n in booked.items()],
        )
    classes = insert(
        CentreClass,
        (
            CentreClass(
                name="社区舞蹈班",
                kind="dance",
                description="",
                venue=by_community[code][0],
                community_id=code,
                host="",
                weekday=city.start.isoweekday(),
                starts_at=city.start.time(),
                ends_at=(city.start + timedelta(hours=1)).time(),
                first_day=city.start.date(),
                last_day=date(city.year, 12, 31),
                capacity=20,
                signup_opens=city.start - timedelta(days=14),
                signup_closes=city.start,
                status="published",
            )
            for code in city.codes
        ),
    )
    every = timedelta(days=7 * 4 // volumes.sessions_per_month)
    sessions = []
    for centre_class in classes:
        at = city.start + timedelta(days=rng.randrange(0, 7))
        skip = city.chance(centre_class.community_id, 0.15, -0.08)
        while at < city.now:
            if rng.random() > skip:
                sessions.append(
                    ClassSession(
                        centre_class=centre_class,
                        venue_id=centre_class.venue_id,
                        starts_at=at,
                        ends_at=at + timedelta(hours=1),
                    )
                )
            at += every
    made_sessions = insert(ClassSession, sessions)
    return {
        "rooms": len(venues),
        "bookings": len(made),
        "centre_classes": len(classes),
        "class_sessions": len(made_sessions),
    }


def notices(city: City, volumes: Volumes) -> dict[str, int]:
    from shequ.notices.models import CommunityNotice

    per = city.spread(volumes.notices, floor=1)
    made = insert(
        CommunityNotice,
        (
            CommunityNotice(community_id=code, title="通知", body="", published_at=city.moment())
            for code in city.codes
            for _ in range(max(1, round(per[code] * (1 + 0.3 * city.quality[code]))))
        ),
    )
    return {"notices": len(made)}


# --- participation (议事) ---------------------------------------------------------------------


def participation(city: City, volumes: Volumes) -> dict[str, int]:
    """Proposals by residents with an account and their supports; a council of seven per
    community meeting through the year (closed meetings: sign-ins, voted agenda items)."""
    from shequ.participation.models import (
        AgendaItem,
        Attendance,
        Council,
        CouncilMember,
        Meeting,
        Proposal,
        Support,
    )

    rng = city.rng
    per = city.spread(volumes.proposals)
    proposals = insert(
        Proposal,
        (
            Proposal(
                community_id=code,
                author_id=rng.choice(city.users[code]),
                title="建议",
                description="",
                category=rng.choice(PROPOSAL_CATEGORIES),
                photo="",
                status="decided" if rng.random() < city.chance(code, 0.4, 0.15) else "open",
                moderation_reason="",
                answer_state="",
                created_at=city.moment(),
            )
            for code in city.codes
            if city.users[code]
            for _ in range(per[code])
        ),
    )
    supports_per = volumes.supports / max(1, len(proposals))
    supports = []
    for p in proposals:
        residents = city.residents[p.community_id]
        k = min(len(residents), int(rng.expovariate(1 / supports_per)))
        for resident in rng.sample(residents, k):
            supports.append(
                Support(proposal=p, resident_id=resident, created_at=city.moment(p.created_at))
            )
    made_supports = insert(Support, supports)
    councils = insert(
        Council,
        (
            Council(community_id=code, name="居民议事会")
            for code in city.codes
            if len(city.residents[code]) >= 7
        ),
    )
    members = insert(
        CouncilMember,
        (
            CouncilMember(
                council=c,
                resident_id=resident,
                is_chair=k == 0,
                term_start=city.start.date() - timedelta(days=400),
                term_end=city.start.date() + timedelta(days=700),
            )
            for c in councils
            for k, resident in enumerate(rng.sample(city.residents[c.community_id], 7))
        ),
    )
    by_council: dict[int, list[int]] = {}
    for m in members:
        by_council.setdefault(m.council_id, []).append(m.pk)
    meetings = insert(
        Meeting,
        (
            Meeting(
                council=c,
                community_id=c.community_id,
                title=f"议事会第{k + 1}次会议",
                starts_at=city.moment(),
                location="",
                status="closed",
                checkin_token=f"bench-{c.pk}-{k}",
                members_total=7,
                minutes="",
                minutes_text="",
            )
            for c in councils
            for k in range(
                max(1, volumes.meetings_per_council + round(city.quality[c.community_id]))
            )
        ),
    )
    attendance, items = [], []
    for meeting in meetings:
        present = city.chance(meeting.community_id, 0.75, 0.1)
        for member in by_council[meeting.council_id]:
            if rng.random() < present:
                attendance.append(
                    Attendance(
                        meeting=meeting, member_id=member, method="qr", signed_at=meeting.starts_at
                    )
                )
        for position in range(1, 4):
            passed = rng.random() < city.chance(meeting.community_id, 0.7, 0.1)
            items.append(
                AgendaItem(
                    meeting=meeting,
                    position=position,
                    kind="other",
                    title="议题",
                    status="passed" if passed else "rejected",
                    decided_at=meeting.starts_at + timedelta(hours=1),
                )
            )
    return {
        "proposals": len(proposals),
        "supports": len(made_supports),
        "council_meetings": len(meetings),
        "sign_ins": len(insert(Attendance, attendance)),
        "agenda_items": len(insert(AgendaItem, items)),
    }


# --- the community fund, bills and donations --------------------------------------------------


def funds(city: City, volumes: Volumes) -> dict[str, int]:
    """The year's incentive-track accounts of every community's fund: the unspent fund,
    reserved, committed and paid out (paid out share by quality)."""
    from shequ.funds.models import Account

    rng = city.rng
    rows = []
    for code in city.codes:
        total = Decimal(100_000 + rng.randrange(0, 200_000))
        paid = (total * Decimal(city.chance(code, 0.6, 0.15))).quantize(Decimal("0.01"))
        rest = total - paid
        parts = {
            "payable": paid,
            "commitment": (rest * Decimal("0.4")).quantize(Decimal("0.01")),
            "reserved": (rest * Decimal("0.2")).quantize(Decimal("0.01")),
        }
        parts["fund"] = rest - parts["commitment"] - parts["reserved"]
        for kind, balance in parts.items():
            rows.append(
                Account(
                    kind=kind, division_id=code, track="incentive", year=city.year, balance=balance
                )
            )
    return {"fund_accounts": len(insert(Account, rows))}


def payments(city: City, volumes: Volumes) -> dict[str, int]:
    """Utility and fee bills to residents with an account (paid by their due date, late or
    not yet), and donations to the community fund."""
    from shequ.payments.models import Bill

    rng = city.rng
    dept = department()
    per = city.spread(volumes.bills)
    gifts = city.spread(volumes.donations)

    def rows() -> Iterator[Bill]:
        for code in city.codes:
            users = city.users[code]
            if not users:
                continue
            for _ in range(per[code]):
                created = city.moment()
                due = (created + timedelta(days=15)).date()
                roll = rng.random()
                on_time = city.chance(code, 0.8, 0.08)
                paid = None
                if roll < on_time:
                    paid = min(city.now, created + timedelta(days=rng.randrange(0, 15)))
                elif roll < on_time + 0.1:
                    paid = min(city.now, created + timedelta(days=rng.randrange(16, 40)))
                yield Bill(
                    user_id=rng.choice(users),
                    department=dept,
                    donation_purpose="",
                    period="",
                    category=rng.choice(("utility", "fee")),
                    title="水费",
                    amount=Decimal(rng.randrange(20, 400)),
                    status="paid" if paid else "unpaid",
                    due_date=due,
                    created_at=created,
                    paid_at=paid,
                )
            for _ in range(round(gifts[code] * (1 + 0.3 * city.quality[code]))):
                at = city.moment()
                yield Bill(
                    user_id=rng.choice(users),
                    community_id=code,
                    donation_purpose="社区基金",
                    period="",
                    category="donation",
                    title="捐赠",
                    amount=Decimal(rng.randrange(10, 1000)),
                    status="paid",
                    due_date=at.date(),
                    created_at=at,
                    paid_at=at,
                )

    return {"bills": len(insert(Bill, rows()))}


# --- surveys, documents ---------------------------------------------------------------------


def surveys(city: City, volumes: Volumes) -> dict[str, int]:
    """One city satisfaction survey of the year; complete responses (a score 0–100) in every
    community, the rest by population."""
    from shequ.places.models import Division
    from shequ.surveys.models import Response, Survey, SurveyVersion

    rng = city.rng
    root = (
        Division.objects.filter(level=Division.Level.CITY).first()
        or Division.objects.filter(level=Division.Level.DISTRICT).order_by("code").first()
    )
    survey = Survey.objects.create(
        title_zh="社区满意度调查",
        title_en="Community satisfaction",
        series=f"bench-{city.year}",
        division=root,
        status="closed",
    )
    version = SurveyVersion.objects.create(survey=survey, number=1)
    per = city.spread(volumes.survey_responses, floor=1)
    bands = ("18-34", "35-49", "50-64", "65+")
    made = insert(
        Response,
        (
            Response(
                survey=survey,
                version=version,
                channel="open",
                status="complete",
                district_code=code[:6] + "000000",
                street_code=code[:9] + "000",
                community_code=code,
                age_band=rng.choice(bands),
                sex=rng.choice("MF"),
                score=max(0.0, min(100.0, rng.gauss(75 + 6 * city.quality[code], 12))),
                ip_hash="",
                started_at=at - timedelta(minutes=8),
                submitted_at=at,
            )
            for code in city.codes
            for _ in range(per[code])
            for at in [city.moment()]
        ),
    )
    return {"survey_responses": len(made)}


def documents(city: City, volumes: Volumes) -> dict[str, int]:
    from django.contrib.contenttypes.models import ContentType

    from shequ.documents.models import IssuedDocument
    from shequ.people.models import Resident

    dept = department()
    source = ContentType.objects.get_for_model(Resident)
    per = city.spread(volumes.documents)
    made = insert(
        IssuedDocument,
        (
            IssuedDocument(
                number=f"BENCH-{city.year}-{n:08d}",
                kind="certificate",
                title="居住证明",
                statement="",
                holder_masked="",
                department=dept,
                division_id=code,
                issuer_name="",
                issued_at=city.moment(),
                source_type=source,
                source_id=str(n),
                file="",
                sha256="",
                revoked_reason="",
            )
            for n, code in enumerate(
                (c for c in city.codes for _ in range(round(per[c] * (1 + 0.3 * city.quality[c])))),
                start=1,
            )
        ),
    )
    return {"documents": len(made)}


# --- volunteers (志愿服务) ------------------------------------------------------------------


def volunteers(city: City, volumes: Volumes) -> dict[str, int]:
    """A share of the residents with an account registered as volunteers, their hours in the
    ledger, and a team per community with published activities held in the year."""
    from shequ.volunteers.models import Activity, HoursEntry, Slot, Team, Volunteer

    rng = city.rng
    rows = []
    n = 0
    for code in city.codes:
        share = volumes.volunteer_share * (1 + 0.3 * city.quality[code])
        for user in city.users[code]:
            if rng.random() < share:
                n += 1
                rows.append(
                    Volunteer(
                        user_id=user,
                        resident_id=city.resident_of[user],
                        number=f"V{n:08d}",
                        community_id=code,
                        guardian_name="",
                        guardian_relation="",
                        left_reason="",
                    )
                )
    made = insert(Volunteer, rows)
    by_community: dict[str, list[Any]] = {}
    for v in made:
        by_community.setdefault(v.community_id, []).append(v)
    per = city.spread(volumes.hours_entries)
    hours = insert(
        HoursEntry,
        (
            HoursEntry(
                volunteer=rng.choice(by_community[code]),
                kind="credit",
                hours=Decimal(rng.choice(("1.0", "1.5", "2.0", "3.0", "4.0"))),
                community_id=code,
                served_on=city.day(),
                content="社区服务",
                reason="",
                recorded_by_name="",
            )
            for code in city.codes
            if code in by_community
            for _ in range(round(per[code] * (1 + 0.3 * city.quality[code])))
        ),
    )
    creators = {code: users[0] for code, users in city.users.items() if users}
    teams = insert(
        Team,
        (
            Team(
                name="社区志愿服务队",
                kind="community",
                division_id=code,
                organisation="",
                description="",
                created_by_id=creators[code],
            )
            for code in creators
        ),
    )
    activities = insert(
        Activity,
        (
            Activity(
                team=team,
                community_id=team.division_id,
                title="志愿服务活动",
                description="",
                field="",
                place="",
                latitude=Decimal("30.66"),
                longitude=Decimal("104.06"),
                geofence_m=200,
                training="",
                risks="",
                signup_deadline=city.start,
                hours_cap=Decimal("4.0"),
                status="published",
                created_by_id=team.created_by_id,
            )
            for team in teams
            for _ in range(
                max(1, volumes.activities_per_community + round(city.quality[team.division_id]))
            )
        ),
    )
    slots = insert(
        Slot,
        (
            Slot(activity=a, starts_at=at, ends_at=at + timedelta(hours=2), quota=10)
            for a in activities
            for at in [city.moment()]
        ),
    )
    return {
        "volunteers": len(made),
        "hours_entries": len(hours),
        "volunteer_activities": len(activities),
        "volunteer_slots": len(slots),
    }


# --- the 15-minute life circle (access) -------------------------------------------------------


def coverage(city: City, volumes: Volumes) -> dict[str, int]:
    """A finished access run with every community's coverage by category (the share of its
    population within 15 minutes' walk), as the access app's run would store it."""
    from shequ.access.models import CoverageRow, Network, Run

    rng = city.rng
    network = Network.objects.create(
        name="bench", source_name="bench", sha256="", file="", nodes=0, edges=0, total_length_m=0
    )
    run = Run.objects.create(
        network=network,
        label="bench",
        status="done",
        message="",
        result_file="",
        error="",
        task_id="",
        finished_at=city.now,
    )
    rows = []
    for code, weight in zip(city.codes, city.weights, strict=True):
        population = int(weight)
        base = 0.75 + 0.08 * city.quality[code]
        for category in COVERAGE:
            share = min(
                1.0, max(0.0, base + rng.gauss(0, 0.08) - (0.1 if category == "_all" else 0))
            )
            rows.append(
                CoverageRow(
                    run=run,
                    division_id=code,
                    level="community",
                    category=category,
                    population=population,
                    covered=int(population * share),
                    share=share,
                )
            )
    return {"coverage_rows": len(insert(CoverageRow, rows))}
