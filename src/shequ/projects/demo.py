"""A synthetic 2018–2020 portfolio of the five major actions for all 20 districts.

SYNTHETIC: every project, name, location, amount and date here is made up. Only the
taxonomy, the divisions and the report's published totals are real: the projects of 2018
that had started by 31 July 2018 add up, type by type, to the figures of the committee's
report (37 shanty-town projects, 58 old courtyards, 24 urban villages, 1,003 back alleys,
1,080 两拆一增 sites, 58 pocket parks, 35 featured streets, 42 community complexes, 896 public
facilities, 81 legal-service points, 1,833 governance centres, 757 雪亮 video projects), and
the planned investment of all 2018 projects adds up to 80.6 billion yuan.
"""

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from shapely.geometry import Point, shape
from shapely.prepared import prep

from shequ.core.scopes import within
from shequ.places.models import Division
from shequ.projects.models import (
    Follow,
    PlanTarget,
    ProgressReport,
    Project,
    ProjectType,
    Status,
    StatusEvent,
)

AS_OF = date(2018, 7, 31)
PLANNED_2018 = Decimal("80600000000.00")  # 806亿元

# Projects of 2018 under way by 31 July 2018, per type (the report's figures).
REPORTED_2018: dict[str, int] = {
    "shanty-town": 37,
    "old-courtyard": 58,
    "urban-village": 24,
    "back-alley": 1003,
    "two-demolish-one-add": 1080,
    "pocket-park": 58,
    "featured-street": 35,
    "activity-rooms": 0,
    "community-complex": 42,
    "public-facility": 896,
    "legal-service": 81,
    "governance-centre": 1833,
    "xueliang": 757,
}
# Typical cost of one project (yuan, low–high) and a name pattern per type.
COSTS: dict[str, tuple[int, int, str]] = {
    "shanty-town": (80_000_000, 900_000_000, "{street}棚户区改造项目"),
    "old-courtyard": (800_000, 6_000_000, "{community}老旧院落整治"),
    "urban-village": (30_000_000, 300_000_000, "{community}城中村改造"),
    "back-alley": (300_000, 3_000_000, "{community}背街小巷整治（第{n}段）"),
    "two-demolish-one-add": (50_000, 600_000, "{community}“两拆一增”点位{n}"),
    "pocket-park": (300_000, 3_000_000, "{community}小游园"),
    "featured-street": (5_000_000, 60_000_000, "{street}特色街区"),
    "activity-rooms": (200_000, 1_500_000, "{community}社区活动用房达标"),
    "community-complex": (8_000_000, 40_000_000, "{street}社区综合体"),
    "public-facility": (100_000, 2_000_000, "{community}公共服务设施{n}"),
    "legal-service": (30_000, 200_000, "{community}法律之家"),
    "governance-centre": (100_000, 1_000_000, "{community}综治中心"),
    "xueliang": (200_000, 3_000_000, "{community}“雪亮工程”视频监控{n}"),
}
IMPLEMENTERS = [
    "区住建局",
    "街道办事处",
    "区城管局",
    "区公园城市局",
    "区司法局",
    "区公安分局",
    "社区居委会",
]
LINE_TYPES = frozenset({"back-alley", "featured-street"})


@dataclass
class DistrictPlace:
    district: Division
    communities: list[Division]
    streets: dict[str, str]
    sampler: Callable[[random.Random], tuple[float, float]]


def _sampler(boundary: dict[str, Any] | None) -> Callable[[random.Random], tuple[float, float]]:
    if not boundary:
        return lambda rng: (104.06 + rng.uniform(-0.05, 0.05), 30.66 + rng.uniform(-0.05, 0.05))
    polygon = shape(boundary)
    prepared = prep(polygon)
    west, south, east, north = polygon.bounds

    def sample(rng: random.Random) -> tuple[float, float]:
        for _ in range(200):
            lon, lat = rng.uniform(west, east), rng.uniform(south, north)
            if prepared.contains(Point(lon, lat)):
                return round(lon, 6), round(lat, 6)
        point = polygon.representative_point()
        return round(point.x, 6), round(point.y, 6)

    return sample


def district_places() -> list[DistrictPlace]:
    districts = list(Division.objects.filter(level=Division.Level.DISTRICT).order_by("code"))
    communities: dict[str, list[Division]] = {d.code[:6]: [] for d in districts}
    streets: dict[str, str] = dict(
        Division.objects.filter(level=Division.Level.STREET).values_list("code", "short_name")
    )
    for community in Division.objects.filter(level=Division.Level.COMMUNITY).only(
        "code", "name", "short_name"
    ):
        communities.setdefault(community.code[:6], []).append(community)
    return [
        DistrictPlace(d, communities[d.code[:6]], streets, _sampler(d.boundary))
        for d in districts
        if communities.get(d.code[:6])
    ]


