"""Writes of the 15-minute service circle: categories, network and facility imports, uploads,
runs (sweep + coverage per community/street/district) and siting with what-if runs.

Residential points: every network node inside a district boundary is a population point.
A node belongs to the community whose service centre (Division.longitude/latitude) is nearest
among that district's located communities; in a district without located communities the
nodes (already ordered along a Hilbert curve, so neighbours stay together) are split into
equal contiguous blocks, one per community in code order. A node's weight is its community's
population divided by the community's node count where the population is known, otherwise 1.
"""

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

import numpy as np
import numpy.typing as npt
import shapely
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape

from shequ.access import engine
from shequ.access.models import (
    ALL_ESSENTIAL,
    CoverageRow,
    Facility,
    FacilityCategory,
    Network,
    NetworkImport,
    Run,
    Siting,
)
from shequ.access.permissions import may_plan_in, may_start_run
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.scopes import CITY_CODE, Role
from shequ.core.services import audit_record
from shequ.places.models import Division

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_OSM = DATA_DIR / "chengdu.osm"
SHIPPED_POIS = DATA_DIR / "pois_osm_central.geojson"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_ROWS = 20_000
MAX_SITES = 50

Progress = Callable[[int, int, str], None]

# (code, Chinese name, minutes, essential, OSM tag rules). A rule is "key=value", or several
# conditions joined by "&" that must all hold; an OSM element gets the category of its most
# specific matching rule (see engine.PoiRules). The same rules map the POIs found in imported
# OSM files and those of the shipped GeoJSON sample; they are stored on each FacilityCategory.
DEFAULT_CATEGORIES: tuple[tuple[str, str, int, bool, tuple[str, ...]], ...] = (
    ("service_centre", "社区综合服务中心", 15, True, ("amenity=community_centre",)),
    ("school", "中小学", 15, True, ("amenity=school",)),
    ("kindergarten", "幼儿园", 15, False, ("amenity=kindergarten",)),
    ("clinic", "医疗机构", 15, True, ("amenity=hospital", "amenity=clinic", "amenity=doctors")),
    ("pharmacy", "药店", 15, False, ("amenity=pharmacy",)),
    (
        "market",
        "菜市场/超市",
        15,
        True,
        (
            "amenity=marketplace",
            "shop=supermarket",
            "shop=convenience",
            "shop=greengrocer",
            "shop=mall",
        ),
    ),
    ("park", "公园绿地", 15, True, ("leisure=park", "leisure=garden", "leisure=playground")),
    (
        "elderly_care",
        "养老服务",
        15,
        False,
        (
            "amenity=social_facility&social_facility:for=senior",
            "amenity=social_facility&social_facility=nursing_home",
            "amenity=nursing_home",
        ),
    ),
    (
        "sports",
        "体育设施",
        15,
        False,
        ("leisure=pitch", "leisure=sports_centre", "leisure=fitness_centre"),
    ),
    ("culture", "文化设施", 15, False, ("amenity=library", "amenity=arts_centre")),
    (
        "transit",
        "公交/地铁站",
        15,
        True,
        (
            "highway=bus_stop",
            "railway=subway_entrance",
            "railway=station",
            "amenity=bus_station",
            "public_transport=platform",
            "public_transport=stop_position",
        ),
    ),
    ("legal", "法律服务", 15, False, ("office=lawyer", "office=notary")),
)


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


# ----------------------------------------------------------------------------- categories


def categories_ensure(*, actor: Any = None) -> int:
    """Create the default categories that are missing (idempotent); returns how many."""
    created = 0
    with transaction.atomic():
        for order, (code, name, minutes, essential, tags) in enumerate(DEFAULT_CATEGORIES):
            _, made = FacilityCategory.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "threshold_minutes": Decimal(minutes),
                    "essential": essential,
                    "osm_tags": list(tags),
                    "sort_order": order,
                },
            )
            created += int(made)
        if created:
            audit_record(actor=actor, verb="access.categories_ensure", changes={"created": created})
    return created


MAX_MINUTES = Decimal(240)
MAX_SPEED = Decimal(5)


def may_edit_categories(actor: Any) -> bool:
    """Thresholds are city policy: the city committee and system administrators set them."""
    return any(
        a.is_everywhere and a.role in (Role.CITY_COMMITTEE, Role.SYSTEM_ADMIN)
        for a in _areas(actor)
    )


