"""Minimal OpenStreetMap PBF reader and writer (no protobuf library).

A ``.osm.pbf`` file is a sequence of ``[4-byte big-endian length][BlobHeader][Blob]``.
Blobs hold a zlib-compressed (or raw) ``HeaderBlock`` or ``PrimitiveBlock``;
primitive blocks hold a string table and groups of nodes, dense nodes, ways
and relations.  Only what a walk network and its points of interest need is
decoded: node ids, coordinates and tags (plain and dense), way ids, tags and
node refs, and the node locations that files written with osmium's
``add-locations-to-ways`` (the ``LocationsOnWays`` feature) carry on their ways
instead of untagged nodes.  Packed varint
arrays are decoded with numpy in one go; message fields are walked with a
small hand-written decoder.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import NetworkImportError
from .extract import OsmExtract, WayFilter, is_walkable
from .pois import OsmPoi, PendingWayPoi, PoiClassifier, poi_name, resolve_way_pois

MAX_BLOB_HEADER = 64 * 1024
# The format's own limits: a blob, compressed or not, is at most 32 MiB.
MAX_BLOB = 32 * 1024 * 1024
MAX_BLOB_RAW = 32 * 1024 * 1024
# Real OSM data shrinks two to three times under zlib; a file that inflates far more
# is a decompression bomb.  What may be decompressed in all is bounded by the bytes
# read so far (plus one full blob, so small files are never refused) and absolutely.
MAX_INFLATION = 16
MAX_TOTAL_RAW = 4 * 1024 * 1024 * 1024
INFLATE_STEP = 1024 * 1024
SUPPORTED_FEATURES = frozenset({"OsmSchema-V0.6", "DenseNodes"})
LOCATIONS_ON_WAYS = "LocationsOnWays"

# Protobuf wire types.
VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class _DecodeError(Exception):
    """Internal: malformed protobuf bytes (turned into NetworkImportError with context)."""


class _BadElement(_DecodeError):
    """Internal: a well-formed element with impossible content (e.g. latitude 95°)."""


def _check_coords(
    what: str,
    ids: npt.NDArray[np.int64],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
) -> None:
    """Refuse coordinates off the globe, naming the first offending element (as XML does)."""
    bad = ~((np.abs(lat) <= 90.0) & (np.abs(lon) <= 180.0))
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        name, value = ("lat", lat[i]) if not abs(lat[i]) <= 90.0 else ("lon", lon[i])
        raise _BadElement(f"{what} {int(ids[i])} has invalid {name}={float(value)!r}")


def read_varint(buf: bytes | memoryview, pos: int) -> tuple[int, int]:
    """Decode one base-128 varint at ``pos``; return (value, position after it)."""
    result = 0
    shift = 0
    end = len(buf)
    while True:
        if pos >= end:
            raise _DecodeError("varint runs past the end of the message")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise _DecodeError("varint longer than 10 bytes")


def iter_fields(buf: bytes | bytearray | memoryview) -> Iterator[tuple[int, int, Any]]:
    """Yield (field number, wire type, value) for each field of a protobuf message.

    Varint and fixed fields give ints; length-delimited fields give a memoryview.
    """
    view = memoryview(buf)
    pos = 0
    end = len(view)
    while pos < end:
        key, pos = read_varint(view, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _DecodeError("field number 0")
        if wire == VARINT:
            value, pos = read_varint(view, pos)
            yield number, wire, value
        elif wire == LENGTH:
            size, pos = read_varint(view, pos)
            if pos + size > end:
                raise _DecodeError(f"field {number} runs past the end of the message")
            yield number, wire, view[pos : pos + size]
            pos += size
        elif wire == FIXED64:
            if pos + 8 > end:
                raise _DecodeError("truncated fixed64")
            yield number, wire, int.from_bytes(view[pos : pos + 8], "little")
            pos += 8
        elif wire == FIXED32:
            if pos + 4 > end:
                raise _DecodeError("truncated fixed32")
            yield number, wire, int.from_bytes(view[pos : pos + 4], "little")
            pos += 4
        else:
            raise _DecodeError(f"unsupported wire type {wire}")


def decode_packed_varints(data: bytes | memoryview) -> npt.NDArray[np.uint64]:
    """Decode a packed run of varints into uint64 values, vectorised."""
    b = np.frombuffer(data, dtype=np.uint8)
    if b.size == 0:
        return np.zeros(0, dtype=np.uint64)
    ends = np.flatnonzero(b < 0x80)
    if ends.size == 0 or ends[-1] != b.size - 1:
        raise _DecodeError("packed varints end in the middle of a value")
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts + 1
    if lengths.max() > 10:
        raise _DecodeError("varint longer than 10 bytes")
    shift = (np.arange(b.size) - np.repeat(starts, lengths)) * 7
    parts = (b & 0x7F).astype(np.uint64) << shift.astype(np.uint64)
    return np.bitwise_or.reduceat(parts, starts)


def zigzag_decode(u: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """Map protobuf sint64 zigzag encoding back to signed integers."""
    return (u >> np.uint64(1)).astype(np.int64) ^ -(u & np.uint64(1)).astype(np.int64)


def _packed_sint_delta(data: bytes | memoryview) -> npt.NDArray[np.int64]:
    return np.cumsum(zigzag_decode(decode_packed_varints(data)), dtype=np.int64)


def _zigzag_scalar(v: int) -> int:
    return (v >> 1) ^ -(v & 1)


def _iter_blobs(fh: Any, source: str) -> Iterator[tuple[str, bytes | bytearray, int]]:
    """Yield (blob type, decompressed payload, file offset) for each blob in the file."""
    offset = 0
    total_raw = 0
    while True:
        head = fh.read(4)
        if not head:
            return
        if len(head) < 4:
            raise NetworkImportError(f"{source}: truncated PBF at byte {offset} (blob length)")
        (header_len,) = struct.unpack(">I", head)
        if header_len > MAX_BLOB_HEADER:
            raise NetworkImportError(
                f"{source}: invalid PBF at byte {offset}: BlobHeader of {header_len} bytes"
            )
        header = fh.read(header_len)
        if len(header) < header_len:
            raise NetworkImportError(f"{source}: truncated PBF at byte {offset} (BlobHeader)")
        blob_type = ""
        data_size = -1
        try:
            for number, wire, value in iter_fields(header):
                if number == 1 and wire == LENGTH:
                    blob_type = bytes(value).decode("utf-8", "replace")
                elif number == 3 and wire == VARINT:
                    data_size = value
        except _DecodeError as exc:
            raise NetworkImportError(
                f"{source}: invalid PBF at byte {offset}: BlobHeader {exc}"
            ) from exc
        if data_size < 0 or data_size > MAX_BLOB:
            raise NetworkImportError(
                f"{source}: invalid PBF at byte {offset}: blob size {data_size}"
            )
        blob = fh.read(data_size)
        if len(blob) < data_size:
            raise NetworkImportError(f"{source}: truncated PBF at byte {offset} (blob data)")
        raw = _decompress_blob(blob, source, offset)
        offset += 4 + header_len + data_size
        total_raw += len(raw)
        if total_raw > min(MAX_TOTAL_RAW, MAX_BLOB_RAW + MAX_INFLATION * offset):
            raise NetworkImportError(
                f"{source}: PBF blobs up to byte {offset} decompress to {total_raw} bytes, "
                f"more than {MAX_INFLATION} times the file (a decompression bomb?)"
            )
        yield blob_type, raw, offset - 4 - header_len - data_size


def _decompress_blob(blob: bytes, source: str, offset: int) -> bytes | bytearray:
    raw: bytes | bytearray | None = None
    raw_size = -1
    try:
        for number, wire, value in iter_fields(blob):
            if number == 1 and wire == LENGTH:
                raw = bytes(value)
            elif number == 2 and wire == VARINT:
                raw_size = value
                if raw_size > MAX_BLOB_RAW:
                    raise NetworkImportError(
                        f"{source}: PBF blob at byte {offset} declares {raw_size} bytes "
                        f"uncompressed (the format allows at most {MAX_BLOB_RAW})"
                    )
            elif number == 3 and wire == LENGTH:
                raw = _inflate(value, source, offset)
            elif number in (4, 5, 6, 7):
                name = {4: "lzma", 5: "bzip2", 6: "lz4", 7: "zstd"}[number]
                raise NetworkImportError(
                    f"{source}: PBF blob at byte {offset} uses {name} compression "
                    "(only raw and zlib are supported)"
                )
    except _DecodeError as exc:
        raise NetworkImportError(f"{source}: invalid PBF blob at byte {offset}: {exc}") from exc
    if raw is None:
        raise NetworkImportError(f"{source}: PBF blob at byte {offset} holds no data")
    if raw_size >= 0 and len(raw) != raw_size:
        raise NetworkImportError(
            f"{source}: PBF blob at byte {offset} decompresses to {len(raw)} bytes, "
            f"header says {raw_size}"
        )
    return raw


def _inflate(data: memoryview, source: str, offset: int) -> bytearray:
    """zlib-decompress one blob, stopping one step past the format's limit.

    The declared raw size cannot be trusted (it may come after the data or lie), so the
    output itself is bounded: a 1 MB bomb never becomes a gigabyte in memory.  It grows in
    1 MiB steps in one buffer, because a single bounded ``decompress`` call still holds
    its output twice while joining it.
    """
    inflater = zlib.decompressobj()
    out = bytearray()
    pending: bytes | memoryview = data
    try:
        while not inflater.eof:
            step = inflater.decompress(pending, INFLATE_STEP)
            if not step and not inflater.unconsumed_tail:
                break  # input used up before the end of the stream
            out += step
            pending = inflater.unconsumed_tail
            if len(out) > MAX_BLOB_RAW:
                raise NetworkImportError(
                    f"{source}: PBF blob at byte {offset} decompresses to more than "
                    f"{MAX_BLOB_RAW} bytes (the format's limit)"
                )
    except zlib.error as exc:
        raise NetworkImportError(
            f"{source}: corrupt zlib data in PBF blob at byte {offset}"
        ) from exc
    if not inflater.eof:
        raise NetworkImportError(f"{source}: corrupt zlib data in PBF blob at byte {offset}")
    return out


def _check_header_block(data: bytes | bytearray, source: str) -> dict[str, Any]:
    info: dict[str, Any] = {}
    required: list[str] = []
    for number, wire, value in iter_fields(data):
        if number == 1 and wire == LENGTH:
            bbox = dict.fromkeys((1, 2, 3, 4), 0)
            for n2, w2, v2 in iter_fields(value):
                if w2 == VARINT and n2 in bbox:
                    bbox[n2] = _zigzag_scalar(v2)
            # HeaderBBox: left, right, top, bottom in nanodegrees.
            info["bounds"] = [bbox[1] / 1e9, bbox[4] / 1e9, bbox[2] / 1e9, bbox[3] / 1e9]
        elif number == 4 and wire == LENGTH:
            required.append(bytes(value).decode("utf-8", "replace"))
        elif number == 5 and wire == LENGTH:
            if bytes(value).decode("utf-8", "replace") == LOCATIONS_ON_WAYS:
                info["locations_on_ways"] = 1
        elif number == 16 and wire == LENGTH:
            info["writingprogram"] = bytes(value).decode("utf-8", "replace")
    unsupported = sorted(set(required) - SUPPORTED_FEATURES)
    if unsupported:
        raise NetworkImportError(f"{source}: PBF requires unsupported features {unsupported}")
    return info


class _Collector:
    """Accumulates nodes and kept ways across primitive blocks."""

    def __init__(
        self, way_filter: WayFilter, keep_tags: bool, poi_classifier: PoiClassifier | None = None
    ) -> None:
        self.way_filter = way_filter
        self.poi_classifier = poi_classifier
        self.node_tags: dict[int, dict[str, str]] | None = {} if keep_tags else None
        self.want_node_tags = keep_tags or poi_classifier is not None
        self.n_nodes = 0
        self.pois: list[OsmPoi] = []
        self.pending: list[PendingWayPoi] = []
        self.node_ids: list[npt.NDArray[np.int64]] = []
        self.lon: list[npt.NDArray[np.float64]] = []
        self.lat: list[npt.NDArray[np.float64]] = []
        self.way_ids: list[int] = []
        self.way_lengths: list[int] = []
        self.way_refs: list[npt.NDArray[np.int64]] = []
        self.way_tags: list[dict[str, str]] | None = [] if keep_tags else None
        # Node locations stored on the kept ways (LocationsOnWays files): ids and coordinates.
        self.loc_ids: list[npt.NDArray[np.int64]] = []
        self.loc_lon: list[npt.NDArray[np.float64]] = []
        self.loc_lat: list[npt.NDArray[np.float64]] = []
        self.ways = 0
        self.relations = 0

    def block(self, data: bytes | bytearray) -> None:
        strings: list[str] = []
        groups: list[memoryview] = []
        granularity = 100
        lat_offset = 0
        lon_offset = 0
        for number, wire, value in iter_fields(data):
            if number == 1 and wire == LENGTH:
                strings = [
                    bytes(v).decode("utf-8", "replace")
                    for n2, w2, v in iter_fields(value)
                    if n2 == 1 and w2 == LENGTH
                ]
            elif number == 2 and wire == LENGTH:
                groups.append(value)
            elif number == 17 and wire == VARINT:
                granularity = value
            elif number == 19 and wire == VARINT:
                lat_offset = _int64(value)
            elif number == 20 and wire == VARINT:
                lon_offset = _int64(value)
        for group in groups:
            self._group(group, strings, granularity, lat_offset, lon_offset)

    def _coords(
        self, raw: npt.NDArray[np.int64], granularity: int, offset: int
    ) -> npt.NDArray[np.float64]:
        # Exact integer nanodegrees divided by 1e9: for coordinates with at most 9
        # decimals this is the same double as parsing the decimal text (XML reader).
        return (offset + granularity * raw).astype(np.float64) / 1e9

    def _group(
        self,
        group: memoryview,
        strings: Sequence[str],
        granularity: int,
        lat_offset: int,
        lon_offset: int,
    ) -> None:
        for number, wire, value in iter_fields(group):
            if wire != LENGTH:
                continue
            if number == 2:
                self._dense(value, strings, granularity, lat_offset, lon_offset)
            elif number == 1:
                self._node(value, strings, granularity, lat_offset, lon_offset)
            elif number == 3:
                self._way(value, strings, granularity, lat_offset, lon_offset)
            elif number == 4:
                self.relations += 1

    def _dense(
        self,
        msg: memoryview,
        strings: Sequence[str],
        granularity: int,
        lat_off: int,
        lon_off: int,
    ) -> None:
        ids = lats = lons = np.zeros(0, dtype=np.int64)
        keys_vals: memoryview | None = None
        for number, wire, value in iter_fields(msg):
            if wire != LENGTH:
                continue
            if number == 1:
                ids = _packed_sint_delta(value)
            elif number == 8:
                lats = _packed_sint_delta(value)
            elif number == 9:
                lons = _packed_sint_delta(value)
            elif number == 10:
                keys_vals = value
        if not (ids.size == lats.size == lons.size):
            raise _DecodeError("DenseNodes id/lat/lon arrays differ in length")
        lat = self._coords(lats, granularity, lat_off)
        lon = self._coords(lons, granularity, lon_off)
        _check_coords("node", ids, lon, lat)
        if self.want_node_tags and keys_vals is not None and len(keys_vals):
            self._dense_tags(decode_packed_varints(keys_vals), strings, ids, lon, lat)
        self.node_ids.append(ids)
        self.lat.append(lat)
        self.lon.append(lon)
        self.n_nodes += ids.size

    def _dense_tags(
        self,
        kv: npt.NDArray[np.uint64],
        strings: Sequence[str],
        ids: npt.NDArray[np.int64],
        lon: npt.NDArray[np.float64],
        lat: npt.NDArray[np.float64],
    ) -> None:
        # keys_vals: for each node its key/value string indices, then a 0.
        ends = np.flatnonzero(kv == 0)
        if ends.size != ids.size:
            raise _DecodeError(f"DenseNodes keys_vals end {ends.size} node(s) for {ids.size} nodes")
        if kv.size and int(kv.max()) >= len(strings):
            raise _DecodeError("DenseNodes tags refer to a string outside the string table")
        starts = np.empty_like(ends)
        starts[:1] = 0
        starts[1:] = ends[:-1] + 1
        lengths = ends - starts
        if np.any(lengths % 2):
            raise _DecodeError("DenseNodes keys_vals hold a key without a value")
        for i in np.flatnonzero(lengths).tolist():
            pairs = kv[starts[i] : ends[i]].tolist()
            tags = {strings[k]: strings[v] for k, v in zip(pairs[::2], pairs[1::2], strict=True)}
            self._tagged_node(self.n_nodes + i, int(ids[i]), float(lon[i]), float(lat[i]), tags)

    def _tagged_node(
        self, index: int, nid: int, lon: float, lat: float, tags: dict[str, str]
    ) -> None:
        if self.node_tags is not None:
            self.node_tags[index] = tags
        label = self.poi_classifier(tags) if self.poi_classifier else None
        if label is not None:
            self.pois.append(OsmPoi("node", nid, lon, lat, label, poi_name(tags), tags))

    def _node(
        self,
        msg: memoryview,
        strings: Sequence[str],
        granularity: int,
        lat_off: int,
        lon_off: int,
    ) -> None:
        nid = lat = lon = 0
        keys: npt.NDArray[np.uint64] = np.zeros(0, dtype=np.uint64)
        vals: npt.NDArray[np.uint64] = np.zeros(0, dtype=np.uint64)
        for number, wire, value in iter_fields(msg):
            if wire == LENGTH and number == 2:
                keys = decode_packed_varints(value)
            elif wire == LENGTH and number == 3:
                vals = decode_packed_varints(value)
            elif wire != VARINT:
                continue
            elif number == 1:
                nid = _zigzag_scalar(value)
            elif number == 8:
                lat = _zigzag_scalar(value)
            elif number == 9:
                lon = _zigzag_scalar(value)
        node_lat = self._coords(np.array([lat], dtype=np.int64), granularity, lat_off)
        node_lon = self._coords(np.array([lon], dtype=np.int64), granularity, lon_off)
        _check_coords("node", np.array([nid], dtype=np.int64), node_lon, node_lat)
        if self.want_node_tags and keys.size:
            tags = _tags(keys, vals, strings, f"node {nid}")
            self._tagged_node(self.n_nodes, nid, float(node_lon[0]), float(node_lat[0]), tags)
        self.node_ids.append(np.array([nid], dtype=np.int64))
        self.lat.append(node_lat)
        self.lon.append(node_lon)
        self.n_nodes += 1

    def _way(
        self,
        msg: memoryview,
        strings: Sequence[str],
        granularity: int,
        lat_off: int,
        lon_off: int,
    ) -> None:
        self.ways += 1
        wid = 0
        keys: npt.NDArray[np.uint64] = np.zeros(0, dtype=np.uint64)
        vals: npt.NDArray[np.uint64] = np.zeros(0, dtype=np.uint64)
        refs_raw: memoryview | None = None
        lats_raw: memoryview | None = None
        lons_raw: memoryview | None = None
        for number, wire, value in iter_fields(msg):
            if number == 1 and wire == VARINT:
                wid = _int64(value)
            elif number == 2 and wire == LENGTH:
                keys = decode_packed_varints(value)
            elif number == 3 and wire == LENGTH:
                vals = decode_packed_varints(value)
            elif number == 8 and wire == LENGTH:
                refs_raw = value
            elif number == 9 and wire == LENGTH:
                lats_raw = value
            elif number == 10 and wire == LENGTH:
                lons_raw = value
        tags = _tags(keys, vals, strings, f"way {wid}")
        walkable = self.way_filter(tags)
        label = self.poi_classifier(tags) if self.poi_classifier and tags else None
        if not walkable and label is None:
            return
        refs = _packed_sint_delta(refs_raw) if refs_raw is not None else np.zeros(0, np.int64)
        if lats_raw is not None or lons_raw is not None:
            self._way_locations(wid, refs, lats_raw, lons_raw, granularity, lat_off, lon_off)
        if label is not None:
            self.pending.append(PendingWayPoi(wid, refs, label, tags))
        if not walkable:
            return
        self.way_ids.append(wid)
        self.way_lengths.append(refs.size)
        self.way_refs.append(refs)
        if self.way_tags is not None:
            self.way_tags.append(tags)

    def _way_locations(
        self,
        wid: int,
        refs: npt.NDArray[np.int64],
        lats_raw: memoryview | None,
        lons_raw: memoryview | None,
        granularity: int,
        lat_off: int,
        lon_off: int,
    ) -> None:
        """Keep the node locations a LocationsOnWays way carries (its nodes may be absent)."""
        empty = memoryview(b"")
        lats = _packed_sint_delta(lats_raw if lats_raw is not None else empty)
        lons = _packed_sint_delta(lons_raw if lons_raw is not None else empty)
        if not (lats.size == lons.size == refs.size):
            raise _DecodeError(
                f"way {wid} has {refs.size} node refs but {lats.size} lat and "
                f"{lons.size} lon values"
            )
        lat = self._coords(lats, granularity, lat_off)
        lon = self._coords(lons, granularity, lon_off)
        _check_coords(f"way {wid}: node", refs, lon, lat)
        self.loc_ids.append(refs)
        self.loc_lon.append(lon)
        self.loc_lat.append(lat)

    def extract(self, stats: dict[str, Any]) -> OsmExtract:
        def cat(parts: list[npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

        offsets = np.zeros(len(self.way_lengths) + 1, dtype=np.int64)
        np.cumsum(np.asarray(self.way_lengths, dtype=np.int64), out=offsets[1:])
        stats = {**stats, "ways": self.ways, "relations": self.relations}
        node_ids = cat(self.node_ids, np.int64)
        lon = cat(self.lon, np.float64)
        lat = cat(self.lat, np.float64)
        if self.loc_ids:
            # Nodes known only from way locations join the file's nodes (once each).
            loc_ids, first = np.unique(cat(self.loc_ids, np.int64), return_index=True)
            new = ~np.isin(loc_ids, node_ids)
            stats["nodes_from_way_locations"] = int(np.count_nonzero(new))
            node_ids = np.concatenate([node_ids, loc_ids[new]])
            lon = np.concatenate([lon, cat(self.loc_lon, np.float64)[first[new]]])
            lat = np.concatenate([lat, cat(self.loc_lat, np.float64)[first[new]]])
        way_pois, missing = resolve_way_pois(self.pending, node_ids, lon, lat)
        if self.poi_classifier is not None:
            stats["pois"] = len(self.pois) + len(way_pois)
            stats["poi_ways_without_nodes"] = missing
        return OsmExtract(
            node_ids=node_ids,
            lon=lon,
            lat=lat,
            way_ids=np.asarray(self.way_ids, dtype=np.int64),
            way_offsets=offsets,
            way_refs=cat(self.way_refs, np.int64),
            way_tags=self.way_tags,
            stats=stats,
            node_tags=self.node_tags,
            pois=self.pois + way_pois,
        )


def _tags(
    keys: npt.NDArray[np.uint64], vals: npt.NDArray[np.uint64], strings: Sequence[str], what: str
) -> dict[str, str]:
    if keys.size != vals.size:
        raise _DecodeError(f"{what} has {keys.size} keys but {vals.size} values")
    if keys.size and max(int(keys.max()), int(vals.max())) >= len(strings):
        raise _DecodeError(f"{what} refers to a string outside the string table")
    return {strings[k]: strings[v] for k, v in zip(keys.tolist(), vals.tolist(), strict=True)}


def _int64(raw: int) -> int:
    """A plain (non-zigzag) int64 varint value, two's complement."""
    return raw - (1 << 64) if raw >> 63 else raw


