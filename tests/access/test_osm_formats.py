"""OSM files as they arrive: hostile PBF blobs, osmium's variants, renamed files, areas."""

from __future__ import annotations

import gzip
import shutil
import struct
import tracemalloc
import zlib
from pathlib import Path

import osmium
import pytest
from osmium.osm import mutable

from shequ.access import engine
from shequ.access.engine import NetworkImportError, read_osm, read_osm_extract
from shequ.access.engine.pbf import encode_varint
from shequ.access.models import Facility
from shequ.access.services.categories import categories_ensure
from shequ.access.services.network_imports import network_import
from shequ.core.errors import DomainError

# A 10 x 10 street grid about 100 m apart (ids 1..100), in central Chengdu.
STEP = 0.001
GRID = {
    1 + row * 10 + col: (104.06 + col * STEP, 30.65 + row * STEP)
    for row in range(10)
    for col in range(10)
}


def _grid_ways() -> list[mutable.Way]:
    ways = []
    for row in range(10):
        ids = [1 + row * 10 + col for col in range(10)]
        ways.append(mutable.Way(id=1000 + row, nodes=ids, tags={"highway": "residential"}))
    for col in range(10):
        ids = [1 + row * 10 + col for row in range(10)]
        ways.append(mutable.Way(id=2000 + col, nodes=ids, tags={"highway": "footway"}))
    return ways


def _write_grid(path: Path, *, bad_lat: bool = False) -> Path:
    writer = osmium.SimpleWriter(str(path), overwrite=True)
    for nid, (lon, lat) in GRID.items():
        writer.add_node(
            mutable.Node(id=nid, location=(lon, 95.0 if bad_lat and nid == 37 else lat))
        )
    writer.add_node(
        mutable.Node(id=500, location=(104.0625, 30.6525), tags={"amenity": "school", "name": "校"})
    )
    for way in _grid_ways():
        writer.add_way(way)
    writer.close()
    return path


@pytest.fixture
def grid_pbf(tmp_path: Path) -> Path:
    return _write_grid(tmp_path / "grid.osm.pbf")


# ----------------------------------------------------------------------------- hostile PBF


def _field(number: int, payload: bytes) -> bytes:
    return encode_varint(number << 3 | 2) + encode_varint(len(payload)) + payload


def _blob(blob_type: str, compressed: bytes, declared_raw: int | None) -> bytes:
    body = _field(3, compressed)
    if declared_raw is not None:
        body = encode_varint(2 << 3) + encode_varint(declared_raw) + body
    header = _field(1, blob_type.encode()) + encode_varint(3 << 3) + encode_varint(len(body))
    return struct.pack(">I", len(header)) + header + body


def _with_blobs(pbf: Path, target: Path, *blobs: bytes) -> Path:
    target.write_bytes(pbf.read_bytes() + b"".join(blobs))
    return target


def test_pbf_zlib_bomb_is_refused_without_inflating_it(grid_pbf: Path, tmp_path: Path) -> None:
    zeros = zlib.compress(bytes(64 * 1024 * 1024), 9)
    assert len(zeros) < 100_000
    bomb = _with_blobs(grid_pbf, tmp_path / "bomb.osm.pbf", _blob("OSMData", zeros, None))
    tracemalloc.start()
    try:
        with pytest.raises(NetworkImportError, match=r"decompresses to more than 33554432 bytes"):
            read_osm(bomb)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # One blob's worth at most (the 32 MiB limit), never the 64 MiB the bomb holds.
    assert peak < 40 * 1024 * 1024
    liar = _with_blobs(grid_pbf, tmp_path / "liar.osm.pbf", _blob("OSMData", zeros, 1 << 30))
    with pytest.raises(NetworkImportError, match=r"declares 1073741824 bytes uncompressed"):
        read_osm(liar)


