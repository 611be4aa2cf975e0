"""Open datasets: what each holds, where it comes from, and the query that makes it.

Every dataset is aggregate figures per division (city, district, street, community), never a
row per person: no name, ID number, phone or address can be in any column
(``tests/portal/test_open_data.py`` checks every column). Figures that count people are
suppressed in small cells (below ``SHEQU_SMALL_CELL_MINIMUM``), and a second cell is
suppressed beside a lone suppressed one, so no cell can be recovered by subtracting the
published children from their parent.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.access.models import ALL_ESSENTIAL
from shequ.access.selectors import coverage_public
from shequ.appeals.selectors.rates import RATE_FIELDS, AreaRates, community_rate_counts
from shequ.core.scopes import CITY_CODE
from shequ.funds.models import Account, LedgerTransaction, Posting
from shequ.indicators.selectors import results_public
from shequ.participation.models import Proposal
from shequ.places.models import Division
from shequ.projects.models import Project, Status
from shequ.surveys.models import Response
from shequ.surveys.selectors import public_sums_by_division, surveys_published
from shequ.surveys.statistics import Estimate, estimate_mean, estimate_share
from shequ.volunteers.models import HoursEntry
from shequ.volunteers.selectors import totals_by_community

SUPPRESSED = None  # a suppressed cell is empty in CSV and null in JSON
NO_DATA = ""  # a rate of nothing (no request rated): empty too, "—" on the dashboards


@dataclass(frozen=True)
class Column:
    name: str
    title: Any
    datatype: str  # xsd: string, integer, decimal
    counts_people: bool = False
    # Blanked wherever this other (people-counting) column is blanked in the same row: a
    # rate of a handful of people's ratings would tell what they said.
    hidden_with: str = ""
    # The columns holding this figure's interval (from, to): the dashboards show them in the
    # figure's cell, "73.8 (70.1–77.5)", and the files as columns of their own.
    bounds: tuple[str, str] | None = None


@dataclass(frozen=True)
class Dataset:
    code: str
    title: Any
    description: Any
    columns: tuple[Column, ...]
    query: str
    rows: Callable[[], list[dict[str, Any]]]
    frequency: str = "daily"
    keywords: tuple[str, ...] = ()
    # Several rows per division, one per value of this column (a category, a survey), named
    # by ``breakdown_label``; the table of the children shows only the ``headline`` value's
    # rows when one is given.
    breakdown: str = ""
    breakdown_label: str = ""
    headline: str = ""


def small_cell_minimum() -> int:
    return int(getattr(settings, "SHEQU_SMALL_CELL_MINIMUM", 5))


def _levels() -> dict[str, Division]:
    return {
        d.code: d
        for d in Division.objects.filter(is_active=True).only(
            "code", "name", "short_name", "level", "parent_id"
        )
    }


def _ancestors(code: str) -> list[str]:
    """The code itself and the street, district and city above it."""
    chain = [code]
    if code[9:] != "000":
        chain.append(code[:9] + "000")
    if code[6:] != "000000":
        chain.append(code[:6] + "000000")
    if code != CITY_CODE:
        chain.append(CITY_CODE)
    return list(dict.fromkeys(chain))


def _roll_up(
    per_community: dict[str, dict[str, Any]], names: list[str]
) -> dict[str, dict[str, Any]]:
    totals: dict[str, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(names, 0))
    for code, figures in per_community.items():
        for target in _ancestors(code):
            for name in names:
                totals[target][name] += figures.get(name) or 0
    return totals


def suppress(rows: list[dict[str, Any]], columns: tuple[Column, ...], breakdown: str = "") -> int:
    """Blank the people-counting figures of communities below the minimum (not zeros: a zero
    reveals nobody), then, inside each street, a second community beside a lone suppressed
    one, so differencing the street's total cannot reveal it. Rows broken down (by survey,
    by category) are compared with the street's rows of the same breakdown value. Returns
    the cells blanked."""
    minimum = small_cell_minimum()
    blanked = 0
    by_street: dict[tuple[str, Any], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["level"] == Division.Level.COMMUNITY:
            by_street[(row["code"][:9], row.get(breakdown) if breakdown else "")].append(row)
    for column in columns:
        if not column.counts_people:
            continue
        for siblings in by_street.values():
            hidden = []
            for row in siblings:
                value = row[column.name]
                if value is not None and 0 < value < minimum:
                    row[column.name] = SUPPRESSED
                    hidden.append(row)
                    blanked += 1
            if len(hidden) == 1:
                shown = [r for r in siblings if r[column.name] is not None]
                if shown:
                    smallest = min(shown, key=lambda r: (r[column.name], r["code"]))
                    smallest[column.name] = SUPPRESSED
                    blanked += 1
    for column in columns:
        if not column.hidden_with:
            continue
        for siblings in by_street.values():
            for row in siblings:
                if row[column.hidden_with] is None and row[column.name] is not None:
                    row[column.name] = SUPPRESSED
                    blanked += 1
    return blanked


def _rows(per_community: dict[str, dict[str, Any]], names: list[str]) -> list[dict[str, Any]]:
    """One row per active division (zeros where nothing happened), communities summed up."""
    totals = _roll_up(per_community, names)
    rows = []
    for code, division in sorted(_levels().items()):
        figures = totals.get(code) or dict.fromkeys(names, 0)
        rows.append(
            {
                "code": code,
                "name": division.name,
                "level": division.level,
                "parent": division.parent_id or "",
                **{n: figures[n] for n in names},
            }
        )
    return rows


DIVISION_COLUMNS = (
    Column("code", _("Division code (GB/T 2260 and NBS)"), "string"),
    Column("name", _("Division name"), "string"),
    Column("level", _("Level: city, district, street or community"), "string"),
    Column("parent", _("Code of the division above"), "string"),
)

PROJECT_COLUMNS = (
    *DIVISION_COLUMNS,
    Column("projects", _("Projects of the five major actions"), "integer"),
    Column("completed", _("Projects completed or accepted"), "integer"),
    Column("planned_investment", _("Planned investment (yuan)"), "decimal"),
    Column("actual_investment", _("Actual investment (yuan)"), "decimal"),
)


def _project_rows() -> list[dict[str, Any]]:
    done = Q(status__in=[Status.COMPLETED, Status.ACCEPTED])
    per: dict[str, dict[str, Any]] = {}
    for row in Project.objects.values("division_id").annotate(
        projects=Count("id"),
        completed=Count("id", filter=done),
        planned=Sum("planned_city") + Sum("planned_district") + Sum("planned_social"),
        actual=Sum("actual_city") + Sum("actual_district") + Sum("actual_social"),
    ):
        per[row["division_id"]] = {
            "projects": row["projects"],
            "completed": row["completed"],
            "planned_investment": row["planned"] or Decimal(0),
            "actual_investment": row["actual"] or Decimal(0),
        }
    return _rows(per, ["projects", "completed", "planned_investment", "actual_investment"])


FUND_COLUMNS = (
    *DIVISION_COLUMNS,
    Column("allocated", _("Allocated to community funds (yuan)"), "decimal"),
    Column("available", _("Available balance (yuan)"), "decimal"),
    Column("committed", _("Committed by council decisions (yuan)"), "decimal"),
    Column("paid", _("Paid out (yuan)"), "decimal"),
)


def _fund_rows() -> list[dict[str, Any]]:
    per: dict[str, dict[str, Any]] = defaultdict(dict)
    kinds = {
        Account.Kind.FUND: "available",
        Account.Kind.COMMITMENT: "committed",
        Account.Kind.PAYABLE: "paid",
    }
    for row in (
        Account.objects.filter(kind__in=list(kinds), division__level=Division.Level.COMMUNITY)
        .values("division_id", "kind")
        .annotate(total=Sum("balance"))
    ):
        per[row["division_id"]][kinds[row["kind"]]] = abs(row["total"] or Decimal(0))
    for row in (
        Posting.objects.filter(
            transaction__kind=LedgerTransaction.Kind.ALLOCATION,
            account__kind=Account.Kind.FUND,
            account__division__level=Division.Level.COMMUNITY,
        )
        .values("account__division_id")
        .annotate(total=Sum("amount"))
    ):
        per[row["account__division_id"]]["allocated"] = row["total"] or Decimal(0)
    names = ["allocated", "available", "committed", "paid"]
    return _rows({code: {n: v.get(n, Decimal(0)) for n in names} for code, v in per.items()}, names)


PARTICIPATION_COLUMNS = (
    *DIVISION_COLUMNS,
    Column("proposals", _("Proposals published"), "integer"),
    Column("supports", _("Supports given to proposals (people)"), "integer", counts_people=True),
    Column("survey_responses", _("Complete survey responses (people)"), "integer", True),
)


def _participation_rows() -> list[dict[str, Any]]:
    per: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"proposals": 0, "supports": 0, "survey_responses": 0}
    )
    public = [Proposal.Status.OPEN, Proposal.Status.ON_AGENDA, Proposal.Status.DECIDED]
    for row in (
        Proposal.objects.filter(status__in=public)
        .values("community_id")
        .annotate(n=Count("id"), s=Sum("supports"))
    ):
        per[row["community_id"]].update(proposals=row["n"], supports=row["s"] or 0)
    for row in (
        Response.objects.filter(status=Response.Status.COMPLETE)
        .exclude(community_code="")
        .values("community_code")
        .annotate(n=Count("id"))
    ):
        per[row["community_code"]]["survey_responses"] = row["n"]
    return _rows(per, ["proposals", "supports", "survey_responses"])


APPEAL_COLUMNS = (
    *DIVISION_COLUMNS,
    Column("month", _("Month (Beijing time)"), "string"),
    Column("dispatched", _("Requests dispatched to units"), "integer"),
    Column("response_rate", _("Response rate (%)"), "decimal"),
    Column("closed", _("Requests handled"), "integer"),
    Column("on_time_rate", _("Handled on time (%)"), "decimal"),
    Column("rated", _("Ratings by residents (people)"), "integer", counts_people=True),
    Column("resolution_rate", _("Resolution rate (%)"), "decimal", hidden_with="rated"),
    Column("satisfaction_rate", _("Satisfaction rate (%)"), "decimal", hidden_with="rated"),
)


def last_month(now: datetime | None = None) -> tuple[datetime, datetime, str]:
    """The last complete calendar month before ``now``, in Beijing time."""
    today = timezone.localtime(now or timezone.now()).date()
    this_month = today.replace(day=1)
    start_day = (this_month - timedelta(days=1)).replace(day=1)
    tz = timezone.get_current_timezone()
    since = datetime(start_day.year, start_day.month, 1, tzinfo=tz)
    until = datetime(this_month.year, this_month.month, 1, tzinfo=tz)
    return since, until, f"{start_day:%Y-%m}"


def _rate_or_none(value: float | None) -> Any:
    return NO_DATA if value is None else value


def _appeal_rows() -> list[dict[str, Any]]:
    """The requests app's counts per community of the last month, summed up to every
    division; the rates are read from the sums with the requests app's own formulas."""
    since, until, month = last_month()
    names = list(RATE_FIELDS)
    rows = _rows(community_rate_counts(since=since, until=until), names)
    for row in rows:
        rates = AreaRates(**{n: row.pop(n) for n in names})
        row.update(
            month=month,
            dispatched=rates.dispatched,
            response_rate=_rate_or_none(rates.response_rate),
            closed=rates.closed,
            on_time_rate=_rate_or_none(rates.on_time_rate),
            rated=rates.rated,
            resolution_rate=_rate_or_none(rates.resolution_rate),
            satisfaction_rate=_rate_or_none(rates.satisfaction_rate),
        )
    return rows


