"""Coverage: the share of residents (weights) that reach each facility category in time.

A resident at node ``i`` with extra distance ``e`` (usually the snap distance
from home to the street) reaches category ``k`` when
``distance_m[k, i] + e <= limits_m[k]``.  Sums per group use ``np.bincount``;
there is no Python loop over residents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .sweep import SweepResult


@dataclass(frozen=True, eq=False)
class CoverageTable:
    """Weights per group: total, covered per category, covered by all essential ones."""

    groups: npt.NDArray[Any]
    categories: tuple[str, ...]
    essential: tuple[str, ...]
    total_weight: npt.NDArray[np.float64]
    covered_weight: npt.NDArray[np.float64]
    all_essential_weight: npt.NDArray[np.float64]

    @property
    def share(self) -> npt.NDArray[np.float64]:
        """(G, K) covered share per group and category; NaN for groups of weight 0."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.covered_weight / self.total_weight[:, None]

    @property
    def all_essential_share(self) -> npt.NDArray[np.float64]:
        """(G,) share covered by every essential category at once."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.all_essential_weight / self.total_weight

    def rows(self) -> list[dict[str, Any]]:
        """One dict per group (for reports and JSON)."""
        share = self.share
        all_share = self.all_essential_share
        out = []
        for g, label in enumerate(self.groups.tolist()):
            row: dict[str, Any] = {"group": label, "weight": float(self.total_weight[g])}
            for k, name in enumerate(self.categories):
                row[name] = float(share[g, k])
            row["all_essential"] = float(all_share[g])
            out.append(row)
        return out


def reached_matrix(
    result: SweepResult,
    node: npt.ArrayLike,
    extra_m: npt.ArrayLike | None = None,
) -> npt.NDArray[np.bool_]:
    """(K, P) boolean: point ``p`` (snapped to ``node[p]``, -1 = unsnapped) reaches category k."""
    nd = np.asarray(node, dtype=np.int64).reshape(-1)
    valid = nd >= 0
    safe = np.where(valid, nd, 0)
    dist = result.distance_m[:, safe]
    if extra_m is not None:
        extra = np.asarray(extra_m, dtype=np.float64).reshape(-1)
        if extra.shape != nd.shape:
            raise ValueError("extra_m must have one value per point")
        dist = dist + extra
    reached = dist <= result.limits_m[:, None]
    reached &= valid
    return reached


def coverage(
    result: SweepResult,
    node: npt.ArrayLike,
    weight: npt.ArrayLike,
    group: npt.ArrayLike,
    *,
    extra_m: npt.ArrayLike | None = None,
    essential: Sequence[str] | None = None,
) -> CoverageTable:
    """Per group and category, the weight (and share) of points within the limit.

    ``node`` is each point's snapped node (-1 for points that could not be
    snapped: they count in the total but are never covered), ``weight`` its
    population, ``group`` any label (e.g. community code).  ``extra_m`` is
    added to every point's distance (pass the snap distances to count the walk
    from home to the street).  ``essential`` names the categories that must all
    be reached for ``all_essential`` (default: every category).
    """
    nd = np.asarray(node, dtype=np.int64).reshape(-1)
    w = np.asarray(weight, dtype=np.float64).reshape(-1)
    grp = np.asarray(group).reshape(-1)
    if not (nd.shape == w.shape == grp.shape):
        raise ValueError("node, weight and group must have one entry per point")
    if w.size and (not np.all(np.isfinite(w)) or w.min() < 0):
        raise ValueError("weights must be finite and >= 0")
    ess = tuple(result.categories if essential is None else essential)
    ess_rows = [result.index(name) for name in ess]
    labels, gidx = np.unique(grp, return_inverse=True)
    gidx = gidx.reshape(-1)
    n_groups = labels.size
    k = len(result.categories)
    valid = nd >= 0
    safe = np.where(valid, nd, 0)
    extra = None if extra_m is None else np.asarray(extra_m, dtype=np.float64).reshape(-1)
    if extra is not None and extra.shape != nd.shape:
        raise ValueError("extra_m must have one value per point")
    total = np.bincount(gidx, weights=w, minlength=n_groups).astype(np.float64)
    covered = np.zeros((n_groups, k), dtype=np.float64)
    all_ok = valid.copy()
    ess_set = set(ess_rows)
    # One pass per category (not per point) keeps temporaries at one value per point.
    for row in range(k):
        dist = result.distance_m[row].take(safe)
        if extra is not None:
            dist += extra
        reached = dist <= result.limits_m[row]
        reached &= valid
        covered[:, row] = np.bincount(gidx, weights=w * reached, minlength=n_groups)
        if row in ess_set:
            all_ok &= reached
    all_weight = np.bincount(gidx, weights=w * all_ok, minlength=n_groups).astype(np.float64)
    return CoverageTable(
        groups=labels,
        categories=result.categories,
        essential=ess,
        total_weight=total,
        covered_weight=covered,
        all_essential_weight=all_weight,
    )
