"""Project locations: GeoJSON geometry in WGS84, checked with shapely against the district."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from shapely.errors import GEOSException
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from shequ.core.errors import DomainError
from shequ.places.geography import district_contains
from shequ.places.models import Division

GEOMETRY_TYPES = frozenset({"Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"})
MAX_VERTICES = 5_000


def location_clean(location: Any, district: Division) -> tuple[dict[str, Any], float, float]:
    """A valid GeoJSON geometry inside ``district``, with a representative (lon, lat) point.

    Raises: DomainError ``location_invalid`` for anything that is not a GeoJSON geometry of a
    supported type with WGS84 coordinates; ``location_outside`` when it is not in the district.
    """
    if not isinstance(location, dict) or location.get("type") not in GEOMETRY_TYPES:
        raise DomainError(
            "location_invalid",
            _("The location must be a GeoJSON point, line or polygon."),
            field="location",
        )
    try:
        geometry: BaseGeometry = shape(location)
    except (GEOSException, ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise DomainError(
            "location_invalid",
            _("The location is not a readable GeoJSON geometry."),
            field="location",
        ) from error
    if geometry.is_empty or not geometry.is_valid:
        raise DomainError(
            "location_invalid",
            _("The location is empty or not a valid shape (for example a self-crossing polygon)."),
            field="location",
        )
    west, south, east, north = geometry.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise DomainError(
            "location_invalid",
            _("Coordinates must be WGS84 longitude and latitude, in that order."),
            field="location",
        )
    if len(geometry.wkb) // 16 > MAX_VERTICES:
        raise DomainError(
            "location_invalid", _("The location has too many points."), field="location"
        )
    point = geometry.representative_point()
    if not district_contains(district, point.x, point.y):
        raise DomainError(
            "location_outside",
            _("The location lies outside %(district)s."),
            field="location",
            district=district.name,
        )
    return dict(mapping(geometry)), round(point.x, 6), round(point.y, 6)
