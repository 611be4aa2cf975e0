"""Indicators computed from the platform's own records (数据来源), one definition each.

A ``Records`` is a countable set of rows of another app's model for one year, with the path
from a row to its community; a ``Source`` turns one or two of them into a value per community
(a rate per 100/1,000/10,000, a share, a mean or a total). The same definition counts the
records for every community in one grouped query, and later lists the very records behind
one community's number (the console's "records behind this value"), so the two can never
disagree.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Avg, Count, Exists, F, Model, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Now
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Records:
    model: str  # "app_label.ModelName"
    community: str  # lookup from a row to its community's code
    where: Callable[[int], Q]  # the rows that count in a year
    label: Promise
    # Sum or average this field instead of counting rows (None: count).
    field: str | None = None
    # What the records page shows of a row: (attribute path, column label) pairs. Records of
    # people (requests, residents) name only these columns, never the whole row, so no
    # reporter, caller or other personal data reaches the page (None: the row's name).
    columns: tuple[tuple[str, Promise], ...] | None = None

    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    def queryset(self, year: int) -> QuerySet[Model]:
        return self.model_class()._default_manager.filter(self.where(year))

    def for_community(self, year: int, code: str) -> QuerySet[Model]:
        return self.queryset(year).filter(**{self.community: code})

    def aggregate(self, how: str, only: Q | None = None) -> Count | Sum | Avg:
        """The count, sum or mean (``how``) of these records, of the rows ``only`` keeps."""
        if how == "count":
            return Count("pk", filter=only)
        if how == "sum":
            return Sum(self.field or "pk", filter=only)
        return Avg(self.field or "pk", filter=only)

    def per_community(self, year: int, how: str) -> dict[str, float]:
        """{community code: count | sum | mean} in one grouped query."""
        rows = (
            self.queryset(year)
            .order_by()
            .values(self.community)
            .annotate(result=self.aggregate(how))
            .values_list(self.community, "result")
        )
        return {code: float(value) for code, value in rows if code and value is not None}


@dataclass(frozen=True)
class Source:
    """``kind``: "rate" = numerator / denominator × scale; "mean" = mean of the numerator's
    field (× scale); "total" = count or sum of the numerator (÷ ``per_months`` months)."""

    key: str
    kind: str
    numerator: Records
    denominator: Records | None = None
    scale: float = 1.0
    numerator_sum: bool = False
    denominator_sum: bool = False
    per_months: int = 0

    def parts(self) -> dict[str, Records]:
        out = {"numerator": self.numerator}
        if self.denominator is not None:
            out["denominator"] = self.denominator
        return out


def _year(field: str) -> Callable[[int], Q]:
    return lambda year: Q(**{f"{field}__year": year})


def _and(first: Callable[[int], Q], extra: Q) -> Callable[[int], Q]:
    return lambda year: first(year) & extra


def _all(_year: int) -> Q:
    return Q()


def _latest_access_run(_year: int) -> Q:
    """Coverage rows of the newest finished 15-minute run (the year does not apply)."""
    run = apps.get_model("access", "Run")
    latest = run._default_manager.filter(status="done").order_by("-finished_at", "-id").first()
    return Q(run_id=latest.pk if latest else -1, level="community")


RESIDENTS = Records(
    "people.Resident",
    "community_id",
    _all,
    _("residents in the registry"),
    # The registry row's number only: a resident's name is personal data.
    columns=(("pk", _("registry number")), ("verified_at", _("verified"))),
)

# --- Residents' requests (诉求, shequ.appeals) ---------------------------------------------
# The same definitions as the appeals app's statistics (``appeals.selectors.rates`` and
# ``appeals.selectors.clusters``), so a community's rates here equal the appeals app's
# ``community_rate_counts`` for the same year. Out-of-scope requests are refused at intake and
# never filed, so every filed request counts, public and private alike; the records page shows
# the request's number, category, dates and state only (never the reporter or caller).

APPEAL_COLUMNS: tuple[tuple[str, Promise], ...] = (
    ("number", _("request")),
    ("category", _("category")),
    ("created_at", _("received")),
    ("get_status_display", _("status")),
    ("unit", _("unit")),
)
APPEAL_EVENT_COLUMNS: tuple[tuple[str, Promise], ...] = (
    ("appeal.number", _("request")),
    ("get_kind_display", _("step")),
    ("unit", _("unit")),
    ("at", _("when")),
    ("appeal.deadline_at", _("due")),
)
APPEAL_RATING_COLUMNS: tuple[tuple[str, Promise], ...] = (
    ("appeal.number", _("request")),
    ("round", _("round")),
    ("unit", _("unit")),
    ("get_level_display", _("rating")),
    ("fixed", _("the problem is fixed")),
    ("created_at", _("when")),
)


def _dispatches(answered: bool) -> Callable[[int], Q]:
    """Dispatches in the year; with ``answered``, only those the unit signed for or returned
    before the request's deadline (响应, as ``appeals.selectors.rates._rate_counts``)."""
    extra = Q(kind="dispatched", responded=True) if answered else Q(kind="dispatched")
    return lambda year: Q(at__year=year) & extra


