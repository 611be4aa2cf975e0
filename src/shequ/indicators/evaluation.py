"""Running an evaluation: values → method → results per community, street and district.

Called by the task (``tasks.indicators_run``) and the management command; never imports
``tasks`` back.
"""

import math
import time
from collections import defaultdict
from typing import Any

import numpy as np

from shequ.indicators import method
from shequ.indicators.models import Indicator, Node, Result, Run, TreeVersion, Value
from shequ.indicators.services.runs import run_create
from shequ.indicators.services.values import values_compute
from shequ.places.models import Division

LEVEL_COMMUNITY = "community"


def effective_weights(version: TreeVersion, indicators: list[Indicator]) -> np.ndarray:
    """Each indicator's share of the total: its weight within its sub-dimension × the
    sub-dimension's within its dimension × the dimension's (equal at every level when the
    version says so). Sums to 1 over ``indicators``."""
    nodes = {n.pk: n for n in version.nodes.all()}
    equal = version.weighting == TreeVersion.Weighting.EQUAL
    siblings: dict[int | None, list[Node]] = defaultdict(list)
    for node in nodes.values():
        siblings[node.parent_id].append(node)
    per_node: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        per_node[indicator.node_id].append(indicator)

    def share(weight: float, group: list[float]) -> float:
        total = sum(group)
        if equal:
            return 1 / len(group) if group else 0.0
        return weight / total if total > 0 else 0.0

    out = []
    for indicator in indicators:
        node = nodes[indicator.node_id]
        w = share(float(indicator.weight), [float(i.weight) for i in per_node[node.pk]])
        current: Node | None = node
        while current is not None:
            group = [float(n.weight) for n in siblings[current.parent_id]]
            w *= share(float(current.weight), group)
            current = nodes.get(current.parent_id) if current.parent_id else None
        out.append(w)
    weights = np.array(out, dtype=np.float64)
    total = weights.sum()
    return weights / total if total > 0 else weights


def _dimension_of(indicator: Indicator, nodes: dict[int, Node]) -> Node:
    node = nodes[indicator.node_id]
    while node.parent_id is not None:
        node = nodes[node.parent_id]
    return node


def _index(keys: list[str]) -> np.ndarray:
    lookup: dict[str, int] = {}
    return np.array([lookup.setdefault(k, len(lookup)) for k in keys], dtype=np.int64)


def _clean(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 4)


def _int(x: float) -> int | None:
    return None if x is None or math.isnan(x) else int(x)


def run_execute(run_id: int) -> Run:
    """Score, rank and bound the ranks of every unit; store the results on the run."""
    started = time.monotonic()
    run = Run.objects.select_related("version").get(pk=run_id)
    version = run.version
    try:
        _execute(run, version)
    except Exception as error:
        run.status = Run.Status.FAILED
        run.error = str(error)[:2000]
        run.save(update_fields=["status", "error"])
        raise
    run.seconds = time.monotonic() - started
    run.status = Run.Status.DONE
    from django.utils import timezone

    run.finished_at = timezone.now()
    run.save()
    return run


def build_problem(
    version: TreeVersion, year: int
) -> tuple[method.Problem, list[Division], list[Indicator]]:
    indicators = list(
        version.indicators.filter(level=LEVEL_COMMUNITY)
        .select_related("node")
        .order_by("node__parent__order", "node__order", "order", "id")
    )
    units = list(
        Division.objects.filter(level=Division.Level.COMMUNITY, is_active=True).order_by("code")
    )
    row = {d.code: i for i, d in enumerate(units)}
    column = {ind.pk: k for k, ind in enumerate(indicators)}
    values = np.full((len(units), len(indicators)), np.nan)
    for indicator_id, code, value in Value.objects.filter(
        indicator__in=indicators, year=year, value__isnull=False
    ).values_list("indicator_id", "division_id", "value"):
        if code in row:
            values[row[code], column[indicator_id]] = value
    streets = _index([d.code[:9] for d in units])
    districts = _index([d.code[:6] for d in units])
    separate = version.rank_urban_rural_separately
    classes = [d.urban_rural if separate else "" for d in units]
    problem = method.Problem(
        values=values,
        weights=effective_weights(version, indicators),
        higher=np.array([i.direction == Indicator.Direction.HIGHER for i in indicators]),
        targets=np.array([float(i.target) for i in indicators]),
        policies=[i.missing for i in indicators],
        streets=streets,
        districts=districts,
        peer_groups=_index([f"{d.code[:9]}|{c}" for d, c in zip(units, classes, strict=True)]),
        city_groups=_index(classes),
        normalisation=version.normalisation,
        aggregation=version.aggregation,
        winsor_share=float(version.winsor_share),
        min_data_share=float(version.min_data_share),
    )
    return problem, units, indicators