def _location(code: str, lon: float, lat: float, rng: random.Random) -> dict[str, Any]:
    if code in LINE_TYPES:
        angle = rng.uniform(0, math.pi)
        dx, dy = 0.002 * math.cos(angle), 0.002 * math.sin(angle)
        return {
            "type": "LineString",
            "coordinates": [
                [round(lon - dx, 6), round(lat - dy, 6)],
                [lon, lat],
                [round(lon + dx, 6), round(lat + dy, 6)],
            ],
        }
    return {"type": "Point", "coordinates": [lon, lat]}


def _day(rng: random.Random, start: date, end: date) -> date:
    span = (end - start).days
    return start + timedelta(days=rng.randint(0, max(span, 0)))


def _timeline(
    rng: random.Random, year: int, started: date | None, today: date
) -> list[tuple[str, date]]:
    """Status dates of one project: planned, approved, then as far as the dates allow."""
    planned = date(year, 1, rng.randint(2, 20))
    if started is None:
        return [(Status.PLANNED, planned)]
    approved = min(started, planned + timedelta(days=rng.randint(10, 50)))
    approved = max(approved, planned)
    steps: list[tuple[str, date]] = [(Status.PLANNED, planned), (Status.APPROVED, approved)]
    steps.append((Status.UNDER_CONSTRUCTION, started))
    completed = started + timedelta(days=rng.randint(40, 330))
    if completed <= today:
        steps.append((Status.COMPLETED, completed))
        accepted = completed + timedelta(days=rng.randint(15, 90))
        if accepted <= today:
            steps.append((Status.ACCEPTED, accepted))
    return steps


@dataclass
class SeedReport:
    projects: int = 0
    events: int = 0
    plan_targets: int = 0


def _weights(n: int, rng: random.Random) -> list[float]:
    return [rng.random() ** 2 + 0.05 for _ in range(n)]


@transaction.atomic
def portfolio_seed(*, seed: int = 2018, today: date | None = None) -> SeedReport:
    """Seed the synthetic portfolio once (a second call adds nothing)."""
    report = SeedReport()
    if Project.objects.filter(is_synthetic=True).exists():
        return report
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    today = today or date.today()  # noqa: DTZ011 - a calendar date for demo data
    places = district_places()
    if not places:
        return report
    types = {t.code: t for t in ProjectType.objects.all()}
    # Larger districts get more projects: weight by number of communities.
    district_weights = [len(p.communities) for p in places]
    projects: list[Project] = []
    timelines: list[list[tuple[str, date]]] = []
    members: list[str] = []
    for year, scale in ((2018, 1.0), (2019, 0.45), (2020, 0.35)):
        for type_code, (low, high, pattern) in COSTS.items():
            project_type = types.get(type_code)
            if project_type is None:
                continue
            base = REPORTED_2018[type_code] or 40
            if year == 2018:
                early = REPORTED_2018[type_code]
                late = max(2, round(base * 0.12))  # start after July
                waiting = max(1, round(base * 0.03))  # approved or planned, not yet started
            else:
                early, late, waiting = round(base * scale), round(base * scale * 0.1), 0
            plan = [("early", early), ("late", late), ("waiting", waiting)]
            chosen = rng.choices(places, weights=district_weights, k=early + late + waiting)
            index = 0
            for kind, count in plan:
                for _ in range(count):
                    place = chosen[index]
                    index += 1
                    community = rng.choice(place.communities)
                    street_name = place.streets.get(community.code[:9] + "000", "")
                    lon, lat = place.sampler(rng)
                    if kind == "early":
                        start_window = (
                            (date(year, 2, 1), AS_OF)
                            if year == 2018
                            else (date(year, 2, 1), date(year, 9, 30))
                        )
                        started: date | None = _day(rng, *start_window)
                    elif kind == "late":
                        started = _day(rng, date(year, 8, 1), date(year, 12, 20))
                    else:
                        started = None
                    steps = _timeline(rng, year, started, today)
                    if kind == "waiting" and rng.random() < 0.5:
                        steps.append((Status.APPROVED, steps[0][1] + timedelta(days=30)))
                    cost = Decimal(rng.randint(low, high))
                    seq = len(projects) + 1
                    name = pattern.format(
                        community=community.short_name or community.name,
                        street=street_name,
                        n=rng.randint(1, 9),
                    )
                    projects.append(
                        Project(
                            code=f"{year}-{place.district.code[:6]}-{seq:05d}",
                            name=name[:200],
                            project_type=project_type,
                            division_id=community.code,
                            district=place.district,
                            year=year,
                            location=_location(type_code, lon, lat, rng),
                            longitude=lon,
                            latitude=lat,
                            planned_city=cost,
                            planned_district=cost,
                            planned_social=cost,
                            implementer=rng.choice(IMPLEMENTERS),
                            status=steps[-1][0],
                            status_since=steps[-1][1],
                            progress=_progress_of(steps, today),
                            planned_start=started,
                            planned_end=(started + timedelta(days=300)) if started else None,
                            is_synthetic=True,
                        )
                    )
                    timelines.append(steps)
                    members.append(community.code)
    _split_investment(projects, rng)
    Project.objects.bulk_create(projects, batch_size=2000)
    saved = dict(Project.objects.filter(is_synthetic=True).values_list("code", "id"))
    through = Project.communities.through
    through.objects.bulk_create(
        [
            through(project_id=saved[p.code], division_id=code)
            for p, code in zip(projects, members, strict=True)
        ],
        batch_size=5000,
    )
    events = []
    for project, steps in zip(projects, timelines, strict=True):
        pid = saved[project.code]
        for i, (status, day) in enumerate(steps):
            events.append(
                StatusEvent(
                    project_id=pid,
                    status=status,
                    occurred_on=day,
                    superseded_on=steps[i + 1][1] if i + 1 < len(steps) else None,
                    is_first=True,
                    project_type_id=project.project_type_id,
                    district_id=project.district_id,
                    division_id=project.division_id,
                    year=project.year,
                    planned_investment=project.planned_total,
                )
            )
    StatusEvent.objects.bulk_create(events, batch_size=5000)
    report.projects, report.events = len(projects), len(events)
    report.plan_targets = _plan_seed(projects)
    return report