def category_update(
    *,
    actor: Any,
    code: str,
    threshold_minutes: Any,
    speed_mps: Any = None,
    essential: bool | None = None,
) -> FacilityCategory:
    """Change a category's walk-time threshold (minutes, > 0), walking speed (m/s, > 0) and
    essential flag. Runs keep the values they started with; new runs use the new ones."""
    if not may_edit_categories(actor):
        raise PermissionDenied("forbidden", _("Only the city committee may change thresholds."))
    minutes = _positive_minutes(threshold_minutes).quantize(Decimal("0.1"))
    if minutes <= 0:
        raise DomainError(
            "access_bad_threshold",
            _("A threshold must be a number of minutes greater than 0, not %(value)s."),
            field="threshold_minutes",
            value=threshold_minutes,
        )
    speed = _positive_speed(speed_mps) if speed_mps is not None else None
    with transaction.atomic():
        category = FacilityCategory.objects.select_for_update().filter(code=code).first()
        if category is None:
            raise DomainError(
                "access_unknown_category", _("Unknown category %(code)s."), field="code", code=code
            )
        before = {
            "threshold_minutes": str(category.threshold_minutes),
            "speed_mps": str(category.speed_mps),
            "essential": category.essential,
        }
        category.threshold_minutes = minutes
        if speed is not None:
            category.speed_mps = speed
        if essential is not None:
            category.essential = essential
        category.save(update_fields=["threshold_minutes", "speed_mps", "essential"])
        audit_record(
            actor=actor,
            verb="access.category_update",
            target=category,
            division_code=CITY_CODE,
            changes={
                "before": before,
                "after": {
                    "threshold_minutes": str(minutes),
                    "speed_mps": str(category.speed_mps),
                    "essential": category.essential,
                },
            },
        )
    return category


def _areas(actor: Any) -> list[Any]:
    from shequ.people.permissions import areas_of

    return areas_of(actor)


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


def _positive_speed(value: Any) -> Decimal:
    try:
        speed = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        speed = Decimal(0)
    if speed.is_finite() and abs(speed) < 1000:
        speed = speed.quantize(Decimal("0.01"))
    if not speed.is_finite() or speed <= 0 or speed > MAX_SPEED:
        raise DomainError(
            "access_bad_speed",
            _(
                "A walking speed must be a number of metres per second above 0 and at most "
                "%(max)s, not %(value)s."
            ),
            field="speed_mps",
            max=MAX_SPEED,
            value=value,
        )
    return speed


# ----------------------------------------------------------------------------- networks


def network_import(
    *,
    actor: Any,
    path: Path | str,
    name: str = "",
    source_name: str = "",
    progress: Progress | None = None,
    pois: bool = True,
) -> Network:
    """Import an OSM file (.osm / .osm.pbf) as a walk network; one network per file content.

    With ``pois`` the file's own points of interest (mapped to categories by their OSM tags)
    become facilities of the network (source ``osm_file``), snapped to it.
    Nothing is stored unless the whole import succeeds (the engine writes the network file
    through a temporary name; the row and its facilities are created last, in one
    transaction, and the file removed if that fails).
    """
    network, _report = _network_import(
        actor=actor, path=path, name=name, source_name=source_name, progress=progress, pois=pois
    )
    return network


def _network_import(
    *,
    actor: Any,
    path: Path | str,
    name: str = "",
    source_name: str = "",
    progress: Progress | None = None,
    pois: bool = True,
) -> "tuple[Network, FacilityImport | None]":
    """network_import; the report is None when the file had been imported before."""
    from shequ.access.engine.extract import network_from_extract

    def step(done: int, message: str) -> None:
        if progress is not None:
            progress(done, 4, message)

    src = Path(path)
    label = source_name or src.name
    try:
        digest = engine.sha256_file(src)
    except OSError as exc:
        raise DomainError(
            "access_bad_network", _("The OSM file cannot be read: %(detail)s"), detail=str(exc)
        ) from exc
    existing = Network.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing, None
    relative = f"access/networks/{digest[:16]}.npz"
    target = media_path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    classifier = _poi_rules() if pois else None
    try:
        step(0, "reading OSM file")
        extract, _digest = engine.read_osm_extract(src, poi_classifier=classifier)
        step(1, "building network")
        net = network_from_extract(extract, source=label, sha256=digest)
        step(2, "saving network")
        # Snap before anything is written: a snapping error stores nothing.
        rows = _osm_file_rows(extract.pois)
        snap = _snap(net, [r.lon for r in rows], [r.lat for r in rows], on_outside="flag")
        engine.save_network(net, target)
    except engine.AccessEngineError as exc:
        raise _engine_error(exc, source=str(src), label=label) from exc
    report = FacilityImport() if pois else None
    try:
        with transaction.atomic():
            network = Network.objects.create(
                name=(name or Path(label).name.split(".")[0] or label)[:100],
                source_name=label[:200],
                sha256=digest,
                file=relative,
                nodes=net.n_nodes,
                edges=net.n_edges,
                total_length_m=net.total_length_m,
                bbox=list(net.bbox),
                meta={k: v for k, v in net.meta.items() if isinstance(v, (int, float, str))},
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit_record(
                actor=actor,
                verb="access.network_import",
                target=network,
                changes={"nodes": net.n_nodes, "edges": net.n_edges, "sha256": digest},
            )
            if report is not None:
                facilities = _snapped_facilities(
                    network, Facility.Source.OSM_FILE, rows, snap, set(), report
                )
                Facility.objects.bulk_create(facilities, batch_size=500)
                audit_record(
                    actor=actor,
                    verb="access.facilities_import_osm_file",
                    target=network,
                    changes={
                        "created": report.created,
                        "far": report.far,
                        "outside": report.outside,
                        "by_category": report.by_category,
                    },
                )
    except Exception:
        target.unlink(missing_ok=True)
        raise
    step(3, "network saved")
    return network, report


OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".xml")
MAX_OSM_BYTES = 512 * 1024 * 1024


