"""Raw OpenStreetMap content shared by the XML and PBF readers, and the walkability rule.

Both readers produce an :class:`OsmExtract` (all nodes, the kept ways); the
walk network is then built from it by :func:`network_from_extract`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import NetworkImportError
from .network import Network, network_from_edges
from .pois import OsmPoi

# Ways with these highway values are never walked (not built yet, gone, or closed
# to people on foot by definition).
NEVER_WALKABLE_HIGHWAY = frozenset(
    {
        "construction",
        "proposed",
        "planned",
        "abandoned",
        "disused",
        "razed",
        "raceway",
        "bus_guideway",
        "busway",
        "escape",
        "emergency_bay",
        "rest_area",
        "services",
        "no",
        "none",
    }
)
# Motorways (China: 高速公路) are closed to pedestrians unless foot=* says otherwise.
MOTORWAY_HIGHWAY = frozenset({"motorway", "motorway_link"})
FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "official", "use_sidepath"})
ACCESS_DENIED = frozenset({"no", "private"})

WayFilter = Callable[[Mapping[str, str]], bool]


def is_walkable(tags: Mapping[str, str]) -> bool:
    """Whether a way with these tags belongs to the walk network.

    Rules: a ``highway`` tag is required; never-walkable values (construction,
    proposed, ...) and ``area=yes`` outlines are out; ``foot=no`` is out;
    ``access=no/private`` is out unless ``foot`` allows walking; motorways are
    out unless ``foot`` allows walking; one-way tags are ignored (people walk
    both ways).  Trunk roads and cycleways stay in unless ``foot=no``.
    """
    highway = tags.get("highway")
    if not highway:
        return False
    if highway in NEVER_WALKABLE_HIGHWAY:
        return False
    if tags.get("area") == "yes":
        return False
    foot = tags.get("foot", "")
    if foot == "no":
        return False
    foot_ok = foot in FOOT_ALLOWED
    if tags.get("access", "") in ACCESS_DENIED and not foot_ok:
        return False
    return not (highway in MOTORWAY_HIGHWAY and not foot_ok)


def keep_all_ways(tags: Mapping[str, str]) -> bool:
    """Way filter that keeps every way (used to copy whole files)."""
    return True


@dataclass
class OsmExtract:
    """Nodes and kept ways of an OSM file.

    ``way_refs[way_offsets[i]:way_offsets[i + 1]]`` are the node ids of way ``i``.
    ``way_tags`` and ``node_tags`` (node index -> tags, tagged nodes only) are
    filled only when the reader was asked to keep tags; ``pois`` only when it was
    given a POI classifier.
    """

    node_ids: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    way_ids: npt.NDArray[np.int64]
    way_offsets: npt.NDArray[np.int64]
    way_refs: npt.NDArray[np.int64]
    way_tags: list[dict[str, str]] | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    node_tags: dict[int, dict[str, str]] | None = None
    pois: list[OsmPoi] = field(default_factory=list)


def network_from_extract(
    extract: OsmExtract,
    *,
    source: str,
    sha256: str,
    largest_component: bool = True,
) -> Network:
    """Turn the kept ways of an extract into a walk network (see network_from_edges)."""
    if extract.way_ids.size == 0:
        raise NetworkImportError(
            f"{source}: no walkable ways in file "
            f"({extract.stats.get('ways', 0)} ways, {extract.node_ids.size} nodes read)"
        )
    if extract.node_ids.size == 0:
        raise NetworkImportError(
            f"{source}: {extract.way_ids.size} walkable ways but no nodes in file"
        )
    order = np.argsort(extract.node_ids, kind="stable")
    sorted_ids = extract.node_ids[order]
    if sorted_ids.size > 1 and np.any(sorted_ids[1:] == sorted_ids[:-1]):
        dup = int(sorted_ids[1:][sorted_ids[1:] == sorted_ids[:-1]][0])
        raise NetworkImportError(f"{source}: node id {dup} appears more than once")
    refs = extract.way_refs
    pos = np.searchsorted(sorted_ids, refs)
    pos_clip = np.minimum(pos, sorted_ids.size - 1)
    found = sorted_ids[pos_clip] == refs
    node_index = np.where(found, order[pos_clip], -1)

    # Consecutive refs inside one way form edges; pairs across ways or touching a
    # node missing from the file (clipped extracts) are skipped.
    n_refs = refs.size
    same_way = np.ones(max(n_refs - 1, 0), dtype=bool)
    boundaries = extract.way_offsets[1:-1] - 1
    boundaries = boundaries[(boundaries >= 0) & (boundaries < n_refs - 1)]
    same_way[boundaries] = False
    a = node_index[:-1]
    b = node_index[1:]
    ok = same_way & (a >= 0) & (b >= 0)
    if not np.any(ok):
        raise NetworkImportError(
            f"{source}: the {extract.way_ids.size} walkable ways reference no pair of "
            "nodes present in the file"
        )
    used = np.zeros(extract.node_ids.size, dtype=bool)
    used[a[ok]] = True
    used[b[ok]] = True
    compact = np.full(extract.node_ids.size, -1, dtype=np.int64)
    keep_nodes = np.flatnonzero(used)
    compact[keep_nodes] = np.arange(keep_nodes.size)
    meta: dict[str, Any] = {
        "source": source,
        "source_sha256": sha256,
        "osm_nodes": int(extract.node_ids.size),
        "osm_ways": int(extract.stats.get("ways", 0)),
        "osm_relations": int(extract.stats.get("relations", 0)),
        "walkable_ways": int(extract.way_ids.size),
        "missing_node_refs": int(np.count_nonzero(~found)),
    }
    if "bounds" in extract.stats:
        meta["osm_bounds"] = extract.stats["bounds"]
    if "source_format" in extract.stats:
        meta["osm_format"] = extract.stats["source_format"]
    if extract.stats.get("nodes_from_way_locations"):
        meta["nodes_from_way_locations"] = int(extract.stats["nodes_from_way_locations"])
    return network_from_edges(
        extract.lon[keep_nodes],
        extract.lat[keep_nodes],
        compact[a[ok]],
        compact[b[ok]],
        osm_id=extract.node_ids[keep_nodes],
        largest_component=largest_component,
        meta=meta,
    )
