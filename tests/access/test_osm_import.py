"""OSM import (XML and PBF), network construction and the network file format."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

import shequ.access
from shequ.access.engine import (
    Network,
    NetworkFormatError,
    NetworkImportError,
    hilbert_order,
    is_walkable,
    load_network,
    network_from_edges,
    read_osm,
    read_osm_extract,
    save_network,
    sha256_file,
    write_osm_pbf,
)
from shequ.access.engine.extract import keep_all_ways
from shequ.access.engine.geo import hilbert_keys
from shequ.access.engine.osm import import_osm_file
from shequ.access.engine.pbf import (
    decode_packed_varints,
    encode_packed_varints,
    zigzag_decode,
    zigzag_encode,
)

DATA = Path(shequ.access.__file__).parent / "data"
CHENGDU_OSM = DATA / "chengdu.osm"
CHENGDU_SHA256 = "dc4fd916ca60143d63008acb95e17ab5383ce353749b618c55b6745757f0b27b"
ARRAYS = ("indptr", "indices", "weights", "lon", "lat", "osm_id")


@functools.cache
def chengdu() -> Network:
    return read_osm(CHENGDU_OSM)


@pytest.fixture(scope="module")
def chengdu_pbf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    extract, _ = read_osm_extract(CHENGDU_OSM, way_filter=keep_all_ways, keep_tags=True)
    assert extract.way_ids.size == 3820
    assert extract.way_tags is not None
    return write_osm_pbf(tmp_path_factory.mktemp("pbf") / "chengdu.osm.pbf", extract)


def assert_same_network(a: Network, b: Network) -> None:
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        assert np.array_equal(x, y), name


def test_chengdu_copy_is_the_documented_file() -> None:
    assert sha256_file(CHENGDU_OSM) == CHENGDU_SHA256


def test_chengdu_walk_network_is_plausible() -> None:
    net = chengdu()
    meta = net.meta
    assert meta["source_sha256"] == CHENGDU_SHA256
    assert meta["osm_nodes"] == 24617
    assert meta["osm_ways"] == 3820
    assert meta["osm_relations"] == 121
    # osmnx found 3,268 *simplified* nodes (3,118 in the largest component);
    # unsimplified, every way vertex is a node, so there are more.
    assert 3118 < net.n_nodes < 24617
    assert net.n_nodes / meta["walkable_nodes"] > 0.90
    n_comp, _ = connected_components(net.to_csr(), directed=False)
    assert n_comp == 1
    assert np.all(net.weights > 0)
    assert np.all(np.isfinite(net.weights))
    # Stored twice, once per direction, with the same length.
    csr = net.to_csr()
    assert (csr != csr.T).nnz == 0
    # Street length: osmnx reported 914 km for all walkable streets.
    assert 700_000 < net.total_length_m < 950_000
    min_lon, min_lat, max_lon, max_lat = net.bbox
    assert 103.95 < min_lon < max_lon < 104.2
    assert 30.6 < min_lat < max_lat < 30.8
    assert meta["bbox"] == list(net.bbox)


def test_edge_lengths_are_ellipsoidal_distances() -> None:
    from pyproj import Geod

    net = chengdu()
    u, v, w = net.edge_list()
    pick = np.random.default_rng(3).choice(u.size, 50, replace=False)
    geod = Geod(ellps="WGS84")
    for i in pick.tolist():
        _, _, d = geod.inv(net.lon[u[i]], net.lat[u[i]], net.lon[v[i]], net.lat[v[i]])
        assert w[i] == pytest.approx(d, rel=1e-6)


def test_nodes_follow_a_space_filling_curve() -> None:
    net = chengdu()
    u, v, _ = net.edge_list()
    # Neighbours on the map are mostly neighbours in memory.
    assert np.median(np.abs(u - v)) < 50
    # Renumbering an already ordered network leaves it unchanged.
    order = hilbert_order(net.lon, net.lat)
    assert np.array_equal(order, np.arange(net.n_nodes))


def test_hilbert_keys_visit_neighbouring_cells() -> None:
    side = 16
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    keys = hilbert_keys(gx.ravel(), gy.ravel(), order=4)
    assert sorted(keys.tolist()) == list(range(side * side))
    order = np.argsort(keys)
    steps = np.abs(np.diff(gx.ravel()[order])) + np.abs(np.diff(gy.ravel()[order]))
    assert np.all(steps == 1)


def test_save_load_round_trip_is_exact(tmp_path: Path) -> None:
    net = chengdu()
    path = save_network(net, tmp_path / "chengdu.walk.npz")
    back = load_network(path)
    assert_same_network(net, back)
    for key, value in net.meta.items():
        assert back.meta[key] == value
    assert back.meta["format_version"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["chengdu.walk.npz"]


def test_pbf_round_trip_gives_the_same_network(chengdu_pbf: Path) -> None:
    pbf = chengdu_pbf
    from_pbf = read_osm(pbf)
    assert_same_network(chengdu(), from_pbf)
    assert from_pbf.meta["osm_ways"] == 3820
    assert from_pbf.meta["source_sha256"] == sha256_file(pbf)


def test_varint_codec_round_trip() -> None:
    rng = np.random.default_rng(0)
    values = np.concatenate(
        [
            np.array([0, 1, 127, 128, 300, 2**32, 2**63 - 1, -1, -(2**63)], dtype=np.int64),
            rng.integers(-(2**40), 2**40, 1000),
        ]
    )
    packed = encode_packed_varints(zigzag_encode(values))
    assert np.array_equal(zigzag_decode(decode_packed_varints(packed)), values)
    # Hand-checked encodings from the protobuf documentation.
    assert encode_packed_varints([300]) == b"\xac\x02"
    assert np.array_equal(zigzag_encode([0, -1, 1, -2]), [0, 1, 2, 3])


def test_walkability_rules() -> None:
    assert is_walkable({"highway": "residential"})
    assert is_walkable({"highway": "footway"})
    assert is_walkable({"highway": "primary", "oneway": "yes"})
    assert is_walkable({"highway": "trunk"})
    assert not is_walkable({"highway": "trunk", "foot": "no"})
    assert not is_walkable({"highway": "motorway"})
    assert not is_walkable({"highway": "motorway_link"})
    assert is_walkable({"highway": "motorway", "foot": "yes"})
    assert not is_walkable({"highway": "construction"})
    assert not is_walkable({"highway": "proposed"})
    assert not is_walkable({"highway": "service", "access": "private"})
    assert not is_walkable({"highway": "service", "access": "no"})
    assert is_walkable({"highway": "service", "access": "private", "foot": "yes"})
    assert not is_walkable({"highway": "path", "foot": "no"})
    assert not is_walkable({"highway": "pedestrian", "area": "yes"})
    assert not is_walkable({"building": "yes"})


OSM_HEAD = "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_xml_is_reported_with_its_line(tmp_path: Path) -> None:
    bad = write(
        tmp_path / "bad.osm",
        OSM_HEAD + ' <node id="1" lat="30.6" lon="104.0">\n </way>\n</osm>\n',
    )
    with pytest.raises(NetworkImportError, match=r"malformed XML at line 4"):
        read_osm(bad)


def test_truncated_xml_is_reported(tmp_path: Path) -> None:
    data = CHENGDU_OSM.read_bytes()
    cut = tmp_path / "cut.osm"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(NetworkImportError, match=r"truncated XML at line \d+"):
        read_osm(cut)


def test_file_without_walkable_ways(tmp_path: Path) -> None:
    text = OSM_HEAD + (
        ' <node id="1" lat="30.60" lon="104.00"/>\n'
        ' <node id="2" lat="30.61" lon="104.00"/>\n'
        ' <node id="3" lat="30.61" lon="104.01"/>\n'
        ' <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/>'
        '<tag k="building" v="yes"/></way>\n'
        ' <way id="11"><nd ref="1"/><nd ref="2"/><tag k="highway" v="motorway"/></way>\n'
        "</osm>\n"
    )
    with pytest.raises(NetworkImportError, match="no walkable ways"):
        read_osm(write(tmp_path / "nowalk.osm", text))


def test_other_broken_inputs(tmp_path: Path) -> None:
    with pytest.raises(NetworkImportError, match="no such file"):
        read_osm(tmp_path / "missing.osm")
    with pytest.raises(NetworkImportError, match="expected <osm>"):
        read_osm(write(tmp_path / "html.osm", "<html><body/></html>"))
    with pytest.raises(NetworkImportError, match="invalid lat"):
        read_osm(write(tmp_path / "lat.osm", OSM_HEAD + '<node id="1" lat="x" lon="1"/></osm>'))
    with pytest.raises(NetworkImportError, match="DOCTYPE"):
        read_osm(
            write(
                tmp_path / "dtd.osm",
                '<?xml version="1.0"?><!DOCTYPE osm [<!ENTITY a "b">]><osm>&a;</osm>',
            )
        )


def test_truncated_and_corrupt_pbf(tmp_path: Path, chengdu_pbf: Path) -> None:
    data = chengdu_pbf.read_bytes()
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(NetworkImportError, match="truncated PBF at byte"):
        read_osm(cut)
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"\x00\x00\x00\x0dnot protobuf!" + bytes(100))
    with pytest.raises(NetworkImportError, match=r"invalid PBF|truncated PBF"):
        read_osm(junk)


def test_failed_import_writes_nothing(tmp_path: Path) -> None:
    cut = tmp_path / "cut.osm"
    cut.write_bytes(CHENGDU_OSM.read_bytes()[:50_000])
    out = tmp_path / "net.npz"
    with pytest.raises(NetworkImportError):
        import_osm_file(cut, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.osm"]
    net = import_osm_file(CHENGDU_OSM, out)
    assert out.exists()
    assert_same_network(net, load_network(out))


def test_load_rejects_files_that_are_not_networks(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(NetworkFormatError):
        load_network(garbage)
    other = tmp_path / "other.npz"
    np.savez(other, meta_json=np.frombuffer(json.dumps({"format": "x"}).encode(), np.uint8))
    with pytest.raises(NetworkFormatError, match="missing arrays"):
        load_network(other)


def test_coincident_nodes_and_zero_length_edges_are_merged() -> None:
    # Nodes 1 and 2 share a position; 3-4 are joined by a zero-length edge;
    # 5 is an isolated pair that is not in the largest component.
    lon = np.array([104.00, 104.001, 104.001, 104.002, 104.0025, 104.05, 104.051])
    lat = np.array([30.60, 30.600, 30.600, 30.600, 30.6000, 30.65, 30.650])
    u = np.array([0, 2, 3, 1, 5])
    v = np.array([1, 3, 4, 0, 6])
    length = np.array([96.0, 96.0, 0.0, 95.0, 90.0])
    net = network_from_edges(lon, lat, u, v, length=length, osm_id=np.arange(7) + 100)
    assert net.n_nodes == 3
    assert net.n_edges == 2
    assert sorted(net.weights.tolist()) == [95.0, 95.0, 96.0, 96.0]
    assert net.meta["merged_nodes"] == 2
    assert set(net.osm_id.tolist()) == {100, 101, 103}
