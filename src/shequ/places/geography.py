"""District boundaries as shapely shapes, for "is this point where it claims to be"."""

import json
from functools import lru_cache

from django.db.models import TextField
from django.db.models.functions import Cast
from shapely.geometry import Point, shape
from shapely.prepared import PreparedGeometry, prep

from shequ.places.models import Division

# Chengdu's extent with a margin: a quick first test before the polygon test.
CHENGDU_BBOX = (102.9, 30.0, 105.0, 31.5)


@lru_cache(maxsize=32)
def _prepared(boundary_json: str) -> PreparedGeometry:
    return prep(shape(json.loads(boundary_json)))


def district_contains(district: Division, longitude: float, latitude: float) -> bool:
    """True when the point lies inside the district's boundary (WGS84)."""
    if not in_chengdu_bbox(longitude, latitude):
        return False
    if district.boundary is None:
        return True
    return _prepared(json.dumps(district.boundary)).contains(Point(longitude, latitude))


def district_of_point(code: str, longitude: float, latitude: float) -> tuple[str, bool] | None:
    """The district ``code``'s name and whether the point lies inside its boundary (no
    boundary: inside); None for no such district. The boundary is read as the database's
    text, which is the key of the prepared shapes: a request taken at intake no longer
    decodes and re-encodes a district's hundred kilobytes of GeoJSON."""
    row = (
        Division.objects.filter(pk=code, level=Division.Level.DISTRICT)
        .annotate(boundary_text=Cast("boundary", TextField()))
        .values_list("name", "boundary_text")
        .first()
    )
    if row is None:
        return None
    name, boundary_text = row
    if not in_chengdu_bbox(longitude, latitude):
        return name, False
    if boundary_text is None or boundary_text == "null":
        return name, True
    return name, _prepared(boundary_text).contains(Point(longitude, latitude))


def in_chengdu_bbox(longitude: float, latitude: float) -> bool:
    west, south, east, north = CHENGDU_BBOX
    return west <= longitude <= east and south <= latitude <= north