def osm_suffix(filename: str) -> str:
    lower = filename.lower()
    for suffix in OSM_SUFFIXES:
        if lower.endswith(suffix):
            return suffix
    raise DomainError(
        "access_bad_network",
        _("Upload an OpenStreetMap file (.osm or .osm.pbf), not %(name)s."),
        field="file",
        name=filename,
    )


def network_import_execute(import_id: int, *, progress: Progress | None = None) -> NetworkImport:
    """Import one uploaded OSM file: network with the file's own POIs, then the platform's
    service centres that lie in its area (and the shipped POI sample when the file has no POIs).
    A failure is recorded on the import; nothing else is kept."""
    job = NetworkImport.objects.select_related("created_by").get(pk=import_id)
    if job.status in (NetworkImport.Status.DONE, NetworkImport.Status.FAILED):
        return job

    def report(done: int, total: int, message: str) -> None:
        NetworkImport.objects.filter(pk=job.pk).update(
            progress=done / total if total else 0.0,
            message=message[:200],
            status=NetworkImport.Status.RUNNING,
        )
        if progress is not None:
            progress(done, total, message)

    upload = media_path(job.upload)
    network: Network | None = None
    before = set(Network.objects.values_list("pk", flat=True))
    try:
        categories_ensure(actor=job.created_by)
        network = network_import(
            actor=job.created_by,
            path=upload,
            name=job.name,
            source_name=job.source_name,
            progress=report,
        )
        if network.pk in before:
            message = "already imported"
        else:
            report(3, 4, "facilities")
            facilities_import_platform(actor=job.created_by, network=network)
            facilities_sample_if_none(actor=job.created_by, network=network)
            message = "done"
    except Exception as exc:
        if network is not None and network.pk not in before:
            _network_discard(network)
        error = str(exc) if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        NetworkImport.objects.filter(pk=job.pk).update(
            status=NetworkImport.Status.FAILED,
            error=error[:2000],
            message="failed",
            finished_at=timezone.now(),
        )
        if not isinstance(exc, DomainError):
            raise
    else:
        NetworkImport.objects.filter(pk=job.pk).update(
            status=NetworkImport.Status.DONE,
            progress=1.0,
            message=message,
            network=network,
            finished_at=timezone.now(),
        )
        if progress is not None:
            progress(4, 4, message)
    finally:
        upload.unlink(missing_ok=True)
        NetworkImport.objects.filter(pk=job.pk).update(upload="")
    job.refresh_from_db()
    return job


def _lost_worker_message() -> str:
    from django.utils import translation

    from shequ.core.models import TaskRecord

    with translation.override(settings.LANGUAGE_CODE):
        return str(TaskRecord.Failure.STALE.label)


def network_import_lost(*, task_id: str) -> None:
    """The import's worker stopped responding and it was given up: fail it, drop the upload.
    A network it had already stored stays (a later upload of the same file reuses it)."""
    job = NetworkImport.objects.filter(task_id=task_id).first()
    if job is None or job.status in (NetworkImport.Status.DONE, NetworkImport.Status.FAILED):
        return
    if job.upload:
        media_path(job.upload).unlink(missing_ok=True)
    NetworkImport.objects.filter(pk=job.pk).update(
        status=NetworkImport.Status.FAILED,
        error=_lost_worker_message(),
        message="failed",
        upload="",
        finished_at=timezone.now(),
    )


def _network_discard(network: Network) -> None:
    """Remove a network whose import failed after it was stored (no runs use it yet)."""
    with transaction.atomic():
        Facility.objects.filter(network=network).delete()
        Network.objects.filter(pk=network.pk).delete()
    media_path(network.file).unlink(missing_ok=True)


def network_load(network: Network) -> engine.Network:
    return engine.load_network(media_path(network.file))


# ----------------------------------------------------------------------------- facilities


@dataclass
class FacilityImport:
    created: int = 0
    unchanged: int = 0
    unmapped: int = 0
    outside: int = 0
    far: int = 0
    by_category: dict[str, int] = field(default_factory=dict)


def _poi_rules() -> engine.PoiRules:
    """The categories' OSM tag rules (FacilityCategory.osm_tags), in category order."""
    return engine.PoiRules(
        (category.code, str(rule))
        for category in FacilityCategory.objects.all()
        for rule in category.osm_tags
    )


@dataclass(frozen=True)
class _PoiRow:
    category: str
    external_id: str
    name: str
    lon: float
    lat: float


def _osm_file_rows(pois: Sequence[engine.OsmPoi]) -> list[_PoiRow]:
    return [_PoiRow(p.label, p.key, p.name, p.lon, p.lat) for p in pois]