VOLUNTEER_COLUMNS = (
    *DIVISION_COLUMNS,
    Column("hours", _("Volunteer service hours recorded"), "decimal", hidden_with="volunteers"),
    Column("volunteers", _("Volunteers with hours (people)"), "integer", counts_people=True),
)


def _volunteer_rows() -> list[dict[str, Any]]:
    """The hours ledger (corrections included) summed where the hours count (the volunteers
    app's statistics); volunteers counted once per division however many places they served."""
    per = {
        row["community_id"]: {"hours": row["hours"] or Decimal(0), "volunteers": 0}
        for row in totals_by_community(HoursEntry.objects.all())
    }
    rows = _rows(per, ["hours", "volunteers"])
    distinct: dict[str, int] = {}
    for length, pad in ((12, ""), (9, "000"), (6, "000000")):
        for row in (
            HoursEntry.objects.annotate(area=Substr("community_id", 1, length))
            .values("area")
            .annotate(n=Count("volunteer", distinct=True))
            .order_by()
        ):
            distinct[row["area"] + pad] = row["n"]
    distinct[CITY_CODE] = HoursEntry.objects.values("volunteer").distinct().count()
    for row in rows:
        row["volunteers"] = distinct.get(row["code"], 0)
    return rows


def _division_cells(division: Division) -> dict[str, Any]:
    return {
        "code": division.code,
        "name": division.name,
        "level": division.level,
        "parent": division.parent_id or "",
    }


