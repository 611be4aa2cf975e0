"""Snapping points to their nearest network node.

Nearest nodes are found with a k-d tree (``scipy.spatial.cKDTree``) on the
network's local equirectangular projection; the reported snap distance is the
WGS84 distance between the point and its node (local radii of curvature,
sub-millimetre at these ranges, or pyproj geodesics on request).  Before that,
the points are checked: non-finite or out-of-range coordinates, points outside
the network's bounding box (plus a margin) and the typical swapped
latitude/longitude mistake all give clear errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from .errors import (
    InvalidCoordinatesError,
    OutsideNetworkError,
    SwappedCoordinatesError,
)
from .geo import check_threshold, geodesic_lengths, local_distances
from .network import Network

DEFAULT_MAX_SNAP_M = 500.0

OnOutside = Literal["raise", "flag"]


@dataclass(frozen=True, eq=False)
class SnapResult:
    """Nearest node per point.

    ``node`` is -1 and ``distance_m`` is ``inf`` for points outside the network
    area (only with ``on_outside="flag"``).  ``too_far`` marks snaps longer than
    the threshold: they are snapped, but probably lie off the mapped streets.
    """

    node: npt.NDArray[np.int64]
    distance_m: npt.NDArray[np.float64]
    too_far: npt.NDArray[np.bool_]
    outside: npt.NDArray[np.bool_]
    max_distance_m: float

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        """Points snapped within the threshold."""
        return ~(self.too_far | self.outside)


class Snapper:
    """Nearest-node index of one network (build once, snap many times)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.projection = network.projection
        x, y = self.projection.forward(network.lon, network.lat)
        self._tree = cKDTree(np.column_stack([x, y]), balanced_tree=False, compact_nodes=False)
        self._xy = (x, y)

    @property
    def tree(self) -> cKDTree:
        """The k-d tree over projected node coordinates (metres)."""
        return self._tree

    def _inside(
        self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], margin_m: float
    ) -> npt.NDArray[np.bool_]:
        min_lon, min_lat, max_lon, max_lat = self.network.bbox
        dlon = margin_m / self.projection.kx
        dlat = margin_m / self.projection.ky
        with np.errstate(invalid="ignore"):
            return (
                (lon >= min_lon - dlon)
                & (lon <= max_lon + dlon)
                & (lat >= min_lat - dlat)
                & (lat <= max_lat + dlat)
            )

    def snap(
        self,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        *,
        max_distance_m: float = DEFAULT_MAX_SNAP_M,
        margin_m: float | None = None,
        on_outside: OnOutside = "raise",
        exact: bool = False,
        workers: int = -1,
    ) -> SnapResult:
        """Snap points to their nearest node.

        ``margin_m`` (default: ``max_distance_m``) widens the network bounding box
        for the outside test.  ``on_outside="raise"`` raises OutsideNetworkError
        if any point is outside; ``"flag"`` marks them instead.  A batch whose
        points mostly fall outside but would fall inside with longitude and
        latitude exchanged raises SwappedCoordinatesError either way.
        Snap distances use the local radii of curvature (sub-millimetre for
        distances of a few km); ``exact=True`` asks pyproj for true geodesics.
        ``workers`` is passed to the k-d tree query (-1: all CPUs).
        """
        limit = check_threshold(max_distance_m, "max_distance_m")
        margin = limit if margin_m is None else float(margin_m)
        if not np.isfinite(margin) or margin < 0:
            raise InvalidCoordinatesError(f"margin_m must be finite and >= 0, got {margin_m!r}")
        lo = np.ascontiguousarray(lon, dtype=np.float64).reshape(-1)
        la = np.ascontiguousarray(lat, dtype=np.float64).reshape(-1)
        if lo.shape != la.shape:
            raise InvalidCoordinatesError(f"lon and lat differ in length ({lo.size} vs {la.size})")
        n = lo.size
        finite = np.isfinite(lo) & np.isfinite(la)
        in_range = finite & (np.abs(lo) <= 180.0) & (np.abs(la) <= 90.0)
        inside = in_range & self._inside(lo, la, margin)
        bad = ~inside
        n_bad = int(bad.sum())
        if n_bad:
            swapped_inside = bad & finite & self._inside(la, lo, margin)
            n_swapped = int(swapped_inside.sum())
            if n_swapped and n_swapped * 2 >= n_bad:
                i = int(np.flatnonzero(swapped_inside)[0])
                raise SwappedCoordinatesError(
                    f"{n_swapped} of {n} points fall inside the network area only with "
                    f"longitude and latitude exchanged (e.g. point #{i}: lon={float(lo[i])!r}, "
                    f"lat={float(la[i])!r}); pass longitude first"
                )
            if not finite.all():
                i = int(np.flatnonzero(~finite)[0])
                raise InvalidCoordinatesError(
                    f"{int((~finite).sum())} of {n} points have non-finite coordinates "
                    f"(e.g. point #{i})"
                )
            if not in_range.all():
                i = int(np.flatnonzero(~in_range)[0])
                raise InvalidCoordinatesError(
                    f"{int((~in_range).sum())} of {n} points are outside lon -180..180 / "
                    f"lat -90..90 (e.g. point #{i}: lon={float(lo[i])!r}, lat={float(la[i])!r})"
                )
            if on_outside == "raise":
                i = int(np.flatnonzero(bad)[0])
                bbox = ", ".join(f"{v:.5f}" for v in self.network.bbox)
                raise OutsideNetworkError(
                    f"{n_bad} of {n} points lie outside the network area (bbox {bbox} "
                    f"plus {margin:g} m), e.g. point #{i}: "
                    f"lon={float(lo[i])!r}, lat={float(la[i])!r}"
                )
        node = np.full(n, -1, dtype=np.int64)
        dist = np.full(n, np.inf, dtype=np.float64)
        if inside.any():
            which = np.flatnonzero(inside)
            x, y = self.projection.forward(lo[which], la[which])
            # Query in spatial order (row by row of 200 m cells): neighbouring
            # queries walk the same tree branches, several times faster than
            # random order, and the key is cheaper than a Hilbert key.
            cell = 200.0
            gx = ((x - x.min()) // cell).astype(np.int64)
            gy = ((y - y.min()) // cell).astype(np.int64)
            order = np.argsort(gy * (int(gx.max()) + 1) + gx)
            _, found_sorted = self._tree.query(
                np.column_stack([x[order], y[order]]), k=1, workers=workers
            )
            found = np.empty(which.size, dtype=np.int64)
            found[order] = found_sorted
            node[which] = found
            measure = geodesic_lengths if exact else local_distances
            dist[which] = measure(
                lo[which], la[which], self.network.lon[found], self.network.lat[found]
            )
        return SnapResult(
            node=node,
            distance_m=dist,
            too_far=inside & (dist > limit),
            outside=bad,
            max_distance_m=limit,
        )


def snapper_for(network: Network) -> Snapper:
    """The Snapper of ``network``, built once and cached on the network."""
    snapper = network.cache.get("snapper")
    if snapper is None:
        snapper = Snapper(network)
        network.cache["snapper"] = snapper
    if not isinstance(snapper, Snapper):
        raise TypeError("network.cache['snapper'] holds something else")
    return snapper


def snap_points(
    network: Network,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    max_distance_m: float = DEFAULT_MAX_SNAP_M,
    margin_m: float | None = None,
    on_outside: OnOutside = "raise",
    exact: bool = False,
) -> SnapResult:
    """Snap (lon, lat) points to their nearest node of ``network`` (see Snapper.snap)."""
    return snapper_for(network).snap(
        lon,
        lat,
        max_distance_m=max_distance_m,
        margin_m=margin_m,
        on_outside=on_outside,
        exact=exact,
    )
