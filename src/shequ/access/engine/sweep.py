"""Multi-source nearest-facility sweeps with a distance cut-off.

For one facility category, every facility is a source at once: each node gets
the network distance to its nearest facility and which facility that is, as
long as the distance is <= the category's limit (``+inf`` / ``-1`` beyond).

Algorithm: bucketed label-setting (Dial / delta-stepping) vectorised with
numpy.  Tentative distances are grouped in buckets of width ``delta``; all
nodes of the lowest non-empty bucket are expanded together (one numpy pass per
bucket), and a bucket is re-expanded while relaxations land inside it (edges
shorter than ``delta``, including zero-length ones), so the result is exact
for any non-negative lengths.  The limit is folded into the initial distance
(``nextafter(limit, inf)``) so a single comparison both prunes and relaxes.
Categories run in parallel threads: numpy releases the GIL in the gathers,
scatters and compares that make up the work.

Start cost: a facility may start with a non-zero cost (its snap distance from
the real entrance to the network node); see :func:`facilities_from_points`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from .errors import InvalidThresholdError
from .geo import check_threshold
from .network import Network
from .snap import DEFAULT_MAX_SNAP_M, OnOutside, SnapResult, snap_points

WALK_SPEED_MPS = 1.2
DEFAULT_MINUTES = 15.0
DEFAULT_LIMIT_M = WALK_SPEED_MPS * DEFAULT_MINUTES * 60.0  # 1080 m
MAX_BUCKETS = 64  # delta >= limit / MAX_BUCKETS: bounds the number of numpy passes

Layout = Literal["auto", "ell", "csr"]


def minutes_to_metres(minutes: float, speed_mps: float = WALK_SPEED_MPS) -> float:
    """Walking distance covered in ``minutes`` at ``speed_mps`` (15 min at 1.2 m/s = 1080 m)."""
    return check_threshold(minutes, "minutes") * 60.0 * check_threshold(speed_mps, "speed")


@dataclass(frozen=True, eq=False)
class FacilitySet:
    """Facilities of one category, already snapped to network nodes.

    ``start_cost`` (metres, >= 0) is added at the start of every walk from that
    facility; ``limit_m`` is the category's distance threshold (inclusive).  A
    node of -1 marks a facility that could not be snapped; it reaches nothing.
    """

    category: str
    node: npt.NDArray[np.int64]
    start_cost: npt.NDArray[np.float64]
    limit_m: float = DEFAULT_LIMIT_M

    @classmethod
    def at_nodes(
        cls,
        category: str,
        node: npt.ArrayLike,
        limit_m: float = DEFAULT_LIMIT_M,
        start_cost: npt.ArrayLike | None = None,
    ) -> FacilitySet:
        """Facilities located exactly at network nodes (start cost 0 unless given)."""
        nd = np.ascontiguousarray(node, dtype=np.int64).reshape(-1)
        cost = (
            np.zeros(nd.size, dtype=np.float64)
            if start_cost is None
            else np.ascontiguousarray(start_cost, dtype=np.float64).reshape(-1)
        )
        return cls(category, nd, cost, limit_m)

    def __len__(self) -> int:
        return int(self.node.size)


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Nearest facility per category and node.

    ``distance_m[k, i]`` is the walk distance from node ``i`` to the nearest
    facility of category ``k`` (``inf`` beyond ``limits_m[k]``) and
    ``facility[k, i]`` its index in that category's FacilitySet (``-1`` beyond).
    """

    categories: tuple[str, ...]
    limits_m: npt.NDArray[np.float64]
    distance_m: npt.NDArray[np.float64]
    facility: npt.NDArray[np.int32]
    speed_mps: float = WALK_SPEED_MPS

    def index(self, category: str) -> int:
        """Row of ``category`` in the result arrays."""
        try:
            return self.categories.index(category)
        except ValueError:
            raise KeyError(f"unknown category {category!r}") from None

    def minutes(self) -> npt.NDArray[np.float64]:
        """Walk time in minutes (``inf`` beyond the limit)."""
        return self.distance_m / (self.speed_mps * 60.0)

    def reached(self) -> npt.NDArray[np.bool_]:
        """Boolean (K, N): node within its category's limit."""
        return self.facility >= 0


