"""Points of interest read from imported OSM files become facilities of the new network."""

import importlib
import math
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps

from shequ.access import engine
from shequ.access.engine.extract import keep_all_ways
from shequ.access.models import Facility, FacilityCategory, Network, NetworkImport
from shequ.access.services import facilities
from shequ.access.services.categories import DEFAULT_CATEGORIES, categories_ensure
from shequ.access.services.network_imports import (
    network_import,
    network_import_execute,
    shipped_setup,
)
from shequ.access.services.networks import SHIPPED_OSM
from shequ.core.errors import DomainError

LON0, LAT0 = 104.0700, 30.6600  # central Chengdu, inside the shipped POI sample's area
M_LAT = 110_950.0  # metres per degree of latitude here (approximately)
M_LON = 111_320.0 * math.cos(math.radians(LAT0))


def _at(east_m: float, north_m: float) -> tuple[float, float]:
    return LON0 + east_m / M_LON, LAT0 + north_m / M_LAT


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine), independent of the engine's projection."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def _node(nid: int, east: float, north: float, tags: dict[str, str] | None = None) -> str:
    lon, lat = _at(east, north)
    inner = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in (tags or {}).items())
    return f'<node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}">{inner}</node>'


def _way(wid: int, refs: list[int], tags: dict[str, str]) -> str:
    nds = "".join(f'<nd ref="{r}"/>' for r in refs)
    inner = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
    return f'<way id="{wid}">{nds}{inner}</way>'


# Street nodes: an L of two 2 km streets meeting at node 1 (every 100 m).
EAST = {i + 1: (100.0 * i, 0.0) for i in range(21)}  # nodes 1..21 along the east street
NORTH = {21 + i: (0.0, 100.0 * i) for i in range(1, 21)}  # nodes 22..41 up the north street
STREET = {**EAST, **NORTH}

# POI nodes: (id, east, north, tags, expected category or None, expected snap metres)
POI_NODES: list[tuple[int, float, float, dict[str, str], str | None, float | None]] = [
    (101, 400.0, 30.0, {"amenity": "school", "name": "实验小学"}, "school", 30.0),
    (102, 40.0, 900.0, {"shop": "supermarket"}, "market", 40.0),
    (
        103,
        900.0,
        -10.0,
        {"amenity": "social_facility", "social_facility:for": "senior"},
        "elderly_care",
        10.0,
    ),
    (
        104,
        950.0,
        -10.0,
        {"amenity": "social_facility", "social_facility:for": "homeless"},
        None,
        None,
    ),
    (105, 1000.0, 20.0, {"amenity": "restaurant", "name": "火锅"}, None, None),
    (106, 1500.0, 1500.0, {"amenity": "clinic", "name": "远处诊所"}, "clinic", None),
    (107, 20_000.0, 0.0, {"amenity": "pharmacy"}, None, None),  # far outside the network area
    (
        108,
        1200.0,
        15.0,
        {"highway": "bus_stop", "public_transport": "platform", "name": "站"},
        "transit",
        15.0,
    ),
    (109, 300.0, 300.0, {"name": "无类别"}, None, None),
]
# A closed park outline around (500 m east, 200 m north) and a building (no category).
PARK = {301: (450.0, 150.0), 302: (550.0, 150.0), 303: (550.0, 250.0), 304: (450.0, 250.0)}
BUILDING = {311: (700.0, 50.0), 312: (720.0, 50.0), 313: (720.0, 70.0)}


def _osm_text(*, pois: bool = True) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    parts += [_node(n, e, no) for n, (e, no) in STREET.items()]
    if pois:
        parts += [_node(n, e, no, tags) for n, e, no, tags, _c, _d in POI_NODES]
        parts += [_node(n, e, no) for n, (e, no) in {**PARK, **BUILDING}.items()]
    parts.append(_way(1, list(EAST), {"highway": "residential", "name": "东街"}))
    parts.append(_way(2, [1, *NORTH], {"highway": "footway"}))
    if pois:
        parts.append(_way(201, [*PARK, 301], {"leisure": "park", "name": "小公园"}))
        parts.append(_way(202, [*BUILDING, 311], {"building": "yes"}))
    parts.append("</osm>")
    return "\n".join(parts)


@pytest.fixture
def osm_file(tmp_path: Path) -> Path:
    path = tmp_path / "street.osm"
    path.write_text(_osm_text(), encoding="utf-8")
    return path


@pytest.fixture
def pbf_file(osm_file: Path, tmp_path: Path) -> Path:
    extract, _ = engine.read_osm_extract(osm_file, way_filter=keep_all_ways, keep_tags=True)
    return engine.write_osm_pbf(tmp_path / "street.osm.pbf", extract)


# ----------------------------------------------------------------------------- rules


