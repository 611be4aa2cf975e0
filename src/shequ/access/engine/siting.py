"""Siting: catchments of candidate sites and greedy maximal covering.

Catchments
    The catchment of a candidate is every node within the walk limit of it.
    Computing them one by one on the whole network would cost O(network) per
    candidate, so candidates are processed in batches of spatial neighbours
    (candidates sorted by node number, which follows a Hilbert curve).  For a
    batch, only nodes inside the batch's bounding box widened by the limit can
    be reached: a walk of length L never ends farther than L × ρ from its start
    in the local projection, where ρ (see :func:`chord_ratio`) is the largest
    ratio of an edge's projected chord to its length (≈ 1.001 for real
    networks, whose edges are never shorter than the geodesic).  A
    bounded Dijkstra (``scipy.sparse.csgraph.dijkstra`` with ``limit``) then
    runs on that small subgraph for the batch's candidates.  Result: a sparse
    candidate × node matrix (CSR arrays) of walk distances.

Greedy maximal covering
    Choose ``k`` sites one at a time, each covering the most weight not yet
    covered.  Coverage is a monotone submodular set function, so greedy's
    total is at least (1 − 1/e) ≈ 63.2 % of the best possible choice of ``k``
    sites (Nemhauser, Wolsey & Fisher 1978); it is often optimal.  Gains are
    evaluated lazily (CELF): a candidate's previous gain is an upper bound of
    its current one, so only candidates whose bound beats the best fresh gain
    are re-evaluated.  This picks exactly what plain greedy picks (ties: the
    lowest candidate index).
"""

from __future__ import annotations

import heapq
import math
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from .geo import check_threshold
from .network import Network
from .sweep import DEFAULT_LIMIT_M, _n_workers


