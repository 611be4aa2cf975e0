"""OpenStreetMap import: streaming XML reader and the format-sniffing entry point.

``read_osm(path)`` reads ``.osm`` XML (with ``xml.etree.ElementTree.iterparse``,
clearing elements as it goes) or ``.osm.pbf`` (see :mod:`.pbf`) and returns the
walk network.  Errors are :class:`NetworkImportError` with the file, the line
(XML) or byte offset (PBF) and the problem.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import xml.etree.ElementTree as ET
from array import array
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

import numpy as np

from .errors import NetworkImportError
from .extract import OsmExtract, WayFilter, is_walkable, network_from_extract
from .network import Network
from .pois import OsmPoi, PendingWayPoi, PoiClassifier, poi_name, resolve_way_pois

# expat error codes raised when the input ends in the middle of the document.
_EOF_ERROR_CODES = frozenset({3, 5, 6})  # no element found, unclosed token, partial char


class _HashingReader:
    """File wrapper that hashes what is read and remembers whether EOF was reached."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self.sha256 = hashlib.sha256()
        self.eof = False
        # Bytes read before the root element was seen (the prolog lives there).
        self.prolog = bytearray()
        self.root_seen = False

    def read(self, size: int = -1) -> bytes:
        chunk = self._fh.read(size)
        if not chunk:
            self.eof = True
        else:
            if not self.root_seen:
                self.prolog += chunk
            self.sha256.update(chunk)
        return chunk


def _reject_dtd(prolog: bytes | bytearray, source: str) -> None:
    # OSM files never declare a DTD.  expat >= 2.4 already caps entity amplification;
    # refusing DTDs outright keeps hostile files out of the rest of the import too.
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
        raise NetworkImportError(f"{source}: XML with a DOCTYPE/ENTITY declaration is refused")


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _coord(elem: ET.Element, name: str, node_id: int, source: str) -> float:
    raw = elem.get(name)
    try:
        value = float(raw) if raw is not None else float("nan")
    except ValueError:
        value = float("nan")
    limit = 90.0 if name == "lat" else 180.0
    if not (-limit <= value <= limit):
        raise NetworkImportError(f"{source}: node {node_id} has invalid {name}={raw!r}")
    return value


def parse_osm_xml(
    path: str | os.PathLike[str],
    *,
    way_filter: WayFilter = is_walkable,
    keep_tags: bool = False,
    poi_classifier: PoiClassifier | None = None,
) -> tuple[OsmExtract, str]:
    """Stream an OSM XML file; return (extract with ways passing ``way_filter``, sha256).

    With ``poi_classifier``, tagged nodes and ways it labels become ``extract.pois``.
    """
    source = str(path)
    node_ids: array[int] = array("q")
    lons: array[float] = array("d")
    lats: array[float] = array("d")
    way_ids: array[int] = array("q")
    way_offsets: array[int] = array("q", [0])
    way_refs: array[int] = array("q")
    way_tags: list[dict[str, str]] | None = [] if keep_tags else None
    node_tags: dict[int, dict[str, str]] | None = {} if keep_tags else None
    pois: list[OsmPoi] = []
    pending: list[PendingWayPoi] = []
    want_node_tags = keep_tags or poi_classifier is not None
    stats: dict[str, Any] = {"ways": 0, "relations": 0, "source_format": "xml"}
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed in finally; wrapped for hashing
    except OSError as exc:
        raise NetworkImportError(f"cannot open {source}: {exc}") from exc
    reader = _HashingReader(fh)
    root: ET.Element | None = None
    try:
        for event, elem in ET.iterparse(reader, events=("start", "end")):  # noqa: S314
            if root is None:
                root = elem
                reader.root_seen = True
                _reject_dtd(reader.prolog, source)
                if elem.tag != "osm":
                    raise NetworkImportError(
                        f"{source}: root element is <{elem.tag}>, expected <osm>"
                    )
                continue
            if event != "end":
                continue
            tag = elem.tag
            if tag == "node":
                try:
                    nid = int(elem.get("id", ""))
                except ValueError as exc:
                    raise NetworkImportError(
                        f"{source}: node with invalid id {elem.get('id')!r}"
                    ) from exc
                node_lat = _coord(elem, "lat", nid, source)
                node_lon = _coord(elem, "lon", nid, source)
                if want_node_tags and len(elem):
                    tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
                    if tags and node_tags is not None:
                        node_tags[len(node_ids)] = tags
                    label = poi_classifier(tags) if poi_classifier and tags else None
                    if label is not None:
                        pois.append(
                            OsmPoi("node", nid, node_lon, node_lat, label, poi_name(tags), tags)
                        )
                node_ids.append(nid)
                lats.append(node_lat)
                lons.append(node_lon)
                root.clear()
            elif tag == "way":
                stats["ways"] += 1
                tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
                walkable = way_filter(tags)
                label = poi_classifier(tags) if poi_classifier and tags else None
                if walkable or label is not None:
                    try:
                        refs = [int(nd.get("ref", "")) for nd in elem.iter("nd")]
                        wid = int(elem.get("id", ""))
                    except ValueError as exc:
                        raise NetworkImportError(
                            f"{source}: way {elem.get('id')!r} has an invalid id or node ref"
                        ) from exc
                if label is not None:
                    pending.append(
                        PendingWayPoi(wid, np.asarray(refs, dtype=np.int64), label, tags)
                    )
                if walkable:
                    way_ids.append(wid)
                    way_refs.extend(refs)
                    way_offsets.append(len(way_refs))
                    if way_tags is not None:
                        way_tags.append(tags)
                root.clear()
            elif tag == "relation":
                stats["relations"] += 1
                root.clear()
            elif tag == "bounds":
                with contextlib.suppress(ValueError):
                    stats["bounds"] = [
                        float(elem.get(k, "nan")) for k in ("minlon", "minlat", "maxlon", "maxlat")
                    ]
    except ET.ParseError as exc:
        line, column = exc.position
        if exc.code in _EOF_ERROR_CODES and reader.eof:
            raise NetworkImportError(
                f"{source}: truncated XML at line {line} (the file ends before </osm>)"
            ) from exc
        reason = expat.ErrorString(exc.code) if isinstance(exc.code, int) else str(exc)
        raise NetworkImportError(
            f"{source}: malformed XML at line {line}, column {column}: {reason}"
        ) from exc
    finally:
        fh.close()
    if root is None:
        raise NetworkImportError(f"{source}: empty file")
    ids = np.frombuffer(node_ids, dtype=np.int64).copy()
    lon = np.frombuffer(lons, dtype=np.float64).copy()
    lat = np.frombuffer(lats, dtype=np.float64).copy()
    way_pois, missing = resolve_way_pois(pending, ids, lon, lat)
    if poi_classifier is not None:
        stats["pois"] = len(pois) + len(way_pois)
        stats["poi_ways_without_nodes"] = missing
    extract = OsmExtract(
        node_ids=ids,
        lon=lon,
        lat=lat,
        way_ids=np.frombuffer(way_ids, dtype=np.int64).copy(),
        way_offsets=np.frombuffer(way_offsets, dtype=np.int64).copy(),
        way_refs=np.frombuffer(way_refs, dtype=np.int64).copy(),
        way_tags=way_tags,
        stats=stats,
        node_tags=node_tags,
        pois=pois + way_pois,
    )
    return extract, reader.sha256.hexdigest()


