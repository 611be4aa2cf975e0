"""Runs of the 15-minute service circle: parameters, the sweep and the coverage per
community, street and district, and the stored result of a finished run."""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.access import engine
from shequ.access.models import ALL_ESSENTIAL, CoverageRow, Facility, FacilityCategory, Network, Run
from shequ.access.services._common import (
    Progress,
    _lost_worker_message,
    _positive_minutes,
    media_path,
    require_planner,
)
from shequ.access.services.networks import network_load
from shequ.access.services.residents import Residents, residents_for
from shequ.core.errors import DomainError
from shequ.core.scopes import CITY_CODE
from shequ.core.services import audit_record
from shequ.places.models import Division


def _category_parameters(thresholds: dict[str, Any] | None) -> list[dict[str, Any]]:
    out = []
    categories = list(FacilityCategory.objects.all())
    known = {c.code for c in categories}
    for code in thresholds or {}:
        if code not in known:
            raise DomainError(
                "access_unknown_category",
                _("Unknown category %(code)s."),
                field="thresholds",
                code=code,
            )
    for c in categories:
        minutes = _positive_minutes((thresholds or {}).get(c.code, c.threshold_minutes))
        out.append(
            {
                "code": c.code,
                "name": c.name,
                "minutes": float(minutes),
                "speed_mps": float(c.speed_mps),
                "essential": c.essential,
            }
        )
    if not out:
        raise DomainError("access_no_categories", _("There are no facility categories yet."))
    return out


def run_create(
    *,
    actor: Any,
    network: Network,
    label: str = "",
    thresholds: dict[str, Any] | None = None,
    extra_sites: dict[str, list[int]] | None = None,
    base_run: Run | None = None,
) -> Run:
    """Record a queued run with its parameters (validated now, so a bad run never starts)."""
    require_planner(actor)
    if base_run is not None and thresholds is None:
        # A what-if keeps the base run's categories exactly, so only the added sites differ.
        categories = [dict(c) for c in base_run.parameters.get("categories", [])]
    else:
        categories = _category_parameters(thresholds)
    codes = {c["code"] for c in categories}
    for code, nodes in (extra_sites or {}).items():
        if code not in codes:
            raise DomainError("access_unknown_category", _("Unknown category %(code)s."), code=code)
        if any(not (0 <= int(n) < network.nodes) for n in nodes):
            raise DomainError("access_bad_site", _("A site is not a node of the network."))
    with transaction.atomic():
        run = Run.objects.create(
            network=network,
            label=label[:200],
            base_run=base_run,
            parameters={
                "categories": categories,
                "extra_sites": {k: [int(n) for n in v] for k, v in (extra_sites or {}).items()},
            },
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            verb="access.run_create",
            target=run,
            division_code=CITY_CODE,
            changes={"network": network.pk, "label": run.label},
        )
    return run


def _progress(run: Run, callback: Progress | None) -> Progress:
    def report(done: int, total: int, message: str) -> None:
        Run.objects.filter(pk=run.pk).update(
            progress=done / total if total else 0.0,
            message=message[:200],
            status=Run.Status.RUNNING,
        )
        if callback is not None:
            callback(done, total, message)

    return report


def run_execute(run_id: int, *, progress: Progress | None = None) -> Run:
    """Compute a queued run: sweep, coverage rows, result file. On failure nothing is kept."""
    run = Run.objects.select_related("network").get(pk=run_id)
    if run.status == Run.Status.DONE:
        return run
    report = _progress(run, progress)
    started = time.perf_counter()
    relative = f"access/runs/run-{run.pk}.npz"
    target = media_path(relative)
    try:
        report(0, 5, "loading network")
        net = network_load(run.network)
        categories = run.parameters["categories"]
        extra = run.parameters.get("extra_sites", {})
        nodes_by_cat: dict[str, list[int]] = {c["code"]: [] for c in categories}
        cost_by_cat: dict[str, list[float]] = {c["code"]: [] for c in categories}
        for code, node, dist in Facility.objects.filter(network=run.network).values_list(
            "category__code", "node", "snap_distance_m"
        ):
            if code in nodes_by_cat:
                nodes_by_cat[code].append(node)
                cost_by_cat[code].append(dist)
        sets = []
        no_data: list[str] = []
        for c in categories:
            limit = engine.minutes_to_metres(c["minutes"], c["speed_mps"])
            nodes = nodes_by_cat[c["code"]] + extra.get(c["code"], [])
            costs = cost_by_cat[c["code"]] + [0.0] * len(extra.get(c["code"], []))
            if not nodes:
                no_data.append(c["code"])
            sets.append(engine.FacilitySet.at_nodes(c["code"], nodes, limit, costs))
        report(1, 5, "sweeping")
        result = engine.sweep(net, sets, n_jobs=1)
        report(2, 5, "assigning residents")
        residents = residents_for(net)
        report(3, 5, "coverage")
        rows = _coverage_rows(run, result, residents, categories, no_data=no_data)
        report(4, 5, "saving")
        target.parent.mkdir(parents=True, exist_ok=True)
        minutes = np.where(np.isfinite(result.distance_m), result.minutes(), np.inf)
        tmp = target.with_suffix(".tmp.npz")
        np.savez(
            tmp,
            minutes=minutes.astype(np.float32),
            categories=np.asarray([c["code"] for c in categories]),
            community=residents.community,
            weight=residents.weight,
        )
        tmp.replace(target)
        summary = _summary(result, residents, categories, no_data=no_data)
        with transaction.atomic():
            CoverageRow.objects.filter(run=run).delete()
            CoverageRow.objects.bulk_create(rows, batch_size=1000)
            Run.objects.filter(pk=run.pk).update(
                status=Run.Status.DONE,
                progress=1.0,
                message="done",
                result_file=relative,
                summary=summary,
                finished_at=timezone.now(),
                seconds=time.perf_counter() - started,
                error="",
            )
            audit_record(
                actor=run.created_by,
                verb="access.run_finish",
                target=run,
                division_code=CITY_CODE,
                changes={"rows": len(rows)},
            )
        if progress is not None:
            progress(5, 5, "done")
    except Exception as exc:
        target.unlink(missing_ok=True)
        CoverageRow.objects.filter(run=run).delete()
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