def _snapped_facilities(
    network: Network,
    source: str,
    rows: Sequence[_PoiRow],
    snap: engine.SnapResult,
    existing: set[str],
    report: FacilityImport,
) -> list[Facility]:
    """Facilities for the rows that lie in the network area and are not stored yet; points
    more than the snap limit (500 m) from the nearest node are kept and flagged."""
    categories = {c.code: c for c in FacilityCategory.objects.all()}
    new: list[Facility] = []
    for i, row in enumerate(rows):
        if snap.outside[i]:
            report.outside += 1
            continue
        if row.external_id in existing:
            report.unchanged += 1
            continue
        existing.add(row.external_id)
        report.far += int(snap.too_far[i])
        report.by_category[row.category] = report.by_category.get(row.category, 0) + 1
        new.append(
            Facility(
                network=network,
                category=categories[row.category],
                source=source,
                external_id=row.external_id,
                name=row.name[:200],
                longitude=row.lon,
                latitude=row.lat,
                node=int(snap.node[i]),
                snap_distance_m=float(snap.distance_m[i]),
                far_snap=bool(snap.too_far[i]),
            )
        )
    report.created = len(new)
    return new


def facilities_import_osm(
    *, actor: Any, network: Network, path: Path | str = SHIPPED_POIS
) -> FacilityImport:
    """Import OSM POIs (GeoJSON points with an OSM ``category`` tag like ``amenity=school``),
    mapped to categories by the same tag rules as the POIs of imported OSM files."""
    data = _read_geojson(Path(path).read_bytes())
    classify = _poi_rules()
    report = FacilityImport()
    rows: list[_PoiRow] = []
    for feature in data:
        props = feature.get("properties") or {}
        key, _sep, value = str(props.get("category") or "").partition("=")
        code = classify({key: value}) if key and value else None
        if code is None:
            report.unmapped += 1
            continue
        lon, lat = _point(feature)
        ext = f"{props.get('osm_type', 'node')}/{props.get('osm_id')}"
        rows.append(_PoiRow(code, ext, str(props.get("name") or ""), lon, lat))
    net = network_load(network)
    snap = _snap(net, [r.lon for r in rows], [r.lat for r in rows], on_outside="flag")
    existing = set(
        Facility.objects.filter(network=network, source=Facility.Source.OSM).values_list(
            "external_id", flat=True
        )
    )
    new = _snapped_facilities(network, Facility.Source.OSM, rows, snap, existing, report)
    with transaction.atomic():
        Facility.objects.bulk_create(new, batch_size=500)
        if new:
            audit_record(
                actor=actor,
                verb="access.facilities_import_osm",
                target=network,
                changes={"created": report.created, "outside": report.outside},
            )
    return report


def facilities_sample_if_none(*, actor: Any, network: Network) -> FacilityImport | None:
    """The shipped POI sample, for a network whose file brought no POIs of its own (e.g. a
    roads-only extract) and that has no OSM POIs yet; None when it is not needed."""
    sources = (Facility.Source.OSM, Facility.Source.OSM_FILE)
    if Facility.objects.filter(network=network, source__in=sources).exists():
        return None
    return facilities_import_osm(actor=actor, network=network, path=SHIPPED_POIS)


def facilities_import_platform(*, actor: Any, network: Network) -> int:
    """Community service centres known to the platform (Division coordinates) as facilities
    of category ``service_centre``; re-running refreshes their position."""
    category = FacilityCategory.objects.filter(code="service_centre").first()
    if category is None:
        return 0
    centres = list(
        Division.objects.filter(
            level=Division.Level.COMMUNITY,
            is_active=True,
            longitude__isnull=False,
            latitude__isnull=False,
        ).only("code", "name", "longitude", "latitude")
    )
    if not centres:
        return 0
    lon = [float(c.longitude) for c in centres]  # type: ignore[arg-type]
    lat = [float(c.latitude) for c in centres]  # type: ignore[arg-type]
    snap = _snap(network_load(network), lon, lat, on_outside="flag")
    made = [
        Facility(
            network=network,
            category=category,
            source=Facility.Source.PLATFORM,
            external_id=f"community/{c.code}",
            name=f"{c.name}党群服务中心"[:200],
            longitude=lon[i],
            latitude=lat[i],
            node=int(snap.node[i]),
            snap_distance_m=float(snap.distance_m[i]),
            far_snap=bool(snap.too_far[i]),
        )
        for i, c in enumerate(centres)
        if not snap.outside[i]
    ]
    with transaction.atomic():
        Facility.objects.filter(network=network, source=Facility.Source.PLATFORM).delete()
        Facility.objects.bulk_create(made, batch_size=500)
        audit_record(
            actor=actor,
            verb="access.facilities_import_platform",
            target=network,
            changes={"service_centres": len(made)},
        )
    return len(made)


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


UPLOAD_HEADERS = ("category", "name", "longitude", "latitude", "id")