def _closes(on_time: bool) -> Callable[[int], Q]:
    extra = Q(kind="closed", on_time=True) if on_time else Q(kind="closed")
    return lambda year: Q(at__year=year) & extra


def _appeal_events(where: Callable[[int], Q], label: Promise) -> Records:
    return Records(
        "appeals.AppealEvent", "community_id", where, label, columns=APPEAL_EVENT_COLUMNS
    )


def _appeal_ratings(extra: Q, label: Promise) -> Records:
    return Records(
        "appeals.AppealRating",
        "community_id",
        _and(_year("created_at"), extra),
        label,
        columns=APPEAL_RATING_COLUMNS,
    )


APPEALS = Records(
    "appeals.Appeal",
    "community_id",
    _year("created_at"),
    _("residents' requests received"),
    columns=APPEAL_COLUMNS,
)
APPEAL_RATINGS = _appeal_ratings(Q(), _("ratings of handled requests"))

# --- Volunteers (志愿者, shequ.volunteers) ---------------------------------------------------

VOLUNTEER_ACTIVITY_COLUMNS: tuple[tuple[str, Promise], ...] = (
    ("title", _("title")),
    ("team", _("team")),
    ("place", _("place")),
)


def _activities_with_slots(year: int) -> Q:
    """Published volunteer activities with a time slot starting in the year (counted once
    however many slots they have)."""
    slot = apps.get_model("volunteers", "Slot")
    return Q(status="published") & Q(
        Exists(slot._default_manager.filter(activity_id=OuterRef("pk"), starts_at__year=year))
    )


APPLICATIONS = Records(
    "casework.Application", "community_id", _year("submitted_at"), _("applications submitted")
)
RATINGS = Records("ratings.Rating", "community_id", _year("created_at"), _("service ratings"))
BOOKINGS = Records(
    "bookings.Booking",
    "slot__venue__community_id",
    _and(_year("slot__starts_at"), ~Q(status="waiting")),
    _("bookings made"),
)
PROPOSALS = Records(
    "participation.Proposal",
    "community_id",
    _and(_year("created_at"), ~Q(status__in=["hidden", "merged"])),
    _("proposals"),
)
MEETINGS = Records(
    "participation.Meeting",
    "community_id",
    _and(_year("starts_at"), Q(status="closed")),
    _("council meetings held"),
)
DECIDED_ITEMS = Records(
    "participation.AgendaItem",
    "meeting__community_id",
    _and(_year("decided_at"), Q(status__in=["passed", "rejected"])),
    _("agenda items voted on"),
)
FUND_ACCOUNTS = Records(
    "funds.Account",
    "division_id",
    lambda year: Q(year=year, kind__in=["fund", "reserved", "commitment", "payable"]),
    _("community fund accounts of the year"),
    field="balance",
)
PROJECTS = Records("projects.Project", "division_id", lambda year: Q(year=year), _("projects"))
MILESTONES_DUE = Records(
    "projects.Milestone",
    "project__division_id",
    lambda year: Q(planned_on__year=year),
    _("milestones due in the year"),
)
BILLS = Records(
    "payments.Bill",
    "user__resident__community_id",
    _and(_year("created_at"), ~Q(status="cancelled") & ~Q(category="donation")),
    _("bills issued to residents"),
)
SURVEY_RESPONSES = Records(
    "surveys.Response",
    "community_code",
    _and(_year("submitted_at"), Q(status="complete")),
    _("complete survey responses"),
)
VENUES = Records("bookings.Venue", "community_id", lambda _y: Q(kind="room"), _("community rooms"))