def test_tag_rules_pick_the_most_specific_match_and_ignore_unknown_tags() -> None:
    rules = engine.PoiRules(
        [
            ("welfare", "amenity=social_facility"),
            ("elderly", "amenity=social_facility&social_facility:for=senior"),
            ("market", "shop=supermarket"),
            ("shop", "shop=supermarket"),
        ]
    )
    assert rules({"amenity": "social_facility", "social_facility:for": "senior"}) == "elderly"
    assert rules({"amenity": "social_facility", "social_facility:for": "child"}) == "welfare"
    assert rules({"shop": "supermarket"}) == "market"  # equal rules: the first wins
    assert rules({"amenity": "restaurant", "name": "x"}) is None
    assert rules({}) is None
    for bad in ("amenity", "=school", "amenity=", "amenity=school&"):
        with pytest.raises(ValueError, match="invalid OSM tag rule"):
            engine.PoiRules([("x", bad)])


# ----------------------------------------------------------------------------- services


def _facilities(network: Network) -> dict[str, Facility]:
    rows = Facility.objects.filter(network=network, source=Facility.Source.OSM_FILE)
    return {f.external_id: f for f in rows.select_related("category")}


def _check_imported(network: Network) -> None:
    got = _facilities(network)
    expected = {f"node/{n}": c for n, _e, _no, _t, c, _d in POI_NODES if c is not None}
    expected["way/201"] = "park"
    assert {k: f.category.code for k, f in got.items()} == expected
    for nid, east, north, _tags, _cat, snap in POI_NODES:
        if snap is None:
            continue
        facility = got[f"node/{nid}"]
        assert facility.snap_distance_m == pytest.approx(snap, rel=0.01)
        assert not facility.far_snap
        # The snapped node is the street node nearest to the POI.
        nearest = min(STREET.values(), key=lambda p: math.dist(p, (east, north)))
        lon, lat = _at(*nearest)
        assert _metres(lon, lat, facility.longitude, facility.latitude) == pytest.approx(
            snap, rel=0.01
        )
    assert got["node/101"].name == "实验小学"
    # The far clinic is kept but flagged, with its real snap distance.
    clinic = got["node/106"]
    nearest_m = min(math.dist((1500.0, 1500.0), p) for p in STREET.values())
    assert clinic.far_snap
    assert clinic.snap_distance_m == pytest.approx(nearest_m, rel=0.01)
    assert clinic.snap_distance_m > 500
    assert not any(f.far_snap for k, f in got.items() if k != "node/106")
    # The park sits at the centroid of its outline (the closing node counted once),
    # 200 m north of the east street.
    park = got["way/201"]
    centre = _at(500.0, 200.0)
    assert _metres(park.longitude, park.latitude, *centre) < 0.5
    assert park.name == "小公园"
    assert park.snap_distance_m == pytest.approx(200.0, rel=0.01)


def test_osm_file_pois_become_facilities_snapped_and_flagged(
    osm_file: Path, media: Path, db: None
) -> None:
    categories_ensure()
    network = network_import(actor=None, path=osm_file)
    assert network.nodes == len(STREET)
    _check_imported(network)
    # Importing the same file again adds nothing.
    again = network_import(actor=None, path=osm_file)
    assert again.pk == network.pk
    assert len(_facilities(network)) == 6


def test_pbf_file_gives_the_same_facilities(pbf_file: Path, media: Path, db: None) -> None:
    categories_ensure()
    network = network_import(actor=None, path=pbf_file)
    _check_imported(network)