def _rows_from_xlsx(raw: bytes) -> list[UploadRow]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(BytesIO(raw), read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise DomainError(
            "access_bad_file", _("The file is not an Excel workbook (.xlsx)."), field="file"
        ) from exc
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip().lower() for c in next(lines, ())]
    missing = [h for h in UPLOAD_HEADERS[:4] if h not in header]
    if missing:
        raise DomainError(
            "access_bad_header",
            _("The first row must name the columns %(columns)s; missing: %(missing)s."),
            field="file",
            columns=", ".join(UPLOAD_HEADERS),
            missing=", ".join(missing),
        )
    idx = {h: header.index(h) for h in UPLOAD_HEADERS if h in header}
    out: list[UploadRow] = []
    for number, cells in enumerate(lines, start=2):
        if not any(c not in (None, "") for c in cells):
            continue
        values = [
            cells[idx[key]] if key in idx and idx[key] < len(cells) else None
            for key in UPLOAD_HEADERS
        ]
        out.append(_upload_row(number, *values))
        if len(out) > MAX_UPLOAD_ROWS:
            break
    return out


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


def _rows_from_geojson(raw: bytes) -> list[UploadRow]:
    out = []
    for number, feature in enumerate(_read_geojson(raw), start=1):
        props = feature.get("properties") or {}
        lon, lat = _point(feature)
        out.append(
            _upload_row(number, props.get("category"), props.get("name"), lon, lat, props.get("id"))
        )
    return out


def facilities_upload(*, actor: Any, network: Network, filename: str, data: bytes) -> int:
    """Add facilities from an Excel (.xlsx) or GeoJSON file; all rows or none."""
    require_planner(actor)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError("access_file_too_large", _("The file is larger than 5 MB."), field="file")
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        rows = _rows_from_xlsx(data)
    elif lower.endswith((".geojson", ".json")):
        rows = _rows_from_geojson(data)
    else:
        raise DomainError(
            "access_bad_file", _("Upload an Excel (.xlsx) or GeoJSON file."), field="file"
        )
    if not rows:
        raise DomainError("access_empty_file", _("The file has no facilities."), field="file")
    if len(rows) > MAX_UPLOAD_ROWS:
        raise DomainError("access_too_many_rows", _("At most 20,000 rows."), field="file")
    categories = {c.code: c for c in FacilityCategory.objects.all()}
    categories.update({c.name: c for c in categories.values()})
    for row in rows:
        if row.category not in categories:
            raise DomainError(
                "access_unknown_category",
                _("Row %(line)s: unknown category %(category)s (known: %(known)s)."),
                field="file",
                line=row.line,
                category=row.category,
                known=", ".join(sorted(c for c in categories if c.isascii())),
            )
    snap = _snap(
        network_load(network), [r.lon for r in rows], [r.lat for r in rows], on_outside="raise"
    )
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    facilities = [
        Facility(
            network=network,
            category=categories[row.category],
            source=Facility.Source.UPLOAD,
            external_id=row.external_id or f"{stamp}-{row.line}",
            name=row.name[:200],
            longitude=row.lon,
            latitude=row.lat,
            node=int(snap.node[i]),
            snap_distance_m=float(snap.distance_m[i]),
            far_snap=bool(snap.too_far[i]),
        )
        for i, row in enumerate(rows)
    ]
    with transaction.atomic():
        Facility.objects.filter(
            network=network,
            source=Facility.Source.UPLOAD,
            external_id__in=[f.external_id for f in facilities],
        ).delete()
        Facility.objects.bulk_create(facilities, batch_size=500)
        audit_record(
            actor=actor,
            verb="access.facilities_upload",
            target=network,
            changes={
                "file": filename,
                "rows": len(facilities),
                "far_snaps": int(snap.too_far.sum()),
            },
        )
    return len(facilities)


# ----------------------------------------------------------------------------- residents


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


# ----------------------------------------------------------------------------- runs


def _category_parameters(thresholds: dict[str, Any] | None) -> list[dict[str, Any]]:
    out = []
    categories = list(FacilityCategory.objects.all())
    known = {c.code for c in categories}
    for code in thresholds or {}:
        if code not in known:
            raise DomainError(
                "access_unknown_category",
                _("Unknown category %(code)s."),
                field="thresholds",
                code=code,
            )
    for c in categories:
        minutes = _positive_minutes((thresholds or {}).get(c.code, c.threshold_minutes))
        out.append(
            {
                "code": c.code,
                "name": c.name,
                "minutes": float(minutes),
                "speed_mps": float(c.speed_mps),
                "essential": c.essential,
            }
        )
    if not out:
        raise DomainError("access_no_categories", _("There are no facility categories yet."))
    return out


