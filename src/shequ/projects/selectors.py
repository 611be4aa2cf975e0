"""Reads of the five major actions: public lists and map points, scoped console lists, and
statistics "as of" a date computed from the status history.

As-of rules (documented in docs/projects.md):
- a project "is implemented" (已实施) by date D once it entered *under construction* on or
  before D (its first such event: a rework loop does not count it twice);
- a project "was in status S on D" when its event for S occurred on or before D and was not
  superseded by D.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.lookups import GreaterThan
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequ.core.digits import digits_or_none, is_ascii_digits
from shequ.core.errors import NotFound
from shequ.core.scopes import within
from shequ.people.models import Department
from shequ.people.selectors import scope_queryset
from shequ.places.models import Division
from shequ.projects.models import (
    Action,
    Follow,
    FollowerMessage,
    PlanTarget,
    ProgressReport,
    Project,
    ProjectType,
    Status,
    StatusEvent,
    event_until,
)

PROJECT_LIST_FIELDS = (
    "id",
    "code",
    "name",
    "year",
    "status",
    "status_since",
    "progress",
    "project_type_id",
    "project_type__name",
    "project_type__name_en",
    "project_type__action_id",
    "district_id",
    "district__short_name",
    "district__name_en",
    "district__name",
    "division_id",
    "division__name",
    "division__name_en",
    "planned_city",
    "planned_district",
    "planned_social",
)


@dataclass(frozen=True)
class ProjectFilter:
    district: str = ""
    type_code: str = ""
    status: str = ""
    year: int | None = None
    query: str = ""

    @classmethod
    def from_params(cls, params: Any) -> "ProjectFilter":
        year_digits = digits_or_none(str(params.get("year", "") or "")) or ""
        status = str(params.get("status", "") or "")
        return cls(
            district=str(params.get("district", "") or "")[:12],
            type_code=str(params.get("type", "") or "")[:40],
            status=status if status in Status.values else "",
            year=int(year_digits) if len(year_digits) == 4 else None,
            query=str(params.get("q", "") or "").strip()[:40],
        )


def _filtered(queryset: QuerySet[Project], flt: ProjectFilter) -> QuerySet[Project]:
    if is_ascii_digits(flt.district) and len(flt.district) == 12:
        queryset = queryset.filter(within("division_id", flt.district))
    if flt.type_code:
        queryset = queryset.filter(project_type__code=flt.type_code)
    if flt.status:
        queryset = queryset.filter(status=flt.status)
    if flt.year:
        queryset = queryset.filter(year=flt.year)
    if flt.query:
        queryset = queryset.filter(Q(name__contains=flt.query) | Q(code=flt.query))
    return queryset


def project_public_list(flt: ProjectFilter) -> QuerySet[Project]:
    """Every project, for the public accountability list (公开): public works are public."""
    return (
        _filtered(Project.objects.all(), flt)
        .select_related("project_type", "district", "division")
        .only(*PROJECT_LIST_FIELDS)
        .order_by("-year", "code")
    )


def project_list_for(user: Any, flt: ProjectFilter) -> QuerySet[Project]:
    """The projects of the user's area (and, for department staff, of their department)."""
    queryset = scope_queryset(
        Project.objects.all(), user, division_field="division_id", department_field="department_id"
    )
    return (
        _filtered(queryset, flt)
        .select_related("project_type", "district", "division")
        .only(*PROJECT_LIST_FIELDS)
        .order_by("-year", "code")
    )


def _detail_queryset() -> QuerySet[Project]:
    return Project.objects.select_related(
        "project_type__action", "district", "division", "department"
    ).prefetch_related("communities", "milestones", "photos", "reports", "status_events")


def project_get_public(code: str) -> Project:
    """Raises: NotFound."""
    project = _detail_queryset().filter(code=code).first()
    if project is None:
        raise NotFound("project_not_found", _("No such project."))
    return project


def project_progress_public(code: str) -> Project:
    """A project with its monthly reports and photos only (the public progress feed).

    Raises: NotFound."""
    project = (
        Project.objects.filter(code=code)
        .only("id", "code", "progress")
        .prefetch_related("reports", "photos")
        .first()
    )
    if project is None:
        raise NotFound("project_not_found", _("No such project."))
    return project


def project_get_for(user: Any, code: str) -> Project:
    """Raises: NotFound when missing or outside the user's area (indistinguishable)."""
    queryset = scope_queryset(
        _detail_queryset(), user, division_field="division_id", department_field="department_id"
    )
    project = queryset.filter(code=code).first()
    if project is None:
        raise NotFound("project_not_found", _("No such project."))
    return project


def map_points(flt: ProjectFilter) -> dict[str, Any]:
    """Compact map data: types and statuses once, then one short array per project."""
    rows = (
        _filtered(Project.objects.filter(longitude__isnull=False), flt)
        .order_by()
        .values_list("code", "longitude", "latitude", "status", "project_type_id", "progress")
    )
    return {
        "fields": ["code", "lon", "lat", "status", "type", "progress"],
        "points": [list(row) for row in rows],
    }