def _action_projects(action: str, done: bool) -> Records:
    extra = Q(project_type__action__code=action)
    if done:
        extra &= Q(status__in=["completed", "accepted"])
        label = _("projects of this action completed")
    else:
        label = _("projects of this action")
    return Records("projects.Project", "division_id", lambda year: Q(year=year) & extra, label)


def _coverage(category: str) -> Records:
    return Records(
        "access.CoverageRow",
        "division_id",
        lambda year: _latest_access_run(year) & Q(category=category),
        _("15-minute coverage rows (newest run)"),
        field="share",
    )


def _build() -> dict[str, Source]:
    sources = [
        # 服务 service
        Source("coverage_all", "mean", _coverage("_all"), scale=100),
        Source("coverage_clinic", "mean", _coverage("clinic"), scale=100),
        Source("coverage_elderly", "mean", _coverage("elderly_care"), scale=100),
        Source("coverage_school", "mean", _coverage("school"), scale=100),
        Source(
            "applications_on_time",
            "rate",
            Records(
                "casework.Application",
                "community_id",
                _and(
                    _year("submitted_at"),
                    Q(decided_at__isnull=False, due_date__isnull=False)
                    & Q(decided_at__date__lte=F("due_date")),
                ),
                _("applications decided within the legal deadline"),
            ),
            Records(
                "casework.Application",
                "community_id",
                _and(_year("submitted_at"), Q(decided_at__isnull=False, due_date__isnull=False)),
                _("applications decided"),
            ),
            scale=100,
        ),
        Source("applications_per_1000", "rate", APPLICATIONS, RESIDENTS, scale=1000),
        Source(
            "applications_escalated",
            "rate",
            Records(
                "casework.Application",
                "community_id",
                _and(_year("submitted_at"), Q(escalated_at__isnull=False)),
                _("applications escalated"),
            ),
            APPLICATIONS,
            scale=100,
        ),
        Source(
            "rating_satisfaction",
            "rate",
            Records(
                "ratings.Rating",
                "community_id",
                _and(_year("created_at"), Q(level__gte=3)),
                _("ratings satisfied or better"),
            ),
            RATINGS,
            scale=100,
        ),
        Source(
            "followups_answered",
            "rate",
            Records(
                "ratings.FollowUp",
                "rating__community_id",
                _and(_year("opened_at"), Q(answered_at__isnull=False)),
                _("follow-ups answered"),
            ),
            Records(
                "ratings.FollowUp",
                "rating__community_id",
                _year("opened_at"),
                _("follow-ups opened"),
            ),
            scale=100,
        ),
        Source(
            "service_upgrade_done",
            "rate",
            _action_projects("service-upgrade", True),
            _action_projects("service-upgrade", False),
            scale=100,
        ),
        # 文化 culture
        Source("rooms_per_10k", "rate", VENUES, RESIDENTS, scale=10000),
        Source("bookings_per_1000", "rate", BOOKINGS, RESIDENTS, scale=1000),
        Source(
            "bookings_no_show",
            "rate",
            Records(
                "bookings.Booking",
                "slot__venue__community_id",
                _and(_year("slot__starts_at"), Q(status="no_show")),
                _("bookings not attended"),
            ),
            BOOKINGS,
            scale=100,
        ),
        Source(
            "notices_per_month",
            "total",
            Records(
                "notices.CommunityNotice",
                "community_id",
                _year("published_at"),
                _("community notices published"),
            ),
            per_months=12,
        ),
        Source("coverage_culture", "mean", _coverage("culture"), scale=100),
        Source(
            "culture_proposals_per_1000",
            "rate",
            Records(
                "participation.Proposal",
                "community_id",
                _and(_year("created_at"), Q(category="culture") & ~Q(status="hidden")),
                _("culture and activities proposals"),
            ),
            RESIDENTS,
            scale=1000,
        ),
        # 生态 ecology
        Source("coverage_park", "mean", _coverage("park"), scale=100),
        Source(
            "environment_proposals_per_1000",
            "rate",
            Records(
                "participation.Proposal",
                "community_id",
                _and(_year("created_at"), Q(category="environment") & ~Q(status="hidden")),
                _("environment and greenery proposals"),
            ),
            RESIDENTS,
            scale=1000,
        ),
        # 空间 space
        Source(
            "old_city_done",
            "rate",
            _action_projects("old-city", True),
            _action_projects("old-city", False),
            scale=100,
        ),
        Source(
            "back_alley_done",
            "rate",
            _action_projects("back-alley", True),
            _action_projects("back-alley", False),
            scale=100,
        ),
        Source(
            "milestones_on_time",
            "rate",
            Records(
                "projects.Milestone",
                "project__division_id",
                lambda year: (
                    Q(planned_on__year=year, done_on__isnull=False)
                    & Q(done_on__lte=F("planned_on"))
                ),
                _("milestones done on time"),
            ),
            MILESTONES_DUE,
            scale=100,
        ),
        Source("projects_per_10k", "rate", PROJECTS, RESIDENTS, scale=10000),
        # 产业 industry
        Source(
            "featured_street_done",
            "rate",
            _action_projects("featured-street", True),
            _action_projects("featured-street", False),
            scale=100,
        ),
        Source(
            "donations_per_1000",
            "rate",
            Records(
                "payments.Bill",
                "community_id",
                _and(_year("paid_at"), Q(category="donation", status="paid")),
                _("donations paid to the community fund"),
            ),
            RESIDENTS,
            scale=1000,
        ),
        Source("coverage_market", "mean", _coverage("market"), scale=100),
        # 共治 co-governance
        Source("proposals_per_1000", "rate", PROPOSALS, RESIDENTS, scale=1000),
        Source(
            "supports_per_1000",
            "rate",
            Records(
                "participation.Support",
                "proposal__community_id",
                _year("created_at"),
                _("supports given to proposals"),
            ),
            RESIDENTS,
            scale=1000,
        ),
        Source(
            "proposals_decided",
            "rate",
            Records(
                "participation.Proposal",
                "community_id",
                _and(_year("created_at"), Q(status="decided")),
                _("proposals decided by the council"),
            ),
            PROPOSALS,
            scale=100,
        ),
        Source("council_meetings", "total", MEETINGS),
        Source(
            "council_attendance",
            "rate",
            Records(
                "participation.Attendance",
                "meeting__community_id",
                lambda year: Q(meeting__starts_at__year=year, meeting__status="closed"),
                _("members signed in at meetings"),
            ),
            Records(
                "participation.Meeting",
                "community_id",
                _and(_year("starts_at"), Q(status="closed")),
                _("members in office at meetings held"),
                field="members_total",
            ),
            scale=100,
            denominator_sum=True,
        ),
        Source(
            "items_passed",
            "rate",
            Records(
                "participation.AgendaItem",
                "meeting__community_id",
                _and(_year("decided_at"), Q(status="passed")),
                _("agenda items passed"),
            ),
            DECIDED_ITEMS,
            scale=100,
        ),
        Source(
            "fund_execution",
            "rate",
            Records(
                "funds.Account",
                "division_id",
                lambda year: Q(year=year, kind="payable"),
                _("paid out of the community fund"),
                field="balance",
            ),
            FUND_ACCOUNTS,
            scale=100,
            numerator_sum=True,
            denominator_sum=True,
        ),
        Source(
            "survey_satisfaction",
            "mean",
            Records(
                "surveys.Response",
                "community_code",
                _and(_year("submitted_at"), Q(status="complete", score__isnull=False)),
                _("complete survey responses with a score"),
                field="score",
            ),
        ),
        Source("survey_responses_per_1000", "rate", SURVEY_RESPONSES, RESIDENTS, scale=1000),
        Source(
            "safe_community_done",
            "rate",
            _action_projects("safe-community", True),
            _action_projects("safe-community", False),
            scale=100,
        ),
        # 智慧 smart
        Source(
            "residents_verified",
            "rate",
            Records(
                "people.Resident",
                "community_id",
                lambda _y: Q(verified_at__isnull=False),
                _("residents verified"),
            ),
            RESIDENTS,
            scale=100,
        ),
        Source(
            "residents_online",
            "rate",
            Records(
                "people.Resident",
                "community_id",
                lambda _y: Q(user__isnull=False),
                _("residents with an account"),
            ),
            RESIDENTS,
            scale=100,
        ),
        Source(
            "bills_paid_on_time",
            "rate",
            Records(
                "payments.Bill",
                "user__resident__community_id",
                _and(
                    _year("created_at"),
                    ~Q(category="donation")
                    & Q(paid_at__isnull=False)
                    & Q(paid_at__date__lte=F("due_date")),
                ),
                _("bills paid by their due date"),
            ),
            BILLS,
            scale=100,
        ),
        Source(
            "documents_per_1000",
            "rate",
            Records(
                "documents.IssuedDocument",
                "division_id",
                _and(_year("issued_at"), Q(revoked_at__isnull=True)),
                _("electronic documents issued"),
            ),
            RESIDENTS,
            scale=1000,
        ),
        Source("ratings_per_1000", "rate", RATINGS, RESIDENTS, scale=1000),
        # Residents' requests (诉求): the appeals app's rates (三率 and more) per community.
        Source(
            "appeals_response_rate",
            "rate",
            _appeal_events(
                _dispatches(answered=True),
                _("dispatches signed for or returned before the deadline"),
            ),
            _appeal_events(_dispatches(answered=False), _("dispatches of requests")),
            scale=100,
        ),
        Source(
            "appeals_on_time_rate",
            "rate",
            _appeal_events(_closes(on_time=True), _("requests handled within the deadline")),
            _appeal_events(_closes(on_time=False), _("requests handled")),
            scale=100,
        ),
        Source(
            "appeals_resolution_rate",
            "rate",
            _appeal_ratings(Q(fixed=True), _("ratings saying the problem is fixed")),
            APPEAL_RATINGS,
            scale=100,
        ),
        Source(
            "appeals_satisfaction_rate",
            "rate",
            _appeal_ratings(~Q(level="dissatisfied"), _("ratings satisfied or fairly satisfied")),
            APPEAL_RATINGS,
            scale=100,
        ),
        Source("appeals_per_1000", "rate", APPEALS, RESIDENTS, scale=1000),
        Source(
            "appeals_recurrence_rate",
            "rate",
            Records(
                "appeals.Appeal",
                "community_id",
                _and(_year("created_at"), Q(recurrence_of__isnull=False)),
                _("requests that came back after their problem was handled"),
                columns=APPEAL_COLUMNS,
            ),
            APPEALS,
            scale=100,
        ),
        # Volunteers (志愿服务).
        Source(
            "volunteers_per_1000",
            "rate",
            Records(
                "volunteers.Volunteer",
                "community_id",
                lambda _y: Q(status="active"),
                _("active registered volunteers"),
                columns=(("number", _("volunteer number")), ("registered_at", _("registered"))),
            ),
            RESIDENTS,
            scale=1000,
        ),
        Source(
            "volunteer_hours_per_resident",
            "rate",
            Records(
                "volunteers.HoursEntry",
                "community_id",
                _year("served_on"),
                _("volunteer service hours in the ledger (corrections included)"),
                field="hours",
                columns=(
                    ("volunteer.number", _("volunteer number")),
                    ("get_kind_display", _("kind")),
                    ("hours", _("hours")),
                    ("served_on", _("served on")),
                    ("content", _("service content")),
                ),
            ),
            RESIDENTS,
            numerator_sum=True,
        ),
        Source(
            "volunteer_activities_per_month",
            "total",
            Records(
                "volunteers.Activity",
                "community_id",
                _activities_with_slots,
                _("published volunteer activities held in the year"),
                columns=VOLUNTEER_ACTIVITY_COLUMNS,
            ),
            per_months=12,
        ),
        Source(
            "centre_sessions_per_month",
            "total",
            Records(
                "bookings.ClassSession",
                "centre_class__community_id",
                lambda year: Q(
                    starts_at__year=year,
                    starts_at__lte=Now(),
                    centre_class__status="published",
                ),
                _("service-centre class and event sessions held"),
                columns=(
                    ("centre_class", _("class or event")),
                    ("centre_class.get_kind_display", _("kind")),
                    ("venue", _("room")),
                    ("starts_at", _("starts at")),
                ),
            ),
            per_months=12,
        ),
        # Social organisations (shequ.civil) serving the community per 10,000 of its
        # population (places data).
        Source(
            "social_organisations_per_10k",
            "rate",
            Records(
                "civil.Organisation",
                "service_areas",
                lambda _y: Q(status="active"),
                _("active social organisations serving the community"),
            ),
            Records(
                "places.Division",
                "code",
                lambda _y: Q(level="community", population__gt=0),
                _("population (places data)"),
                field="population",
            ),
            scale=10000,
            denominator_sum=True,
        ),
    ]
    return {s.key: s for s in sources}