def run_create(
    *,
    actor: Any,
    network: Network,
    label: str = "",
    thresholds: dict[str, Any] | None = None,
    extra_sites: dict[str, list[int]] | None = None,
    base_run: Run | None = None,
) -> Run:
    """Record a queued run with its parameters (validated now, so a bad run never starts)."""
    require_planner(actor)
    if base_run is not None and thresholds is None:
        # A what-if keeps the base run's categories exactly, so only the added sites differ.
        categories = [dict(c) for c in base_run.parameters.get("categories", [])]
    else:
        categories = _category_parameters(thresholds)
    codes = {c["code"] for c in categories}
    for code, nodes in (extra_sites or {}).items():
        if code not in codes:
            raise DomainError("access_unknown_category", _("Unknown category %(code)s."), code=code)
        if any(not (0 <= int(n) < network.nodes) for n in nodes):
            raise DomainError("access_bad_site", _("A site is not a node of the network."))
    with transaction.atomic():
        run = Run.objects.create(
            network=network,
            label=label[:200],
            base_run=base_run,
            parameters={
                "categories": categories,
                "extra_sites": {k: [int(n) for n in v] for k, v in (extra_sites or {}).items()},
            },
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            verb="access.run_create",
            target=run,
            division_code=CITY_CODE,
            changes={"network": network.pk, "label": run.label},
        )
    return run


def _progress(run: Run, callback: Progress | None) -> Progress:
    def report(done: int, total: int, message: str) -> None:
        Run.objects.filter(pk=run.pk).update(
            progress=done / total if total else 0.0,
            message=message[:200],
            status=Run.Status.RUNNING,
        )
        if callback is not None:
            callback(done, total, message)

    return report


def run_execute(run_id: int, *, progress: Progress | None = None) -> Run:
    """Compute a queued run: sweep, coverage rows, result file. On failure nothing is kept."""
    run = Run.objects.select_related("network").get(pk=run_id)
    if run.status == Run.Status.DONE:
        return run
    report = _progress(run, progress)
    started = time.perf_counter()
    relative = f"access/runs/run-{run.pk}.npz"
    target = media_path(relative)
    try:
        report(0, 5, "loading network")
        net = network_load(run.network)
        categories = run.parameters["categories"]
        extra = run.parameters.get("extra_sites", {})
        nodes_by_cat: dict[str, list[int]] = {c["code"]: [] for c in categories}
        cost_by_cat: dict[str, list[float]] = {c["code"]: [] for c in categories}
        for code, node, dist in Facility.objects.filter(network=run.network).values_list(
            "category__code", "node", "snap_distance_m"
        ):
            if code in nodes_by_cat:
                nodes_by_cat[code].append(node)
                cost_by_cat[code].append(dist)
        sets = []
        no_data: list[str] = []
        for c in categories:
            limit = engine.minutes_to_metres(c["minutes"], c["speed_mps"])
            nodes = nodes_by_cat[c["code"]] + extra.get(c["code"], [])
            costs = cost_by_cat[c["code"]] + [0.0] * len(extra.get(c["code"], []))
            if not nodes:
                no_data.append(c["code"])
            sets.append(engine.FacilitySet.at_nodes(c["code"], nodes, limit, costs))
        report(1, 5, "sweeping")
        result = engine.sweep(net, sets, n_jobs=1)
        report(2, 5, "assigning residents")
        residents = residents_for(net)
        report(3, 5, "coverage")
        rows = _coverage_rows(run, result, residents, categories, no_data=no_data)
        report(4, 5, "saving")
        target.parent.mkdir(parents=True, exist_ok=True)
        minutes = np.where(np.isfinite(result.distance_m), result.minutes(), np.inf)
        tmp = target.with_suffix(".tmp.npz")
        np.savez(
            tmp,
            minutes=minutes.astype(np.float32),
            categories=np.asarray([c["code"] for c in categories]),
            community=residents.community,
            weight=residents.weight,
        )
        tmp.replace(target)
        summary = _summary(result, residents, categories, no_data=no_data)
        with transaction.atomic():
            CoverageRow.objects.filter(run=run).delete()
            CoverageRow.objects.bulk_create(rows, batch_size=1000)
            Run.objects.filter(pk=run.pk).update(
                status=Run.Status.DONE,
                progress=1.0,
                message="done",
                result_file=relative,
                summary=summary,
                finished_at=timezone.now(),
                seconds=time.perf_counter() - started,
                error="",
            )
            audit_record(
                actor=run.created_by,
                verb="access.run_finish",
                target=run,
                division_code=CITY_CODE,
                changes={"rows": len(rows)},
            )
        if progress is not None:
            progress(5, 5, "done")
    except Exception as exc:
        target.unlink(missing_ok=True)
        CoverageRow.objects.filter(run=run).delete()
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


def run_lost(*, task_id: str) -> None:
    """The run's worker stopped responding and it was given up: fail it, keep nothing."""
    run = Run.objects.filter(task_id=task_id).first()
    if run is None or run.status in (Run.Status.DONE, Run.Status.FAILED):
        return
    relative = f"access/runs/run-{run.pk}.npz"
    media_path(relative).with_suffix(".tmp.npz").unlink(missing_ok=True)
    CoverageRow.objects.filter(run=run).delete()
    Run.objects.filter(pk=run.pk).update(
        status=Run.Status.FAILED, error=_lost_worker_message(), finished_at=timezone.now()
    )