def milestone_progress(project: Project) -> int:
    return sum(m.weight for m in project.milestones.all() if m.done_on)


def is_following(user: Any, project: Project) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(user=user, project=project).exists()


def follower_messages_for(user: Any) -> QuerySet[FollowerMessage]:
    return FollowerMessage.objects.filter(user=user).select_related("project")[:50]


def followed_projects_for(user: Any) -> QuerySet[Project]:
    return (
        Project.objects.filter(follows__user=user)
        .select_related("project_type", "district", "division")
        .only(*PROJECT_LIST_FIELDS)
    )


def taxonomy() -> list[Action]:
    return list(Action.objects.prefetch_related("types").order_by("order"))


def type_choices(*, active_only: bool = True) -> QuerySet[ProjectType]:
    queryset = ProjectType.objects.select_related("action")
    return queryset.filter(is_active=True) if active_only else queryset


def department_choices() -> QuerySet[Department]:
    """The active departments a project can be the responsibility of."""
    return Department.objects.filter(is_active=True).order_by("code").only("code", "name")


def project_form_initial(project: Project) -> dict[str, Any]:
    """The console edit form's initial values from a project (prefetched by ``project_get_for``)."""
    # The first community is the project's place: keep it first.
    others = sorted(c.code for c in project.communities.all() if c.code != project.division_id)
    return {
        "name": project.name,
        "project_type": project.project_type.code,
        "communities": ",".join([project.division_id, *others]),
        "year": project.year,
        "location": json.dumps(project.location, ensure_ascii=False) if project.location else "",
        # Plain text, as the inputs take it (a template would localise a date or a number).
        "planned_city": str(project.planned_city),
        "planned_district": str(project.planned_district),
        "planned_social": str(project.planned_social),
        "department": project.department.code if project.department else "",
        "implementer": project.implementer,
        "planned_start": project.planned_start.isoformat() if project.planned_start else "",
        "planned_end": project.planned_end.isoformat() if project.planned_end else "",
        "description": project.description,
    }


def district_list() -> QuerySet[Division]:
    return Division.objects.filter(level=Division.Level.DISTRICT, is_active=True).order_by("code")


def district_geojson() -> dict[str, Any]:
    """The 20 district boundaries as one FeatureCollection (the map's base layer)."""
    features = [
        {
            "type": "Feature",
            "properties": {"code": code, "name": name, "name_en": name_en},
            "geometry": boundary,
        }
        for code, name, name_en, boundary in district_list()
        .filter(boundary__isnull=False)
        .values_list("code", "short_name", "name_en", "boundary")
    ]
    return {"type": "FeatureCollection", "features": features}


def plan_targets_for(user: Any, *, year: int | None = None) -> QuerySet[PlanTarget]:
    queryset = scope_queryset(PlanTarget.objects.all(), user, division_field="district_id")
    if year:
        queryset = queryset.filter(year=year)
    return queryset.select_related("project_type", "district").order_by(
        "year", "district_id", "project_type__action__order", "project_type__order"
    )


def reports_for_month(user: Any, month: date) -> QuerySet[ProgressReport]:
    queryset = scope_queryset(
        ProgressReport.objects.filter(month=month),
        user,
        division_field="project__division_id",
        department_field="project__department_id",
    )
    return queryset.select_related("project").order_by("project__code")


# ---- statistics as of a date ----------------------------------------------------------------


@dataclass
class TypeRow:
    project_type: ProjectType
    implemented: int = 0
    planned_count: int = 0
    planned_investment: Decimal = Decimal("0.00")
    investment: Decimal = Decimal("0.00")
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> int | None:
        if not self.planned_count:
            return None
        return round(100 * self.implemented / self.planned_count)


@dataclass
class AsOfReport:
    as_of: date
    year: int
    district: Division | None
    rows: list[TypeRow]
    by_district: list[tuple[Division, int]]
    statuses: list[tuple[str, str]]

    @property
    def total(self) -> int:
        return sum(r.implemented for r in self.rows)

    @property
    def total_investment(self) -> Decimal:
        return sum((r.investment for r in self.rows), Decimal("0.00"))

    def sentence(self) -> str:
        """The committee's sentence, e.g. 截至2018年7月31日，2018年已实施棚户区改造项目37个、……。"""
        items = [
            _("%(label)s %(count)s %(unit)s")
            % {
                "label": r.project_type.report_label or r.project_type.name,
                "count": r.implemented,
                "unit": r.project_type.unit,
            }
            for r in self.rows
            if r.implemented
        ]
        if not items:
            return _("As of %(date)s, no project of %(year)s has started yet.") % {
                "date": formats.date_format(self.as_of, "DATE_FORMAT"),
                "year": self.year,
            }
        return _("As of %(date)s, in %(year)s: %(items)s were under way.") % {
            "date": formats.date_format(self.as_of, "DATE_FORMAT"),
            "year": self.year,
            "items": pgettext("list separator", ", ").join(items),
        }


def _scoped_events(user: Any, district: str) -> QuerySet[StatusEvent]:
    queryset = scope_queryset(StatusEvent.objects.all(), user, division_field="division_id")
    if district:
        queryset = queryset.filter(within("division_id", district))
    return queryset


