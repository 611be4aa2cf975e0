"""Reads of casework: a resident's own applications, staff queues scoped to their area."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import (
    OPEN_STATUSES,
    Application,
    FormDefinition,
    Holiday,
    HolidayYear,
    Status,
)
from shequ.casework.permissions import is_supervisor
from shequ.core.digits import is_ascii_digits
from shequ.core.errors import NotFound
from shequ.core.pii import unseal
from shequ.core.prepared import PreparedQuery
from shequ.core.scopes import Role, within
from shequ.people.identity import age_on
from shequ.people.permissions import WORKERS
from shequ.people.selectors import scope_queryset

QUEUE_FIELDS = (
    "id",
    "reference",
    "status",
    "submitted_at",
    "due_date",
    "deadline_pending_from",
    "escalated_at",
    "community_id",
    "department_id",
    "service_id",
    "service__name",
    "service__community_level",
    "service__department_id",
    "community__name",
    "department__short_name",
    "applicant_id",
    "applicant__username",
)
DUE_FILTERS = ("overdue", "today", "week", "pending")


def application_list_for_applicant(*, user: Any) -> QuerySet[Application]:
    """The user's own applications, newest first (办理进度)."""
    return (
        Application.objects.filter(applicant_id=user.pk)
        .select_related("service", "department")
        .order_by("-submitted_at", "-id")
    )


MY_LIST_PAGE_SIZE = 20


def _my_rows(applicant_id: Any) -> QuerySet[Application]:
    return (
        Application.objects.filter(applicant_id=applicant_id)
        .annotate(service_name=F("service__name"), department_name=F("department__short_name"))
        .only("id", "reference", "status", "submitted_at")
        .order_by("-submitted_at", "-id")
    )


# The first page and one row more: most residents' applications all fit on it.
_MY_FIRST_ROWS = PreparedQuery(lambda applicant_id: _my_rows(applicant_id)[: MY_LIST_PAGE_SIZE + 1])


def application_page_for_applicant(*, user: Any, number: Any) -> Page:
    """A page of the user's own applications (办理进度), each with ``service_name`` and
    ``department_name``. The first page of a list that fits on it is one query, compiled once
    per process: it is the page residents open most."""
    if number in (None, "", "1"):
        rows = _MY_FIRST_ROWS.run(user.pk)
        if len(rows) <= MY_LIST_PAGE_SIZE:
            return Paginator(rows, MY_LIST_PAGE_SIZE).page(1)
    return Paginator(_my_rows(user.pk), MY_LIST_PAGE_SIZE).get_page(number)


def application_get_for_applicant(*, user: Any, application_id: int) -> Application:
    """Raises: NotFound for anybody else's application."""
    application = (
        Application.objects.filter(pk=application_id, applicant_id=user.pk)
        .select_related("service", "department", "form")
        .prefetch_related("events", "documents")
        .first()
    )
    if application is None:
        raise NotFound("application_not_found", _("No such application."))
    return application


def application_queue_for(
    *,
    user: Any,
    status: str | None = None,
    due: str | None = None,
    area: str | None = None,
    escalated: bool = False,
    service_id: int | None = None,
) -> QuerySet[Application]:
    """Applications the staff member works: their department's, or their community's for
    community-level services; supervisors see every escalated case. Filtered and ordered by
    deadline. Constant queries whatever the page size.
    """
    queryset = scope_queryset(
        Application.objects.all(),
        user,
        division_field="community_id",
        department_field="department_id",
        roles=WORKERS | {Role.DEPARTMENT_STAFF},
    )
    if escalated:
        base = Application.objects.filter(escalated_at__isnull=False)
        queryset = base if is_supervisor(user) else queryset.filter(escalated_at__isnull=False)
    if status in Status.values:
        queryset = queryset.filter(status=status)
    if due in DUE_FILTERS:
        today = timezone.localdate()
        queryset = queryset.filter(status__in=OPEN_STATUSES)
        if due == "overdue":
            queryset = queryset.filter(due_date__lt=today)
        elif due == "today":
            queryset = queryset.filter(due_date=today)
        elif due == "pending":  # not computable: the holiday table does not reach it
            queryset = queryset.filter(deadline_pending_from__isnull=False)
        else:
            queryset = queryset.filter(due_date__gte=today, due_date__lte=today + timedelta(days=7))
    if area and is_ascii_digits(area) and len(area) == 12:
        queryset = queryset.filter(within("community_id", area))
    if service_id:
        queryset = queryset.filter(service_id=service_id)
    return (
        queryset.select_related("service", "community", "department", "applicant")
        .only(*QUEUE_FIELDS)
        .order_by("due_date", "id")
    )