def test_a_failure_while_storing_facilities_keeps_no_network(
    osm_file: Path, media: Path, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    categories_ensure()

    def broken(*args: Any, **kwargs: Any) -> list[Facility]:
        raise DomainError("access_bad_file", "boom")

    monkeypatch.setattr(facilities, "_snapped_facilities", broken)
    with pytest.raises(DomainError, match="boom"):
        network_import(actor=None, path=osm_file)
    assert not Network.objects.exists()
    assert not Facility.objects.exists()
    assert not list((media / "access" / "networks").glob("*"))


def test_uploaded_file_without_pois_falls_back_to_the_shipped_sample(
    tmp_path: Path, media: Path, db: None
) -> None:
    categories_ensure()
    (media / "access" / "uploads").mkdir(parents=True)
    job = NetworkImport.objects.create(
        source_name="roads.osm", upload="access/uploads/roads.osm", size=1
    )
    (media / job.upload).write_text(_osm_text(pois=False), encoding="utf-8")
    job = network_import_execute(job.pk)
    assert job.status == NetworkImport.Status.DONE, job.error
    assert job.network is not None
    assert not _facilities(job.network)
    sample = Facility.objects.filter(network=job.network, source=Facility.Source.OSM)
    assert sample.exists()
    bbox = job.network.bbox
    # Only sample POIs near the L-shaped network's area come along.
    assert all(bbox[0] - 0.01 < f.longitude < bbox[2] + 0.01 for f in sample)


def test_uploaded_file_with_pois_does_not_get_the_sample(
    osm_file: Path, media: Path, db: None
) -> None:
    categories_ensure()
    (media / "access" / "uploads").mkdir(parents=True)
    job = NetworkImport.objects.create(
        source_name="street.osm", upload="access/uploads/street.osm", size=1
    )
    (media / job.upload).write_bytes(osm_file.read_bytes())
    job = network_import_execute(job.pk)
    assert job.status == NetworkImport.Status.DONE, job.error
    assert job.network is not None
    assert len(_facilities(job.network)) == 6
    assert not Facility.objects.filter(network=job.network, source=Facility.Source.OSM).exists()


def test_existing_categories_get_the_new_tag_rules(db: None) -> None:
    categories_ensure()
    FacilityCategory.objects.filter(code="elderly_care").update(
        osm_tags=["amenity=social_facility", "amenity=nursing_home"]
    )
    FacilityCategory.objects.filter(code="transit").update(osm_tags=["highway=bus_stop"])
    migration = importlib.import_module("shequ.access.migrations.0003_osm_file_pois")
    migration.add_tag_rules(django_apps, None)
    elderly = FacilityCategory.objects.get(code="elderly_care").osm_tags
    assert "amenity=social_facility" not in elderly
    assert "amenity=social_facility&social_facility:for=senior" in elderly
    assert "amenity=nursing_home" in elderly
    assert FacilityCategory.objects.get(code="transit").osm_tags == [
        "highway=bus_stop",
        "public_transport=platform",
        "public_transport=stop_position",
    ]


# ----------------------------------------------------------------------------- shipped file


def _independent_counts(path: Path) -> Counter[str]:
    """Count the shipped file's elements per category with xml.etree and plain set logic."""
    rules = [
        (code, [tuple(c.split("=", 1)) for c in rule.split("&")])
        for code, _n, _m, _e, tags in DEFAULT_CATEGORIES
        for rule in tags
    ]
    root = ET.parse(path).getroot()  # noqa: S314 - our own shipped file
    node_ids = {n.get("id") for n in root.iter("node")}
    way_nodes = {w.get("id"): [nd.get("ref") for nd in w.iter("nd")] for w in root.iter("way")}
    counts: Counter[str] = Counter()
    for elem in [*root.iter("node"), *root.iter("way"), *root.iter("relation")]:
        tags = {t.get("k"): t.get("v") for t in elem.iter("tag")}
        if elem.tag == "way" and not any(nd.get("ref") in node_ids for nd in elem.iter("nd")):
            continue
        if elem.tag == "relation":
            # Multipolygons count when one of their outer ways has a node in the file.
            outer = [
                m.get("ref")
                for m in elem.iter("member")
                if m.get("type") == "way" and m.get("role") in ("outer", "")
            ]
            refs = [r for w in outer for r in way_nodes.get(w, [])]
            if tags.get("type") != "multipolygon" or not any(r in node_ids for r in refs):
                continue
        matches = [
            (len(conds), -i, code)
            for i, (code, conds) in enumerate(rules)
            if all(tags.get(k) == v for k, v in conds)
        ]
        if matches:
            counts[max(matches)[2]] += 1
    return counts


def test_shipped_chengdu_file_yields_plausible_pois_per_category() -> None:
    rules = engine.PoiRules(
        (code, rule) for code, _n, _m, _e, tags in DEFAULT_CATEGORIES for rule in tags
    )
    extract, _ = engine.read_osm_extract(SHIPPED_OSM, poi_classifier=rules)
    got = Counter(p.label for p in extract.pois)
    expected = _independent_counts(SHIPPED_OSM)
    assert got == expected
    for code in ("school", "clinic", "market", "park", "transit", "sports"):
        assert got[code] > 0, code
    # Plausibility against the README's counts of the same extract (osmnx, 2018).
    assert got["school"] >= 55
    assert got["transit"] >= 117 + 75 + 16
    # The library of the university campus is a multipolygon relation.
    assert {p.osm_type for p in extract.pois} == {"node", "way", "relation"}
    assert extract.stats["pois"] == len(extract.pois)
    # Every POI lies within the file's nodes (ways at the centroid of their nodes).
    lon_min, lon_max = extract.lon.min(), extract.lon.max()
    lat_min, lat_max = extract.lat.min(), extract.lat.max()
    assert all(lon_min <= p.lon <= lon_max and lat_min <= p.lat <= lat_max for p in extract.pois)


def test_shipped_setup_uses_the_file_pois_once(network: Network) -> None:
    from_file = Facility.objects.filter(network=network, source=Facility.Source.OSM_FILE)
    assert from_file.filter(category__code="transit").count() > 100
    assert not Facility.objects.filter(network=network, source=Facility.Source.OSM).exists()
    count = from_file.count()
    _again, report = shipped_setup(actor=None)
    assert report.created == 0
    assert from_file.count() == count