def test_pbf_whose_blobs_inflate_far_beyond_the_file_is_refused(
    grid_pbf: Path, tmp_path: Path
) -> None:
    # Each blob is within the per-blob limit, and its type is one readers must skip,
    # but together they inflate a ~60 KB file to 60 MiB.
    zeros = zlib.compress(bytes(20 * 1024 * 1024), 9)
    padding = _blob("OSMPadding", zeros, 20 * 1024 * 1024)
    bomb = _with_blobs(grid_pbf, tmp_path / "many.osm.pbf", padding, padding, padding)
    with pytest.raises(NetworkImportError, match=r"more than 16 times the file"):
        read_osm(bomb)
    # A single such blob is allowed (small files are never refused for their ratio).
    one = _with_blobs(grid_pbf, tmp_path / "one.osm.pbf", padding)
    assert read_osm(one).n_nodes == len(GRID)


def test_pbf_latitude_off_the_globe_names_the_file_and_node(tmp_path: Path) -> None:
    bad = _write_grid(tmp_path / "bad.osm.pbf", bad_lat=True)
    with pytest.raises(NetworkImportError, match=r"bad\.osm\.pbf: node 37 has invalid lat=95\.0"):
        read_osm(bad)


def test_pbf_latitude_error_reaches_the_operator_with_the_file_name(
    tmp_path: Path, media: Path, db: None
) -> None:
    bad = _write_grid(tmp_path / "stored-copy.osm.pbf", bad_lat=True)
    with pytest.raises(DomainError) as error:
        network_import(actor=None, path=bad, source_name="成都.osm.pbf")
    assert "成都.osm.pbf: node 37 has invalid lat=95.0" in str(error.value.params["detail"])


# ----------------------------------------------------------------------------- osmium variants


def _with_locations_on_ways(plain: Path, target: Path) -> Path:
    """What ``osmium add-locations-to-ways`` makes: untagged nodes dropped, ways located."""
    out = osmium.SimpleWriter(osmium.io.File(str(target), "pbf,locations_on_ways=true"))
    for obj in osmium.FileProcessor(str(plain)).with_locations():
        if obj.is_node() and len(obj.tags):
            out.add_node(obj)
        elif obj.is_way():
            out.add_way(obj)
    out.close()
    return target


def test_pbf_with_locations_on_ways_gives_the_whole_network(grid_pbf: Path, tmp_path: Path) -> None:
    located = _with_locations_on_ways(grid_pbf, tmp_path / "located.osm.pbf")
    plain = read_osm(grid_pbf)
    net = read_osm(located)
    assert net.n_nodes == plain.n_nodes == len(GRID)
    assert net.n_edges == plain.n_edges
    assert net.total_length_m == pytest.approx(plain.total_length_m)
    assert net.meta["nodes_from_way_locations"] == len(GRID)


def test_pbf_with_locations_on_ways_is_stored_whole(
    grid_pbf: Path, tmp_path: Path, media: Path, db: None
) -> None:
    categories_ensure()
    located = _with_locations_on_ways(grid_pbf, tmp_path / "located.osm.pbf")
    network = network_import(actor=None, path=located)
    assert network.nodes == len(GRID)
    school = Facility.objects.get(network=network, external_id="node/500")
    assert school.category.code == "school"


# ----------------------------------------------------------------------------- sniffing


def test_files_are_read_by_their_content_not_their_name(grid_pbf: Path, tmp_path: Path) -> None:
    renamed = shutil.copy(grid_pbf, tmp_path / "grid.osm")
    net = read_osm(renamed)
    assert net.n_nodes == len(GRID)
    assert net.meta["osm_format"] == "pbf"
    # And XML named like a PBF is read as XML.
    xml = tmp_path / "grid.xml.osm"
    writer = osmium.SimpleWriter(str(xml))
    for nid, (lon, lat) in GRID.items():
        writer.add_node(mutable.Node(id=nid, location=(lon, lat)))
    for way in _grid_ways():
        writer.add_way(way)
    writer.close()
    misnamed = shutil.copy(xml, tmp_path / "grid-xml.osm.pbf")
    from_xml = read_osm(misnamed)
    assert from_xml.n_nodes == len(GRID)
    assert from_xml.meta["osm_format"] == "xml"