# Leading bytes of formats people upload by mistake, and what to tell them.
_OTHER_FORMATS = (
    (b"\x1f\x8b", "a gzip-compressed file; decompress it first"),
    (b"BZh", "a bzip2-compressed file; decompress it first"),
    (b"PK\x03\x04", "a ZIP archive; extract the .osm or .osm.pbf file from it first"),
    (b"\xff\xe0", "an o5m file; convert it to .osm.pbf first (e.g. osmium cat)"),
    (b"\xfd7zXZ", "an xz-compressed file; decompress it first"),
)


def sniff_osm_format(path: str | os.PathLike[str]) -> str:
    """``"pbf"`` or ``"xml"``, judged by the file's first bytes rather than its name.

    Uploads are renamed, and a PBF called ``.osm`` would otherwise be parsed as XML and
    refused with a baffling "malformed XML at line 1".  Content of neither kind is named
    when it is recognisable (gzip, ZIP...); otherwise the extension decides which reader
    reports the problem.
    """
    p = Path(path)
    with open(p, "rb") as fh:
        head = fh.read(64)
    # PBF: a 4-byte big-endian BlobHeader length, then the BlobHeader, whose first field
    # (type, a 9-byte string) is "OSMHeader".
    if head[:2] == b"\x00\x00" and head[4:15] == b"\x0a\x09OSMHeader":
        return "pbf"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return "xml"
    for magic, what in _OTHER_FORMATS:
        if head.startswith(magic):
            raise NetworkImportError(f"{p}: not an OpenStreetMap file but {what}")
    return "pbf" if p.name.lower().endswith(".pbf") else "xml"


def read_osm_extract(
    path: str | os.PathLike[str],
    *,
    way_filter: WayFilter = is_walkable,
    keep_tags: bool = False,
    poi_classifier: PoiClassifier | None = None,
) -> tuple[OsmExtract, str]:
    """Read the nodes and the ways passing ``way_filter`` from an .osm or .osm.pbf file
    (and, with ``poi_classifier``, the points of interest it labels, multipolygon
    relations included).  The format is told by the content, not the file name."""
    p = Path(path)
    if not p.is_file():
        raise NetworkImportError(f"{p}: no such file")
    kwargs: dict[str, Any] = {
        "way_filter": way_filter,
        "keep_tags": keep_tags,
        "poi_classifier": poi_classifier,
    }
    fmt = sniff_osm_format(p)
    if fmt == "pbf":
        from .pbf import parse_osm_pbf

        extract, digest = parse_osm_pbf(p, **kwargs)
    else:
        extract, digest = parse_osm_xml(p, **kwargs)
    if poi_classifier is not None and extract.stats.get("relations"):
        from .areas import relation_pois

        found = relation_pois(p, fmt, poi_classifier, extract)
        extract.pois.extend(found)
        extract.stats["pois"] = len(extract.pois)
    return extract, digest


def read_osm(path: str | os.PathLike[str], *, largest_component: bool = True) -> Network:
    """Import the walk network of an OpenStreetMap ``.osm`` (XML) or ``.osm.pbf`` file.

    Walkable ways are chosen by :func:`is_walkable`; each pair of consecutive
    way nodes is an edge with its WGS84 ellipsoidal length; coincident nodes
    are merged; only the largest connected component is kept (unless told
    otherwise) and nodes are renumbered along a Hilbert curve.  The metadata
    records the source file name, its SHA-256, counts and the bounding box.
    """
    p = Path(path)
    extract, digest = read_osm_extract(p)
    return network_from_extract(
        extract, source=p.name, sha256=digest, largest_component=largest_component
    )


def import_osm_file(
    osm_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    largest_component: bool = True,
) -> Network:
    """Import an OSM file and save the network to ``out_path``.

    The network is only written once the whole import succeeded (and then via
    a temporary file and an atomic rename), so a failed import leaves no file.
    """
    from .network import save_network

    net = read_osm(osm_path, largest_component=largest_component)
    save_network(net, out_path)
    return net
