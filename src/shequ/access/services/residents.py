"""Residential points of the 15-minute service circle.

Every network node inside a district boundary is a population point.
A node belongs to the community whose service centre (Division.longitude/latitude) is nearest
among that district's located communities; in a district without located communities the
nodes (already ordered along a Hilbert curve, so neighbours stay together) are split into
equal contiguous blocks, one per community in code order. A node's weight is its community's
population divided by the community's node count where the population is known, otherwise 1.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape

from shequ.access import engine
from shequ.places.models import Division


@dataclass(frozen=True)
class Residents:
    """One population point per network node (community "" = outside every district)."""

    community: npt.NDArray[np.str_]
    weight: npt.NDArray[np.float64]


def residents_for(net: engine.Network) -> Residents:
    """Assign network nodes to communities and weigh them (see the module docstring)."""
    n = net.n_nodes
    community = np.full(n, "", dtype="<U12")
    weight = np.zeros(n, dtype=np.float64)
    lon, lat = net.lon, net.lat
    districts = Division.objects.filter(
        level=Division.Level.DISTRICT, is_active=True, boundary__isnull=False
    ).only("code", "boundary")
    communities: dict[str, list[Division]] = {}
    for c in Division.objects.filter(level=Division.Level.COMMUNITY, is_active=True).only(
        "code", "longitude", "latitude", "population"
    ):
        communities.setdefault(c.code[:6], []).append(c)
    for district in districts:
        inside = np.flatnonzero(shapely.contains_xy(shape(district.boundary), lon, lat))
        members = sorted(communities.get(district.code[:6], []), key=lambda c: c.code)
        if inside.size == 0 or not members:
            continue
        located = [c for c in members if c.longitude is not None and c.latitude is not None]
        if located:
            clon = np.array([float(c.longitude) for c in located])  # type: ignore[arg-type]
            clat = np.array([float(c.latitude) for c in located])  # type: ignore[arg-type]
            scale = np.cos(np.radians(float(lat[inside].mean())))
            d2 = ((lon[inside, None] - clon[None, :]) * scale) ** 2 + (
                lat[inside, None] - clat[None, :]
            ) ** 2
            owner = np.asarray([located[j].code for j in d2.argmin(axis=1)], dtype="<U12")
            community[inside] = owner
        else:
            for block, member in zip(np.array_split(inside, len(members)), members, strict=True):
                community[block] = member.code
    codes, counts = np.unique(community[community != ""], return_counts=True)
    population = dict(
        Division.objects.filter(code__in=codes.tolist(), population__isnull=False).values_list(
            "code", "population"
        )
    )
    per_node = {
        code: (population[code] / count if code in population else 1.0)
        for code, count in zip(codes.tolist(), counts.tolist(), strict=True)
    }
    for code, w in per_node.items():
        weight[community == code] = w
    return Residents(community=community, weight=weight)
