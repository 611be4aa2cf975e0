"""Nearest-facility sweeps, coverage, catchments and greedy siting against plain references."""

from __future__ import annotations

import functools
import itertools
import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import shequ.access
from shequ.access.engine import (
    DEFAULT_LIMIT_M,
    FacilitySet,
    InvalidThresholdError,
    Network,
    catchments,
    coverage,
    coverage_of_sites,
    facilities_from_points,
    greedy_max_cover,
    limits_from_minutes,
    minutes_to_metres,
    nearest_facility,
    network_from_csr,
    node_weights,
    read_osm,
    snap_points,
    sweep,
    synthetic_facilities,
    synthetic_grid_network,
    synthetic_population,
)
from shequ.access.engine.siting import Catchments

DATA = Path(shequ.access.__file__).parent / "data"


@functools.cache
def chengdu() -> Network:
    return read_osm(DATA / "chengdu.osm")


@functools.cache
def chengdu_pois() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    features = json.loads((DATA / "pois_osm_central.geojson").read_text("utf-8"))["features"]
    out: dict[str, tuple[list[float], list[float]]] = {}
    for f in features:
        lon, lat = f["geometry"]["coordinates"]
        out.setdefault(f["properties"]["category"], ([], []))
        out[f["properties"]["category"]][0].append(lon)
        out[f["properties"]["category"]][1].append(lat)
    return {k: (np.array(a), np.array(b)) for k, (a, b) in out.items()}


def to_networkx(net: Network) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(net.n_nodes))
    u, v, w = net.edge_list()
    g.add_weighted_edges_from(
        zip(u.tolist(), v.tolist(), w.astype(np.float64).tolist(), strict=True)
    )
    return g


def reference_nearest(
    g: nx.Graph, fs: FacilitySet, limit: float
) -> tuple[dict[int, float], dict[int, dict[int, float]]]:
    """networkx reference: multi-source Dijkstra from a super-source joined to every
    facility node by an edge of the facility's start cost; plus each facility's own
    distances (to judge ties)."""
    h = g.copy()
    source = "facilities"
    for node, cost in zip(fs.node.tolist(), fs.start_cost.tolist(), strict=True):
        if node < 0:
            continue
        if h.has_edge(source, node):
            cost = min(cost, h[source][node]["weight"])
        h.add_edge(source, node, weight=cost)
    dist = (
        nx.single_source_dijkstra_path_length(h, source, cutoff=limit, weight="weight")
        if h.has_node(source)
        else {}
    )
    dist.pop(source, None)
    per_facility = {
        i: {
            t: d + c
            for t, d in nx.single_source_dijkstra_path_length(
                g, node, cutoff=limit - c, weight="weight"
            ).items()
        }
        for i, (node, c) in enumerate(zip(fs.node.tolist(), fs.start_cost.tolist(), strict=True))
        if node >= 0 and c <= limit
    }
    return dist, per_facility


def assert_matches_reference(
    net: Network, g: nx.Graph, fs: FacilitySet, dist: np.ndarray, fac: np.ndarray
) -> None:
    ref, per_facility = reference_nearest(g, fs, fs.limit_m)
    reached = np.flatnonzero(np.isfinite(dist))
    assert set(reached.tolist()) == set(ref)
    assert np.all(fac[np.isinf(dist)] == -1)
    for node in reached.tolist():
        assert dist[node] == pytest.approx(ref[node], rel=1e-6, abs=1e-9)
        assert dist[node] <= fs.limit_m
        # The facility named must itself be at that distance (ties: any one).
        f = int(fac[node])
        assert f >= 0
        assert per_facility[f].get(node, math.inf) == pytest.approx(dist[node], rel=1e-6)


def test_chengdu_sweep_equals_networkx() -> None:
    net = chengdu()
    g = to_networkx(net)
    pois = chengdu_pois()
    cats = ["highway=bus_stop", "amenity=school", "amenity=hospital", "leisure=park"]
    limits = [360.0, 720.0, 1080.0, 1080.0]
    sets = [
        facilities_from_points(net, c, *pois[c], limit_m=lim)[0]
        for c, lim in zip(cats, limits, strict=True)
    ]
    res = sweep(net, sets, n_jobs=2)
    assert res.categories == tuple(cats)
    assert res.distance_m.shape == (4, net.n_nodes)
    for k, fs in enumerate(sets):
        assert_matches_reference(net, g, fs, res.distance_m[k], res.facility[k])
    # Start costs are the snap distances, so facility nodes are not at distance 0.
    assert np.all(sets[0].start_cost >= 0)
    assert sets[0].start_cost.max() > 0


