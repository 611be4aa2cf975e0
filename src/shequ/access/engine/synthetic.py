"""Deterministic synthetic test data: grid-like street networks, facilities, residents.

The network is a jittered rectangular grid placed around central Chengdu:
row and column spacings vary (so blocks differ in size), nodes are moved by a
couple of metres, each edge is a little longer than the straight line (streets
are not ruler-straight) and a few per cent of edges are removed.  Edge
lengths stay within 20–120 m.  Everything depends only on the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .geo import LocalProjection, geodesic_lengths
from .network import Network, network_from_edges

CHENGDU_CENTRE = (104.0665, 30.6595)

# Twelve everyday facility categories (China's 15-minute community life circle)
# with their share of ~15,000 synthetic facilities.
SYNTHETIC_CATEGORIES: dict[str, int] = {
    "bus_stop": 3600,
    "supermarket": 2400,
    "pharmacy": 1800,
    "clinic": 1200,
    "park": 1100,
    "fresh_market": 900,
    "kindergarten": 900,
    "community_centre": 800,
    "elderly_care": 700,
    "primary_school": 600,
    "sports": 600,
    "middle_school": 400,
}


def synthetic_grid_network(
    n_nodes: int,
    *,
    seed: int = 0,
    removed_fraction: float = 0.03,
    centre: tuple[float, float] = CHENGDU_CENTRE,
) -> Network:
    """A connected grid-like walk network of about ``n_nodes`` nodes.

    Removing edges can cut off a handful of nodes; only the largest component
    is kept, so the result may have slightly fewer nodes than asked for.
    """
    if n_nodes < 4:
        raise ValueError("n_nodes must be at least 4")
    rng = np.random.default_rng(seed)
    cols = math.ceil(math.sqrt(n_nodes))
    rows = math.ceil(n_nodes / cols)
    # Block sizes vary between streets; 25–110 m plus jitter and detour keeps
    # every edge within 20–120 m.
    xs = np.concatenate([[0.0], np.cumsum(rng.uniform(25.0, 110.0, cols - 1))])
    ys = np.concatenate([[0.0], np.cumsum(rng.uniform(25.0, 110.0, rows - 1))])
    idx = np.arange(n_nodes, dtype=np.int64)
    r, c = np.divmod(idx, cols)
    x = xs[c] + rng.uniform(-2.0, 2.0, n_nodes) - xs[-1] / 2.0
    y = ys[r] + rng.uniform(-2.0, 2.0, n_nodes) - ys[-1] / 2.0
    proj = LocalProjection(*centre)
    lon = proj.lon0 + x / proj.kx
    lat = proj.lat0 + y / proj.ky

    right = idx[(c < cols - 1) & (idx + 1 < n_nodes)]
    down = idx[idx + cols < n_nodes]
    u = np.concatenate([right, down])
    v = np.concatenate([right + 1, down + cols])
    keep = rng.random(u.size) >= removed_fraction
    u, v = u[keep], v[keep]
    straight = geodesic_lengths(lon[u], lat[u], lon[v], lat[v])
    detour = rng.uniform(1.0, 1.08, u.size)
    # Never shorter than the geodesic (siting's spatial pruning relies on it).
    length = np.maximum(np.clip(straight * detour, 20.0, 120.0), straight)
    return network_from_edges(
        lon,
        lat,
        u,
        v,
        length=length,
        osm_id=idx,
        merge_coincident=False,
        meta={"source": f"synthetic_grid(n={n_nodes}, seed={seed})", "source_sha256": ""},
    )


def _points_near_nodes(
    network: Network, count: int, rng: np.random.Generator, max_offset_m: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    at = rng.integers(0, network.n_nodes, count)
    angle = rng.uniform(0.0, 2.0 * math.pi, count)
    radius = max_offset_m * np.sqrt(rng.random(count))
    proj = network.projection
    lon = network.lon[at] + radius * np.cos(angle) / proj.kx
    lat = network.lat[at] + radius * np.sin(angle) / proj.ky
    return lon, lat


def synthetic_facilities(
    network: Network,
    *,
    seed: int = 1,
    counts: dict[str, int] | None = None,
    max_offset_m: float = 40.0,
) -> dict[str, tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]:
    """Facility points per category (lon, lat), scattered up to ``max_offset_m`` off nodes.

    Counts default to :data:`SYNTHETIC_CATEGORIES` (12 categories, 15,000 in total)
    scaled to the network size relative to one million nodes, at least 5 each.
    """
    rng = np.random.default_rng(seed)
    if counts is None:
        scale = network.n_nodes / 1_000_000
        counts = {k: max(5, round(v * scale)) for k, v in SYNTHETIC_CATEGORIES.items()}
    return {
        name: _points_near_nodes(network, count, rng, max_offset_m)
        for name, count in counts.items()
    }


@dataclass(frozen=True, eq=False)
class Population:
    """Residential points: location, weight (people) and group (community code)."""

    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    weight: npt.NDArray[np.float64]
    group: npt.NDArray[np.int64]


def synthetic_population(
    network: Network,
    n_points: int,
    *,
    seed: int = 2,
    community_size_m: float = 1000.0,
    max_offset_m: float = 60.0,
) -> Population:
    """Residential points near network nodes with 1–60 people each.

    Groups are square ``community_size_m`` blocks labelled with 12-digit codes
    in the style of the statistical division codes (5101xx...).
    """
    rng = np.random.default_rng(seed)
    lon, lat = _points_near_nodes(network, n_points, rng, max_offset_m)
    weight = rng.integers(1, 61, n_points).astype(np.float64)
    x, y = network.projection.forward(lon, lat)
    gx = np.floor((x - x.min()) / community_size_m).astype(np.int64)
    gy = np.floor((y - y.min()) / community_size_m).astype(np.int64)
    group = 510100_000000 + gy * 1000 + gx
    return Population(lon, lat, weight, group)
