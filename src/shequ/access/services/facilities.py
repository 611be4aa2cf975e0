"""Facilities of a network: OSM POIs (of the network's own file or the shipped sample), the
platform's community service centres and uploaded Excel/GeoJSON files, each snapped to the
network."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.access import engine
from shequ.access.models import Facility, FacilityCategory, Network
from shequ.access.services._common import (
    DATA_DIR,
    MAX_UPLOAD_BYTES,
    UploadRow,
    _point,
    _read_geojson,
    _snap,
    _upload_row,
    require_planner,
)
from shequ.access.services.networks import network_load
from shequ.core.errors import DomainError
from shequ.core.services import audit_record
from shequ.places.models import Division

SHIPPED_POIS = DATA_DIR / "pois_osm_central.geojson"
MAX_UPLOAD_ROWS = 20_000


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