def run_lost(*, task_id: str) -> None:
    """The run's worker stopped responding and it was given up: fail it, keep nothing."""
    run = Run.objects.filter(task_id=task_id).first()
    if run is None or run.status in (Run.Status.DONE, Run.Status.FAILED):
        return
    relative = f"access/runs/run-{run.pk}.npz"
    media_path(relative).with_suffix(".tmp.npz").unlink(missing_ok=True)
    CoverageRow.objects.filter(run=run).delete()
    Run.objects.filter(pk=run.pk).update(
        status=Run.Status.FAILED, error=_lost_worker_message(), finished_at=timezone.now()
    )


def essential_with_data(categories: list[dict[str, Any]], no_data: Sequence[str]) -> list[str]:
    """The categories "all daily needs" is computed over: the essential ones (every one if none
    is marked) that have at least one facility. A category nobody has mapped yet would make
    every resident fail, which says nothing about the city, so it is left out and named."""
    essential = [c["code"] for c in categories if c["essential"]] or [c["code"] for c in categories]
    return [code for code in essential if code not in no_data]


def _summary(
    result: engine.SweepResult,
    residents: Residents,
    categories: list[dict[str, Any]],
    *,
    no_data: Sequence[str] = (),
) -> dict[str, Any]:
    ok = residents.community != ""
    w = residents.weight[ok]
    total = float(w.sum())
    reached = result.reached()[:, ok]
    share = {
        c["code"]: (
            float((w * reached[k]).sum()) / total if total and c["code"] not in no_data else None
        )
        for k, c in enumerate(categories)
    }
    return {
        "population": total,
        "nodes": int(ok.sum()),
        "share": share,
        "no_data": list(no_data),
        "all_essential_over": essential_with_data(categories, no_data),
    }


def _coverage_rows(
    run: Run,
    result: engine.SweepResult,
    residents: Residents,
    categories: list[dict[str, Any]],
    *,
    no_data: Sequence[str] = (),
) -> list[CoverageRow]:
    ok = np.flatnonzero(residents.community != "")
    if ok.size == 0:
        return []
    essential = essential_with_data(categories, no_data)
    levels: list[tuple[str, Callable[[str], str]]] = [
        (Division.Level.COMMUNITY, lambda code: code),
        (Division.Level.STREET, lambda code: code[:9] + "000"),
        (Division.Level.DISTRICT, lambda code: code[:6] + "000000"),
    ]
    known = set(
        Division.objects.filter(
            code__in={f(c) for _, f in levels for c in np.unique(residents.community[ok]).tolist()}
        ).values_list("code", flat=True)
    )
    rows: list[CoverageRow] = []
    codes = [c["code"] for c in categories] + [ALL_ESSENTIAL]
    for level, to_code in levels:
        group = np.asarray([to_code(c) for c in residents.community[ok].tolist()])
        table = engine.coverage(result, ok, residents.weight[ok], group, essential=essential)
        for g, label in enumerate(table.groups.tolist()):
            if label not in known:
                continue
            total = float(table.total_weight[g])
            covered = [float(x) for x in table.covered_weight[g]] + [
                float(table.all_essential_weight[g])
            ]
            for code, value in zip(codes, covered, strict=True):
                unknown = code in no_data or (code == ALL_ESSENTIAL and not essential)
                rows.append(
                    CoverageRow(
                        run=run,
                        division_id=label,
                        level=level,
                        category=code,
                        population=total,
                        covered=value,
                        share=value / total if total > 0 and not unknown else None,
                    )
                )
    return rows


@dataclass(frozen=True)
class RunResult:
    minutes: npt.NDArray[np.float32]
    categories: tuple[str, ...]
    community: npt.NDArray[np.str_]
    weight: npt.NDArray[np.float64]


def run_result(run: Run) -> RunResult:
    if run.status != Run.Status.DONE or not run.result_file:
        raise DomainError("access_run_not_done", _("This run has not finished."))
    with np.load(media_path(run.result_file), allow_pickle=False) as data:
        return RunResult(
            minutes=data["minutes"],
            categories=tuple(data["categories"].tolist()),
            community=data["community"],
            weight=data["weight"],
        )
