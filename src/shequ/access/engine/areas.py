"""Points of interest mapped as multipolygon relations (parks, school grounds...).

A large park or a school campus is often drawn as a ``type=multipolygon`` relation
whose tags (``leisure=park``, ``amenity=school``) sit on the relation, not on its
untagged outline ways.  Our streaming readers keep only walkable or tagged ways, so
these relations are read in two cheap extra passes with pyosmium, which skips the
other kinds of element at the source: one over relations to find the labelled
multipolygons and their outer ways, one over ways for those ways' nodes.  Like a
way, a relation is placed at the mean of its distinct outer nodes.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import osmium

from .errors import NetworkImportError
from .extract import OsmExtract
from .pois import OsmPoi, PendingWayPoi, PoiClassifier, resolve_way_pois

# sniff_osm_format's names -> libosmium's (it would otherwise go by the file name).
_OSMIUM_FORMATS = {"pbf": "pbf", "xml": "osm"}
AREA_RELATION_TYPES = frozenset({"multipolygon"})


def relation_pois(
    path: Path, fmt: str, classifier: PoiClassifier, extract: OsmExtract
) -> list[OsmPoi]:
    """The labelled multipolygon relations of ``path`` as POIs (``osm_type`` "relation").

    ``extract`` is the file as our reader saw it: its nodes place the outlines.  Relations
    none of whose outer nodes are in the file (clipped extracts) are left out.
    """
    source = osmium.io.File(str(path), _OSMIUM_FORMATS[fmt])
    wanted: dict[int, tuple[str, dict[str, str], list[int]]] = {}
    try:
        for rel in osmium.FileProcessor(source, osmium.osm.RELATION):
            if not isinstance(rel, osmium.osm.Relation):
                continue
            tags = {tag.k: tag.v for tag in rel.tags}
            if tags.get("type") not in AREA_RELATION_TYPES:
                continue
            label = classifier(tags)
            if label is None:
                continue
            outer = [m.ref for m in rel.members if m.type == "w" and m.role in ("outer", "")]
            wanted[rel.id] = (label, tags, outer)
        if not wanted:
            return []
        way_ids = {ref for _label, _tags, outer in wanted.values() for ref in outer}
        refs: dict[int, list[int]] = {}
        # Files with locations on ways may lack the outline's nodes: keep their positions.
        located: dict[int, tuple[float, float]] = {}
        for way in osmium.FileProcessor(source, osmium.osm.WAY):
            if not isinstance(way, osmium.osm.Way) or way.id not in way_ids:
                continue
            refs[way.id] = [n.ref for n in way.nodes]
            for n in way.nodes:
                if n.location.valid():
                    located[n.ref] = (n.location.lon, n.location.lat)
    except RuntimeError as exc:
        raise NetworkImportError(f"{path}: cannot read its multipolygon relations: {exc}") from exc
    pending = [
        PendingWayPoi(
            rel_id,
            np.asarray([r for w in outer for r in refs.get(w, ())], dtype=np.int64),
            label,
            tags,
        )
        for rel_id, (label, tags, outer) in wanted.items()
    ]
    node_ids, lon, lat = extract.node_ids, extract.lon, extract.lat
    if located:
        extra = np.fromiter(located, dtype=np.int64, count=len(located))
        coords = np.asarray(list(located.values()), dtype=np.float64)
        node_ids = np.concatenate([node_ids, extra])
        lon = np.concatenate([lon, coords[:, 0]])
        lat = np.concatenate([lat, coords[:, 1]])
    placed, _missing = resolve_way_pois(pending, node_ids, lon, lat)
    return [dataclasses.replace(poi, osm_type="relation") for poi in placed]