SOURCES: dict[str, Source] = _build()


# How the counts per community are asked of the database: (records, year, how) → counts.
Counter = Callable[[Records, int, str], dict[str, float]]


def _ask(records: Records, year: int, how: str) -> dict[str, float]:
    return records.per_community(year, how)


def compute(
    source: Source, year: int, counts: Counter = _ask
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """{community: value} and {community: {part: count}} for every community with data.
    ``counts`` asks for each part's counts (a recompute passes one that shares them between
    indicators counting the same rows)."""
    numerator_how = "avg" if source.kind == "mean" else ("sum" if source.numerator_sum else "count")
    numerators = counts(source.numerator, year, numerator_how)
    values: dict[str, float] = {}
    inputs: dict[str, dict[str, float]] = {}
    if source.kind == "rate" and source.denominator is not None:
        how = "sum" if source.denominator_sum else "count"
        denominators = counts(source.denominator, year, how)
        for code, denominator in denominators.items():
            numerator = numerators.get(code, 0.0)
            inputs[code] = {"numerator": numerator, "denominator": denominator}
            if denominator > 0:
                values[code] = numerator / denominator * source.scale
        return values, inputs
    if source.kind == "mean":
        rows = counts(source.numerator, year, "count")
        for code, mean in numerators.items():
            values[code] = mean * source.scale
            inputs[code] = {"numerator": rows.get(code, 0.0)}
        return values, inputs
    for code, total in numerators.items():
        values[code] = total / source.per_months if source.per_months else total
        inputs[code] = {"numerator": total}
    return values, inputs


def query_text(records: Records, year: int) -> str:
    """The SQL of the rows that count (for every community), kept with the computation."""
    try:
        return str(records.queryset(year).query)
    except Exception:
        return records.model