def _day(moment: datetime | None) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


def _one_decimal(value: float | None, scale: float = 1.0) -> Any:
    return NO_DATA if value is None else round(value * scale, 1)


COVERAGE_COLUMNS = (
    *DIVISION_COLUMNS,
    Column("category", _("Service category code (_all: every daily need at once)"), "string"),
    Column("category_title", _("Service category"), "string"),
    Column("minutes", _("Walking time promised (minutes)"), "decimal"),
    Column("population", _("Residents (modelled population)"), "integer"),
    Column("covered_share", _("Residents within the walking time (%)"), "decimal"),
    Column("computed_on", _("Analysis finished on (Beijing time)"), "string"),
)


def _coverage_rows() -> list[dict[str, Any]]:
    """The newest 15-minute analysis (not a what-if): per division and category, the share of
    the modelled residents within the category's walking time, as the access app computed
    it; the city summed from its districts. A category without any facility is unknown."""
    run, coverage = coverage_public()
    if run is None:
        return []
    divisions = _levels()
    categories = {c["code"]: c for c in run.parameters.get("categories", [])}
    order = [*categories, ALL_ESSENTIAL]
    computed_on = _day(run.finished_at)
    city: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    unknown: set[str] = set()
    cells: dict[tuple[str, str], tuple[float, float | None]] = {}
    for row in coverage:
        cells[(row.division_id, row.category)] = (row.population, row.share)
        if row.level == Division.Level.DISTRICT:
            city[row.category][0] += row.population
            city[row.category][1] += row.covered
            if row.share is None:
                unknown.add(row.category)
    for category, (population, covered) in city.items():
        share = covered / population if population > 0 and category not in unknown else None
        cells[(CITY_CODE, category)] = (population, share)
    rows = []
    for code, division in sorted(divisions.items()):
        for category in order:
            cell = cells.get((code, category))
            if cell is None:
                continue
            population, share = cell
            meta = categories.get(category)
            rows.append(
                {
                    **_division_cells(division),
                    "category": category,
                    "category_title": meta["name"] if meta else str(_("All daily needs")),
                    "minutes": meta["minutes"] if meta else NO_DATA,
                    "population": round(population),
                    "covered_share": _one_decimal(share, 100),
                    "computed_on": computed_on,
                }
            )
    return rows


