"""Stand-alone walk-accessibility engine (numpy/scipy/pyproj; no Django).

Typical use::

    net = read_osm("chengdu.osm")                      # or load_network("net.npz")
    fac, _ = facilities_from_points(net, "clinic", lon, lat, limit_m=1080)
    res = sweep(net, [fac, ...])                       # nearest facility per node
    homes = snap_points(net, home_lon, home_lat)
    table = coverage(res, homes.node, people, community, extra_m=homes.distance_m)
"""

from .coverage import CoverageTable, coverage, reached_matrix
from .errors import (
    AccessEngineError,
    InvalidCoordinatesError,
    InvalidThresholdError,
    NetworkFormatError,
    NetworkImportError,
    OutsideNetworkError,
    SnapError,
    SwappedCoordinatesError,
)
from .extract import OsmExtract, is_walkable
from .geo import LocalProjection, geodesic_lengths, hilbert_order
from .network import (
    Network,
    load_network,
    network_from_csr,
    network_from_edges,
    save_network,
)
from .osm import import_osm_file, parse_osm_xml, read_osm, read_osm_extract, sha256_file
from .pbf import parse_osm_pbf, write_osm_pbf
from .pois import OsmPoi, PoiClassifier, PoiRules
from .siting import (
    Catchments,
    GreedyResult,
    catchments,
    coverage_of_sites,
    greedy_max_cover,
    node_weights,
)
from .snap import DEFAULT_MAX_SNAP_M, Snapper, SnapResult, snap_points
from .sweep import (
    DEFAULT_LIMIT_M,
    WALK_SPEED_MPS,
    FacilitySet,
    SweepResult,
    facilities_from_points,
    limits_from_minutes,
    minutes_to_metres,
    nearest_facility,
    sweep,
)
from .synthetic import (
    SYNTHETIC_CATEGORIES,
    Population,
    synthetic_facilities,
    synthetic_grid_network,
    synthetic_population,
)

__all__ = [
    "DEFAULT_LIMIT_M",
    "DEFAULT_MAX_SNAP_M",
    "SYNTHETIC_CATEGORIES",
    "WALK_SPEED_MPS",
    "AccessEngineError",
    "Catchments",
    "CoverageTable",
    "FacilitySet",
    "GreedyResult",
    "InvalidCoordinatesError",
    "InvalidThresholdError",
    "LocalProjection",
    "Network",
    "NetworkFormatError",
    "NetworkImportError",
    "OsmExtract",
    "OsmPoi",
    "OutsideNetworkError",
    "PoiClassifier",
    "PoiRules",
    "Population",
    "SnapError",
    "SnapResult",
    "Snapper",
    "SwappedCoordinatesError",
    "SweepResult",
    "catchments",
    "coverage",
    "coverage_of_sites",
    "facilities_from_points",
    "geodesic_lengths",
    "greedy_max_cover",
    "hilbert_order",
    "import_osm_file",
    "is_walkable",
    "limits_from_minutes",
    "load_network",
    "minutes_to_metres",
    "nearest_facility",
    "network_from_csr",
    "network_from_edges",
    "node_weights",
    "parse_osm_pbf",
    "parse_osm_xml",
    "reached_matrix",
    "read_osm",
    "read_osm_extract",
    "save_network",
    "sha256_file",
    "snap_points",
    "sweep",
    "synthetic_facilities",
    "synthetic_grid_network",
    "synthetic_population",
    "write_osm_pbf",
]