def application_get_for_staff(*, user: Any, application_id: int) -> Application:
    """Raises: NotFound outside the user's department/community (or escalated, for supervisors)."""
    found = (
        application_queue_for(user=user).filter(pk=application_id).exists()
        or application_queue_for(user=user, escalated=True).filter(pk=application_id).exists()
    )
    application = (
        Application.objects.filter(pk=application_id)
        .select_related("service", "department", "community", "applicant", "resident", "form")
        .prefetch_related("events__actor", "documents")
        .first()
        if found
        else None
    )
    if application is None:
        raise NotFound("application_not_found", _("No such application."))
    return application


@dataclass(frozen=True)
class AnswerShown:
    name: str
    label: str
    value: Any  # a personal number is a PIIValue: it prints masked
    revealable: bool


def application_answers(application: Application) -> list[AnswerShown]:
    """The answers in the order of the form; personal numbers masked, never decrypted here."""
    shown = []
    for spec in application.form.fields:
        raw = answer_text(application.data.get(spec["name"]))
        sealed = unseal(raw)
        shown.append(
            AnswerShown(
                name=spec["name"],
                label=spec["label"],
                value=sealed if sealed is not None else raw,
                revealable=sealed is not None,
            )
        )
    return shown


def answer_text(raw: Any) -> Any:
    """An answer as shown: an address with its community, several choices joined."""
    if isinstance(raw, list):
        return "、".join(str(v) for v in raw)
    if isinstance(raw, dict) and "text" in raw:
        community = raw.get("community_name") or raw.get("community") or ""
        return f"{raw['text']}（{community}）" if community else raw["text"]
    return raw


def answers_masked(data: dict[str, Any]) -> dict[str, Any]:
    """Answers for the API: a sealed personal number becomes its masked text."""
    return {
        name: (sealed.masked if (sealed := unseal(value)) is not None else value)
        for name, value in data.items()
    }


@dataclass(frozen=True)
class ApplicantFacts:
    """What the registry says about the applicant, for the staff deciding the case."""

    on_registry: bool
    age: int | None
    level: int
    level_label: str
    id_number_masked: str


def applicant_facts(application: Application, *, today: date | None = None) -> ApplicantFacts:
    """The applicant's age today, verification level and masked ID number, from the
    registry record the application was made with (never the full number)."""
    from shequ.people.models import VerificationLevel

    resident = application.resident
    if resident is None:
        level = VerificationLevel.REGISTERED
        return ApplicantFacts(False, None, level, str(VerificationLevel(level).label), "")
    birth = resident.birth_date
    level = VerificationLevel(resident.verification_level)
    number = resident.id_number
    return ApplicantFacts(
        on_registry=True,
        age=age_on(birth, today or timezone.localdate()) if birth is not None else None,
        level=int(level),
        level_label=str(level.label),
        id_number_masked=number.masked if number is not None else "",
    )


def requested_labels(application: Application) -> list[str]:
    """The labels of the fields and documents the open request for more information names."""
    if application.status != Status.MORE_INFO or not application.requested:
        return []
    items = [*application.form.fields, *application.form.documents]
    return [s["label"] for s in items if s["name"] in application.requested]