def _execute(run: Run, version: TreeVersion) -> None:
    problem, units, indicators = build_problem(version, run.year)
    outcome = method.evaluate(problem)
    mc_started = time.monotonic()
    uncertainty = method.monte_carlo(
        problem,
        outcome,
        draws=int(version.draws),
        seed=int(version.seed),
        weight_range=float(version.weight_range),
    )
    mc_seconds = time.monotonic() - mc_started
    peer_median, peer_low, peer_high = uncertainty.interval(uncertainty.peer_ranks, outcome.rank)
    _city_median, city_low, city_high = uncertainty.interval(
        uncertainty.city_ranks, outcome.city_rank
    )
    nodes = {n.pk: n for n in version.nodes.all()}
    dimensions: dict[str, list[int]] = defaultdict(list)
    for k, indicator in enumerate(indicators):
        dimensions[_dimension_of(indicator, nodes).code].append(k)
    dim_scores = {
        code: method.aggregate(
            outcome.normalised[:, cols],
            problem.weights[cols] / problem.weights[cols].sum(),
            problem.aggregation,
        )
        for code, cols in dimensions.items()
    }
    shifts = uncertainty.shift_by_choice
    shift_matrix = np.stack([shifts[c] for c in method.CHOICES], axis=1)
    results: list[Result] = []
    codes = [i.code for i in indicators]
    for n, unit in enumerate(units):
        normalised = outcome.normalised[n]
        present = [k for k in range(len(indicators)) if not math.isnan(normalised[k])]
        ordered = sorted(present, key=lambda k: normalised[k])
        moved = ""
        if not np.isnan(shift_matrix[n]).all():
            moved = method.CHOICES[int(np.nanargmax(shift_matrix[n]))]
        results.append(
            Result(
                run=run,
                division=unit,
                level=LEVEL_COMMUNITY,
                score=_clean(outcome.score[n]),
                dimension_scores={c: _clean(s[n]) for c, s in dim_scores.items()},
                measured=int(outcome.measured[n]),
                met=int(outcome.met[n].sum()),
                ranked=bool(outcome.eligible[n]),
                rank=_int(outcome.rank[n]),
                peers=int(
                    (outcome.eligible & (problem.peer_groups == problem.peer_groups[n])).sum()
                ),
                rank_median=_clean(peer_median[n]),
                rank_low=_int(peer_low[n]),
                rank_high=_int(peer_high[n]),
                city_rank=_int(outcome.city_rank[n]),
                city_peers=int(
                    (outcome.eligible & (problem.city_groups == problem.city_groups[n])).sum()
                ),
                city_rank_low=_int(city_low[n]),
                city_rank_high=_int(city_high[n]),
                moved_most_by=moved if outcome.eligible[n] else "",
                strengths=[codes[k] for k in ordered[-3:][::-1]],
                weaknesses=[codes[k] for k in ordered[:3]],
            )
        )
    results += _area_results(run, units, outcome, uncertainty, dim_scores, "street")
    results += _area_results(run, units, outcome, uncertainty, dim_scores, "district")
    Result.objects.filter(run=run).delete()
    Result.objects.bulk_create(results, batch_size=2000)
    overall = {
        c: float(np.nanmean(shifts[c])) if not np.isnan(shifts[c]).all() else 0.0
        for c in method.CHOICES
    }
    run.sensitivity = {
        "choices": {c: round(v, 3) for c, v in overall.items()},
        "most": max(overall, key=lambda c: overall[c]) if overall else "",
    }
    run.correlations = _correlation_flags(outcome, indicators, nodes)
    run.method = {
        "normalisation": problem.normalisation,
        "aggregation": problem.aggregation,
        "weighting": version.weighting,
        "winsor_share": problem.winsor_share,
        "min_data_share": problem.min_data_share,
        "draws": int(version.draws),
        "seed": int(version.seed),
        "weight_range": float(version.weight_range),
        "rank_urban_rural_separately": version.rank_urban_rural_separately,
        "weights": {c: round(float(w), 6) for c, w in zip(codes, problem.weights, strict=True)},
    }
    run.summary = {
        "units": len(units),
        "ranked": int(outcome.eligible.sum()),
        "indicators": len(indicators),
        "monte_carlo_seconds": round(mc_seconds, 3),
    }