def essential_with_data(categories: list[dict[str, Any]], no_data: Sequence[str]) -> list[str]:
    """The categories "all daily needs" is computed over: the essential ones (every one if none
    is marked) that have at least one facility. A category nobody has mapped yet would make
    every resident fail, which says nothing about the city, so it is left out and named."""
    essential = [c["code"] for c in categories if c["essential"]] or [c["code"] for c in categories]
    return [code for code in essential if code not in no_data]


def _summary(
    result: engine.SweepResult,
    residents: Residents,
    categories: list[dict[str, Any]],
    *,
    no_data: Sequence[str] = (),
) -> dict[str, Any]:
    ok = residents.community != ""
    w = residents.weight[ok]
    total = float(w.sum())
    reached = result.reached()[:, ok]
    share = {
        c["code"]: (
            float((w * reached[k]).sum()) / total if total and c["code"] not in no_data else None
        )
        for k, c in enumerate(categories)
    }
    return {
        "population": total,
        "nodes": int(ok.sum()),
        "share": share,
        "no_data": list(no_data),
        "all_essential_over": essential_with_data(categories, no_data),
    }


def _coverage_rows(
    run: Run,
    result: engine.SweepResult,
    residents: Residents,
    categories: list[dict[str, Any]],
    *,
    no_data: Sequence[str] = (),
) -> list[CoverageRow]:
    ok = np.flatnonzero(residents.community != "")
    if ok.size == 0:
        return []
    essential = essential_with_data(categories, no_data)
    levels: list[tuple[str, Callable[[str], str]]] = [
        (Division.Level.COMMUNITY, lambda code: code),
        (Division.Level.STREET, lambda code: code[:9] + "000"),
        (Division.Level.DISTRICT, lambda code: code[:6] + "000000"),
    ]
    known = set(
        Division.objects.filter(
            code__in={f(c) for _, f in levels for c in np.unique(residents.community[ok]).tolist()}
        ).values_list("code", flat=True)
    )
    rows: list[CoverageRow] = []
    codes = [c["code"] for c in categories] + [ALL_ESSENTIAL]
    for level, to_code in levels:
        group = np.asarray([to_code(c) for c in residents.community[ok].tolist()])
        table = engine.coverage(result, ok, residents.weight[ok], group, essential=essential)
        for g, label in enumerate(table.groups.tolist()):
            if label not in known:
                continue
            total = float(table.total_weight[g])
            covered = [float(x) for x in table.covered_weight[g]] + [
                float(table.all_essential_weight[g])
            ]
            for code, value in zip(codes, covered, strict=True):
                unknown = code in no_data or (code == ALL_ESSENTIAL and not essential)
                rows.append(
                    CoverageRow(
                        run=run,
                        division_id=label,
                        level=level,
                        category=code,
                        population=total,
                        covered=value,
                        share=value / total if total > 0 and not unknown else None,
                    )
                )
    return rows


@dataclass(frozen=True)
class RunResult:
    minutes: npt.NDArray[np.float32]
    categories: tuple[str, ...]
    community: npt.NDArray[np.str_]
    weight: npt.NDArray[np.float64]


def run_result(run: Run) -> RunResult:
    if run.status != Run.Status.DONE or not run.result_file:
        raise DomainError("access_run_not_done", _("This run has not finished."))
    with np.load(media_path(run.result_file), allow_pickle=False) as data:
        return RunResult(
            minutes=data["minutes"],
            categories=tuple(data["categories"].tolist()),
            community=data["community"],
            weight=data["weight"],
        )


# ----------------------------------------------------------------------------- siting


MAX_CANDIDATES = 5_000


