"""Snapping points to the network: nearest node, distances and input errors."""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import numpy as np
import pytest

import shequ.access
from shequ.access.engine import (
    InvalidCoordinatesError,
    InvalidThresholdError,
    Network,
    OutsideNetworkError,
    SnapError,
    SwappedCoordinatesError,
    facilities_from_points,
    geodesic_lengths,
    read_osm,
    snap_points,
)
from shequ.access.engine.geo import local_distances

DATA = Path(shequ.access.__file__).parent / "data"


@functools.cache
def chengdu() -> Network:
    return read_osm(DATA / "chengdu.osm")


@functools.cache
def pois() -> tuple[np.ndarray, np.ndarray]:
    features = json.loads((DATA / "pois_osm_central.geojson").read_text("utf-8"))["features"]
    coords = np.array([f["geometry"]["coordinates"] for f in features], dtype=float)
    return coords[:, 0], coords[:, 1]


def test_poi_file_is_complete() -> None:
    lon, lat = pois()
    assert lon.size == lat.size == 484


def test_snaps_to_the_nearest_node() -> None:
    net = chengdu()
    lon, lat = pois()
    # A few railway stations lie beyond the walk network's bounding box + 500 m.
    res = snap_points(net, lon, lat, on_outside="flag")
    assert 0 < res.outside.sum() < 30
    assert np.all(res.node[~res.outside] >= 0)
    assert np.all(res.node[res.outside] == -1)
    for i in np.flatnonzero(~res.outside)[::7].tolist():
        # Brute force over every node with geodesic distances.
        here = np.full(net.n_nodes, lon[i]), np.full(net.n_nodes, lat[i])
        d = geodesic_lengths(*here, net.lon, net.lat)
        assert res.distance_m[i] == pytest.approx(d.min(), rel=1e-6, abs=1e-3)
        assert d[res.node[i]] == pytest.approx(d.min(), rel=1e-6, abs=1e-3)
    exact = snap_points(net, lon, lat, exact=True, on_outside="flag")
    assert np.array_equal(exact.node, res.node)
    inside = ~res.outside
    # Local radii of curvature vs pyproj geodesics: below a millimetre.
    assert np.max(np.abs(exact.distance_m[inside] - res.distance_m[inside])) < 1e-3


def test_local_distances_agree_with_geodesics() -> None:
    rng = np.random.default_rng(0)
    lon1 = rng.uniform(103.9, 104.2, 2000)
    lat1 = rng.uniform(30.5, 30.8, 2000)
    lon2 = lon1 + rng.uniform(-0.02, 0.02, 2000)
    lat2 = lat1 + rng.uniform(-0.02, 0.02, 2000)
    approx = local_distances(lon1, lat1, lon2, lat2)
    exact = geodesic_lengths(lon1, lat1, lon2, lat2)
    assert np.max(np.abs(approx - exact)) < 0.01  # 1 cm at up to ~3 km
    assert np.max(np.abs(approx - exact)[exact < 600]) < 1e-3


def test_too_far_points_are_flagged() -> None:
    net = chengdu()
    lon, lat = pois()
    res = snap_points(net, lon, lat, max_distance_m=20.0, margin_m=500.0, on_outside="flag")
    assert res.too_far.any()
    assert np.array_equal(res.too_far, ~res.outside & (res.distance_m > 20.0))
    assert np.array_equal(res.ok, ~res.too_far & ~res.outside)


def test_swapped_coordinates_are_detected() -> None:
    net = chengdu()
    lon, lat = pois()
    with pytest.raises(SwappedCoordinatesError, match="exchanged"):
        snap_points(net, lat, lon)
    with pytest.raises(SwappedCoordinatesError):
        snap_points(net, lat, lon, on_outside="flag")
    with pytest.raises(SwappedCoordinatesError):
        facilities_from_points(net, "clinic", lat[:3], lon[:3])
    assert issubclass(SwappedCoordinatesError, SnapError)


def test_points_far_outside() -> None:
    net = chengdu()
    beijing = (np.array([116.40, 104.07]), np.array([39.90, 30.67]))
    with pytest.raises(OutsideNetworkError, match="1 of 2 points lie outside"):
        snap_points(net, *beijing)
    res = snap_points(net, *beijing, on_outside="flag")
    assert res.outside.tolist() == [True, False]
    assert res.node[0] == -1
    assert math.isinf(res.distance_m[0])
    assert res.node[1] >= 0
    # Just outside the bounding box but within the margin is fine.
    min_lon, min_lat, _, _ = net.bbox
    near = snap_points(net, [min_lon - 0.001], [min_lat], margin_m=200)
    assert near.node[0] >= 0
    with pytest.raises(OutsideNetworkError):
        snap_points(net, [min_lon - 0.01], [min_lat], margin_m=200)


def test_invalid_input() -> None:
    net = chengdu()
    with pytest.raises(InvalidCoordinatesError, match="non-finite"):
        snap_points(net, [104.07, np.nan], [30.67, 30.67])
    with pytest.raises(InvalidCoordinatesError, match="differ in length"):
        snap_points(net, [104.07, 104.08], [30.67])
    with pytest.raises(InvalidCoordinatesError, match="outside lon"):
        snap_points(net, [104.07, 500.0], [30.67, 30.67])
    for bad in (0.0, -1.0, math.nan):
        with pytest.raises(InvalidThresholdError):
            snap_points(net, [104.07], [30.67], max_distance_m=bad)