def _area_results(
    run: Run,
    units: list[Division],
    outcome: method.Outcome,
    uncertainty: method.Uncertainty,
    dim_scores: dict[str, np.ndarray],
    level: str,
) -> list[Result]:
    """Streets (and districts): the mean of their ranked communities' scores, ranked among
    the streets of the same district (districts: of the city), in every draw too."""
    width = 9 if level == "street" else 6
    keys = [u.code[:width] for u in units]
    area_codes = sorted(set(keys))
    index = {c: i for i, c in enumerate(area_codes)}
    member = np.zeros((len(area_codes), len(units)))
    for n, key in enumerate(keys):
        if outcome.eligible[n]:
            member[index[key], n] = 1.0
    counts = member.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        average = member / np.where(counts > 0, counts, 1)[:, None]
        scores = np.where(counts > 0, average @ np.nan_to_num(outcome.score), np.nan)
        draws = average @ np.nan_to_num(uncertainty.scores)
        draws[counts == 0] = np.nan
    eligible = counts > 0
    full_codes = [c + "0" * (12 - len(c)) for c in area_codes]
    groups = (
        method.index_groups([c[:6] for c in full_codes])
        if level == "street"
        else np.zeros(len(area_codes), dtype=np.int64)
    )
    rank = method.ranks_within(scores, groups, eligible)
    city = method.ranks_within(scores, np.zeros(len(area_codes), dtype=np.int64), eligible)
    draw_ranks = method.ranks_within(draws, groups, eligible)
    draw_city = method.ranks_within(draws, np.zeros(len(area_codes), dtype=np.int64), eligible)
    median, low, high = uncertainty.interval(draw_ranks, rank)
    _m, city_low, city_high = uncertainty.interval(draw_city, city)
    existing = set(Division.objects.filter(code__in=full_codes).values_list("code", flat=True))
    out = []
    for a, code in enumerate(full_codes):
        if code not in existing:
            continue
        members = member[a] > 0
        out.append(
            Result(
                run=run,
                division_id=code,
                level=level,
                score=_clean(scores[a]),
                dimension_scores={
                    d: _clean(float(np.nanmean(s[members]))) if members.any() else None
                    for d, s in dim_scores.items()
                },
                measured=int(outcome.measured[members].sum()),
                met=int(outcome.met[members].sum()) if members.any() else 0,
                ranked=bool(eligible[a]),
                rank=_int(rank[a]),
                peers=int((eligible & (groups == groups[a])).sum()),
                rank_median=_clean(median[a]),
                rank_low=_int(low[a]),
                rank_high=_int(high[a]),
                city_rank=_int(city[a]),
                city_peers=int(eligible.sum()),
                city_rank_low=_int(city_low[a]),
                city_rank_high=_int(city_high[a]),
            )
        )
    return out


def _correlation_flags(
    outcome: method.Outcome, indicators: list[Indicator], nodes: dict[int, Node]
) -> dict[str, Any]:
    """Pairs of indicators that say the same thing (|r| ≥ 0.9: redundant) or pull against
    each other inside one dimension (r ≤ −0.3 on the normalised scores)."""
    matrix = method.correlations(outcome.normalised)
    flags = []
    for a in range(len(indicators)):
        for b in range(a + 1, len(indicators)):
            r = matrix[a, b]
            if math.isnan(r):
                continue
            same = _dimension_of(indicators[a], nodes).pk == _dimension_of(indicators[b], nodes).pk
            if abs(r) >= 0.9:
                flags.append(
                    {
                        "a": indicators[a].code,
                        "b": indicators[b].code,
                        "r": round(float(r), 3),
                        "kind": "redundant",
                    }
                )
            elif same and r <= -0.3:
                flags.append(
                    {
                        "a": indicators[a].code,
                        "b": indicators[b].code,
                        "r": round(float(r), 3),
                        "kind": "counter",
                    }
                )
    return {"flags": flags[:200]}


def run_evaluate_now(*, actor: Any, version_id: int, year: int, compute_values: bool = True) -> Run:
    """Compute the values, then score and rank at once (the management command, the demo)."""
    if compute_values:
        values_compute(actor=actor, version_id=version_id, year=year)
    run = run_create(actor=actor, version_id=version_id, year=year)
    run_execute(run.pk)
    run.refresh_from_db()
    return run


def run_with_values(run_id: int) -> Run:
    """Recompute the computed values of the run's year (unless closed), then evaluate."""
    run = Run.objects.get(pk=run_id)
    values_compute(actor=None, version_id=run.version_id, year=run.year)
    return run_execute(run_id)


def run_lost(record: Any) -> None:
    """The worker died: fail the run the task was driving."""
    run_id = (getattr(record, "kwargs", None) or {}).get("run_id")
    if run_id:
        Run.objects.filter(pk=run_id, status=Run.Status.QUEUED).update(
            status=Run.Status.FAILED, error="stale"
        )