def random_graph(seed: int, n: int, *, integer: bool) -> tuple[Network, np.random.Generator]:
    rng = np.random.default_rng(seed)
    m = n * 2
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    keep = u != v
    u, v = u[keep], v[keep]
    w = rng.integers(0, 6, u.size).astype(float) if integer else rng.uniform(0, 50, u.size)
    w[rng.random(u.size) < 0.1] = 0.0  # zero-length edges
    # Parallel edges: keep the shortest, like the network builder does.
    a, b = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.ones(a.size, bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, w = a[first], b[first], w[first]
    src = np.concatenate([a, b])
    dst = np.concatenate([b, a])
    ww = np.concatenate([w, w])
    o = np.lexsort((dst, src))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return network_from_csr(indptr, dst[o], ww[o]), rng


@pytest.mark.parametrize("seed", range(12))
def test_random_graphs_equal_networkx(seed: int) -> None:
    integer = seed % 2 == 0
    net, rng = random_graph(seed, int(rng_n(seed)), integer=integer)
    g = to_networkx(net)
    sets = []
    for k in range(3):
        count = int(rng.integers(1, 6))
        nodes = rng.integers(0, net.n_nodes, count)
        cost = rng.integers(0, 4, count).astype(float) if integer else rng.uniform(0, 10, count)
        limit = float(rng.integers(5, 15)) if integer else float(rng.uniform(20, 80))
        fs = FacilitySet(f"c{k}", nodes, cost, limit)
        # Put the limit exactly on the farthest reachable distance, so that some
        # node lies on the boundary (<= limit must count as reached).
        ref, _ = reference_nearest(g, fs, limit)
        sets.append(FacilitySet(f"c{k}", nodes, cost, max(ref.values(), default=limit) or 1.0))
    boundary = 0
    for layout in ("ell", "csr"):
        res = sweep(net, sets, n_jobs=1 + seed % 2, layout=layout)
        for k, fs in enumerate(sets):
            assert_matches_reference(net, g, fs, res.distance_m[k], res.facility[k])
            boundary += int(np.count_nonzero(res.distance_m[k] == fs.limit_m))
    assert boundary > 0


def rng_n(seed: int) -> int:
    return [12, 40, 80, 150, 300, 25][seed % 6]


def test_nodes_exactly_at_the_limit_are_reached() -> None:
    # A path 0-1-2-3-4 with edges of 1, 2, 0 and 3 metres; the facility is at 0.
    indptr = np.array([0, 1, 3, 5, 7, 8])
    indices = np.array([1, 0, 2, 1, 3, 2, 4, 3])
    weights = np.array([1.0, 1.0, 2.0, 2.0, 0.0, 0.0, 3.0, 3.0])
    net = network_from_csr(indptr, indices, weights)
    dist, fac = nearest_facility(net, [0], limit_m=3.0)
    assert dist.tolist() == [0.0, 1.0, 3.0, 3.0, math.inf]
    assert fac.tolist() == [0, 0, 0, 0, -1]
    dist, fac = nearest_facility(net, [0], limit_m=6.0)
    assert dist.tolist() == [0.0, 1.0, 3.0, 3.0, 6.0]
    # Start cost counts: from node 4 with 1 m start cost, node 2 is at 4 m.
    dist, fac = nearest_facility(net, [0, 4], limit_m=4.0, start_cost=[3.0, 1.0])
    assert dist.tolist() == [3.0, 4.0, 4.0, 4.0, 1.0]
    assert fac.tolist()[4] == 1
    assert fac.tolist()[0] == 0


def test_duplicate_facilities_and_empty_categories() -> None:
    net = synthetic_grid_network(400, seed=3)
    sets = [
        FacilitySet.at_nodes("dup", [5, 5, 9], start_cost=[2.0, 1.0, 0.0]),
        FacilitySet.at_nodes("none", []),
        FacilitySet("off-network", np.array([-1, 7]), np.array([0.0, 0.0]), 500.0),
    ]
    res = sweep(net, sets)
    assert res.facility[0, 5] == 1  # the cheaper of the two facilities at node 5
    assert res.distance_m[0, 5] == 1.0
    assert res.facility[0, 9] == 2
    assert np.all(np.isinf(res.distance_m[1]))
    assert np.all(res.facility[1] == -1)
    assert res.facility[2, 7] == 1
    assert np.all(res.facility[2] != 0)


def test_threshold_errors() -> None:
    net = synthetic_grid_network(100, seed=1)
    for bad in (0.0, -5.0, math.nan, math.inf):
        with pytest.raises(InvalidThresholdError):
            sweep(net, [FacilitySet.at_nodes("x", [1], limit_m=bad)])
        with pytest.raises(InvalidThresholdError):
            catchments(net, [1, 2], bad)
    with pytest.raises(InvalidThresholdError):
        minutes_to_metres(0)
    with pytest.raises(InvalidThresholdError, match="'clinic'"):
        limits_from_minutes({"clinic": -1})
    assert minutes_to_metres(15) == pytest.approx(DEFAULT_LIMIT_M) == pytest.approx(1080.0)
    assert limits_from_minutes({"kindergarten": 5, "school": 10}) == pytest.approx(
        {"kindergarten": 360.0, "school": 720.0}
    )


def test_result_times_and_category_lookup() -> None:
    net = synthetic_grid_network(900, seed=2)
    res = sweep(net, [FacilitySet.at_nodes("a", [0, 500])])
    assert res.index("a") == 0
    with pytest.raises(KeyError):
        res.index("b")
    finite = np.isfinite(res.distance_m)
    assert np.allclose(res.minutes()[finite], res.distance_m[finite] / 72.0)
    assert np.array_equal(res.reached(), finite)


def test_synthetic_network_is_deterministic_and_grid_like() -> None:
    a = synthetic_grid_network(5000, seed=11)
    b = synthetic_grid_network(5000, seed=11)
    c = synthetic_grid_network(5000, seed=12)
    assert np.array_equal(a.weights, b.weights)
    assert np.array_equal(a.lon, b.lon)
    assert not np.array_equal(a.weights, c.weights[: a.weights.size])
    assert 4900 <= a.n_nodes <= 5000
    assert a.weights.min() >= 20.0
    assert a.weights.max() <= 120.0
    assert a.degree.max() == 4
    assert 1.7 < a.n_edges / a.n_nodes < 2.0
    fac = synthetic_facilities(a, counts={"x": 10, "y": 3})
    assert [v[0].size for v in fac.values()] == [10, 3]
    pop = synthetic_population(a, 1000)
    assert pop.weight.min() >= 1
    assert pop.weight.max() <= 60
    assert np.unique(pop.group).size > 1
    full = synthetic_facilities(a)
    assert len(full) == 12


def test_coverage_equals_a_plain_count() -> None:
    net = synthetic_grid_network(2500, seed=4)
    fac = synthetic_facilities(net, counts={"clinic": 4, "shop": 12, "park": 2}, seed=4)
    limits = {"clinic": 900.0, "shop": 400.0, "park": 700.0}
    sets = [facilities_from_points(net, k, *fac[k], limit_m=limits[k])[0] for k in fac]
    res = sweep(net, sets)
    pop = synthetic_population(net, 3000, seed=5, community_size_m=600)
    snapped = snap_points(net, pop.lon, pop.lat)
    node = snapped.node.copy()
    node[:5] = -1  # unsnapped points count in the total, never as covered
    table = coverage(
        res, node, pop.weight, pop.group, extra_m=snapped.distance_m, essential=["clinic", "shop"]
    )
    # Independent count, one point at a time.
    totals: dict[int, float] = {}
    covered: dict[tuple[int, str], float] = {}
    both: dict[int, float] = {}
    for p in range(pop.weight.size):
        g = int(pop.group[p])
        w = float(pop.weight[p])
        totals[g] = totals.get(g, 0.0) + w
        ok = {}
        for k, name in enumerate(["clinic", "shop", "park"]):
            n = int(node[p])
            d = res.distance_m[k, n] + snapped.distance_m[p] if n >= 0 else math.inf
            ok[name] = d <= limits[name]
            if ok[name]:
                covered[(g, name)] = covered.get((g, name), 0.0) + w
        if ok["clinic"] and ok["shop"]:
            both[g] = both.get(g, 0.0) + w
    assert table.groups.tolist() == sorted(totals)
    for i, g in enumerate(table.groups.tolist()):
        assert table.total_weight[i] == pytest.approx(totals[g])
        for k, name in enumerate(table.categories):
            assert table.covered_weight[i, k] == pytest.approx(covered.get((g, name), 0.0))
            assert table.share[i, k] == pytest.approx(covered.get((g, name), 0.0) / totals[g])
        assert table.all_essential_weight[i] == pytest.approx(both.get(g, 0.0))
    assert 0.0 < table.share.mean() < 1.0
    rows = table.rows()
    assert rows[0]["group"] == table.groups[0]
    assert set(rows[0]) == {"group", "weight", "clinic", "shop", "park", "all_essential"}


def reference_catchment(g: nx.Graph, node: int, limit: float, cost: float) -> dict[int, float]:
    return {
        t: d + cost
        for t, d in nx.single_source_dijkstra_path_length(g, node, cutoff=limit - cost).items()
    }


def assert_catchments_match(cat: Catchments, g: nx.Graph, cost: np.ndarray) -> None:
    for i in range(cat.n_candidates):
        nodes, dist = cat.row(i)
        ref = reference_catchment(g, int(cat.candidate_node[i]), cat.limit_m, float(cost[i]))
        assert sorted(ref) == nodes.tolist()
        for n, d in zip(nodes.tolist(), dist.tolist(), strict=True):
            assert d == pytest.approx(ref[n], rel=1e-6)


def test_catchments_equal_networkx_on_chengdu() -> None:
    net = chengdu()
    g = to_networkx(net)
    rng = np.random.default_rng(8)
    cand = rng.choice(net.n_nodes, 60, replace=False)
    cost = rng.uniform(0, 50, cand.size)
    cat = catchments(net, cand, 600.0, start_cost=cost, batch_size=7, n_jobs=1)
    assert_catchments_match(cat, g, cost)
    parallel = catchments(net, cand, 600.0, start_cost=cost, batch_size=7, n_jobs=2)
    assert np.array_equal(parallel.indptr, cat.indptr)
    assert np.array_equal(parallel.nodes, cat.nodes)
    assert np.array_equal(parallel.distance_m, cat.distance_m)
    assert cat.to_sparse().shape == (60, net.n_nodes)


def test_catchment_of_a_site_too_far_from_the_street_is_empty() -> None:
    net = synthetic_grid_network(2000, seed=5)
    cat = catchments(net, [10, 20], 300.0, start_cost=[400.0, 0.0], n_jobs=1)
    assert cat.sizes.tolist()[0] == 0
    assert cat.sizes.tolist()[1] > 0
    nodes, dist = cat.row(1)
    assert 20 in nodes.tolist()
    assert dist.max() <= 300.0


def test_catchments_on_a_synthetic_grid() -> None:
    net = synthetic_grid_network(6000, seed=9)
    g = to_networkx(net)
    cand = np.random.default_rng(1).choice(net.n_nodes, 40, replace=False)
    cat = catchments(net, cand, DEFAULT_LIMIT_M, batch_size=16)
    assert_catchments_match(cat, g, np.zeros(cand.size))
    assert cat.sizes.min() > 50


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_catchments_when_lengths_ignore_geometry(seed: int) -> None:
    # Hand-made lengths shorter than the straight line (and zero-length edges
    # between distinct points) must switch spatial pruning down or off.
    base, rng = random_graph(seed, 120, integer=False)
    lon = 104.0 + rng.uniform(0, 0.05, base.n_nodes)
    lat = 30.6 + rng.uniform(0, 0.05, base.n_nodes)
    net = network_from_csr(base.indptr, base.indices, base.weights, lon, lat)
    g = to_networkx(net)
    cand = rng.choice(net.n_nodes, 30, replace=False)
    cat = catchments(net, cand, 60.0, batch_size=4, n_jobs=1)
    assert_catchments_match(cat, g, np.zeros(cand.size))


def plain_greedy(sets: list[set[int]], weight: np.ndarray, k: int) -> list[int]:
    chosen: list[int] = []
    covered: set[int] = set()
    for _ in range(k):
        gains = [
            sum(weight[n] for n in s - covered) if i not in chosen else -1
            for i, s in enumerate(sets)
        ]
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        chosen.append(best)
        covered |= sets[best]
    return chosen


def brute_force(sets: list[set[int]], weight: np.ndarray, k: int) -> tuple[float, tuple[int, ...]]:
    best: tuple[float, tuple[int, ...]] = (-1.0, ())
    for combo in itertools.combinations(range(len(sets)), k):
        value = float(sum(weight[n] for n in set().union(*(sets[i] for i in combo))))
        if value > best[0]:
            best = (value, combo)
    return best


def make_catchments(sets: list[set[int]], n_nodes: int) -> Catchments:
    sizes = [len(s) for s in sets]
    indptr = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    nodes = np.array([n for s in sets for n in sorted(s)], dtype=np.int32)
    return Catchments(
        np.arange(len(sets)), 1.0, indptr, nodes, np.zeros(nodes.size, np.float32), n_nodes
    )


@pytest.mark.parametrize("seed", range(8))
def test_greedy_matches_brute_force_when_greedy_is_optimal(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_nodes = 40
    weight = rng.integers(1, 20, n_nodes).astype(float)
    # Disjoint catchments: greedy is provably optimal, so it must equal brute force.
    perm = rng.permutation(n_nodes)
    cuts = np.sort(rng.choice(np.arange(1, n_nodes), 9, replace=False))
    sets = [set(part.tolist()) for part in np.split(perm, cuts)]
    cat = make_catchments(sets, n_nodes)
    for k in (2, 3):
        res = greedy_max_cover(cat, weight, k)
        value, combo = brute_force(sets, weight, k)
        assert res.covered_weight[-1] == pytest.approx(value)
        totals = sorted(sum(weight[n] for n in s) for s in sets)
        if totals[-k] != totals[-k - 1]:  # unique optimum: the same sites
            assert sorted(res.sites.tolist()) == sorted(combo)
        assert np.all(np.diff(res.gains) <= 1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_greedy_on_overlapping_sets(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n_nodes = 30
    weight = rng.integers(0, 10, n_nodes).astype(float)
    sets = [set(rng.choice(n_nodes, rng.integers(2, 9), replace=False).tolist()) for _ in range(10)]
    cat = make_catchments(sets, n_nodes)
    for k in (2, 3):
        res = greedy_max_cover(cat, weight, k)
        assert res.sites.tolist() == plain_greedy(sets, weight, k)
        value, _ = brute_force(sets, weight, k)
        assert res.covered_weight[-1] <= value + 1e-9
        assert res.covered_weight[-1] >= (1 - 1 / math.e) * value - 1e-9
        assert np.all(np.diff(res.gains) <= 1e-9)
        assert coverage_of_sites(cat, weight, res.sites) == pytest.approx(res.covered_weight[-1])
        if res.covered_weight[-1] == value:
            assert brute_force([sets[i] for i in res.sites], weight, len(res.sites))[0] == value


def test_greedy_is_not_always_optimal_but_within_the_bound() -> None:
    # Classic case: greedy takes the big middle set first and ends below optimum.
    sets = [{0, 1, 2, 3}, {0, 1, 4}, {2, 3, 5}]
    weight = np.ones(6)
    res = greedy_max_cover(make_catchments(sets, 6), weight, 2)
    assert res.sites.tolist()[0] == 0
    assert res.covered_weight[-1] == 5.0
    assert brute_force(sets, weight, 2)[0] == 6.0
    assert (1 - 1 / math.e) * 6.0 <= 5.0


def test_greedy_siting_on_a_synthetic_city() -> None:
    net = synthetic_grid_network(20_000, seed=6)
    pop = synthetic_population(net, 20_000, seed=7)
    snapped = snap_points(net, pop.lon, pop.lat)
    demand = node_weights(net.n_nodes, snapped.node, pop.weight)
    existing = sweep(net, [FacilitySet.at_nodes("clinic", [10, 5000, 15000])])
    covered = existing.reached()[0]
    cand = np.random.default_rng(3).choice(net.n_nodes, 500, replace=False)
    cat = catchments(net, cand, DEFAULT_LIMIT_M)
    res = greedy_max_cover(cat, demand, 20, covered=covered)
    assert res.sites.size == 20
    assert np.all(np.diff(res.gains) <= 1e-9)
    assert res.initial_covered_weight == pytest.approx(float(demand[covered].sum()))
    assert res.total_weight == pytest.approx(float(pop.weight.sum()))
    assert coverage_of_sites(cat, demand, res.sites, covered=covered) == pytest.approx(
        res.covered_weight[-1] - res.initial_covered_weight
    )
    assert res.covered.sum() > covered.sum()
