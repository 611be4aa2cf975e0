"""Writes of the indicators app: the tree and its versions, values, periods, runs.

Every change checks the actor's role, runs in one transaction and is audited. A published
version is frozen; changing it means ``version_create_from`` and publishing the copy.
"""

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.scopes import CITY_CODE
from shequ.core.services import audit_record
from shequ.indicators import default_tree
from shequ.indicators.models import (
    Computation,
    Indicator,
    Node,
    Period,
    Run,
    TreeVersion,
    Value,
)
from shequ.indicators.permissions import can_edit_tree, can_enter_value_for, can_enter_values
from shequ.indicators.sources import SOURCES, compute, query_text
from shequ.places.models import Division

HUNDRED = Decimal(100)
TOLERANCE = Decimal("0.01")


def _require_editor(actor: Any) -> None:
    if actor is not None and not can_edit_tree(actor):
        raise PermissionDenied(
            "forbidden", _("Only the city committee changes the indicator tree.")
        )


def _version_for_update(version_id: int) -> TreeVersion:
    version = TreeVersion.objects.select_for_update().filter(pk=version_id).first()
    if version is None:
        raise NotFound("not_found", _("No such version of the indicator tree."))
    return version


def _require_draft(version: TreeVersion) -> None:
    if not version.is_editable:
        raise DomainError(
            "version_frozen",
            _("Version %(number)s is published; make a new version to change it.")
            % {"number": version.number},
        )