def form_versions_for(*, service_id: int) -> QuerySet[FormDefinition]:
    """The published versions of a service's form, newest first, with who published them
    and how many applications were made with each (``answered``)."""
    answered = (
        Application.objects.filter(form_id=OuterRef("pk"))
        .order_by()
        .values("form_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        FormDefinition.objects.filter(service_id=service_id, is_draft=False)
        .select_related("published_by", "created_by")
        .annotate(answered=Coalesce(Subquery(answered), 0))
        .order_by("-version")
    )


# The console warns this many days before the holiday table runs out.
HOLIDAY_WARNING_DAYS = 60


@dataclass(frozen=True)
class HolidayTableStatus:
    end: date | None  # the last day working days can be counted up to (None: no table)
    missing_year: int  # the first year to enter
    days_left: int  # days from today to ``end`` (negative once it has run out)


def holiday_table_end(today: date) -> date | None:
    """The last day of the unbroken run of entered years from today's year (or, when today's
    year is missing, the end of the last entered year before it)."""
    years = set(HolidayYear.objects.values_list("year", flat=True))
    if today.year not in years:
        earlier = [y for y in years if y < today.year]
        return date(max(earlier), 12, 31) if earlier else None
    year = today.year
    while year + 1 in years:
        year += 1
    return date(year, 12, 31)


def holiday_table_warning(today: date) -> HolidayTableStatus | None:
    """Set from ``HOLIDAY_WARNING_DAYS`` days before the table runs out (and after)."""
    end = holiday_table_end(today)
    if end is None:
        return HolidayTableStatus(end=None, missing_year=today.year, days_left=-1)
    days_left = (end - today).days
    if days_left > HOLIDAY_WARNING_DAYS:
        return None
    return HolidayTableStatus(end=end, missing_year=end.year + 1, days_left=days_left)


@dataclass(frozen=True)
class HolidayYearRow:
    entry: HolidayYear
    days: list[Holiday]

    @property
    def off(self) -> int:
        return sum(1 for d in self.days if d.kind == Holiday.Kind.OFF)

    @property
    def work(self) -> int:
        return sum(1 for d in self.days if d.kind == Holiday.Kind.WORK)


def holiday_years() -> list[HolidayYearRow]:
    """Every entered year, newest first, with its days (two queries)."""
    entries = list(HolidayYear.objects.select_related("entered_by").order_by("-year"))
    by_year: dict[int, list[Holiday]] = {e.year: [] for e in entries}
    for day in Holiday.objects.filter(day__year__in=list(by_year)).order_by("day"):
        by_year[day.day.year].append(day)
    return [HolidayYearRow(entry=e, days=by_year[e.year]) for e in entries]


def pending_deadline_count() -> int:
    """Open applications whose legal deadline is not computable (holiday table missing)."""
    return Application.objects.filter(
        deadline_pending_from__isnull=False, status__in=OPEN_STATUSES
    ).count()


def eligibility_summary(eligibility: dict[str, Any]) -> list[str]:
    """The eligibility rules of a form in words, for the builder."""
    from shequ.people.models import VerificationLevel
    from shequ.places.models import Division

    lines: list[str] = []
    low, high = eligibility.get("min_age"), eligibility.get("max_age")
    if low is not None and high is not None:
        lines.append(str(_("Aged %(low)s to %(high)s")) % {"low": low, "high": high})
    elif low is not None:
        lines.append(str(_("Aged %(low)s or over")) % {"low": low})
    elif high is not None:
        lines.append(str(_("Aged %(high)s or under")) % {"high": high})
    residence = eligibility.get("residence", "")
    if residence == "city":
        lines.append(str(_("Residents of the city")))
    elif residence == "community":
        names = Division.objects.filter(pk__in=eligibility.get("communities", [])).values_list(
            "name", flat=True
        )
        lines.append(str(_("Residents of %(names)s")) % {"names": "、".join(sorted(names))})
    level = eligibility.get("min_level")
    if level is not None:
        lines.append(str(_("Verification: %(level)s")) % {"level": VerificationLevel(level).label})
    return lines


def place_picker(source: Any) -> dict[str, Any]:
    """The district → street → community selects, filled from what was chosen (``source``:
    the query string), so they work without scripts too."""
    from shequ.places.models import Division
    from shequ.places.selectors import division_children, division_list

    chosen = {k: str(source.get(k, "") or "")[:12] for k in ("district", "street", "community")}

    def children(code: str) -> Any:
        return division_children(code) if code.isascii() and code.isdigit() else []

    return {
        "chosen": chosen,
        "districts": division_list(level=Division.Level.DISTRICT),
        "streets": children(chosen["district"]),
        "communities": children(chosen["street"]),
    }
