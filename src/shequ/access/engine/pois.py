"""Points of interest in OpenStreetMap files: tag rules and the POIs the readers collect.

A rule is a string ``"key=value"`` or several conditions joined by ``&``
(``"amenity=social_facility&social_facility:for=senior"``); every condition must
hold.  :class:`PoiRules` maps rules to labels (facility category codes): an
element gets the label of the most specific matching rule (most conditions),
ties going to the rule given first.  Elements matching no rule are ignored.

Readers given a classifier (any callable ``tags -> label | None``) collect
tagged nodes at their position and ways at the centroid (mean) of their
distinct nodes; multipolygon relations (see :mod:`.areas`) at the mean of the
distinct nodes of their outer ways.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

PoiClassifier = Callable[[Mapping[str, str]], "str | None"]

NAME_KEYS = ("name", "name:zh", "name:zh-Hans", "name:en")


def parse_rule(rule: str) -> tuple[tuple[str, str], ...]:
    """``"a=b&c=d"`` -> ``(("a", "b"), ("c", "d"))``; ValueError for anything else."""
    conditions = []
    for part in str(rule).split("&"):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise ValueError(f"invalid OSM tag rule {rule!r} (expected key=value[&key=value...])")
        conditions.append((key, value))
    return tuple(conditions)


class PoiRules:
    """Classify OSM tags by ``key=value[&key=value...]`` rules (see the module docstring)."""

    def __init__(self, rules: Iterable[tuple[str, str]]) -> None:
        """``rules``: (label, rule) pairs in order of preference."""
        # First condition -> [(number of conditions, order, other conditions, label)].
        self._index: dict[tuple[str, str], list[tuple[int, int, tuple[tuple[str, str], ...], str]]]
        self._index = {}
        self.labels: list[str] = []
        for order, (label, rule) in enumerate(rules):
            first, *rest = parse_rule(rule)
            self._index.setdefault(first, []).append((len(rest) + 1, order, tuple(rest), label))
            if label not in self.labels:
                self.labels.append(label)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Iterable[str]]) -> PoiRules:
        """``{label: [rule, ...]}`` in order of preference."""
        return cls((label, rule) for label, rules in mapping.items() for rule in rules)

    def __len__(self) -> int:
        return sum(len(v) for v in self._index.values())

    def __call__(self, tags: Mapping[str, str]) -> str | None:
        best: tuple[int, int, str] | None = None
        for item in tags.items():
            for size, order, rest, label in self._index.get(item, ()):
                if all(tags.get(k) == v for k, v in rest) and (
                    best is None or (-size, order) < (-best[0], best[1])
                ):
                    best = (size, order, label)
        return None if best is None else best[2]


def poi_name(tags: Mapping[str, str]) -> str:
    for key in NAME_KEYS:
        if tags.get(key):
            return tags[key]
    return ""


@dataclass(frozen=True)
class OsmPoi:
    """One point of interest: a tagged node, or a way or multipolygon relation reduced to the
    centroid of its (outer) nodes."""

    osm_type: str  # "node", "way" or "relation"
    osm_id: int
    lon: float
    lat: float
    label: str
    name: str
    tags: Mapping[str, str]

    @property
    def key(self) -> str:
        return f"{self.osm_type}/{self.osm_id}"


@dataclass
class PendingWayPoi:
    """A way that matched a rule; its position is known once all nodes are read."""

    osm_id: int
    refs: npt.NDArray[np.int64]
    label: str
    tags: dict[str, str]


def resolve_way_pois(
    pending: list[PendingWayPoi],
    node_ids: npt.NDArray[np.int64],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
) -> tuple[list[OsmPoi], int]:
    """Place ways at the mean of their distinct nodes present in the file.

    Returns the POIs and how many ways had none of their nodes in the file
    (clipped extracts); those are dropped.
    """
    if not pending:
        return [], 0
    order = np.argsort(node_ids, kind="stable")
    sorted_ids = node_ids[order]
    out: list[OsmPoi] = []
    missing = 0
    for way in pending:
        refs = np.unique(way.refs)
        if sorted_ids.size == 0 or refs.size == 0:
            missing += 1
            continue
        pos = np.minimum(np.searchsorted(sorted_ids, refs), sorted_ids.size - 1)
        found = order[pos[sorted_ids[pos] == refs]]
        if found.size == 0:
            missing += 1
            continue
        out.append(
            OsmPoi(
                osm_type="way",
                osm_id=way.osm_id,
                lon=float(lon[found].mean()),
                lat=float(lat[found].mean()),
                label=way.label,
                name=poi_name(way.tags),
                tags=way.tags,
            )
        )
    return out, missing