def test_compressed_files_say_what_they_are(grid_pbf: Path, tmp_path: Path) -> None:
    packed = tmp_path / "grid.osm"
    packed.write_bytes(gzip.compress(grid_pbf.read_bytes(), mtime=0))
    with pytest.raises(NetworkImportError, match="not an OpenStreetMap file but a gzip"):
        read_osm(packed)


# ----------------------------------------------------------------------------- areas


def _write_with_areas(path: Path) -> Path:
    """The grid plus a park and a school drawn as multipolygon relations of untagged ways."""
    writer = osmium.SimpleWriter(str(path), overwrite=True)
    for nid, (lon, lat) in GRID.items():
        writer.add_node(mutable.Node(id=nid, location=(lon, lat)))
    # Park: a square 0.002° wide centred at (104.0645, 30.6545), split into two outer ways,
    # with a pond (inner way) whose nodes must not move the centre.
    park = {
        601: (104.0635, 30.6535),
        602: (104.0655, 30.6535),
        603: (104.0655, 30.6555),
        604: (104.0635, 30.6555),
        611: (104.0640, 30.6540),
        612: (104.0642, 30.6540),
        613: (104.0642, 30.6542),
    }
    school = {701: (104.0600, 30.6580), 702: (104.0610, 30.6580), 703: (104.0605, 30.6590)}
    for nid, (lon, lat) in {**park, **school}.items():
        writer.add_node(mutable.Node(id=nid, location=(lon, lat)))
    for way in _grid_ways():
        writer.add_way(way)
    writer.add_way(mutable.Way(id=3001, nodes=[601, 602, 603]))
    writer.add_way(mutable.Way(id=3002, nodes=[603, 604, 601]))
    writer.add_way(mutable.Way(id=3003, nodes=[611, 612, 613, 611]))
    writer.add_way(mutable.Way(id=3004, nodes=[701, 702, 703, 701]))
    writer.add_relation(
        mutable.Relation(
            id=90,
            members=[("w", 3001, "outer"), ("w", 3002, "outer"), ("w", 3003, "inner")],
            tags={"type": "multipolygon", "leisure": "park", "name": "人民公园"},
        )
    )
    writer.add_relation(
        mutable.Relation(
            id=91,
            members=[("w", 3004, "outer")],
            tags={"type": "multipolygon", "amenity": "school", "name": "实验小学"},
        )
    )
    # A route relation with the same tags is not an area.
    writer.add_relation(
        mutable.Relation(
            id=92, members=[("w", 1000, "")], tags={"type": "route", "leisure": "park"}
        )
    )
    writer.close()
    return path


@pytest.mark.parametrize("suffix", [".osm.pbf", ".osm"])
def test_parks_and_schools_mapped_as_multipolygons_become_pois(suffix: str, tmp_path: Path) -> None:
    path = _write_with_areas(tmp_path / f"areas{suffix}")
    rules = engine.PoiRules([("park", "leisure=park"), ("school", "amenity=school")])
    extract, _ = read_osm_extract(path, poi_classifier=rules)
    found = {p.key: p for p in extract.pois}
    assert set(found) == {"relation/90", "relation/91"}
    park, school = found["relation/90"], found["relation/91"]
    assert (park.label, park.name) == ("park", "人民公园")
    assert (park.lon, park.lat) == pytest.approx((104.0645, 30.6545))
    assert (school.label, school.name) == ("school", "实验小学")
    assert (school.lon, school.lat) == pytest.approx((104.0605, 30.6583333))
    assert extract.stats["pois"] == 2


def test_multipolygon_facilities_are_stored_with_the_network(
    tmp_path: Path, media: Path, db: None
) -> None:
    categories_ensure()
    network = network_import(actor=None, path=_write_with_areas(tmp_path / "a.osm.pbf"))
    stored = Facility.objects.filter(network=network, source=Facility.Source.OSM_FILE)
    assert {f.external_id: f.category.code for f in stored} == {
        "relation/90": "park",
        "relation/91": "school",
    }