def parse_osm_pbf(
    path: str | os.PathLike[str],
    *,
    way_filter: WayFilter = is_walkable,
    keep_tags: bool = False,
    poi_classifier: PoiClassifier | None = None,
) -> tuple[OsmExtract, str]:
    """Read an .osm.pbf file; return (extract with ways passing ``way_filter``, sha256).

    With ``poi_classifier``, tagged nodes and ways it labels become ``extract.pois``.
    """
    source = str(path)
    digest = hashlib.sha256()
    collector = _Collector(way_filter, keep_tags, poi_classifier)
    stats: dict[str, Any] = {}
    seen_header = False

    class _Hashing:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def read(self, n: int) -> bytes:
            chunk: bytes = self.fh.read(n)
            digest.update(chunk)
            return chunk

    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed in finally
    except OSError as exc:
        raise NetworkImportError(f"cannot open {source}: {exc}") from exc
    try:
        for blob_type, data, offset in _iter_blobs(_Hashing(fh), source):
            try:
                if blob_type == "OSMHeader":
                    stats.update(_check_header_block(data, source))
                    seen_header = True
                elif blob_type == "OSMData":
                    if not seen_header:
                        raise NetworkImportError(
                            f"{source}: PBF data block at byte {offset} before the OSMHeader"
                        )
                    collector.block(data)
            except _BadElement as exc:
                raise NetworkImportError(
                    f"{source}: {exc} (PBF {blob_type} block at byte {offset})"
                ) from exc
            except _DecodeError as exc:
                raise NetworkImportError(
                    f"{source}: invalid PBF {blob_type} block at byte {offset}: {exc}"
                ) from exc
        # Hash any bytes after the last blob too (there are none in a valid file).
        digest.update(fh.read())
    finally:
        fh.close()
    if not seen_header:
        raise NetworkImportError(f"{source}: empty or not a PBF file (no OSMHeader blob)")
    stats["source_format"] = "pbf"
    return collector.extract(stats), digest.hexdigest()