@dataclass(frozen=True, eq=False)
class Catchments:
    """Nodes within the limit of each candidate (CSR rows, candidates in input order).

    ``nodes[indptr[i]:indptr[i + 1]]`` (ascending) are reachable from candidate
    ``i`` and ``distance_m[...]`` their walk distances (including the start cost).
    """

    candidate_node: npt.NDArray[np.int64]
    limit_m: float
    indptr: npt.NDArray[np.int64]
    nodes: npt.NDArray[np.int32]
    distance_m: npt.NDArray[np.float32]
    n_nodes: int

    @property
    def n_candidates(self) -> int:
        """Number of candidates (rows)."""
        return int(self.candidate_node.size)

    @property
    def sizes(self) -> npt.NDArray[np.int64]:
        """Number of nodes in each catchment."""
        return np.diff(self.indptr)

    def row(self, i: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """(nodes, distances) of candidate ``i``."""
        a, b = int(self.indptr[i]), int(self.indptr[i + 1])
        return self.nodes[a:b], self.distance_m[a:b]

    def to_sparse(self) -> sp.csr_array:
        """Boolean candidate × node membership matrix."""
        return sp.csr_array(
            (np.ones(self.nodes.size, dtype=bool), self.nodes, self.indptr),
            shape=(self.n_candidates, self.n_nodes),
        )


class _CellIndex:
    """Uniform grid over projected node coordinates for rectangle queries."""

    def __init__(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], cell: float):
        self.cell = cell
        self.x0 = float(x.min())
        self.y0 = float(y.min())
        self.nx = int((x.max() - self.x0) // cell) + 1
        self.ny = int((y.max() - self.y0) // cell) + 1
        cid = ((y - self.y0) // cell).astype(np.int64) * self.nx + ((x - self.x0) // cell).astype(
            np.int64
        )
        self.order = np.argsort(cid, kind="stable")
        self.start = np.searchsorted(cid[self.order], np.arange(self.nx * self.ny + 1))

    def rectangle(self, x0: float, y0: float, x1: float, y1: float) -> npt.NDArray[np.int64]:
        """Node indices (sorted) in cells overlapping the rectangle (a superset)."""
        cx0 = max(int((x0 - self.x0) // self.cell), 0)
        cx1 = min(int((x1 - self.x0) // self.cell), self.nx - 1)
        cy0 = max(int((y0 - self.y0) // self.cell), 0)
        cy1 = min(int((y1 - self.y0) // self.cell), self.ny - 1)
        if cx0 > cx1 or cy0 > cy1:
            return np.zeros(0, dtype=np.int64)
        rows = np.arange(cy0, cy1 + 1, dtype=np.int64) * self.nx
        # Cells of one grid row are contiguous in cell order: one slice per row.
        lo = self.start[rows + cx0]
        hi = self.start[rows + cx1 + 1]
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        pos = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(total)
        return np.sort(self.order[pos])


@dataclass(frozen=True, eq=False)
class _CatchmentJob:
    """Everything a (possibly forked) worker needs to compute catchment batches."""

    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    cells: _CellIndex
    weights: npt.NDArray[np.float64]
    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32]
    cand: npt.NDArray[np.int64]
    cost: npt.NDArray[np.float64]
    order: npt.NDArray[np.int64]
    limit: float
    reach: float
    batch_size: int


_Part = tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32]
]
_JOB: _CatchmentJob | None = None  # set before forking workers; read by _run_span


def _run_batches(job: _CatchmentJob, first: int, last: int) -> list[_Part]:
    """Catchments of candidates ``job.order[first:last]`` in batches of spatial neighbours."""
    slot = np.full(job.x.size, -1, dtype=np.int64)
    parts: list[_Part] = []
    for begin in range(first, last, job.batch_size):
        ids = job.order[begin : min(begin + job.batch_size, last)]
        nodes = job.cand[ids]
        cx, cy = job.x[nodes], job.y[nodes]
        if math.isfinite(job.reach):
            loc = job.cells.rectangle(
                float(cx.min()) - job.reach,
                float(cy.min()) - job.reach,
                float(cx.max()) + job.reach,
                float(cy.max()) + job.reach,
            )
        else:  # edge lengths say nothing about positions: no spatial pruning
            loc = np.arange(job.x.size, dtype=np.int64)
        slot[loc] = np.arange(loc.size)
        start = job.indptr[loc]
        deg = job.indptr[loc + 1] - start
        ends = np.cumsum(deg)
        pos = np.repeat(start - (ends - deg), deg) + np.arange(int(ends[-1]))
        nbr = slot[job.indices[pos]]
        inside = nbr >= 0
        row_counts = np.bincount(np.repeat(np.arange(loc.size), deg)[inside], minlength=loc.size)
        sub_indptr = np.zeros(loc.size + 1, dtype=np.int64)
        np.cumsum(row_counts, out=sub_indptr[1:])
        sub = sp.csr_matrix(
            (job.weights[pos][inside], nbr[inside].astype(np.int32), sub_indptr),
            shape=(loc.size, loc.size),
        )
        c_cost = job.cost[ids]
        dist = dijkstra(
            sub,
            directed=True,
            indices=slot[nodes],
            limit=max(job.limit - float(c_cost.min()), 0.0),
        )
        slot[loc] = -1
        dist += c_cost[:, None]
        r, c = np.nonzero(dist <= job.limit)
        parts.append(
            (
                ids,
                np.bincount(r, minlength=ids.size),
                loc[c].astype(np.int32),
                dist[r, c].astype(np.float32),
            )
        )
    return parts


def _run_span(span: tuple[int, int]) -> list[_Part]:
    if _JOB is None:  # set by catchments() just before the fork
        raise RuntimeError("catchment worker started without a job")
    return _run_batches(_JOB, *span)


def chord_ratio(network: Network, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
    """Largest (projected straight-line distance / edge length) over all edges.

    A path of length L then ends at most L times this ratio away (in projected
    metres) from where it started: each edge's chord is at most ratio × its
    length, and chords add up to at least the straight line.  About 1.001 for
    imported and synthetic networks (edges are never shorter than the geodesic
    between their ends; the projection stretches a little); larger, or ``inf``
    for zero-length edges between distinct points, when lengths were given by
    hand.  Cached on the network.
    """
    cached = network.cache.get("chord_ratio")
    if isinstance(cached, float):
        return cached
    u, v, w = network.edge_list()
    ratio = 0.0
    if u.size:
        chord = np.hypot(x[u] - x[v], y[u] - y[v])
        length = w.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(chord > 0, chord / length, 0.0)
        ratio = float(np.max(r))
    network.cache["chord_ratio"] = ratio
    return ratio


def _fork_available() -> bool:
    return "fork" in mp.get_all_start_methods()


def catchments(
    network: Network,
    candidate_node: npt.ArrayLike,
    limit_m: float = DEFAULT_LIMIT_M,
    *,
    start_cost: npt.ArrayLike | None = None,
    batch_size: int = 32,
    n_jobs: int | None = None,
) -> Catchments:
    """Catchment (nodes within ``limit_m``, with distances) of every candidate node.

    ``start_cost`` (metres) is added to every distance from that candidate (use
    the snap distance of the candidate site).  ``n_jobs`` worker processes
    (default: available CPUs; forked, Linux only, else serial) share the
    batches, because scipy's Dijkstra holds the GIL.  See the module docstring
    for the method.
    """
    global _JOB
    limit = check_threshold(limit_m, "limit_m")
    cand = np.ascontiguousarray(candidate_node, dtype=np.int64).reshape(-1)
    n = network.n_nodes
    if cand.size and (cand.min() < 0 or cand.max() >= n):
        raise IndexError("candidate node index outside the network")
    cost = (
        np.zeros(cand.size)
        if start_cost is None
        else np.ascontiguousarray(start_cost, dtype=np.float64).reshape(-1)
    )
    if cost.shape != cand.shape:
        raise ValueError("start_cost must have one value per candidate")
    if cost.size and (not np.all(np.isfinite(cost)) or cost.min() < 0):
        raise ValueError("start costs must be finite and >= 0")
    if cand.size == 0:
        return Catchments(
            cand, limit, np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32), n
        )
    proj = network.projection
    x, y = proj.forward(network.lon, network.lat)
    # Only nodes within ``reach`` (projected metres) of a candidate can be reached;
    # the small relative margin covers rounding in the projection.
    reach = limit * chord_ratio(network, x, y) * (1.0 + 1e-6) + 1.0
    job = _CatchmentJob(
        x=x,
        y=y,
        cells=_CellIndex(x, y, max(reach / 2.0, 1.0) if math.isfinite(reach) else 1e9),
        weights=network.weights.astype(np.float64),
        indptr=network.indptr,
        indices=network.indices,
        cand=cand,
        cost=cost,
        # Node numbers follow a Hilbert curve: sorted candidates are spatial runs.
        order=np.argsort(cand, kind="stable"),
        limit=limit,
        reach=reach,
        batch_size=max(1, int(batch_size)),
    )
    n_batches = -(-cand.size // job.batch_size)
    # Automatic choice: forking pays off only for a few thousand candidates.
    workers = (
        _n_workers(None, max(1, cand.size // 2000))
        if n_jobs is None
        else _n_workers(n_jobs, n_batches)
    )
    if workers > 1 and _fork_available():
        # Several spans per worker balance uneven batches; span edges fall on
        # batch boundaries so batches stay spatially compact.
        n_spans = workers * 4
        step = -(-cand.size // n_spans)
        step = -(-step // job.batch_size) * job.batch_size
        spans = [(a, min(a + step, cand.size)) for a in range(0, cand.size, step)]
        _JOB = job
        try:
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
                parts = [p for chunk in pool.map(_run_span, spans) for p in chunk]
        finally:
            _JOB = None
    else:
        parts = _run_batches(job, 0, cand.size)

    counts = np.zeros(cand.size, dtype=np.int64)
    for ids, cnt, _, _ in parts:
        counts[ids] = cnt
    out_indptr = np.zeros(cand.size + 1, dtype=np.int64)
    np.cumsum(counts, out=out_indptr[1:])
    nodes = np.empty(int(out_indptr[-1]), dtype=np.int32)
    dists = np.empty(int(out_indptr[-1]), dtype=np.float32)
    for ids, cnt, part_nodes, part_dist in parts:
        rank = np.arange(part_nodes.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        dest = np.repeat(out_indptr[ids], cnt) + rank
        nodes[dest] = part_nodes
        dists[dest] = part_dist
    return Catchments(cand, limit, out_indptr, nodes, dists, n)


def _row_sums(
    indptr: npt.NDArray[np.int64],
    nodes: npt.NDArray[np.int32],
    values: npt.NDArray[np.float64],
    rows_per_chunk: int = 4096,
) -> npt.NDArray[np.float64]:
    """``values[nodes]`` summed per CSR row, in chunks so temporaries stay small."""
    n_rows = indptr.size - 1
    out = np.zeros(n_rows, dtype=np.float64)
    for r0 in range(0, n_rows, rows_per_chunk):
        r1 = min(r0 + rows_per_chunk, n_rows)
        a, b = int(indptr[r0]), int(indptr[r1])
        if a == b:
            continue
        gathered = values[nodes[a:b]]
        starts = indptr[r0:r1] - a
        nonempty = starts < (indptr[r0 + 1 : r1 + 1] - a)
        # reduceat needs valid start indices; empty rows are masked to zero.
        sums = np.add.reduceat(gathered, np.minimum(starts, b - a - 1))
        out[r0:r1] = np.where(nonempty, sums, 0.0)
    return out


@dataclass(frozen=True, eq=False)
class GreedyResult:
    """Sites chosen by greedy maximal covering, in the order they were picked."""

    sites: npt.NDArray[np.int64]
    gains: npt.NDArray[np.float64]
    covered_weight: npt.NDArray[np.float64]
    initial_covered_weight: float
    total_weight: float
    covered: npt.NDArray[np.bool_]


def node_weights(
    n_nodes: int, node: npt.ArrayLike, weight: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Sum point weights per node (points with node -1 are ignored)."""
    nd = np.asarray(node, dtype=np.int64).reshape(-1)
    w = np.asarray(weight, dtype=np.float64).reshape(-1)
    ok = nd >= 0
    return np.bincount(nd[ok], weights=w[ok], minlength=n_nodes).astype(np.float64)


def greedy_max_cover(
    catch: Catchments,
    node_weight: npt.ArrayLike,
    k: int,
    *,
    covered: npt.ArrayLike | None = None,
) -> GreedyResult:
    """Pick up to ``k`` candidates maximising the newly covered node weight.

    ``node_weight`` is the demand per node (e.g. :func:`node_weights` of the
    residents); ``covered`` marks nodes already served (by existing
    facilities), whose weight does not count.  Stops early when no candidate
    adds weight.  Greedy is within a factor (1 − 1/e) of optimal (submodular
    maximum coverage) and picks exactly what non-lazy greedy would.
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    w = np.asarray(node_weight, dtype=np.float64).reshape(-1)
    if w.size != catch.n_nodes:
        raise ValueError("node_weight must have one value per network node")
    if w.size and (not np.all(np.isfinite(w)) or w.min() < 0):
        raise ValueError("node weights must be finite and >= 0")
    done = (
        np.zeros(catch.n_nodes, dtype=bool)
        if covered is None
        else np.asarray(covered, dtype=bool).reshape(-1).copy()
    )
    if done.size != catch.n_nodes:
        raise ValueError("covered must have one value per network node")
    total = float(w.sum())
    initial = float(w[done].sum())
    remaining = np.where(done, 0.0, w)
    gain0 = _row_sums(catch.indptr, catch.nodes, remaining)
    # Heap of (-gain bound, candidate, step when the bound was computed).
    heap = [(-g, i, 0) for i, g in enumerate(gain0.tolist()) if g > 0]
    heapq.heapify(heap)
    sites: list[int] = []
    gains: list[float] = []
    step = 0
    while heap and len(sites) < k:
        neg, i, stamp = heapq.heappop(heap)
        if stamp == step:
            members = catch.nodes[catch.indptr[i] : catch.indptr[i + 1]]
            sites.append(i)
            gains.append(-neg)
            done[members] = True
            remaining[members] = 0.0
            step += 1
            continue
        members = catch.nodes[catch.indptr[i] : catch.indptr[i + 1]]
        g = float(remaining[members].sum())
        if g > 0:
            heapq.heappush(heap, (-g, i, step))
    gain_arr = np.asarray(gains, dtype=np.float64)
    return GreedyResult(
        sites=np.asarray(sites, dtype=np.int64),
        gains=gain_arr,
        covered_weight=initial + np.cumsum(gain_arr),
        initial_covered_weight=initial,
        total_weight=total,
        covered=done,
    )


def coverage_of_sites(
    catch: Catchments,
    node_weight: npt.ArrayLike,
    sites: npt.ArrayLike,
    *,
    covered: npt.ArrayLike | None = None,
) -> float:
    """Weight newly covered by a given set of sites (for checks and comparisons)."""
    w = np.asarray(node_weight, dtype=np.float64).reshape(-1)
    done = (
        np.zeros(catch.n_nodes, dtype=bool)
        if covered is None
        else np.asarray(covered, dtype=bool).reshape(-1)
    )
    hit = np.zeros(catch.n_nodes, dtype=bool)
    for i in np.asarray(sites, dtype=np.int64).reshape(-1).tolist():
        hit[catch.nodes[catch.indptr[i] : catch.indptr[i + 1]]] = True
    return float(w[hit & ~done].sum())
