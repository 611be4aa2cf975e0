"""Benchmark of the walk-accessibility engine (shequ.access.engine).

Run:  .venv/bin/python bench/access_engine.py [--quick]

Prints one line per figure: ``BENCH <metric> <value> <unit>``.  Timings are the
median of several runs unless the metric name says otherwise; reference tools
(scipy, networkx, pandana) run on the same graphs and facilities, and any
subsampling or extrapolation is stated in the metric name.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shequ.access.engine import (
    DEFAULT_LIMIT_M,
    FacilitySet,
    Network,
    catchments,
    coverage,
    facilities_from_points,
    greedy_max_cover,
    load_network,
    node_weights,
    save_network,
    snap_points,
    sweep,
    synthetic_facilities,
    synthetic_grid_network,
    synthetic_population,
)

LIMIT = DEFAULT_LIMIT_M  # 15 min at 1.2 m/s


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.4g} {unit}", flush=True)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs and the last result."""
    times = []
    out = None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def facility_sets(net: Network, seed: int = 1) -> list[FacilitySet]:
    """12 categories, ~15,000 facilities per million nodes, snap distance as start cost."""
    pts = synthetic_facilities(net, seed=seed)
    return [facilities_from_points(net, k, lon, lat)[0] for k, (lon, lat) in pts.items()]


def networkx_sweep(net: Network, sets: list[FacilitySet]) -> float:
    """Seconds for networkx multi_source_dijkstra (cutoff, with paths to name the nearest
    facility) over the given categories; start costs ignored (networkx has none)."""
    import networkx as nx

    g = nx.Graph()
    u, v, w = net.edge_list()
    g.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.astype(float).tolist(), strict=True))
    t = time.perf_counter()
    for fs in sets:
        dist, paths = nx.multi_source_dijkstra(g, set(fs.node.tolist()), cutoff=LIMIT)
        nearest = {node: p[0] for node, p in paths.items()}
        del dist, paths, nearest
    return time.perf_counter() - t


def zero_cost(sets: list[FacilitySet]) -> list[FacilitySet]:
    return [FacilitySet.at_nodes(f.category, f.node, f.limit_m) for f in sets]