# --------------------------------------------------------------------------- writer


def encode_varint(value: int) -> bytes:
    """Encode a non-negative int (< 2**64) as a varint."""
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_packed_varints(values: npt.ArrayLike) -> bytes:
    """Encode unsigned 64-bit values as a packed varint run, vectorised."""
    v = np.asarray(values).astype(np.uint64)
    if v.size == 0:
        return b""
    if v.size < 32:
        # numpy's per-call overhead dominates for the short runs of tags and refs.
        return b"".join(encode_varint(int(x)) for x in v.tolist())
    nbytes = np.ones(v.size, dtype=np.int64)
    for k in range(1, 10):
        nbytes += (v >> np.uint64(7 * k)) > 0
    starts = np.zeros(v.size, dtype=np.int64)
    np.cumsum(nbytes[:-1], out=starts[1:])
    out = np.zeros(int(nbytes.sum()), dtype=np.uint8)
    for k in range(10):
        has = nbytes > k
        if not np.any(has):
            break
        byte = ((v[has] >> np.uint64(7 * k)) & np.uint64(0x7F)).astype(np.uint8)
        more = (nbytes[has] > k + 1).astype(np.uint8) << np.uint8(7)
        out[starts[has] + k] = byte | more
    return out.tobytes()


def zigzag_encode(values: npt.ArrayLike) -> npt.NDArray[np.uint64]:
    """sint64 zigzag encoding."""
    v = np.asarray(values, dtype=np.int64)
    return ((v << np.int64(1)) ^ (v >> np.int64(63))).astype(np.uint64)