@dataclass(frozen=True, eq=False)
class _SweepGraph:
    """Adjacency prepared for vectorised expansion.

    Each arc is one 64-bit word: neighbour index in the high 32 bits, the
    float32 length's bits in the low 32.  One random gather then fetches both,
    which halves the cache misses of the hottest step.

    ``ell``: every node has ``width`` arc slots (padding points to the node
    itself with length ``inf``, which never relaxes) so a frontier expands with
    one arithmetic index, no per-node lengths; chosen when padding is cheap
    (grid-like graphs).  ``csr``: plain CSR expansion for skewed degrees.
    """

    layout: str
    width: int
    arcs: npt.NDArray[np.uint64]
    indptr: npt.NDArray[np.int64]
    min_length: float


def _pack(nbr: npt.NDArray[np.int64], length: npt.NDArray[np.float32]) -> npt.NDArray[np.uint64]:
    bits = np.ascontiguousarray(length, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return (nbr.astype(np.uint64) << np.uint64(32)) | bits


def _unpack(
    arcs: npt.NDArray[np.uint64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    nbr = (arcs >> np.uint64(32)).astype(np.int64)
    length = (arcs & np.uint64(0xFFFFFFFF)).astype(np.uint32).view(np.float32)
    return nbr, length


def _prepare(network: Network, layout: Layout = "auto") -> _SweepGraph:
    deg = network.degree
    n = network.n_nodes
    nnz = int(network.indices.size)
    width = int(deg.max()) if n else 0
    positive = network.weights[network.weights > 0]
    min_length = float(positive.min()) if positive.size else math.inf
    if layout == "auto":
        layout = "ell" if n and width * n <= 1.5 * max(nnz, 1) else "csr"
    if layout == "ell" and n:
        nbr = np.repeat(np.arange(n, dtype=np.int64), width)
        length = np.full(n * width, np.inf, dtype=np.float32)
        slot = np.arange(nnz, dtype=np.int64) - np.repeat(network.indptr[:-1], deg)
        flat = np.repeat(np.arange(n, dtype=np.int64), deg) * width + slot
        nbr[flat] = network.indices
        length[flat] = network.weights
        return _SweepGraph("ell", width, _pack(nbr, length), network.indptr, min_length)
    arcs = _pack(network.indices.astype(np.int64), network.weights)
    return _SweepGraph("csr", width, arcs, network.indptr, min_length)


def _graph(network: Network, layout: Layout) -> _SweepGraph:
    """Prepared adjacency, cached on the network."""
    key = f"sweep_graph_{layout}"
    graph = network.cache.get(key)
    if graph is None:
        graph = _prepare(network, layout)
        network.cache[key] = graph
    if not isinstance(graph, _SweepGraph):
        raise TypeError(f"network.cache[{key!r}] holds something else")
    return graph


def choose_delta(min_length: float, limit: float) -> float:
    """Bucket width: the shortest edge (every bucket then settles in one pass), but
    not below ``limit / MAX_BUCKETS`` so that short edges cannot make the number
    of numpy passes explode (short edges are handled by re-expanding a bucket)."""
    floor = limit / MAX_BUCKETS
    if not math.isfinite(min_length):
        return floor
    return max(min_length, floor)


def _seed(
    n: int, node: npt.NDArray[np.int64], cost: npt.NDArray[np.float64], limit: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int32]]:
    """Per start node keep the cheapest facility (lowest index on ties); drop those
    whose start cost already exceeds the limit and those not on the network (-1)."""
    if node.size and (node.min() < -1 or node.max() >= n):
        raise IndexError("facility node index outside the network")
    if cost.size and (not np.all(np.isfinite(cost)) or cost.min() < 0):
        raise ValueError("facility start costs must be finite and >= 0")
    idx = np.arange(node.size, dtype=np.int32)
    ok = (cost <= limit) & (node >= 0)
    node, cost, idx = node[ok], cost[ok], idx[ok]
    order = np.lexsort((idx, cost, node))
    node, cost, idx = node[order], cost[order], idx[order]
    first = np.ones(node.size, dtype=bool)
    first[1:] = node[1:] != node[:-1]
    return node[first], cost[first], idx[first]


def _sweep_one(
    graph: _SweepGraph,
    node: npt.NDArray[np.int64],
    cost: npt.NDArray[np.float64],
    label: npt.NDArray[np.int32],
    limit: float,
    dist: npt.NDArray[np.float64],
    src: npt.NDArray[np.int32],
) -> None:
    """Fill ``dist``/``src`` (one category) in place; see the module docstring."""
    take = np.take
    compress = np.compress
    dist.fill(np.nextafter(limit, math.inf))
    src.fill(-1)
    if node.size == 0:
        dist.fill(math.inf)
        return
    dist[node] = cost
    src[node] = label
    delta = choose_delta(graph.min_length, limit)
    inv_delta = 1.0 / delta
    n_buckets = int(limit * inv_delta) + 2
    buckets: list[list[npt.NDArray[np.int64]]] = [[] for _ in range(n_buckets)]
    seed_bucket = np.minimum((cost * inv_delta).astype(np.int64), n_buckets - 1)
    for b in np.unique(seed_bucket).tolist():
        buckets[b].append(node[seed_bucket == b])
    mark = np.empty(dist.size, dtype=np.int32)
    width = graph.width
    slots = np.arange(width, dtype=np.int64)
    arcs, indptr = graph.arcs, graph.indptr
    ell = graph.layout == "ell"
    for b in range(n_buckets):
        pending = buckets[b]
        while pending:
            front = np.concatenate(pending) if len(pending) > 1 else pending[0]
            pending.clear()
            d_front = take(dist, front)
            # An entry is stale when its node has since improved into an earlier
            # bucket (and was expanded there).  Bucket numbers are recomputed with
            # the same expression used when pushing, so fresh entries match exactly.
            fresh = (d_front * inv_delta).astype(np.int64) == b
            if not fresh.all():
                front = compress(fresh, front)
                d_front = compress(fresh, d_front)
            if front.size == 0:
                break
            # A node improved several times before its bucket came up has several
            # entries; keep one (the last write of its position wins).
            positions = np.arange(front.size, dtype=np.int32)
            mark[front] = positions
            once = take(mark, front) == positions
            if not once.all():
                front = compress(once, front)
                d_front = compress(once, d_front)
            if ell:
                pos = (front[:, None] * width + slots).ravel()
                tgt, length = _unpack(take(arcs, pos))
                cand = np.repeat(d_front, width)
                lab = np.repeat(take(src, front), width)
            else:
                start = take(indptr, front)
                deg = take(indptr, front + 1) - start
                ends = np.cumsum(deg)
                total = int(ends[-1])
                if total == 0:
                    continue
                pos = np.repeat(start - (ends - deg), deg)
                pos += np.arange(total, dtype=np.int64)
                tgt, length = _unpack(take(arcs, pos))
                cand = np.repeat(d_front, deg)
                lab = np.repeat(take(src, front), deg)
            cand += length
            better = cand < take(dist, tgt)
            tgt = compress(better, tgt)
            cand = compress(better, cand)
            lab = compress(better, lab)
            if tgt.size == 0:
                continue
            # Several candidates may hit one node: assign, then re-assign the ones
            # that lost to a worse value until every node holds its minimum.
            dist[tgt] = cand
            worse = cand < take(dist, tgt)
            while worse.any():
                dist[compress(worse, tgt)] = compress(worse, cand)
                worse = cand < take(dist, tgt)
            won = cand == take(dist, tgt)
            tgt = compress(won, tgt)
            cand = compress(won, cand)
            src[tgt] = compress(won, lab)
            # cand >= d_front, so the bucket is >= b; cand <= limit keeps it in range.
            new_bucket = (cand * inv_delta).astype(np.int64)
            # Few distinct small values: a 16-bit stable sort is a radix sort.
            order = np.argsort(new_bucket.astype(np.int16), kind="stable")
            tgt = take(tgt, order)
            counts = np.bincount(new_bucket - b)
            stop = np.cumsum(counts).tolist()
            begin = 0
            for j, end in enumerate(stop):
                if end > begin:
                    buckets[b + j].append(tgt[begin:end])
                begin = end
    dist[dist > limit] = math.inf


def _n_workers(n_jobs: int | None, tasks: int) -> int:
    if n_jobs is None:
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - not Linux
            cpus = os.cpu_count() or 1
        n_jobs = cpus
    return max(1, min(int(n_jobs), tasks))


def sweep(
    network: Network,
    facilities: Sequence[FacilitySet],
    *,
    n_jobs: int | None = None,
    layout: Layout = "auto",
    speed_mps: float = WALK_SPEED_MPS,
) -> SweepResult:
    """Nearest facility of every category for every node, within each category's limit.

    ``n_jobs`` threads work on different categories (default: available CPUs,
    or one thread for small problems where threads cost more than they save).
    Distances are exact sums of the stored float32 edge lengths (in float64).
    """
    names = [f.category for f in facilities]
    if len(set(names)) != len(names):
        raise ValueError("category names must be unique")
    limits = np.array(
        [check_threshold(f.limit_m, f"limit for {f.category!r}") for f in facilities],
        dtype=np.float64,
    )
    check_threshold(speed_mps, "speed")
    n = network.n_nodes
    k = len(facilities)
    graph = _graph(network, layout)
    seeds = [
        _seed(n, np.asarray(f.node, dtype=np.int64), np.asarray(f.start_cost, np.float64), lim)
        for f, lim in zip(facilities, limits, strict=True)
    ]
    for f in facilities:
        if f.node.shape != f.start_cost.shape:
            raise ValueError(f"{f.category!r}: node and start_cost lengths differ")
    distance = np.empty((k, n), dtype=np.float64)
    facility = np.empty((k, n), dtype=np.int32)

    def run(i: int) -> None:
        node, cost, label = seeds[i]
        _sweep_one(graph, node, cost, label, float(limits[i]), distance[i], facility[i])

    # Threads only pay off when there is real work per category.
    workers = _n_workers(n_jobs, k) if n_jobs is not None or n * k >= 2_000_000 else 1
    if workers == 1:
        for i in range(k):
            run(i)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, range(k)))
    return SweepResult(tuple(names), limits, distance, facility, speed_mps)