def implemented_totals(
    user: Any, *, as_of: date, year: int, district: str = ""
) -> dict[tuple[int, str], tuple[int, Decimal]]:
    """{(type id, district code): (projects of ``year`` under way by ``as_of``, their planned
    investment)}: one grouped, index-only query on the status history (no join)."""
    rows = (
        _scoped_events(user, district)
        .filter(
            is_first=True,
            status=Status.UNDER_CONSTRUCTION,
            year=year,
            occurred_on__lte=as_of,
        )
        .order_by()
        .values_list("project_type_id", "district_id")
        .annotate(n=Count("*"), money=Sum("planned_investment"))
    )
    return {(t, d): (n, money or Decimal("0.00")) for t, d, n, money in rows}


def implemented_counts(
    user: Any, *, as_of: date, year: int, district: str = ""
) -> dict[tuple[int, str], int]:
    """{(type id, district code): projects of ``year`` under way by ``as_of``}."""
    totals = implemented_totals(user, as_of=as_of, year=year, district=district)
    return {key: n for key, (n, _money) in totals.items()}


def status_counts(
    user: Any, *, as_of: date, year: int | None = None, district: str = ""
) -> dict[tuple[int, str], int]:
    """{(type id, status): projects in that status on ``as_of``} from the status history.

    An event holds on D when it occurred on or before D and its ``until`` (superseded date, or
    for ever) is after D. Per project year that is an index-only scan from whichever end has
    fewer events; without a year, one such grouped scan per year in one UNION ALL query.
    """
    queryset = (
        _scoped_events(user, district)
        .filter(occurred_on__lte=as_of)
        .filter(GreaterThan(event_until(), as_of))
        .order_by()
    )
    if year:
        years = [year]
    else:
        bounds = StatusEvent.objects.aggregate(first=Min("year"), last=Max("year"))
        if bounds["first"] is None:
            return {}
        years = list(range(bounds["first"], bounds["last"] + 1))
    grouped = [
        queryset.filter(year=y).values_list("project_type_id", "status").annotate(n=Count("*"))
        for y in years
    ]
    rows = grouped[0].union(*grouped[1:], all=True) if len(grouped) > 1 else grouped[0]
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for type_id, status, n in rows:
        counts[(type_id, status)] += n
    return dict(counts)


def _investment_by_type(totals: dict[tuple[int, str], tuple[int, Decimal]]) -> dict[int, Decimal]:
    by_type: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for (type_id, _district), (_n, money) in totals.items():
        by_type[type_id] += money
    return dict(by_type)


def implemented_investment(
    user: Any, *, as_of: date, year: int, district: str = ""
) -> dict[int, Decimal]:
    """{type id: planned investment of the projects under way by ``as_of``}."""
    totals = implemented_totals(user, as_of=as_of, year=year, district=district)
    return _investment_by_type(totals)


def as_of_report(user: Any, *, as_of: date, year: int, district: str = "") -> AsOfReport:
    """Counts, plan and investment per type, and counts per district, as of a date."""
    totals = implemented_totals(user, as_of=as_of, year=year, district=district)
    in_status = status_counts(user, as_of=as_of, year=year, district=district)
    investment = _investment_by_type(totals)
    plans = (
        plan_targets_for(user, year=year)
        .filter(within("district_id", district) if district else Q())
        .order_by()
        .values_list("project_type_id")
        .annotate(n=Sum("count"), money=Sum("investment"))
    )
    plan_by_type = {t: (n or 0, m or Decimal("0.00")) for t, n, m in plans}
    per_type: dict[int, int] = defaultdict(int)
    per_district: dict[str, int] = defaultdict(int)
    for (type_id, district_code), (n, _money) in totals.items():
        per_type[type_id] += n
        per_district[district_code] += n
    rows = []
    for project_type in type_choices(active_only=False).order_by("action__order", "order", "code"):
        if not project_type.is_active and not per_type.get(project_type.pk):
            continue
        plan = plan_by_type.get(project_type.pk, (0, Decimal("0.00")))
        rows.append(
            TypeRow(
                project_type=project_type,
                implemented=per_type.get(project_type.pk, 0),
                planned_count=plan[0],
                planned_investment=plan[1],
                investment=investment.get(project_type.pk, Decimal("0.00")),
                by_status={s: in_status.get((project_type.pk, s), 0) for s in Status.values},
            )
        )
    districts = {
        d.code: d for d in district_list().only("code", "name", "short_name", "name_en", "level")
    }
    by_district = [(d, per_district.get(code, 0)) for code, d in districts.items()]
    return AsOfReport(
        as_of=as_of,
        year=year,
        district=districts.get(district) if district else None,
        rows=rows,
        by_district=[(d, n) for d, n in by_district if n or not district],
        statuses=[(str(v), str(label)) for v, label in Status.choices],
    )


def project_choices_in(community_code: str) -> QuerySet[Project]:
    """A community's projects, newest first, for linking something to one."""
    return Project.objects.filter(division_id=community_code).order_by("-year", "name")
