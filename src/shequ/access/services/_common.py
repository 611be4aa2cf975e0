"""What several access service modules share: where stored files live, the planner check,
the engine's refusals in the user's language, snapping points to a network and reading the
points of uploaded files."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape

from shequ.access import engine
from shequ.access.permissions import may_start_run
from shequ.core.errors import DomainError, PermissionDenied

# The access app's shipped data, one level above this package.
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024

Progress = Callable[[int, int, str], None]


def media_path(relative: str) -> Path:
    """Where a stored file of the access app (network, upload, run result) lives."""
    return Path(settings.MEDIA_ROOT) / relative


def require_planner(actor: Any) -> None:
    """Planners only; ``None`` is the system itself (management commands, seeds)."""
    if actor is not None and not may_start_run(actor):
        raise PermissionDenied("forbidden", _("Only planners may change the analysis."))


# The engine's refusals, in the user's language (the rest are a file that cannot be read).
_ENGINE_ERRORS: dict[type[Exception], tuple[str, Any, str | None]] = {
    engine.SwappedCoordinatesError: (
        "access_swapped_coordinates",
        _("Longitude and latitude look swapped: %(detail)s"),
        "file",
    ),
    engine.OutsideNetworkError: (
        "access_outside_network",
        _("Points lie outside the network area: %(detail)s"),
        "file",
    ),
    engine.InvalidCoordinatesError: (
        "access_bad_coordinates",
        _("Invalid coordinates: %(detail)s"),
        "file",
    ),
    engine.InvalidThresholdError: (
        "access_bad_threshold",
        _("Invalid threshold: %(detail)s"),
        None,
    ),
}


def _engine_error(
    exc: engine.AccessEngineError, *, source: str = "", label: str = ""
) -> DomainError:
    for kind, (code, message, on_field) in _ENGINE_ERRORS.items():
        if isinstance(exc, kind):
            return DomainError(code, message, field=on_field, detail=str(exc))
    detail = str(exc)
    if source and label:
        # Name the user's file, not the stored copy (the engine names a path or a file name).
        detail = detail.replace(source, label).replace(Path(source).name, label)
    return DomainError(
        "access_bad_network",
        _("The OSM file cannot be imported: %(detail)s"),
        field="file",
        detail=detail,
    )


def _lost_worker_message() -> str:
    from django.utils import translation

    from shequ.core.models import TaskRecord

    with translation.override(settings.LANGUAGE_CODE):
        return str(TaskRecord.Failure.STALE.label)


MAX_MINUTES = Decimal(240)


def _positive_minutes(value: Any) -> Decimal:
    try:
        minutes = Decimal(str(value))
    except (InvalidOperation, ValueError):
        minutes = Decimal(0)
    if not minutes.is_finite() or minutes <= 0:
        raise DomainError(
            "access_bad_threshold",
            _("A threshold must be a number of minutes greater than 0, not %(value)s."),
            field="threshold_minutes",
            value=value,
        )
    if minutes > MAX_MINUTES:
        raise DomainError(
            "access_bad_threshold",
            _("A threshold may be at most %(max)s minutes, not %(value)s."),
            field="threshold_minutes",
            max=MAX_MINUTES,
            value=value,
        )
    return minutes


def _snap(
    net: engine.Network, lon: Sequence[float], lat: Sequence[float], *, on_outside: str
) -> engine.SnapResult:
    try:
        return engine.snap_points(
            net,
            np.asarray(lon, dtype=np.float64),
            np.asarray(lat, dtype=np.float64),
            on_outside=on_outside,  # type: ignore[arg-type]
        )
    except engine.AccessEngineError as exc:
        raise _engine_error(exc) from exc


def _read_geojson(raw: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DomainError(
            "access_bad_file",
            _("The file is not valid GeoJSON: %(detail)s"),
            field="file",
            detail=str(exc),
        ) from exc
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise DomainError(
            "access_bad_file", _("The GeoJSON has no list of features."), field="file"
        )
    return features


def _point(feature: dict[str, Any]) -> tuple[float, float]:
    geometry = feature.get("geometry") or {}
    try:
        if geometry.get("type") == "Point":
            lon, lat = geometry["coordinates"][:2]
            return float(lon), float(lat)
        centre = shape(geometry).representative_point()
        return float(centre.x), float(centre.y)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DomainError(
            "access_bad_file", _("A feature has no usable geometry."), field="file"
        ) from exc


@dataclass(frozen=True)
class UploadRow:
    line: int
    category: str
    name: str
    lon: float
    lat: float
    external_id: str


def _upload_row(line: int, category: Any, name: Any, lon: Any, lat: Any, ext: Any) -> UploadRow:
    try:
        lon_f, lat_f = float(lon), float(lat)
    except (TypeError, ValueError) as exc:
        raise DomainError(
            "access_bad_coordinates",
            _("Row %(line)s: longitude and latitude must be numbers."),
            field="file",
            line=line,
        ) from exc
    return UploadRow(
        line=line,
        category=str(category or "").strip(),
        name=str(name or "").strip(),
        lon=lon_f,
        lat=lat_f,
        external_id=str(ext or "").strip(),
    )
