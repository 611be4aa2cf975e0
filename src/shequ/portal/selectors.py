"""Reads of the portal: the site-wide search (scoped to who is looking), the public
dashboards and the open-data catalogue (from frozen snapshots)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from shequ.catalogue.search import ParsedQuery, fts5_expression, highlight, tsquery_expression
from shequ.core.errors import DomainError, NotFound
from shequ.core.names import english_active, shown_name
from shequ.core.scopes import CITY_CODE, Area, code_range
from shequ.people.permissions import areas_of
from shequ.places.models import Division
from shequ.portal.datasets import DATASETS, DIVISION_COLUMNS, Dataset, dataset_get
from shequ.portal.models import DatasetSnapshot, SearchDocument
from shequ.portal.registry import kind_get, kinds, tasks
from shequ.portal.search import MAX_QUERY_CHARS, parse

PER_KIND = 5
KIND_PAGE = 50
CANDIDATES = 200
# With this many hits for every word, the "some of the words" pass is skipped (it is the
# slower one: common words match much of the index).
ENOUGH = 20


@dataclass(frozen=True)
class Viewer:
    """Who is searching: what beyond public items they may find.

    ``everywhere``: staff of the whole city; ``communities``: their own community (a
    resident); ``ranges``: the code ranges of a staff member's areas."""

    everywhere: bool = False
    communities: tuple[str, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()


def viewer_of(user: Any) -> Viewer:
    if user is None or not user.is_authenticated:
        return Viewer()
    resident = getattr(user, "resident", None)
    communities = (resident.community_id,) if resident is not None and resident.community_id else ()
    areas: list[Area] = areas_of(user)
    if any(a.is_everywhere for a in areas):
        return Viewer(everywhere=True)
    ranges = tuple(code_range(a.division_code) for a in areas if a.division_code)
    return Viewer(communities=communities, ranges=ranges)


@dataclass(frozen=True)
class Hit:
    kind: str
    title: str
    title_html: SafeString
    snippet_html: SafeString
    url: str
    community: str


@dataclass
class KindGroup:
    code: str
    label: Any
    hits: list[Hit] = field(default_factory=list)
    more: bool = False


@dataclass
class SearchResult:
    query: str
    groups: list[KindGroup]
    truncated: bool = False

    @property
    def total(self) -> int:
        return sum(len(g.hits) for g in self.groups)


def _scope_sql(viewer: Viewer, alias: str) -> tuple[str, list[Any]]:
    if viewer.everywhere:
        return "", []
    parts = [f"{alias}.audience = 'public'"]
    params: list[Any] = []
    for code in viewer.communities:
        parts.append(f"{alias}.community = %s")
        params.append(code)
    for low, high in viewer.ranges:
        parts.append(f"({alias}.community >= %s AND {alias}.community <= %s)")
        params.extend([low, high])
    return " AND (" + " OR ".join(parts) + ")", params


# The newest this many matches the viewer may see (of the kind) are ranked, not every match:
# ranking is what costs (a common word matches a quarter of 500,000 documents, and scoring
# them all took 100–300 ms). With fewer matches than this the ranking is over all of them.
RANKED = 1000
POSTGRES = (
    "SELECT m.id FROM (SELECT d.id, d.vector FROM portal_searchdocument d "
    "WHERE d.vector @@ to_tsquery('simple', %s) {where} ORDER BY d.id DESC LIMIT %s) m "
    "ORDER BY ts_rank(m.vector, to_tsquery('simple', %s)) DESC, m.id LIMIT %s"
)
SQLITE = (
    "SELECT m.id FROM (SELECT d.id, bm25(portal_search_fts, 10.0, 1.0) AS score "
    "FROM portal_search_fts f JOIN portal_searchdocument d ON d.id = f.rowid "
    "WHERE portal_search_fts MATCH %s {where} ORDER BY f.rowid DESC LIMIT %s) m "
    "ORDER BY m.score, m.id LIMIT %s"
)
# A few kinds (the forms a search leads to) are ranked over all their matches, found
# through the kind's index: they are few, and the best of them must not be crowded out.
POSTGRES_KINDS = (
    "SELECT d.id FROM portal_searchdocument d, to_tsquery('simple', %s) q "
    "WHERE d.vector @@ q {where} ORDER BY ts_rank(d.vector, q) DESC, d.id LIMIT %s"
)
# FTS5 walks its matches once, between the first and the last id of the kinds (a kind is
# indexed together, so that is a short stretch), and keeps those of the kinds ("+": not a
# rowid lookup per document, which reads every term's whole list again: ~2 ms a document).
SQLITE_KINDS = (
    "SELECT f.rowid FROM portal_search_fts f WHERE portal_search_fts MATCH %s "
    "AND f.rowid >= %s AND f.rowid <= %s "
    "AND +f.rowid IN (SELECT d.id FROM portal_searchdocument d WHERE TRUE {where}) "
    "ORDER BY bm25(portal_search_fts, 10.0, 1.0), f.rowid LIMIT %s"
)
SQLITE_KINDS_SPAN = "SELECT min(d.id), max(d.id) FROM portal_searchdocument d WHERE TRUE {where}"


def _ranked_ids(
    parsed: ParsedQuery,
    viewer: Viewer,
    *,
    kinds: Sequence[str],
    limit: int,
    all_words: bool,
    every_match: bool = False,
) -> list[int]:
    """Ids of the documents matching ``parsed``, best first: of ``kinds`` (any when empty),
    that ``viewer`` may see. ``every_match``: rank all matches (for a few small kinds)."""
    scope, scope_params = _scope_sql(viewer, "d")
    placeholders = ", ".join(["%s"] * len(kinds))
    kind_sql = f" AND d.kind IN ({placeholders})" if kinds else ""
    where = kind_sql + scope
    where_params = [*kinds, *scope_params]
    postgres = connection.vendor == "postgresql"
    if postgres:
        expression = tsquery_expression(parsed, conjunction="&" if all_words else "|")
    else:
        expression = fts5_expression(parsed, conjunction="AND" if all_words else "OR")
    if not expression:
        return []
    # Only constant fragments are joined; every value is a parameter.
    if every_match and postgres:
        sql = POSTGRES_KINDS.format(where=where)
        params = [expression, *where_params, limit]
    elif every_match:
        with connection.cursor() as cursor:
            cursor.execute(SQLITE_KINDS_SPAN.format(where=where), where_params)
            first, last = cursor.fetchone()
        if first is None:
            return []
        sql = SQLITE_KINDS.format(where=where)
        params = [expression, first, last, *where_params, limit]
    elif postgres:
        sql = POSTGRES.format(where=where)
        params = [expression, *where_params, RANKED, expression, limit]
    else:
        sql = SQLITE.format(where=where)
        params = [expression, *where_params, RANKED, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _search_ids(parsed: ParsedQuery, viewer: Viewer, *, kind: str, limit: int) -> list[int]:
    """What matches every word first, then (with few of those) what matches some of them.
    The kinds that lead to forms are few and ranked over all their matches (through the
    kind's index), so the best form is never crowded out by a common word's many matches."""
    form_kinds = [k.code for k in kinds() if k.leads_to_form]
    ids: list[int] = []
    for all_words in (True, False):
        if not all_words and (len(ids) >= ENOUGH or len(parsed.groups) < 2):
            break
        found = set(ids)
        forms: list[int] = []
        if kind in form_kinds or (not kind and form_kinds):
            forms = _ranked_ids(
                parsed,
                viewer,
                kinds=[kind] if kind else form_kinds,
                limit=limit if kind else PER_KIND + 1,
                all_words=all_words,
                every_match=True,
            )
        others = []
        if kind not in form_kinds:
            others = _ranked_ids(
                parsed, viewer, kinds=[kind] if kind else [], limit=limit, all_words=all_words
            )
        fresh = [pk for pk in forms if pk not in found]
        found.update(fresh)
        fresh += [pk for pk in others if pk not in found][: limit - len(ids)]
        ids += fresh
    return ids


def clean_query(text: str) -> str:
    """The query as searched. Raises: DomainError when nothing searchable is left."""
    text = (text or "").strip()
    if not text:
        raise DomainError("empty_query", _("Type what you are looking for."))
    if not parse(text).groups:
        raise DomainError(
            "nothing_to_search", _("Nothing to search for: type words, not only punctuation.")
        )
    return text[:MAX_QUERY_CHARS]


def site_search(*, query: str, user: Any, kind: str = "") -> SearchResult:
    """Everything the user may see matching ``query``, grouped by kind (a few of each, or a
    page of one ``kind``). Raises: DomainError for an empty query or an unknown kind."""
    truncated = len((query or "").strip()) > MAX_QUERY_CHARS
    text = clean_query(query)
    if kind and kind_get(kind) is None:
        raise DomainError("unknown_kind", _("No such kind of result."))
    parsed = parse(text)
    viewer = viewer_of(user)
    ids = _search_ids(parsed, viewer, kind=kind, limit=KIND_PAGE if kind else CANDIDATES)
    docs = {
        d.pk: d
        for d in SearchDocument.objects.filter(pk__in=ids).only(
            "kind", "key", "title", "text", "url", "community"
        )
    }
    task_titles = {t.code: t for t in tasks()}
    terms = parsed.terms
    groups = {k.code: KindGroup(code=k.code, label=k.label) for k in kinds()}
    per_kind = KIND_PAGE if kind else PER_KIND
    for pk in ids:
        doc = docs.get(pk)
        if doc is None or doc.kind not in groups:
            continue
        group = groups[doc.kind]
        if len(group.hits) >= per_kind:
            group.more = True
            continue
        title, text_shown = doc.title, doc.text
        task = task_titles.get(doc.key) if doc.kind == "task" else None
        if task is not None:  # in the reader's language
            title, text_shown = str(task.title), str(task.text)
        group.hits.append(
            Hit(
                kind=doc.kind,
                title=title,
                title_html=highlight(title, terms),
                snippet_html=highlight(text_shown, terms, window=90),
                url=doc.url,
                community=doc.community,
            )
        )
    return SearchResult(
        query=text, groups=[g for g in groups.values() if g.hits], truncated=truncated
    )


def first_task(result: SearchResult) -> Hit | None:
    """The form a search leads straight to: the best hit of the first group of a kind that
    leads to forms (a request category, a task), when there is one."""
    for group in result.groups:
        kind = kind_get(group.code)
        if kind is not None and kind.leads_to_form and group.hits:
            return group.hits[0]
    return None


def kind_choices() -> Sequence[tuple[str, Any]]:
    return [(k.code, k.label) for k in kinds()]


# ------------------------------------------------------------------ dashboards and open data

LATE_AFTER = timedelta(hours=26)  # a daily snapshot missing for more than a day and a bit


def snapshot_latest(
    dataset: str, *, on: date | None = None, without_rows: bool = False
) -> DatasetSnapshot | None:
    """The newest complete snapshot of ``dataset`` (taken by the end of ``on`` if given);
    ``without_rows``: its rows are read only when asked for."""
    queryset = DatasetSnapshot.objects.filter(dataset=dataset, status="complete")
    if without_rows:
        queryset = queryset.defer("rows")
    if on is not None:
        end = timezone.make_aware(datetime.combine(on + timedelta(days=1), time.min))
        queryset = queryset.filter(taken_at__lt=end)
    return queryset.order_by("-taken_at", "-id").first()


def snapshot_get(dataset: str, snapshot_id: int) -> DatasetSnapshot:
    """Raises: NotFound (unknown, or failed: a failed snapshot is never published)."""
    snapshot = DatasetSnapshot.objects.filter(
        dataset=dataset, pk=snapshot_id, status="complete"
    ).first()
    if snapshot is None:
        raise NotFound("snapshot_not_found", _("No such snapshot."))
    return snapshot


def snapshot_history(dataset: str, *, limit: int = 30) -> list[DatasetSnapshot]:
    return list(
        DatasetSnapshot.objects.filter(dataset=dataset)
        .defer("rows")
        .order_by("-taken_at", "-id")[:limit]
    )


def dataset_or_404(code: str) -> Dataset:
    dataset = dataset_get(code)
    if dataset is None:
        raise NotFound("dataset_not_found", _("No such dataset."))
    return dataset


@dataclass
class CatalogueEntry:
    dataset: Dataset
    latest: DatasetSnapshot | None
    late: bool


def open_data_catalogue(*, now: datetime | None = None) -> list[CatalogueEntry]:
    """Every dataset with its newest snapshot; ``late`` when the daily one is missing."""
    now = now or timezone.now()
    entries = []
    for dataset in DATASETS.values():
        latest = (
            DatasetSnapshot.objects.filter(dataset=dataset.code, status="complete")
            .defer("rows")
            .order_by("-taken_at", "-id")
            .first()
        )
        late = latest is None or now - latest.taken_at > LATE_AFTER
        entries.append(CatalogueEntry(dataset=dataset, latest=latest, late=late))
    return entries


def dcat_catalogue(*, base_url: str) -> dict[str, Any]:
    """The catalogue as DCAT-AP JSON-LD (dcat:Catalog of dcat:Dataset with distributions)."""
    datasets = []
    for entry in open_data_catalogue():
        dataset = entry.dataset
        page = base_url + reverse("portal:dataset", args=[dataset.code])
        distributions = [
            {
                "@type": "dcat:Distribution",
                "dct:title": f"{dataset.title} ({fmt.upper()})",
                "dcat:accessURL": {"@id": page},
                "dcat:downloadURL": {
                    "@id": base_url + reverse("portal:download", args=[dataset.code, fmt])
                },
                "dcat:mediaType": MEDIA_TYPES[fmt],
                "dct:license": {"@id": LICENCE_URI},
            }
            for fmt in ("csv", "json", "xlsx")
        ]
        datasets.append(
            {
                "@id": page,
                "@type": "dcat:Dataset",
                "dct:identifier": dataset.code,
                "dct:title": str(dataset.title),
                "dct:description": str(dataset.description),
                "dct:publisher": {"@type": "foaf:Agent", "foaf:name": PUBLISHER},
                "dct:license": {"@id": LICENCE_URI},
                "dct:accrualPeriodicity": {"@id": FREQUENCY_URIS[dataset.frequency]},
                "dct:spatial": {"@id": SPATIAL_URI, "rdfs:label": "成都市"},
                "dct:temporal": {
                    "@type": "dct:PeriodOfTime",
                    "dcat:endDate": entry.latest.taken_at.date().isoformat()
                    if entry.latest
                    else None,
                },
                "dct:modified": entry.latest.taken_at.isoformat() if entry.latest else None,
                "dcat:keyword": list(dataset.keywords),
                "dct:conformsTo": {"@id": "GB/T 38664"},
                "dcat:distribution": distributions,
                "csvw:tableSchema": {
                    "csvw:column": [
                        {
                            "csvw:name": c.name,
                            "csvw:titles": str(c.title),
                            "csvw:datatype": c.datatype,
                        }
                        for c in dataset.columns
                    ]
                },
            }
        )
    return {
        "@context": DCAT_CONTEXT,
        "@type": "dcat:Catalog",
        "dct:title": str(_("Open data of the Chengdu community platform")),
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": PUBLISHER},
        "dct:license": {"@id": LICENCE_URI},
        "dcat:dataset": datasets,
    }


PUBLISHER = "成都市委社会工作部（社治委）"
LICENCE_URI = "https://creativecommons.org/licenses/by/4.0/"
SPATIAL_URI = "http://www.stats.gov.cn/sj/tjbz/qhdm/510100000000"
FREQUENCY_URIS = {"daily": "http://publications.europa.eu/resource/authority/frequency/DAILY"}
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "csvw": "http://www.w3.org/ns/csvw#",
}


@dataclass(frozen=True)
class Cell:
    """One figure as the dashboards show it: None is suppressed, "" is no data; an interval
    (from, to) beside the value when the dataset has one."""

    title: Any
    value: Any
    low: Any = None
    high: Any = None

    @property
    def has_interval(self) -> bool:
        return self.low not in (None, "") and self.high not in (None, "")


def _cells(row: dict[str, Any], dataset: Dataset, columns: list[tuple[str, Any]]) -> list[Cell]:
    bounds = {c.name: c.bounds for c in dataset.columns if c.bounds}
    cells = []
    for name, title in columns:
        low, high = bounds.get(name) or ("", "")
        cells.append(Cell(title, row.get(name), row.get(low), row.get(high)))
    return cells


@dataclass
class Figure:
    """One dataset's figures for a division and its children, as frozen in a snapshot."""

    dataset: Dataset
    snapshot: DatasetSnapshot | None
    columns: list[tuple[str, Any]]
    own: dict[str, Any] | None
    children: list[dict[str, Any]]
    # A dataset broken down (by category, by survey): the division's own rows, one per value.
    own_rows: list[dict[str, Any]] = field(default_factory=list)
    breakdown_title: Any = ""

    @property
    def empty(self) -> bool:
        return self.own is None and not self.own_rows and not self.children


@dataclass
class Dashboard:
    division: Division
    chain: list[Division]
    on: date | None
    figures: list[Figure]
    sentence: str


def parse_day(text: str, *, today: date) -> date | None:
    """``?on=YYYY-MM-DD``. Raises: DomainError for a malformed or future date."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text.strip()[:10])
    except ValueError as error:
        raise DomainError("bad_date", _("Give the date as YYYY-MM-DD.")) from error
    if day > today:
        raise DomainError("future_date", _("That date is in the future: no figures yet."))
    return day


def dashboard(*, code: str, on: date | None) -> Dashboard:
    """The public figures of one division (the city by default) and of its children.
    Raises: NotFound for a division that does not exist."""
    division = Division.objects.filter(pk=code[:12], is_active=True).first()
    if division is None or division.level not in DASHBOARD_LEVELS or len(code) != 12:
        raise NotFound(
            "division_not_found",
            _(
                "No such division: no city, district, street or community has the code "
                "%(code)s. Start from the city's dashboard and choose from its lists."
            ),
            code=code[:24],
        )
    chain_codes = [c for c in reversed(_chain(code)) if c != code]
    parents = {d.code: d for d in Division.objects.filter(pk__in=chain_codes)}
    chain = [parents[c] for c in chain_codes if c in parents]
    # The frozen rows carry the Chinese names; English pages show a division's English
    # name where staff (or the loader, for the districts) set one.
    names_en: dict[str, str] = {}
    if english_active():
        names_en = dict(
            Division.objects.filter(Q(parent_id=code) | Q(pk=code))
            .exclude(name_en="")
            .values_list("code", "name_en")
        )
    figures = []
    for dataset in DATASETS.values():
        snapshot = snapshot_latest(dataset.code, on=on, without_rows=True)
        split = {dataset.breakdown, dataset.breakdown_label} - {""}
        split |= {name for c in dataset.columns if c.bounds for name in c.bounds}
        figure_columns = [
            (c.name, c.title)
            for c in dataset.columns[len(DIVISION_COLUMNS) :]
            if c.name not in split
        ]
        own: dict[str, Any] | None = None
        own_rows: list[dict[str, Any]] = []
        children: list[dict[str, Any]] = []
        if snapshot is not None:
            own_rows, children = _division_rows(snapshot, dataset, code)
            for row in (*own_rows, *children):
                row["cells"] = _cells(row, dataset, figure_columns)
                row["name"] = names_en.get(row.get("code", ""), row.get("name", ""))
        if not dataset.breakdown:
            own, own_rows = (own_rows[0] if own_rows else None), []
        label = next((c.title for c in dataset.columns if c.name == dataset.breakdown_label), "")
        figures.append(Figure(dataset, snapshot, figure_columns, own, children, own_rows, label))
    return Dashboard(division, chain, on, figures, _sentence(division, figures))


DASHBOARD_LEVELS = ("city", "district", "street", "community")
FIGURE_CACHE_SECONDS = 24 * 3600


def _division_rows(
    snapshot: DatasetSnapshot, dataset: Dataset, code: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A division's own rows and its children's rows of one snapshot. A snapshot never
    changes, so they are kept in the shared cache by snapshot and division: the snapshot's
    rows (tens of thousands for the coverage) are read once, not on every page."""
    key = f"portal:figure:{snapshot.pk}:{code}"
    found = cache.get(key)
    if found is not None:
        return [dict(r) for r in found[0]], [dict(r) for r in found[1]]
    own_rows, children = [], []
    names = snapshot.columns
    for values in snapshot.rows:
        row = dict(zip(names, values, strict=False))
        if row["code"] == code:
            own_rows.append(row)
        elif row["parent"] == code and (
            not dataset.headline or row.get(dataset.breakdown) == dataset.headline
        ):
            children.append(row)
    cache.set(key, (own_rows, children), timeout=FIGURE_CACHE_SECONDS)
    return [dict(r) for r in own_rows], [dict(r) for r in children]


def _chain(code: str) -> list[str]:
    chain = [code]
    if code[9:] != "000":
        chain.append(code[:9] + "000")
    if code[6:] != "000000":
        chain.append(code[:6] + "000000")
    if code != CITY_CODE:
        chain.append(CITY_CODE)
    return chain


def _sentence(division: Division, figures: list[Figure]) -> str:
    """The report's sentence on the five major actions, reproduced from the frozen data."""
    for figure in figures:
        if figure.dataset.code == "projects-by-division" and figure.snapshot is not None:
            own = figure.own or {"projects": 0, "completed": 0, "actual_investment": "0.00"}
            total = int(own["projects"] or 0)
            done = int(own["completed"] or 0)
            rate = round(100 * done / total) if total else 0
            return str(
                _(
                    "As of %(day)s, %(place)s has %(total)s projects of the five major "
                    "actions; %(done)s are completed (%(rate)s%%), with %(spent)s yuan "
                    "actually invested."
                )
                % {
                    "day": timezone.localtime(figure.snapshot.taken_at).date().isoformat(),
                    "place": shown_name(division),
                    "total": total,
                    "done": done,
                    "rate": rate,
                    "spent": own["actual_investment"],
                }
            )
    return ""


# ---- the dashboards' map ------------------------------------------------------------------


@dataclass(frozen=True)
class MapMetric:
    """A figure the map can colour the divisions by: one frozen column of a dataset, or the
    share ``part / whole x 100`` of two of its columns (``of``)."""

    key: str
    dataset: str
    title: Any
    column: str = ""
    of: tuple[str, str] | None = None


MAP_METRICS = (
    MapMetric(
        "coverage",
        "coverage-15min",
        _("Residents within reach of all daily needs (%)"),
        "covered_share",
    ),
    MapMetric("on_time", "appeal-rates", _("Requests handled on time (%)"), "on_time_rate"),
    MapMetric(
        "satisfaction", "appeal-rates", _("Requests: satisfaction rate (%)"), "satisfaction_rate"
    ),
    MapMetric(
        "funds_paid",
        "community-funds",
        _("Community funds paid out, share of the allocation (%)"),
        of=("paid", "allocated"),
    ),
    MapMetric("hours", "volunteer-hours", _("Volunteer service hours"), "hours"),
    MapMetric("score", "indicator-scores", _("Indicator score"), "score"),
)


def _number(value: Any) -> float | str | None:
    """A frozen cell as the map reads it: a number, None (suppressed) or "" (no data)."""
    if value is None:
        return None
    if value == "":
        return ""
    return float(value)


def map_value(metric: MapMetric, row: dict[str, Any] | None) -> float | str | None:
    """The figure of one division's frozen row: None where any cell it is read from is
    suppressed (a suppressed cell is never recoverable from the map), "" for no data."""
    if row is None:
        return ""
    if metric.of is None:
        return _number(row.get(metric.column, ""))
    part, whole = (_number(row.get(name, "")) for name in metric.of)
    if part is None or whole is None:
        return None
    if part == "" or whole == "" or not whole:
        return ""
    return round(100 * float(part) / float(whole), 1)


def _figure_rows(figure: Figure) -> dict[str, dict[str, Any]]:
    """The division's own row and its children's, by code; a broken-down dataset's own row
    is the one of its headline value (the children's rows are already)."""
    rows = {row["code"]: row for row in figure.children}
    headline = figure.dataset.headline
    for row in figure.own_rows:
        if headline and row.get(figure.dataset.breakdown) == headline:
            rows[row["code"]] = row
    if figure.own is not None:
        rows[figure.own["code"]] = figure.own
    return rows


def dashboard_map(board: Dashboard) -> dict[str, Any]:
    """What the dashboard's map draws, from the same frozen rows as its tables: the
    boundaries to fetch and which districts to draw, the divisions coloured (the districts on
    the city's map; elsewhere the children and the division itself as points where they have
    coordinates), every metric's value per division, and the links to their dashboards.
    Values: a number, None (suppressed, drawn as such) or "" (no data)."""
    division = board.division
    figures = {f.dataset.code: f for f in board.figures if f.snapshot is not None}
    frozen = {
        f.dataset.code: timezone.localtime(f.snapshot.taken_at).strftime("%Y-%m-%d %H:%M")
        for f in board.figures
        if f.snapshot is not None
    }
    metrics = [m for m in MAP_METRICS if m.dataset in figures]
    rows = {code: _figure_rows(figure) for code, figure in figures.items()}
    query = f"?on={board.on.isoformat()}" if board.on else ""

    def entry(d: Division, kind: str) -> dict[str, Any]:
        item: dict[str, Any] = {
            "code": d.code,
            "name": shown_name(d),
            "kind": kind,
            "url": reverse("portal:dashboard_division", args=[d.code]) + query,
        }
        if kind != "community":  # the communities of a district's map: points to open only
            item["values"] = [map_value(m, rows[m.dataset].get(d.code)) for m in metrics]
        if kind != "area":
            item["lon"] = float(d.longitude) if d.longitude is not None else None
            item["lat"] = float(d.latitude) if d.latitude is not None else None
        return item

    children = list(
        Division.objects.filter(parent_id=division.code, is_active=True)
        .only("code", "name", "short_name", "name_en", "level", "longitude", "latitude")
        .order_by("code")
    )
    items: list[dict[str, Any]] = []
    if division.level == Division.Level.CITY:
        districts = [c.code for c in children if c.level == Division.Level.DISTRICT]
        items = [entry(c, "area") for c in children if c.code in districts]
    else:
        districts = [division.code[:6] + "000000"]
        items = [entry(division, "own"), *(entry(c, "child") for c in children)]
        if division.level == Division.Level.DISTRICT:
            items += [
                entry(c, "community")
                for c in Division.objects.filter(
                    level=Division.Level.COMMUNITY,
                    is_active=True,
                    code__startswith=division.code[:6],
                    longitude__isnull=False,
                    latitude__isnull=False,
                )
                .only("code", "name", "short_name", "name_en", "longitude", "latitude")
                .order_by("code")
            ]
    located = [i for i in items if i["kind"] == "area" or i.get("lon") is not None]
    return {
        "level": division.level,
        "code": division.code,
        "boundaries": reverse("api-v1:districts"),
        "districts": districts,
        "metrics": [
            {
                "key": m.key,
                "title": str(m.title),
                "dataset": m.dataset,
                "frozen": frozen[m.dataset],
                "method": reverse("portal:dataset", args=[m.dataset]),
            }
            for m in metrics
        ],
        "items": located,
        "unlocated": len([i for i in items if i["kind"] == "child" and i["lon"] is None]),
    }