SURVEY_COLUMNS = (
    *DIVISION_COLUMNS,
    Column("survey", _("Survey (series and wave)"), "string"),
    Column("survey_title", _("Survey"), "string"),
    Column("closed_on", _("Survey closed on (Beijing time)"), "string"),
    Column("respondents", _("Respondents (people)"), "integer", counts_people=True),
    Column(
        "index",
        _("Satisfaction index (0-100)"),
        "decimal",
        hidden_with="respondents",
        bounds=("index_low", "index_high"),
    ),
    Column("index_low", _("Index, 95% interval from"), "decimal", hidden_with="respondents"),
    Column("index_high", _("Index, 95% interval to"), "decimal", hidden_with="respondents"),
    Column(
        "recognition",
        _("Recognition rate (%)"),
        "decimal",
        hidden_with="respondents",
        bounds=("recognition_low", "recognition_high"),
    ),
    Column(
        "recognition_low",
        _("Recognition, 95% interval from (%)"),
        "decimal",
        hidden_with="respondents",
    ),
    Column(
        "recognition_high",
        _("Recognition, 95% interval to (%)"),
        "decimal",
        hidden_with="respondents",
    ),
)


def _estimate_cells(prefix: str, estimate: Estimate | None, scale: float) -> dict[str, Any]:
    if estimate is None:
        return {prefix: SUPPRESSED, f"{prefix}_low": SUPPRESSED, f"{prefix}_high": SUPPRESSED}
    return {
        prefix: _one_decimal(estimate.value, scale),
        f"{prefix}_low": _one_decimal(estimate.low, scale),
        f"{prefix}_high": _one_decimal(estimate.high, scale),
    }