def _progress_of(steps: list[tuple[str, date]], today: date) -> int:
    status = steps[-1][0]
    if status in (Status.COMPLETED, Status.ACCEPTED):
        return 100
    if status == Status.UNDER_CONSTRUCTION:
        days = (today - steps[-1][1]).days
        return max(5, min(95, days // 4))
    return 0


def _split_investment(projects: list[Project], rng: random.Random) -> None:
    """City / district / social capital shares; 2018 scaled to exactly 80.6 billion yuan."""
    of_2018 = [p for p in projects if p.year == 2018]
    raw_total = sum((p.planned_city for p in of_2018), Decimal(0))
    factor = PLANNED_2018 / raw_total if raw_total else Decimal(1)
    for project in projects:
        total = project.planned_city * (factor if project.year == 2018 else 1)
        total = total.quantize(Decimal("0.01"))
        city = (total * Decimal(rng.choice(["0.2", "0.3", "0.4"]))).quantize(Decimal("0.01"))
        social = (total * Decimal(rng.choice(["0", "0.1", "0.2"]))).quantize(Decimal("0.01"))
        project.planned_city, project.planned_social = city, social
        project.planned_district = total - city - social
    gap = PLANNED_2018 - sum((p.planned_total for p in of_2018), Decimal(0))
    if of_2018:
        biggest = max(of_2018, key=lambda p: p.planned_district)
        biggest.planned_district += gap


def _plan_seed(projects: list[Project]) -> int:
    """Three-year targets: a little above what each district ended up starting."""
    cells: dict[tuple[int, str, int], list[Decimal]] = {}
    for project in projects:
        key = (project.project_type_id, project.district_id, project.year)
        cell = cells.setdefault(key, [Decimal(0), Decimal(0)])
        cell[0] += 1
        cell[1] += project.planned_total
    targets = [
        PlanTarget(
            project_type_id=t,
            district_id=d,
            year=y,
            count=int(n) + max(1, int(n) // 10),
            investment=(money * Decimal("1.1")).quantize(Decimal("0.01")),
        )
        for (t, d, y), (n, money) in cells.items()
    ]
    PlanTarget.objects.bulk_create(targets, ignore_conflicts=True)
    return len(targets)


def demo_reports_seed(*, code_of_place: str, months: list[date], followers: list[Any]) -> int:
    """Monthly progress reports for the projects of one place (the demo accounts' street)."""
    projects = list(
        Project.objects.filter(
            within("division_id", code_of_place), is_synthetic=True, year=2018
        ).exclude(status=Status.PLANNED)[:40]
    )
    reports = []
    for project in projects:
        for i, month in enumerate(months, start=1):
            reports.append(
                ProgressReport(
                    project=project,
                    month=month,
                    progress=min(100, i * 100 // len(months)),
                    note="",
                )
            )
    ProgressReport.objects.bulk_create(reports, ignore_conflicts=True)
    for user in followers:
        Follow.objects.bulk_create(
            [Follow(project=p, user=user) for p in projects[:3]], ignore_conflicts=True
        )
    return len(reports)
