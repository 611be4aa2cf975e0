"""Undirected walk network in CSR form, its construction and its binary file format.

A network is ``n`` nodes (longitude/latitude, original OSM id) and undirected
edges stored twice (once per direction) in compressed sparse row arrays:
the neighbours of node ``i`` are ``indices[indptr[i]:indptr[i + 1]]`` with
lengths ``weights[...]`` in metres.  Nodes are numbered along a Hilbert curve
so that nodes close on the map are close in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .errors import NetworkFormatError
from .geo import LocalProjection, geodesic_lengths, hilbert_order

FORMAT_NAME = "shequ-walk-network"
FORMAT_VERSION = 1

_ARRAYS: dict[str, np.dtype[Any]] = {
    "indptr": np.dtype(np.int64),
    "indices": np.dtype(np.int32),
    "weights": np.dtype(np.float32),
    "lon": np.dtype(np.float64),
    "lat": np.dtype(np.float64),
    "osm_id": np.dtype(np.int64),
}


@dataclass(frozen=True, eq=False)
class Network:
    """An undirected, connected walk network (see the module docstring for the layout)."""

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32]
    weights: npt.NDArray[np.float32]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    osm_id: npt.NDArray[np.int64]
    meta: dict[str, Any] = field(default_factory=dict)
    # Derived structures (k-d tree, sweep adjacency) built on first use and kept
    # with the network, so they live exactly as long as it does.
    cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.lon.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of undirected edges (each is stored twice)."""
        return int(self.indices.shape[0] // 2)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat) of the nodes."""
        if self.n_nodes == 0:
            return (0.0, 0.0, 0.0, 0.0)
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )

    @property
    def total_length_m(self) -> float:
        """Sum of undirected edge lengths in metres."""
        return float(self.weights.astype(np.float64).sum() / 2.0)

    @cached_property
    def projection(self) -> LocalProjection:
        """Local metric projection centred on the network."""
        return LocalProjection.around(self.lon, self.lat)

    @cached_property
    def degree(self) -> npt.NDArray[np.int64]:
        """Number of neighbours of each node."""
        return np.diff(self.indptr)

    def to_csr(self) -> sp.csr_array:
        """The network as a symmetric ``scipy.sparse.csr_array`` of float64 metres."""
        return sp.csr_array(
            (self.weights.astype(np.float64), self.indices, self.indptr),
            shape=(self.n_nodes, self.n_nodes),
        )

    def edge_list(
        self,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Undirected edges once each as (u, v, length) with u < v."""
        src = np.repeat(np.arange(self.n_nodes, dtype=np.int64), self.degree)
        dst = self.indices.astype(np.int64)
        keep = src < dst
        return src[keep], dst[keep], self.weights[keep]

    def validate(self) -> None:
        """Check array shapes, dtypes and CSR invariants; raise NetworkFormatError if broken."""
        for name, dtype in _ARRAYS.items():
            arr = getattr(self, name)
            if not isinstance(arr, np.ndarray) or arr.dtype != dtype or arr.ndim != 1:
                raise NetworkFormatError(f"array {name!r} must be 1-D {dtype}")
        n = self.n_nodes
        if self.lat.shape[0] != n or self.osm_id.shape[0] != n:
            raise NetworkFormatError("lon, lat and osm_id must have one entry per node")
        if self.indptr.shape[0] != n + 1 or self.indptr[0] != 0:
            raise NetworkFormatError("indptr must have n_nodes + 1 entries starting at 0")
        if np.any(np.diff(self.indptr) < 0) or self.indptr[-1] != self.indices.shape[0]:
            raise NetworkFormatError("indptr must be non-decreasing and end at len(indices)")
        if self.weights.shape[0] != self.indices.shape[0]:
            raise NetworkFormatError("weights and indices must have the same length")
        if self.indices.size and (self.indices.min() < 0 or self.indices.max() >= n):
            raise NetworkFormatError("indices refer to nodes outside 0..n_nodes-1")
        if self.weights.size and not (
            np.all(np.isfinite(self.weights)) and self.weights.min() >= 0
        ):
            raise NetworkFormatError("edge lengths must be finite and >= 0")
        if not (np.all(np.isfinite(self.lon)) and np.all(np.isfinite(self.lat))):
            raise NetworkFormatError("node coordinates must be finite")


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def network_from_csr(
    indptr: npt.ArrayLike,
    indices: npt.ArrayLike,
    weights: npt.ArrayLike,
    lon: npt.ArrayLike | None = None,
    lat: npt.ArrayLike | None = None,
    osm_id: npt.ArrayLike | None = None,
    meta: dict[str, Any] | None = None,
) -> Network:
    """Wrap existing symmetric CSR arrays as a Network without renumbering or merging.

    The caller promises the arrays describe an undirected graph (every arc
    stored in both directions with the same length).  Missing coordinates are
    set to zero, missing OSM ids to -1.  Used for tests and for graphs that are
    already prepared.
    """
    ip = np.ascontiguousarray(indptr, dtype=np.int64)
    n = ip.shape[0] - 1
    net = Network(
        indptr=ip,
        indices=np.ascontiguousarray(indices, dtype=np.int32),
        weights=np.ascontiguousarray(weights, dtype=np.float32),
        lon=np.zeros(n) if lon is None else np.ascontiguousarray(lon, dtype=np.float64),
        lat=np.zeros(n) if lat is None else np.ascontiguousarray(lat, dtype=np.float64),
        osm_id=(
            np.full(n, -1, dtype=np.int64)
            if osm_id is None
            else np.ascontiguousarray(osm_id, dtype=np.int64)
        ),
        meta=dict(meta or {}),
    )
    net.validate()
    return net


def _symmetric_csr(
    n: int, u: npt.NDArray[np.int64], v: npt.NDArray[np.int64], w: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    src = np.concatenate([u, v])
    dst = np.concatenate([v, u])
    ww = np.concatenate([w, w])
    order = np.lexsort((dst, src))
    counts = np.bincount(src, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, dst[order].astype(np.int32), ww[order].astype(np.float32)


def _collapse_nodes(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    u: npt.NDArray[np.int64],
    v: npt.NDArray[np.int64],
    length: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int64], int]:
    """Map each node to a representative: nodes at identical coordinates or joined by
    zero-length edges become one.  Returns (representative index per node, count merged)."""
    n = lon.shape[0]
    # Identical coordinates: consecutive equal pairs after a lexicographic sort.
    order = np.lexsort((lat, lon))
    same = (np.diff(lon[order]) == 0) & (np.diff(lat[order]) == 0)
    a = order[:-1][same]
    b = order[1:][same]
    zero = length == 0.0
    a = np.concatenate([a, u[zero]])
    b = np.concatenate([b, v[zero]])
    if a.size == 0:
        return np.arange(n, dtype=np.int64), 0
    g = sp.coo_array((np.ones(a.size, dtype=np.int8), (a, b)), shape=(n, n)).tocsr()
    _, labels = connected_components(g, directed=False)
    # Representative = smallest node index of the group, so the mapping is stable.
    rep = np.full(labels.max() + 1, n, dtype=np.int64)
    np.minimum.at(rep, labels, np.arange(n, dtype=np.int64))
    mapping = rep[labels]
    return mapping, int(n - np.unique(mapping).size)


def network_from_edges(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    u: npt.ArrayLike,
    v: npt.ArrayLike,
    length: npt.ArrayLike | None = None,
    osm_id: npt.ArrayLike | None = None,
    *,
    merge_coincident: bool = True,
    largest_component: bool = True,
    reorder: bool = True,
    meta: dict[str, Any] | None = None,
) -> Network:
    """Build a Network from node coordinates and an undirected edge list.

    Steps: geodesic lengths (if ``length`` is None), collapse nodes at identical
    coordinates or joined by zero-length edges, drop self-loops, keep the
    shortest of parallel edges, drop nodes without edges, keep the largest
    connected component, renumber along a Hilbert curve, build symmetric CSR.
    """
    lo = np.ascontiguousarray(lon, dtype=np.float64)
    la = np.ascontiguousarray(lat, dtype=np.float64)
    uu = np.ascontiguousarray(u, dtype=np.int64)
    vv = np.ascontiguousarray(v, dtype=np.int64)
    n = lo.shape[0]
    if la.shape[0] != n or uu.shape != vv.shape:
        raise ValueError("lon/lat and u/v must have matching lengths")
    if uu.size and (min(uu.min(), vv.min()) < 0 or max(uu.max(), vv.max()) >= n):
        raise ValueError("edge endpoints refer to nodes outside 0..n-1")
    ids = (
        np.arange(n, dtype=np.int64)
        if osm_id is None
        else np.ascontiguousarray(osm_id, dtype=np.int64)
    )
    w = (
        geodesic_lengths(lo[uu], la[uu], lo[vv], la[vv])
        if length is None
        else np.ascontiguousarray(length, dtype=np.float64)
    )
    if w.size and (not np.all(np.isfinite(w)) or w.min() < 0):
        raise ValueError("edge lengths must be finite and >= 0")

    merged = 0
    if merge_coincident:
        mapping, merged = _collapse_nodes(lo, la, uu, vv, w)
        uu = mapping[uu]
        vv = mapping[vv]
    # Self-loops never shorten a path; parallel edges: the shortest wins.
    keep = uu != vv
    uu, vv, w = uu[keep], vv[keep], w[keep]
    a = np.minimum(uu, vv)
    b = np.maximum(uu, vv)
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.ones(a.size, dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, w = a[first], b[first], w[first]

    used = np.zeros(n, dtype=bool)
    used[a] = True
    used[b] = True
    walkable_nodes = int(used.sum())
    n_components = 0
    if largest_component and a.size:
        g = sp.coo_array((np.ones(a.size, dtype=np.int8), (a, b)), shape=(n, n)).tocsr()
        n_components, labels = connected_components(g, directed=False)
        sizes = np.bincount(labels[used], minlength=n_components)
        keep_nodes = used & (labels == int(np.argmax(sizes)))
        n_components = int(np.count_nonzero(sizes))
    else:
        keep_nodes = used
    old = np.flatnonzero(keep_nodes)
    if reorder and old.size:
        old = old[hilbert_order(lo[old], la[old])]
    new_of_old = np.full(n, -1, dtype=np.int64)
    new_of_old[old] = np.arange(old.size, dtype=np.int64)
    ea = new_of_old[a]
    eb = new_of_old[b]
    keep_e = (ea >= 0) & (eb >= 0)
    indptr, indices, weights = _symmetric_csr(old.size, ea[keep_e], eb[keep_e], w[keep_e])

    info = dict(meta or {})
    info.setdefault("format", FORMAT_NAME)
    info.setdefault("created", _utc_now())
    net = Network(
        indptr=indptr,
        indices=indices,
        weights=weights,
        lon=lo[old].copy(),
        lat=la[old].copy(),
        osm_id=ids[old].copy(),
        meta=info,
    )
    info.update(
        {
            "nodes": net.n_nodes,
            "edges": net.n_edges,
            "walkable_nodes": walkable_nodes,
            "merged_nodes": merged,
            "components": n_components,
            "bbox": list(net.bbox),
            "total_length_m": round(net.total_length_m, 3),
        }
    )
    return net


def save_network(network: Network, path: str | os.PathLike[str]) -> Path:
    """Write ``network`` to ``path`` (an uncompressed ``.npz``, no pickled objects).

    The file is written to a temporary name in the same folder and renamed into
    place, so a crash never leaves a half-written network behind.
    """
    network.validate()
    target = Path(path)
    meta = dict(network.meta)
    meta["format"] = FORMAT_NAME
    meta["format_version"] = FORMAT_VERSION
    meta_bytes = np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, meta_json=meta_bytes, **{k: getattr(network, k) for k in _ARRAYS})
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


def load_network(path: str | os.PathLike[str]) -> Network:
    """Read a network written by :func:`save_network`; raise NetworkFormatError if invalid."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise NetworkFormatError(f"cannot read network file {p}: {exc}") from exc
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            names = set(npz.files)
            missing = ({"meta_json"} | set(_ARRAYS)) - names
            if missing:
                raise NetworkFormatError(f"{p}: missing arrays {sorted(missing)}")
            arrays = {k: npz[k] for k in _ARRAYS}
            meta_raw = npz["meta_json"]
    except NetworkFormatError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise NetworkFormatError(f"{p} is not a network file: {exc}") from exc
    try:
        meta = json.loads(meta_raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NetworkFormatError(f"{p}: metadata is not valid JSON") from exc
    if meta.get("format") != FORMAT_NAME:
        raise NetworkFormatError(f"{p}: not a {FORMAT_NAME} file")
    if meta.get("format_version") != FORMAT_VERSION:
        raise NetworkFormatError(
            f"{p}: format version {meta.get('format_version')!r}, expected {FORMAT_VERSION}"
        )
    net = Network(meta=meta, **arrays)
    net.validate()
    return net