def published_estimates(respondents: dict[str, int], minimum: int) -> set[str]:
    """The divisions whose estimates of one survey may be shown: ``minimum`` respondents or
    more, and no small group left over by differencing. Taking the shown divisions just below
    a shown one from it leaves the answers of whoever is in none of them; when those are a
    few people (more than none, fewer than ``minimum``), the smallest shown part is hidden
    too, until the leftover is none or enough. Parents before children, so every shown
    division's leftover is checked against what is finally shown below it."""
    children: dict[str, list[str]] = defaultdict(list)
    for code in respondents:
        chain = _ancestors(code)
        if len(chain) > 1:
            children[chain[1]].append(code)
    shown = {code for code, n in respondents.items() if n >= minimum}

    def parts(code: str) -> list[str]:
        found: list[str] = []
        for child in children.get(code, []):
            found.extend([child] if child in shown else parts(child))
        return found

    def leftover(code: str) -> int:
        return respondents[code] - sum(respondents[p] for p in parts(code))

    for code in sorted(respondents, key=lambda c: (len(_ancestors(c)), c)):
        while code in shown and 0 < leftover(code) < minimum:
            # a part whose own leftover adds to the group first, then the smallest
            hide = min(parts(code), key=lambda p: (leftover(p) == 0, respondents[p], p))
            shown.discard(hide)
    return shown


def _survey_rows() -> list[dict[str, Any]]:
    """Closed surveys whose results a manager published: the satisfaction index and the
    recognition rate with their 95% confidence intervals, per division with respondents, by
    the surveys app's formulas. Estimates of fewer respondents than the survey's smallest
    cell are suppressed at every level, and so are those a small group's answers could be
    worked out from by differencing (``published_estimates``)."""
    divisions = _levels()
    rows = []
    for survey in surveys_published():
        sums_by_code = public_sums_by_division(survey)
        shown = published_estimates(
            {code: sums.n for code, sums in sums_by_code.items() if sums.n > 0},
            survey.min_cell_size,
        )
        for code, sums in sorted(sums_by_code.items()):
            division = divisions.get(code)
            if division is None or sums.n == 0:
                continue
            small = code not in shown
            rows.append(
                {
                    **_division_cells(division),
                    "survey": f"{survey.series}-{survey.wave}",
                    "survey_title": survey.title_zh,
                    "closed_on": _day(survey.closed_at),
                    "respondents": sums.n,
                    **_estimate_cells("index", None if small else estimate_mean(sums), 1),
                    **_estimate_cells("recognition", None if small else estimate_share(sums), 100),
                }
            )
    return rows