def _field(number: int, payload: bytes) -> bytes:
    return encode_varint((number << 3) | LENGTH) + encode_varint(len(payload)) + payload


def _field_varint(number: int, value: int) -> bytes:
    return encode_varint(number << 3 | VARINT) + encode_varint(value)


def _packed_delta(values: npt.NDArray[np.int64]) -> bytes:
    delta = np.diff(values, prepend=np.int64(0))
    return encode_packed_varints(zigzag_encode(delta))


def _blob(blob_type: str, payload: bytes) -> bytes:
    blob = _field_varint(2, len(payload)) + _field(3, zlib.compress(payload, 6))
    header = _field(1, blob_type.encode()) + _field_varint(3, len(blob))
    return struct.pack(">I", len(header)) + header + blob


def write_osm_pbf(
    path: str | os.PathLike[str],
    extract: OsmExtract,
    *,
    block_size: int = 8000,
    writing_program: str = "shequ.access.engine",
) -> Path:
    """Write nodes (as DenseNodes, with ``node_tags`` if any) and ways (with tags) to an
    .osm.pbf file.

    Coordinates are stored with the default granularity of 100 nanodegrees
    (1e-7°, about 1 cm), the precision of OSM itself.  Ways need ``way_tags``.
    """
    target = Path(path)
    header = _field(4, b"OsmSchema-V0.6") + _field(4, b"DenseNodes")
    header += _field(16, writing_program.encode())
    chunks = [_blob("OSMHeader", header)]
    lat_units = np.rint(extract.lat * 1e7).astype(np.int64)
    lon_units = np.rint(extract.lon * 1e7).astype(np.int64)
    node_tags = extract.node_tags or {}
    for start in range(0, extract.node_ids.size, block_size):
        sl = slice(start, start + block_size)
        dense = (
            _field(1, _packed_delta(extract.node_ids[sl]))
            + _field(8, _packed_delta(lat_units[sl]))
            + _field(9, _packed_delta(lon_units[sl]))
        )
        node_table: dict[str, int] = {"": 0}
        stop = min(start + block_size, extract.node_ids.size)
        if any(i in node_tags for i in range(start, stop)):
            keys_vals: list[int] = []
            for i in range(start, stop):
                for k, v in node_tags.get(i, {}).items():
                    keys_vals += [
                        node_table.setdefault(k, len(node_table)),
                        node_table.setdefault(v, len(node_table)),
                    ]
                keys_vals.append(0)
            dense += _field(10, encode_packed_varints(keys_vals))
        node_strings = b"".join(_field(1, t.encode("utf-8")) for t in node_table)
        block = _field(1, node_strings) + _field(2, _field(2, dense))
        chunks.append(_blob("OSMData", block))
    tags = extract.way_tags or []
    if len(tags) != extract.way_ids.size:
        raise ValueError("write_osm_pbf needs an extract read with keep_tags=True")
    for start in range(0, extract.way_ids.size, block_size):
        table: dict[str, int] = {"": 0}
        ways = bytearray()
        for i in range(start, min(start + block_size, extract.way_ids.size)):
            keys = [table.setdefault(k, len(table)) for k in tags[i]]
            vals = [table.setdefault(v, len(table)) for v in tags[i].values()]
            refs = extract.way_refs[extract.way_offsets[i] : extract.way_offsets[i + 1]]
            way = _field_varint(1, int(extract.way_ids[i]))
            if keys:
                way += _field(2, encode_packed_varints(keys))
                way += _field(3, encode_packed_varints(vals))
            way += _field(8, _packed_delta(refs))
            ways += _field(3, way)
        strings = b"".join(_field(1, s.encode("utf-8")) for s in table)
        block = _field(1, strings) + _field(2, bytes(ways))
        chunks.append(_blob("OSMData", block))
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(b"".join(chunks))
    os.replace(tmp, target)
    return target