def facilities_from_points(
    network: Network,
    category: str,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    limit_m: float = DEFAULT_LIMIT_M,
    add_snap_distance: bool = True,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    on_outside: OnOutside = "raise",
) -> tuple[FacilitySet, SnapResult]:
    """Snap facility points and make a FacilitySet (facility i = input point i).

    With ``add_snap_distance`` (the default) the straight-line distance from
    the facility to its node is the walk's start cost, so a shop 80 m off the
    mapped street is 80 m further away than its node.  Facilities snapped
    farther than ``max_snap_m`` (``too_far``) are kept; facilities outside the
    network area (only with ``on_outside="flag"``) reach nothing.
    """
    lim = check_threshold(limit_m, f"limit for {category!r}")
    snapped = snap_points(network, lon, lat, max_distance_m=max_snap_m, on_outside=on_outside)
    cost = (
        np.where(snapped.node >= 0, snapped.distance_m, 0.0)
        if add_snap_distance
        else np.zeros(snapped.node.size, dtype=np.float64)
    )
    return FacilitySet(category, snapped.node, cost, lim), snapped


def nearest_facility(
    network: Network,
    node: npt.ArrayLike,
    limit_m: float = DEFAULT_LIMIT_M,
    start_cost: npt.ArrayLike | None = None,
    *,
    layout: Layout = "auto",
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int32]]:
    """One category: (distance to nearest source per node, index of that source)."""
    fs = FacilitySet.at_nodes("_", node, limit_m, start_cost)
    res = sweep(network, [fs], n_jobs=1, layout=layout)
    return res.distance_m[0], res.facility[0]


def limits_from_minutes(
    minutes: dict[str, float], speed_mps: float = WALK_SPEED_MPS
) -> dict[str, float]:
    """Per-category distance limits (metres) from walking minutes."""
    out: dict[str, float] = {}
    for name, m in minutes.items():
        try:
            out[name] = minutes_to_metres(m, speed_mps)
        except InvalidThresholdError as exc:
            raise InvalidThresholdError(f"{name!r}: {exc}") from exc
    return out


__all__ = [
    "DEFAULT_LIMIT_M",
    "WALK_SPEED_MPS",
    "FacilitySet",
    "SweepResult",
    "facilities_from_points",
    "limits_from_minutes",
    "minutes_to_metres",
    "nearest_facility",
    "sweep",
]