INDICATOR_COLUMNS = (
    *DIVISION_COLUMNS,
    Column("year", _("Evaluation year"), "integer"),
    Column("score", _("Score"), "decimal"),
    Column("rank", _("Rank among peers"), "integer", bounds=("rank_low", "rank_high")),
    Column("peers", _("Peers ranked"), "integer"),
    Column("rank_low", _("Rank, 90% interval from"), "integer"),
    Column("rank_high", _("Rank, 90% interval to"), "integer"),
    Column("published_on", _("Published by the committee on (Beijing time)"), "string"),
)


def _indicator_rows() -> list[dict[str, Any]]:
    """The evaluation run the committee published last: each unit's score, its rank among
    its peers and the 90% interval of that rank under the method's uncertainty. A run never
    published is never read."""
    run, results = results_public()
    if run is None:
        return []
    divisions = _levels()
    rows = []
    for result in results:
        division = divisions.get(result.division_id)
        if division is None:
            continue
        ranked = result.ranked and result.rank is not None
        rows.append(
            {
                **_division_cells(division),
                "year": run.year,
                "score": _one_decimal(result.score),
                "rank": result.rank if ranked else NO_DATA,
                "peers": result.peers if ranked else NO_DATA,
                "rank_low": result.rank_low if ranked and result.rank_low else NO_DATA,
                "rank_high": result.rank_high if ranked and result.rank_high else NO_DATA,
                "published_on": _day(run.published_at),
            }
        )
    return rows