def candidates_from_file(filename: str, data: bytes) -> list[tuple[float, float]]:
    """Candidate sites (lon, lat, WGS84) from an Excel sheet with ``longitude``/``latitude``
    columns (``name`` optional) or a GeoJSON of points."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError("access_file_too_large", _("The file is larger than 5 MB."), field="file")
    lower = filename.lower()
    points: list[tuple[float, float]] = []
    if lower.endswith(".xlsx"):
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            book = load_workbook(BytesIO(data), read_only=True, data_only=True)
        except (BadZipFile, InvalidFileException, KeyError, OSError) as exc:
            raise DomainError(
                "access_bad_file", _("The file is not an Excel workbook (.xlsx)."), field="file"
            ) from exc
        lines = book.worksheets[0].iter_rows(values_only=True)
        header = [str(c or "").strip().lower() for c in next(lines, ())]
        missing = [h for h in ("longitude", "latitude") if h not in header]
        if missing:
            raise DomainError(
                "access_bad_header",
                _("The first row must name the columns %(columns)s; missing: %(missing)s."),
                field="file",
                columns="longitude, latitude",
                missing=", ".join(missing),
            )
        ilon, ilat = header.index("longitude"), header.index("latitude")
        for number, cells in enumerate(lines, start=2):
            if not any(c not in (None, "") for c in cells):
                continue
            lon = cells[ilon] if ilon < len(cells) else None
            lat = cells[ilat] if ilat < len(cells) else None
            row = _upload_row(number, "", "", lon, lat, "")
            points.append((row.lon, row.lat))
            if len(points) > MAX_CANDIDATES:
                break
    elif lower.endswith((".geojson", ".json")):
        points = [_point(feature) for feature in _read_geojson(data)]
    else:
        raise DomainError(
            "access_bad_file", _("Upload an Excel (.xlsx) or GeoJSON file."), field="file"
        )
    if not points:
        raise DomainError("access_empty_file", _("The file has no candidate sites."), field="file")
    if len(points) > MAX_CANDIDATES:
        raise DomainError(
            "access_too_many_rows",
            _("At most %(max)s candidate sites."),
            field="file",
            max=MAX_CANDIDATES,
        )
    return points


def siting_create(
    *,
    actor: Any,
    run: Run,
    category_code: str,
    k: int = 5,
    district_code: str = "",
    candidates: Sequence[tuple[float, float]] | None = None,
) -> Siting:
    """Best ``k`` new sites for a category (greedy maximal covering); the what-if run that
    adds them is started separately (``background.siting_what_if``).

    Candidates are the given (lon, lat) points, or every node of the district. Greedy is
    within (1 - 1/e) ≈ 63 % of the best possible choice of k sites.
    """
    if not (1 <= int(k) <= MAX_SITES):
        raise DomainError(
            "access_bad_k", _("Ask for between 1 and %(max)s sites."), field="k", max=MAX_SITES
        )
    scope = district_code or CITY_CODE
    if not may_plan_in(actor, scope):
        raise NotFound("not_found", _("No such district in your area."))
    params = {c["code"]: c for c in run.parameters.get("categories", [])}
    if category_code not in params:
        raise DomainError(
            "access_unknown_category",
            _("Unknown category %(code)s."),
            field="category",
            code=category_code,
        )
    district = None
    if district_code:
        district = Division.objects.filter(
            code=district_code, level=Division.Level.DISTRICT
        ).first()
        if district is None:
            raise NotFound("not_found", _("No such district in your area."))
    stored = run_result(run)
    net = network_load(run.network)
    if candidates:
        snap = _snap(
            net, [c[0] for c in candidates], [c[1] for c in candidates], on_outside="raise"
        )
        if district_code:
            outside = np.flatnonzero(
                ~np.char.startswith(stored.community[snap.node], district_code[:6])
            )
            if outside.size:
                raise DomainError(
                    "access_candidate_outside",
                    _(
                        "%(n)s of the candidate sites lie outside %(district)s "
                        "(the first is number %(first)s)."
                    ),
                    field="candidates",
                    n=int(outside.size),
                    district=district.name if district else district_code,
                    first=int(outside[0]) + 1,
                )
        cand = np.unique(snap.node)
        source = "upload"
    else:
        prefix = district_code[:6] if district_code else ""
        inside = np.char.startswith(stored.community, prefix) & (stored.community != "")
        cand = np.flatnonzero(inside)
        source = f"district:{district_code}" if district_code else "city"
    if cand.size == 0:
        raise DomainError("access_no_candidates", _("There are no candidate sites in that area."))
    c = params[category_code]
    limit = engine.minutes_to_metres(c["minutes"], c["speed_mps"])
    row = stored.categories.index(category_code)
    covered = np.isfinite(stored.minutes[row]) & (stored.minutes[row] <= c["minutes"])
    weight = np.where(stored.community != "", stored.weight, 0.0)
    catch = engine.catchments(net, cand, limit, n_jobs=1)
    greedy = engine.greedy_max_cover(catch, weight, int(k), covered=covered)
    sites = []
    for step, (i, gain) in enumerate(
        zip(greedy.sites.tolist(), greedy.gains.tolist(), strict=True)
    ):
        node = int(cand[i])
        sites.append(
            {
                "step": step + 1,
                "node": node,
                "lon": round(float(net.lon[node]), 6),
                "lat": round(float(net.lat[node]), 6),
                "community": str(stored.community[node]),
                "gain": gain,
                "covered_after": float(greedy.covered_weight[step]),
            }
        )
    with transaction.atomic():
        siting = Siting.objects.create(
            run=run,
            category=FacilityCategory.objects.get(code=category_code),
            k=int(k),
            candidate_source=source,
            district=district,
            n_candidates=int(cand.size),
            sites=sites,
            total_population=greedy.total_weight,
            initial_covered=greedy.initial_covered_weight,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            verb="access.siting_create",
            target=siting,
            division_code=scope,
            changes={"category": category_code, "k": int(k), "sites": [s["node"] for s in sites]},
        )
    return siting


# ----------------------------------------------------------------------------- demo


def shipped_setup(*, actor: Any = None) -> tuple[Network, FacilityImport]:
    """Categories, the shipped central-Chengdu network with the POIs of its OSM file and the
    platform's service centres (idempotent: a second call adds nothing)."""
    categories_ensure(actor=actor)
    network, report = _network_import(actor=actor, path=SHIPPED_OSM, name="成都中心城区 (OSM)")
    sample = facilities_sample_if_none(actor=actor, network=network)
    facilities_import_platform(actor=actor, network=network)
    if sample is not None:
        report = sample
    return network, report or FacilityImport()