def scipy_sweep(net: Network, sets: list[FacilitySet]) -> float:
    """Seconds for scipy's Dijkstra (min_only multi-source, limit, sources) per category."""
    from scipy.sparse.csgraph import dijkstra

    g = net.to_csr()
    t = time.perf_counter()
    for fs in sets:
        dijkstra(
            g,
            directed=True,
            indices=np.unique(fs.node),
            limit=LIMIT,
            min_only=True,
            return_predecessors=True,
        )
    return time.perf_counter() - t


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send C-level stdout (pandana's progress output) to stderr for a while."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def pandana_compare(net: Network, sets: list[FacilitySet], name: str) -> None:
    try:
        import pandana
        import pandas as pd
    except Exception as exc:
        bench("pandana_unavailable", 1, "flag")
        print(f"# pandana unavailable: {type(exc).__name__}: {exc}", flush=True)
        return
    u, v, w = net.edge_list()
    x, y = net.projection.forward(net.lon, net.lat)
    t = time.perf_counter()
    with stdout_to_stderr():
        pn = pandana.Network(
            pd.Series(x),
            pd.Series(y),
            pd.Series(u),
            pd.Series(v),
            pd.DataFrame({"w": w.astype(np.float64)}),
            twoway=True,
        )
        pn.precompute(LIMIT)
    bench(f"pandana_prepare_ch_{name}_nodes", time.perf_counter() - t, "s")
    t = time.perf_counter()
    results = []
    with stdout_to_stderr():
        for fs in sets:
            pn.set_pois(fs.category, LIMIT, 1, pd.Series(x[fs.node]), pd.Series(y[fs.node]))
            results.append(pn.nearest_pois(LIMIT, fs.category, num_pois=1, include_poi_ids=True))
    pandana_s = time.perf_counter() - t
    bench(f"pandana_nearest_12cat_{name}_nodes", pandana_s, "s")
    ours_s, res = timed(lambda: sweep(net, zero_cost(sets)))
    bench(f"sweep_12cat_{name}_nodes_zero_start_cost", ours_s, "s")
    bench(f"speedup_vs_pandana_query_{name}_nodes", pandana_s / ours_s, "x")
    # pandana reports the cut-off (not inf) for unreached nodes and uses float32.
    worst = 0.0
    for k, r in enumerate(results):
        theirs = r[1].to_numpy(dtype=np.float64)
        mine = res.distance_m[k]
        ok = np.isfinite(mine)
        worst = max(worst, float(np.max(np.abs(theirs[ok] - mine[ok]), initial=0.0)))
    bench(f"pandana_max_abs_diff_{name}_nodes", worst, "m")


def peak_rss_mb() -> float:
    """Peak resident memory of this process image in MB.

    ``VmHWM`` belongs to the current address space; ``ru_maxrss`` would also count
    the parent's memory inherited through fork() before exec().
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def e2e_child(net_path: str, n_points: int) -> None:
    """End-to-end run in a fresh process (so peak RSS is the pipeline's own).

    Timed: load the network file, snap the facilities and the residents, sweep
    12 categories, coverage per community.  Not timed: making the synthetic
    inputs (a real pipeline reads them from the database instead).
    """
    t = time.perf_counter()
    net = load_network(net_path)
    t_load = time.perf_counter() - t
    points = synthetic_facilities(net, seed=1)
    pop = synthetic_population(net, n_points)
    t = time.perf_counter()
    sets = [facilities_from_points(net, k, lon, lat)[0] for k, (lon, lat) in points.items()]
    homes = snap_points(net, pop.lon, pop.lat)
    t_snap = time.perf_counter() - t
    t = time.perf_counter()
    res = sweep(net, sets)
    t_sweep = time.perf_counter() - t
    t = time.perf_counter()
    table = coverage(res, homes.node, pop.weight, pop.group, extra_m=homes.distance_m)
    t_cov = time.perf_counter() - t
    print(
        json.dumps(
            {
                "load": t_load,
                "snap": t_snap,
                "sweep": t_sweep,
                "coverage": t_cov,
                "total": t_load + t_snap + t_sweep + t_cov,
                "groups": int(table.groups.size),
                "peak_mb": peak_rss_mb(),
            }
        )
    )


def end_to_end(net: Network, name: str, n_points: int, tmp: Path) -> None:
    path = save_network(net, tmp / f"net_{name}.npz")
    out = subprocess.run(
        [sys.executable, __file__, "--e2e-child", str(path), str(n_points)],
        check=True,
        capture_output=True,
        text=True,
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    pts = label(n_points)
    bench(f"e2e_load_network_{name}_nodes", r["load"], "s")
    bench(f"e2e_snap_{pts}_points", r["snap"], "s")
    bench(f"e2e_sweep_12cat_{name}_nodes", r["sweep"], "s")
    bench(f"e2e_coverage_{r['groups']}_communities", r["coverage"], "s")
    bench(f"e2e_total_{name}_nodes_{pts}_points", r["total"], "s")
    bench(f"e2e_peak_rss_{name}_nodes_{pts}_points", r["peak_mb"], "MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="100k nodes, under a minute")
    ap.add_argument("--e2e-child", nargs=2, metavar=("NETWORK", "POINTS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.e2e_child:
        e2e_child(args.e2e_child[0], int(args.e2e_child[1]))
        return
    quick = args.quick
    main_n = 100_000 if quick else 1_000_000
    name = label(main_n)
    print(f"# cpus={os.cpu_count()} quick={quick} limit={LIMIT:g} m", flush=True)
    # Other work on the machine slows every figure: say how busy it was.
    print(f"# load average at start: {os.getloadavg()[0]:.2f}", flush=True)

    t = time.perf_counter()
    net = synthetic_grid_network(main_n, seed=0)
    bench(f"generate_network_{name}_nodes", time.perf_counter() - t, "s")
    print(f"# network: {net.n_nodes} nodes, {net.n_edges} edges", flush=True)
    sets = facility_sets(net)
    n_fac = sum(len(f) for f in sets)
    print(f"# facilities: {n_fac} in {len(sets)} categories", flush=True)

    # Headline: all 12 categories, every node.
    sweep(net, sets)  # warm-up: prepares the cached adjacency
    t2, res = timed(lambda: sweep(net, sets, n_jobs=2))
    t1, _ = timed(lambda: sweep(net, sets, n_jobs=1))
    bench(f"sweep_12cat_{name}_nodes", t2, "s")
    bench(f"sweep_12cat_{name}_nodes_1thread", t1, "s")
    print(f"# reached share (node, category): {np.isfinite(res.distance_m).mean():.3f}")
    bench(f"scipy_dijkstra_min_only_12cat_{name}_nodes", scipy_sweep(net, sets), "s")

    # networkx side by side on a smaller graph (all 12 categories), same facilities.
    nx_n = 20_000 if quick else 100_000
    small = synthetic_grid_network(nx_n, seed=0)
    small_sets = facility_sets(small)
    nx_s = networkx_sweep(small, zero_cost(small_sets))
    ours_small, _ = timed(lambda: sweep(small, zero_cost(small_sets)))
    bench(f"networkx_sweep_12cat_{label(nx_n)}_nodes", nx_s, "s")
    bench(f"sweep_12cat_{label(nx_n)}_nodes_zero_start_cost", ours_small, "s")
    bench(f"speedup_vs_networkx_{label(nx_n)}_nodes", nx_s / ours_small, "x")
    if not quick:
        two = sorted(zero_cost(sets), key=len)[:2]  # the two smallest categories
        nx_2 = networkx_sweep(net, two)
        bench(f"networkx_sweep_2cat_{name}_nodes", nx_2, "s")
        ours_2, _ = timed(lambda: sweep(net, two))
        bench(f"speedup_vs_networkx_2cat_{name}_nodes", nx_2 / ours_2, "x")

    # pandana (contraction hierarchies): its preparation is slow on grid-like graphs.
    pd_n = 3_000 if quick else 20_000
    pd_net = synthetic_grid_network(pd_n, seed=0)
    pandana_compare(pd_net, facility_sets(pd_net), label(pd_n))

    with tempfile.TemporaryDirectory() as tmpdir:
        end_to_end(net, name, main_n, Path(tmpdir))

    # Siting: catchments of 50,000 candidates and 20 greedy steps.
    n_cand = 5_000 if quick else 50_000
    cand = np.random.default_rng(5).choice(net.n_nodes, n_cand, replace=False)
    tc2, cat = timed(lambda: catchments(net, cand, LIMIT, n_jobs=2), repeat=1)
    tc1, _ = timed(lambda: catchments(net, cand, LIMIT, n_jobs=1), repeat=1)
    bench(f"catchments_{label(n_cand)}_candidates_{name}_nodes", tc2, "s")
    bench(f"catchments_{label(n_cand)}_candidates_{name}_nodes_1process", tc1, "s")
    print(f"# catchment sizes: mean {cat.sizes.mean():.0f} nodes, total {cat.nodes.size}")
    pop = synthetic_population(net, main_n)
    homes = snap_points(net, pop.lon, pop.lat)
    demand = node_weights(net.n_nodes, homes.node, pop.weight)
    covered = res.reached().all(axis=0)
    tg, gr = timed(lambda: greedy_max_cover(cat, demand, 20, covered=covered))
    bench(f"greedy_20_sites_{label(n_cand)}_candidates", tg, "s")
    print(f"# greedy gains: first {gr.gains[0]:.0f}, last {gr.gains[-1]:.0f}")

    # Growth with network size (facility density constant: 15,000 per 1M nodes).
    sizes = [100_000] if quick else [100_000, 1_000_000, 2_000_000]
    for n in sizes:
        g = net if n == main_n else synthetic_grid_network(n, seed=0)
        gsets = sets if n == main_n else facility_sets(g)
        sweep(g, gsets)
        for jobs in (2, 1):

            def run(g: Network = g, gsets: list[FacilitySet] = gsets, jobs: int = jobs) -> object:
                return sweep(g, gsets, n_jobs=jobs)

            tn, _ = timed(run)
            suffix = "" if jobs == 2 else "_1thread"
            bench(f"growth_sweep_12cat_{label(n)}_nodes{suffix}", tn, "s")
        del g, gsets
        gc.collect()
    print(f"# load average at end: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