DATASETS: dict[str, Dataset] = {
    d.code: d
    for d in (
        Dataset(
            "projects-by-division",
            _("Five major actions: projects by division"),
            _(
                "How many projects of the five major actions each division has, how many are "
                "completed, and their planned and actual investment."
            ),
            PROJECT_COLUMNS,
            "SELECT division, COUNT(*), COUNT(*) FILTER (status IN completed, accepted), "
            "SUM(planned city+district+social), SUM(actual city+district+social) "
            "FROM projects_project GROUP BY division; summed up to street, district, city",
            _project_rows,
            keywords=("五大行动", "项目", "投资"),
        ),
        Dataset(
            "community-funds",
            _("Community funds by division"),
            _(
                "Money allocated to community funds, still available, committed by residents' "
                "councils and paid out, from the funds ledger."
            ),
            FUND_COLUMNS,
            "SELECT division, kind, SUM(balance) FROM funds_account WHERE kind IN (fund, "
            "commitment, payable) GROUP BY division, kind; SUM(postings of allocations to "
            "fund accounts); summed up to street, district, city",
            _fund_rows,
            keywords=("社区保障资金", "资金"),
        ),
        Dataset(
            "participation",
            _("Residents' participation by division"),
            _(
                "Proposals published, supports given and complete survey responses. Counts of "
                "people below the minimum are suppressed in community rows."
            ),
            PARTICIPATION_COLUMNS,
            "SELECT community, COUNT(*), SUM(supports) FROM participation_proposal WHERE "
            "status IN (open, on_agenda, decided) GROUP BY community; SELECT community, "
            "COUNT(*) FROM surveys_response WHERE status = complete GROUP BY community; "
            "summed up; small cells suppressed",
            _participation_rows,
            keywords=("居民议事", "参与", "问卷"),
        ),
        Dataset(
            "appeal-rates",
            _("Residents' requests (12345): rates by division, last month"),
            _(
                "Requests dispatched and handled in the last complete month, with the response, "
                "on-time, resolution and satisfaction rates exactly as the requests app's "
                "monthly rates count them, summed over the communities of the requests. Rates "
                "of few residents' ratings are suppressed in community rows; a rate of nothing "
                "is empty."
            ),
            APPEAL_COLUMNS,
            "appeals.selectors.rates.community_rate_counts(last month): COUNT(dispatched events), "
            "COUNT(dispatched events answered by the unit by the deadline), COUNT(closed "
            "events), COUNT(closed on time), COUNT(ratings), COUNT(ratings fixed), "
            "COUNT(ratings not dissatisfied) GROUP BY the request's community; summed up; "
            "rates = part / whole x 100, one decimal; small cells suppressed",
            _appeal_rows,
            keywords=("12345", "诉求", "三率", "满意率"),
        ),
        Dataset(
            "volunteer-hours",
            _("Volunteer service hours by division"),
            _(
                "Hours in the volunteers' hours ledger (credit, honour and corrections) where "
                "they count (the activity's community, else the volunteer's), and how many "
                "volunteers have hours there. Small numbers of volunteers are suppressed in "
                "community rows, with their hours."
            ),
            VOLUNTEER_COLUMNS,
            "SELECT community, SUM(hours), COUNT(DISTINCT volunteer) FROM "
            "volunteers_hoursentry GROUP BY community; hours summed up to street, district, "
            "city; volunteers counted distinct per street, district and city; small cells "
            "suppressed",
            _volunteer_rows,
            keywords=("志愿服务", "志愿者", "服务时长"),
        ),
        Dataset(
            "coverage-15min",
            _("15-minute service circle: coverage by division"),
            _(
                "For each everyday service category, the share of residents (modelled from "
                "each community's population over the walking network) who reach one within "
                "the promised walking time, from the newest analysis of the 15-minute "
                'engine; "all daily needs" counts residents who reach every essential '
                "category. A category with no facility mapped is empty, not zero."
            ),
            COVERAGE_COLUMNS,
            "access.selectors.coverage_public(): the newest finished run that is not a "
            "what-if; SELECT division, category, population, covered, covered / population "
            "FROM access_coveragerow WHERE run = that run (districts, streets, communities); "
            "city = SUM(covered) / SUM(population) over the districts; share x 100, one "
            "decimal",
            _coverage_rows,
            keywords=("15分钟便民生活圈", "覆盖率", "公共服务"),
            breakdown="category",
            breakdown_label="category_title",
            headline=ALL_ESSENTIAL,
        ),
        Dataset(
            "survey-results",
            _("Survey results with their confidence intervals"),
            _(
                "Closed surveys whose results their managers published: the satisfaction "
                "index (0-100) and the recognition rate with their 95% confidence "
                "intervals, per division with respondents, weighted as the surveys app "
                "weighs them. Estimates of fewer respondents than the survey's smallest "
                "cell are suppressed, and small counts of respondents in community rows."
            ),
            SURVEY_COLUMNS,
            "surveys.selectors.public_sums_by_division(each closed survey with results "
            "published): SELECT community, COUNT(*), SUM(w), SUM(w*w), SUM(w*score), "
            "SUM(w*score*score), SUM(w if score >= threshold) FROM surveys_response WHERE "
            "status = complete AND score IS NOT NULL GROUP BY community; summed up to street, "
            "district, city; index = SUM(w*score) / SUM(w), 95% interval = index +/- 1.96 "
            "sqrt(s2 / n_eff) with Kish's n_eff; recognition likewise for the share; small "
            "cells suppressed, and beside them the smallest shown division below a shown one "
            "whose respondents in no shown division below would be a small group",
            _survey_rows,
            keywords=("问卷调查", "满意度", "认可度", "置信区间"),
            breakdown="survey",
            breakdown_label="survey_title",
        ),
        Dataset(
            "indicator-scores",
            _("Standardised indicators: scores and ranks with their intervals"),
            _(
                "The evaluation run the city committee published: each community's, "
                "street's and district's score, its rank among its peers and the 90% "
                "interval of that rank when the method's weights, normalisation, imputation "
                "and aggregation vary. Units with too little data are scored, not ranked."
            ),
            INDICATOR_COLUMNS,
            "indicators.selectors.results_public(): the finished run with the latest "
            "published_at; SELECT division, score, rank, peers, rank_low, rank_high FROM "
            "indicators_result WHERE run = that run; rank interval from the run's Monte "
            "Carlo draws",
            _indicator_rows,
            keywords=("标准化指标", "评价", "排名"),
        ),
    )
}


def dataset_get(code: str) -> Dataset | None:
    return DATASETS.get(code)