def _decimal(raw: Any, what: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(
            "not_a_number", _("%(what)s is not a number.") % {"what": what}, field="value"
        ) from None
    if not value.is_finite():
        raise DomainError("not_a_number", _("%(what)s is not a number.") % {"what": what})
    return value


# --- the tree ---------------------------------------------------------------------------


@transaction.atomic
def tree_install_default(*, actor: Any = None) -> TreeVersion:
    """Install the default tree as version 1, published (idempotent: returns the existing
    version 1 when there is one)."""
    _require_editor(actor)
    existing = TreeVersion.objects.filter(number=1).first()
    if existing is not None:
        return existing
    version = TreeVersion.objects.create(
        number=1,
        name="成都市高品质和谐宜居生活社区评价指标（默认）",
        status=TreeVersion.Status.PUBLISHED,
        published_at=timezone.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for d_order, (d_code, d_name, d_weight, subs) in enumerate(default_tree.TREE):
        dimension = Node.objects.create(
            version=version, code=d_code, name=d_name, weight=Decimal(d_weight), order=d_order
        )
        for s_order, ((s_code, s_name, rows), s_weight) in enumerate(
            zip(subs, default_tree.equal_weights(len(subs)), strict=True)
        ):
            sub = Node.objects.create(
                version=version,
                parent=dimension,
                code=s_code,
                name=s_name,
                weight=s_weight,
                order=s_order,
            )
            weights = default_tree.equal_weights(len(rows))
            Indicator.objects.bulk_create(
                [
                    Indicator(
                        version=version,
                        node=sub,
                        code=code,
                        name=name,
                        unit=unit,
                        direction=direction,
                        target=Decimal(target),
                        source=(Indicator.Source.COMPUTED if key else Indicator.Source.ENTERED),
                        computation=key,
                        definition=definition,
                        upper_bound=upper,
                        owner=owner,
                        source_note=owner or "平台数据",
                        weight=weight,
                        headline=code in default_tree.HEADLINES,
                        missing=(
                            Indicator.Missing.EXCLUDE if not key else Indicator.Missing.PEER_MEAN
                        ),
                        order=i_order,
                    )
                    for i_order, (
                        (code, name, unit, direction, target, key, definition, upper, owner),
                        weight,
                    ) in enumerate(zip(rows, weights, strict=True))
                ]
            )
    audit_record(
        actor=actor,
        verb="indicators.version_created",
        target=version,
        division_code=CITY_CODE,
        changes={"number": [None, 1], "indicators": [None, version.indicators.count()]},
    )
    return version


@transaction.atomic
def version_create_from(*, actor: Any, version_id: int, name: str) -> TreeVersion:
    """A new draft version copying ``version_id``'s dimensions and indicators."""
    _require_editor(actor)
    source = TreeVersion.objects.filter(pk=version_id).first()
    if source is None:
        raise NotFound("not_found", _("No such version of the indicator tree."))
    name = name.strip()
    if not name:
        raise DomainError("name_required", _("Give the new version a name."), field="name")
    number = (TreeVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    copy_fields = [
        "normalisation",
        "aggregation",
        "weighting",
        "winsor_share",
        "weight_range",
        "draws",
        "seed",
        "min_data_share",
        "rank_urban_rural_separately",
    ]
    version = TreeVersion.objects.create(
        number=number,
        name=name[:120],
        based_on=source,
        created_by=actor,
        **{f: getattr(source, f) for f in copy_fields},
    )
    node_map: dict[int, Node] = {}
    # Dimensions before their sub-dimensions on every database (PostgreSQL sorts NULL last).
    for node in source.nodes.order_by(F("parent_id").asc(nulls_first=True), "id"):
        node_map[node.pk] = Node.objects.create(
            version=version,
            parent=node_map.get(node.parent_id) if node.parent_id else None,
            code=node.code,
            name=node.name,
            weight=node.weight,
            order=node.order,
        )
    copies = []
    for indicator in source.indicators.all():
        indicator.pk = None
        indicator.version = version
        indicator.node = node_map[indicator.node_id]
        copies.append(indicator)
    Indicator.objects.bulk_create(copies)
    audit_record(
        actor=actor,
        verb="indicators.version_created",
        target=version,
        division_code=CITY_CODE,
        changes={"number": [None, number], "based_on": [None, source.number]},
    )
    return version


def tree_problems(version: TreeVersion) -> list[str]:
    """What stops a version from being published, each naming the node or indicator."""
    problems: list[str] = []
    nodes = list(version.nodes.all())
    by_id = {n.pk: n for n in nodes}
    # A parent chain that comes back to itself is a cycle.
    for node in nodes:
        seen = {node.pk}
        current = node
        while current.parent_id is not None:
            if current.parent_id in seen or current.parent_id not in by_id:
                problems.append(_("%(name)s: the tree has a cycle.") % {"name": node.name})
                break
            seen.add(current.parent_id)
            current = by_id[current.parent_id]
    indicators = list(version.indicators.select_related("node"))
    groups: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for node in nodes:
        key = str(_("the dimensions")) if node.parent_id is None else by_id[node.parent_id].name
        groups[key].append((node.name, node.weight))
    for indicator in indicators:
        groups[indicator.node.name].append((indicator.name, indicator.weight))
        if indicator.node.parent_id is None:
            problems.append(
                _("%(name)s: an indicator belongs under a sub-dimension, not a dimension.")
                % {"name": indicator.name}
            )
        problems.extend(indicator_problems(indicator))
    for parent, members in groups.items():
        for name, weight in members:
            if weight < 0:
                problems.append(_("%(name)s: a weight cannot be negative.") % {"name": name})
        total = sum((w for _n, w in members), Decimal(0))
        if abs(total - HUNDRED) > TOLERANCE:
            problems.append(
                _("The weights under %(parent)s add up to %(total)s, not 100.")
                % {"parent": parent, "total": total}
            )
    for node in nodes:
        if node.parent_id is not None and not any(i.node_id == node.pk for i in indicators):
            problems.append(_("%(name)s has no indicators.") % {"name": node.name})
    return problems


def indicator_problems(indicator: Indicator) -> list[str]:
    """The declared target must make sense in the indicator's direction."""
    problems: list[str] = []
    name = indicator.name
    if indicator.weight < 0:
        problems.append(_("%(name)s: a weight cannot be negative.") % {"name": name})
    if indicator.target < 0:
        problems.append(_("%(name)s: the target cannot be negative.") % {"name": name})
    if indicator.upper_bound is not None and indicator.target > indicator.upper_bound:
        problems.append(
            _("%(name)s: the target %(target)s is above the largest possible value %(upper)s.")
            % {"name": name, "target": indicator.target, "upper": indicator.upper_bound}
        )
    if indicator.direction == Indicator.Direction.HIGHER and indicator.target == 0:
        problems.append(
            _(
                "%(name)s: higher is better, so a target of 0 is met by everyone; "
                "the target is in the wrong direction."
            )
            % {"name": name}
        )
    if (
        indicator.direction == Indicator.Direction.LOWER
        and indicator.upper_bound is not None
        and indicator.target >= indicator.upper_bound
    ):
        problems.append(
            _(
                "%(name)s: lower is better, so a target at the largest possible value is met by "
                "everyone; the target is in the wrong direction."
            )
            % {"name": name}
        )
    if indicator.source == Indicator.Source.COMPUTED and indicator.computation not in SOURCES:
        problems.append(
            _("%(name)s: unknown computation %(key)s.")
            % {"name": name, "key": indicator.computation}
        )
    return problems


@transaction.atomic
def version_publish(*, actor: Any, version_id: int) -> TreeVersion:
    """Publish a draft (the previous published version is retired, its results kept).

    Raises:
        DomainError: the tree has problems (each listed, naming the node or indicator).
    """
    _require_editor(actor)
    version = _version_for_update(version_id)
    _require_draft(version)
    problems = tree_problems(version)
    if problems:
        raise DomainError("tree_invalid", " ".join(problems))
    TreeVersion.objects.filter(status=TreeVersion.Status.PUBLISHED).update(
        status=TreeVersion.Status.RETIRED
    )
    version.status = TreeVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    audit_record(
        actor=actor, verb="indicators.version_published", target=version, division_code=CITY_CODE
    )
    return version


@transaction.atomic
def version_update_method(*, actor: Any, version_id: int, data: dict[str, Any]) -> TreeVersion:
    """Change the method of a draft (normalisation, aggregation, Monte Carlo settings)."""
    _require_editor(actor)
    version = _version_for_update(version_id)
    _require_draft(version)
    before = {k: str(getattr(version, k)) for k in data}
    for key, value in data.items():
        setattr(version, key, value)
    if not Decimal(0) <= Decimal(version.winsor_share) < Decimal("0.5"):
        raise DomainError(
            "winsor", _("The winsorisation share must be from 0 to 0.5."), field="winsor_share"
        )
    if not Decimal(0) <= Decimal(version.weight_range) < Decimal(1):
        raise DomainError("range", _("The weight range must be from 0 to 1."), field="weight_range")
    if not 0 < int(version.draws) <= 20000:
        raise DomainError("draws", _("Draws must be from 1 to 20,000."), field="draws")
    version.save()
    audit_record(
        actor=actor,
        verb="indicators.version_changed",
        target=version,
        division_code=CITY_CODE,
        changes={k: [before[k], str(getattr(version, k))] for k in data},
    )
    return version


@transaction.atomic
def node_update(
    *, actor: Any, node_id: int, name: str, weight: Any, parent_id: int | None = None
) -> Node:
    """Rename, reweight or move a dimension or sub-dimension of a draft.

    Raises:
        DomainError: negative weight, or a move that would make a cycle.
    """
    _require_editor(actor)
    node = Node.objects.select_related("version").filter(pk=node_id).first()
    if node is None:
        raise NotFound("not_found", _("No such dimension."))
    _version_for_update(node.version_id)
    _require_draft(node.version)
    value = _decimal(weight, _("The weight of %(name)s") % {"name": node.name})
    if value < 0:
        raise DomainError(
            "negative_weight",
            _("%(name)s: a weight cannot be negative.") % {"name": node.name},
            field="weight",
        )
    if parent_id is not None and parent_id != node.parent_id:
        parent = Node.objects.filter(pk=parent_id, version_id=node.version_id).first()
        if parent is None:
            raise DomainError("parent", _("No such dimension in this version."), field="parent")
        walker: Node | None = parent
        while walker is not None:
            if walker.pk == node.pk:
                raise DomainError(
                    "cycle",
                    _("%(name)s cannot go under %(parent)s: the tree would have a cycle.")
                    % {"name": node.name, "parent": parent.name},
                    field="parent",
                )
            walker = walker.parent
        node.parent = parent
    before = {"weight": str(node.weight), "name": node.name}
    node.name = (name.strip() or node.name)[:80]
    node.weight = value
    node.save()
    audit_record(
        actor=actor,
        verb="indicators.node_changed",
        target=node,
        division_code=CITY_CODE,
        changes={"weight": [before["weight"], str(value)], "name": [before["name"], node.name]},
    )
    return node


INDICATOR_FIELDS = ("name", "definition", "unit", "direction", "missing", "owner", "headline")


@transaction.atomic
def indicator_update(*, actor: Any, indicator_id: int, data: dict[str, Any]) -> Indicator:
    """Change an indicator of a draft (weight, target, direction, definition...).

    Raises:
        DomainError: a weight or target that is not a number or makes no sense, naming it.
    """
    _require_editor(actor)
    indicator = Indicator.objects.select_related("version").filter(pk=indicator_id).first()
    if indicator is None:
        raise NotFound("not_found", _("No such indicator."))
    _version_for_update(indicator.version_id)
    _require_draft(indicator.version)
    before = {
        "weight": str(indicator.weight),
        "target": str(indicator.target),
        "direction": indicator.direction,
    }
    if "weight" in data:
        indicator.weight = _decimal(
            data["weight"], _("The weight of %(name)s") % {"name": indicator.name}
        )
    if "target" in data:
        indicator.target = _decimal(
            data["target"], _("The target of %(name)s") % {"name": indicator.name}
        )
    for key in INDICATOR_FIELDS:
        if key in data:
            setattr(indicator, key, data[key])
    problems = indicator_problems(indicator)
    if problems:
        raise DomainError("indicator_invalid", " ".join(problems), field="target")
    indicator.save()
    audit_record(
        actor=actor,
        verb="indicators.indicator_changed",
        target=indicator,
        division_code=CITY_CODE,
        changes={
            "weight": [before["weight"], str(indicator.weight)],
            "target": [before["target"], str(indicator.target)],
            "direction": [before["direction"], indicator.direction],
        },
    )
    return indicator


# --- periods and values -----------------------------------------------------------------


def _open_period(year: int) -> Period:
    period, _created = Period.objects.get_or_create(year=year)
    if period.closed_at is not None:
        raise DomainError(
            "period_closed",
            _("The period %(year)s is closed; its values no longer change.") % {"year": year},
            field="year",
        )
    return period


@transaction.atomic
def period_close(*, actor: Any, year: int) -> Period:
    """Close a year: its values, entries and results no longer change."""
    _require_editor(actor)
    period = _open_period(year)
    period.closed_at = timezone.now()
    period.closed_by = actor
    period.save()
    audit_record(
        actor=actor, verb="indicators.period_closed", target=period, division_code=CITY_CODE
    )
    return period


def _communities() -> list[str]:
    return list(
        Division.objects.filter(level=Division.Level.COMMUNITY, is_active=True)
        .order_by("code")
        .values_list("code", flat=True)
    )


@transaction.atomic
def values_compute(*, actor: Any, version_id: int, year: int) -> int:
    """Compute every computed indicator of a version for a year from the records; returns how
    many values were stored. Each value keeps its counts; the computation keeps the query."""
    _require_editor(actor)
    _open_period(year)
    version = TreeVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound("not_found", _("No such version of the indicator tree."))
    communities = set(_communities())
    stored = 0
    for indicator in version.indicators.filter(source=Indicator.Source.COMPUTED):
        source = SOURCES.get(indicator.computation)
        if source is None:
            continue
        started = time.monotonic()
        values, inputs = compute(source, year)
        computation = Computation.objects.create(
            indicator=indicator,
            year=year,
            queries={part: query_text(r, year) for part, r in source.parts().items()},
        )
        Value.objects.filter(indicator=indicator, year=year).delete()
        rows = [
            Value(
                indicator=indicator,
                division_id=code,
                year=year,
                value=values.get(code),
                source=Indicator.Source.COMPUTED,
                computation=computation,
                inputs=inputs[code],
            )
            for code in inputs
            if code in communities
        ]
        Value.objects.bulk_create(rows, batch_size=2000)
        computation.units = len(rows)
        computation.seconds = time.monotonic() - started
        computation.save(update_fields=["units", "seconds"])
        stored += len(rows)
    audit_record(
        actor=actor,
        verb="indicators.values_computed",
        target=version,
        division_code=CITY_CODE,
        changes={"year": [None, year], "values": [None, stored]},
    )
    return stored


def _entered_indicator(indicator_id: int) -> Indicator:
    indicator = Indicator.objects.select_related("version").filter(pk=indicator_id).first()
    if indicator is None:
        raise NotFound("not_found", _("No such indicator."))
    if indicator.source != Indicator.Source.ENTERED:
        raise DomainError(
            "computed",
            _("%(name)s is computed from the platform's records and cannot be entered.")
            % {"name": indicator.name},
            field="indicator",
        )
    return indicator


def _unit_level_ok(indicator: Indicator, division: Division) -> bool:
    return division.level == indicator.level


@transaction.atomic
def value_enter(
    *, actor: Any, indicator_id: int, division_code: str, year: int, raw: Any, note: str = ""
) -> Value:
    """Enter one value of an entered indicator for a unit in the actor's area.

    Raises:
        DomainError: not a number, out of range, wrong unit level, closed period.
        PermissionDenied: the unit is outside the actor's area.
    """
    if not can_enter_values(actor) or not can_enter_value_for(actor, division_code):
        raise PermissionDenied("forbidden", _("This unit is outside your area."))
    indicator = _entered_indicator(indicator_id)
    division = Division.objects.filter(pk=division_code).first()
    if division is None or not _unit_level_ok(indicator, division):
        raise DomainError(
            "level",
            _("%(name)s is entered per %(level)s.")
            % {"name": indicator.name, "level": indicator.get_level_display()},
            field="division",
        )
    _open_period(year)
    value = _decimal(raw, indicator.name)
    if value < 0 or (indicator.upper_bound is not None and value > indicator.upper_bound):
        raise DomainError(
            "range",
            _("%(name)s: %(value)s is outside the possible range.")
            % {"name": indicator.name, "value": value},
            field="value",
        )
    record, _created = Value.objects.update_or_create(
        indicator=indicator,
        division=division,
        year=year,
        defaults={
            "value": float(value),
            "source": Indicator.Source.ENTERED,
            "entered_by": actor,
            "note": note[:200],
            "computation": None,
            "inputs": {},
        },
    )
    audit_record(
        actor=actor,
        verb="indicators.value_entered",
        target=record,
        division_code=division_code,
        changes={"value": [None, str(value)], "indicator": [None, indicator.code]},
    )
    return record


@dataclass
class ImportResult:
    rows: int = 0
    saved: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _sheet_rows(raw: bytes) -> list[tuple[Any, ...]]:
    import io

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:
        raise DomainError(
            "not_xlsx", _("The file is not an Excel workbook (.xlsx)."), field="file"
        ) from None
    sheet = book.worksheets[0]
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


@transaction.atomic
def values_import(*, actor: Any, version_id: int, year: int, raw: bytes) -> ImportResult:
    """Import entered values from Excel (columns 单位代码, 指标代码, 数值): all rows or none.

    Raises:
        DomainError: the period is closed or the file unreadable. Row problems are returned
        in ``errors`` with their row number, and nothing is saved.
    """
    if not can_enter_values(actor):
        raise PermissionDenied("forbidden", _("You may not enter indicator values."))
    _open_period(year)
    version = TreeVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound("not_found", _("No such version of the indicator tree."))
    rows = _sheet_rows(raw)
    result = ImportResult()
    if not rows:
        result.errors.append((1, str(_("the file is empty"))))
        return result
    indicators = {i.code: i for i in version.indicators.all()}
    codes = [str(r[0] or "").strip() for r in rows[1:] if r]
    divisions = {d.code: d for d in Division.objects.filter(code__in=codes)}
    parsed: list[tuple[Indicator, Division, Decimal]] = []
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows[1:], start=2):
        if row is None or all(c in (None, "") for c in row):
            continue
        result.rows += 1
        cells = [*row, None, None, None][:3]
        code, key, raw_value = str(cells[0] or "").strip(), str(cells[1] or "").strip(), cells[2]
        indicator = indicators.get(key)
        if indicator is None:
            result.errors.append((number, str(_("unknown indicator %(key)s") % {"key": key})))
            continue
        if indicator.source != Indicator.Source.ENTERED:
            result.errors.append(
                (
                    number,
                    str(
                        _("%(name)s is computed and cannot be imported") % {"name": indicator.name}
                    ),
                )
            )
            continue
        division = divisions.get(code)
        if division is None:
            result.errors.append((number, str(_("unknown unit code %(code)s") % {"code": code})))
            continue
        if not can_enter_value_for(actor, code):
            result.errors.append(
                (number, str(_("%(unit)s is outside your area") % {"unit": division.name}))
            )
            continue
        if not _unit_level_ok(indicator, division):
            result.errors.append(
                (
                    number,
                    str(
                        _("%(name)s is entered per %(level)s")
                        % {"name": indicator.name, "level": indicator.get_level_display()}
                    ),
                )
            )
            continue
        try:
            value = Decimal(str(raw_value).strip())
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            result.errors.append(
                (number, str(_("%(name)s: the value is not a number") % {"name": indicator.name}))
            )
            continue
        if value < 0 or (indicator.upper_bound is not None and value > indicator.upper_bound):
            result.errors.append(
                (
                    number,
                    str(
                        _("%(name)s: the value is outside the possible range")
                        % {"name": indicator.name}
                    ),
                )
            )
            continue
        if (code, key) in seen:
            result.errors.append((number, str(_("this unit and indicator appear twice"))))
            continue
        seen.add((code, key))
        parsed.append((indicator, division, value))
    if result.errors:
        return result
    for indicator, division, value in parsed:
        Value.objects.update_or_create(
            indicator=indicator,
            division=division,
            year=year,
            defaults={
                "value": float(value),
                "source": Indicator.Source.ENTERED,
                "entered_by": actor,
                "computation": None,
                "inputs": {},
            },
        )
    result.saved = len(parsed)
    audit_record(
        actor=actor,
        verb="indicators.values_imported",
        target=version,
        division_code=CITY_CODE,
        changes={"year": [None, year], "rows": [None, result.saved]},
    )
    return result


# --- runs -------------------------------------------------------------------------------


@transaction.atomic
def run_create(*, actor: Any, version_id: int, year: int) -> Run:
    """Queue an evaluation run of a version for a year (the task computes it)."""
    _require_editor(actor)
    _open_period(year)
    version = TreeVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound("not_found", _("No such version of the indicator tree."))
    if version.status == TreeVersion.Status.DRAFT:
        raise DomainError("draft", _("Publish the version before evaluating with it."))
    run = Run.objects.create(version=version, year=year, created_by=actor)
    audit_record(
        actor=actor,
        verb="indicators.run_created",
        target=run,
        division_code=CITY_CODE,
        changes={"year": [None, year], "version": [None, version.number]},
    )
    return run


def divisions_in(codes: Iterable[str]) -> dict[str, Division]:
    return {d.code: d for d in Division.objects.filter(code__in=list(codes))}


def _require_publisher(actor: Any) -> None:
    """Only the city committee and system administrators publish scores; nobody anonymous."""
    if not getattr(actor, "is_authenticated", False) or not can_edit_tree(actor):
        raise PermissionDenied(
            "forbidden", _("Only the city committee publishes evaluation scores to the public.")
        )


@transaction.atomic
def run_publish(*, actor: Any, run_id: int) -> Run:
    """Show a finished run's scores and rank intervals on the public dashboards; one run is
    public at a time, so the one published before is taken off. Raises: PermissionDenied,
    NotFound, DomainError (the run has not finished, or is published already)."""
    _require_publisher(actor)
    run = Run.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise NotFound("not_found", _("No such evaluation run."))
    if run.status != Run.Status.DONE:
        raise DomainError(
            "run_not_done", _("Only a finished evaluation run can be published to the public.")
        )
    if run.published_at is not None:
        raise DomainError("run_published", _("This evaluation run is already published."))
    replaced = list(
        Run.objects.select_for_update()
        .filter(published_at__isnull=False)
        .exclude(pk=run.pk)
        .values_list("pk", flat=True)
    )
    Run.objects.filter(pk__in=replaced).update(published_at=None)
    run.published_at = timezone.now()
    run.save(update_fields=["published_at"])
    audit_record(
        actor=actor,
        verb="indicators.run_published",
        target=run,
        division_code=CITY_CODE,
        changes={
            "published_at": [None, run.published_at.isoformat()],
            "replaced_run": [replaced[0] if replaced else None, None],
        },
    )
    return run


@transaction.atomic
def run_withdraw(*, actor: Any, run_id: int) -> Run:
    """Take a run's scores off the public dashboards (from the next snapshot on).
    Raises: PermissionDenied, NotFound, DomainError (not published)."""
    _require_publisher(actor)
    run = Run.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise NotFound("not_found", _("No such evaluation run."))
    if run.published_at is None:
        raise DomainError("run_not_published", _("This evaluation run is not published."))
    before = run.published_at
    run.published_at = None
    run.save(update_fields=["published_at"])
    audit_record(
        actor=actor,
        verb="indicators.run_withdrawn",
        target=run,
        division_code=CITY_CODE,
        changes={"published_at": [before.isoformat(), None]},
    )
    return run
