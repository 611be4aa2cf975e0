"""Writes of divisions: the NBS loader and staff edits of a community's attributes."""

import csv
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.scopes import CITY_CODE
from shequ.core.services import audit_record, changes_between
from shequ.places.geography import district_contains
from shequ.places.models import Division
from shequ.places.names_en import official_names_en

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_CSV = DATA_DIR / "divisions.csv"
DISTRICTS_GEOJSON = DATA_DIR / "districts.geojson"

_SUFFIXES = ("社区居民委员会", "居民委员会", "村民委员会", "居委会", "村委会")


def short_name_of(name: str) -> str:
    """``倪家桥社区居委会`` → ``倪家桥社区``; ``青杠村村委会`` → ``青杠村``."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix in ("村民委员会", "村委会"):
                return stem if stem.endswith("村") else stem + "村"
            return stem if stem.endswith("社区") else stem + "社区"
    return name


def urban_rural_of(name: str, level: str) -> str:
    if level != Division.Level.COMMUNITY:
        return ""
    return (
        Division.UrbanRural.RURAL
        if short_name_of(name).endswith("村")
        else (Division.UrbanRural.URBAN)
    )


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    boundaries: int = 0


@transaction.atomic
def divisions_load(
    *,
    csv_path: Path = DIVISIONS_CSV,
    geojson_path: Path | None = DISTRICTS_GEOJSON,
    actor: Any = None,
) -> LoadReport:
    """Load (or re-load) the NBS division file. Idempotent: updates, never duplicates.

    A division missing from a newer file is marked inactive, never deleted, because
    residents, projects and money may still point at it.
    """
    with csv_path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    wanted: dict[str, dict[str, Any]] = {
        CITY_CODE: {
            "name": "成都市",
            "short_name": "成都市",
            "level": Division.Level.CITY,
            "parent_id": None,
            "urban_rural": "",
            "source_year": None,
        },
    }
    for row in rows:
        code = row["code"].strip()
        if len(code) != 12 or not code.isdigit():
            raise DomainError(
                "bad_division_file", _("Bad division code %(code)s in the file."), code=code
            )
        level = row["level"].strip()
        wanted[code] = {
            "name": row["name"].strip(),
            "short_name": short_name_of(row["name"].strip()),
            "level": level,
            "parent_id": row["parent_code"].strip() or CITY_CODE,
            "urban_rural": urban_rural_of(row["name"], level),
            "source_year": int(row["source_year"]) if row.get("source_year") else None,
        }
    existing = {d.code: d for d in Division.objects.all()}
    report = LoadReport()
    to_create, to_update = [], []
    fields = ["name", "short_name", "level", "parent_id", "source_year", "is_active"]
    for code, values in wanted.items():
        current = existing.get(code)
        if current is None:
            to_create.append(Division(code=code, is_active=True, **values))
            continue
        changed = any(getattr(current, f) != values[f] for f in fields if f != "is_active")
        changed = changed or not current.is_active
        # Staff may have set urban/rural by hand: only fill it when empty.
        if not current.urban_rural and values["urban_rural"]:
            current.urban_rural = values["urban_rural"]
            changed = True
        if changed:
            for field in fields:
                if field != "is_active":
                    setattr(current, field, values[field])
            current.is_active = True
            to_update.append(current)
        else:
            report.unchanged += 1
    # Parents first, so foreign keys hold on PostgreSQL's immediate checks too.
    order = {lvl: i for i, lvl in enumerate(["city", "district", "street", "community"])}
    to_create.sort(key=lambda d: (order[d.level], d.code))
    Division.objects.bulk_create(to_create, batch_size=1000)
    Division.objects.bulk_update(to_update, [*fields, "urban_rural"], batch_size=1000)
    report.created, report.updated = len(to_create), len(to_update)
    gone = [code for code, d in existing.items() if code not in wanted and d.is_active]
    report.deactivated = Division.objects.filter(pk__in=gone).update(is_active=False)
    # Official English names of the city and districts; a name staff typed is kept.
    for code, name_en in official_names_en().items():
        Division.objects.filter(pk=code, name_en="").update(name_en=name_en)
    if geojson_path is not None and geojson_path.exists():
        report.boundaries = _load_boundaries(geojson_path)
    audit_record(
        actor=actor,
        verb="divisions.load",
        division_code=CITY_CODE,
        changes={
            "created": report.created,
            "updated": report.updated,
            "deactivated": report.deactivated,
            "file": csv_path.name,
        },
    )
    return report


def _load_boundaries(path: Path) -> int:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    count = 0
    for feature in features:
        code = str(feature["properties"].get("nbs_code") or "")
        if code:
            count += Division.objects.filter(pk=code).update(boundary=feature["geometry"])
    return count


EDITABLE_FIELDS = (
    "name_en",
    "service_centre_address",
    "longitude",
    "latitude",
    "population",
    "households",
    "urban_rural",
)


def _clean_attributes(division: Division, data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    errors: list[DomainError] = []
    address = str(data.get("service_centre_address", division.service_centre_address) or "")
    if len(address) > 200:
        errors.append(
            DomainError(
                "too_long",
                _("The address is longer than 200 characters."),
                field="service_centre_address",
            )
        )
    if "<" in address or ">" in address:
        errors.append(
            DomainError(
                "markup_not_allowed",
                _("The address may not contain < or >."),
                field="service_centre_address",
            )
        )
    clean["service_centre_address"] = address.strip()
    name_en = str(data.get("name_en", division.name_en) or "").strip()
    if len(name_en) > 160:
        errors.append(
            DomainError(
                "too_long", _("The English name is longer than 160 characters."), field="name_en"
            )
        )
    if "<" in name_en or ">" in name_en:
        errors.append(
            DomainError(
                "markup_not_allowed", _("The English name may not contain < or >."), field="name_en"
            )
        )
    clean["name_en"] = name_en
    for field in ("population", "households"):
        raw = data.get(field, getattr(division, field))
        if raw in (None, ""):
            clean[field] = None
            continue
        try:
            value = int(str(raw))
        except ValueError:
            errors.append(
                DomainError("not_a_number", _("Please enter a whole number."), field=field)
            )
            continue
        if not 0 <= value <= 2_000_000:
            errors.append(
                DomainError(
                    "out_of_range", _("The number must be between 0 and 2,000,000."), field=field
                )
            )
        clean[field] = value
    coords: dict[str, Decimal | None] = {}
    for field in ("longitude", "latitude"):
        raw = data.get(field, getattr(division, field))
        try:
            coords[field] = (
                None if raw in (None, "") else Decimal(str(raw)).quantize(Decimal("0.000001"))
            )
        except InvalidOperation:
            errors.append(DomainError("not_a_number", _("Please enter a number."), field=field))
            coords[field] = None
    urban_rural = str(data.get("urban_rural", division.urban_rural) or "")
    if urban_rural not in ("", *Division.UrbanRural.values):
        errors.append(DomainError("bad_choice", _("Choose urban or rural."), field="urban_rural"))
    clean["urban_rural"] = urban_rural
    if not errors:
        lon, lat = coords["longitude"], coords["latitude"]
        if (lon is None) != (lat is None):
            errors.append(
                DomainError(
                    "coordinates_incomplete",
                    _("Give both longitude and latitude, or neither."),
                    field="longitude",
                )
            )
        elif lon is not None and lat is not None:
            district = Division.objects.get(pk=division.code[:6] + "000000")
            if not district_contains(district, float(lon), float(lat)):
                errors.append(
                    DomainError(
                        "outside_district",
                        _(
                            "The point (%(lon)s, %(lat)s) is not inside %(district)s. "
                            "Coordinates are WGS84 longitude, latitude."
                        ),
                        field="longitude",
                        lon=lon,
                        lat=lat,
                        district=district.short_name,
                    )
                )
    clean.update(coords)
    if errors:
        raise ValidationErrors(errors)
    return clean


class ValidationErrors(DomainError):
    """Several field errors at once, so a form can show all of them."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(
            errors[0].code, errors[0].message, field=errors[0].field, **errors[0].params
        )
        self.errors = errors


@transaction.atomic
def division_update_attributes(
    *, actor: Any, code: str, data: dict[str, Any], ip: str | None = None
) -> Division:
    """Staff edit a division's service-centre address, coordinates, population, type.

    Raises: NotFound (unknown code, or outside the actor's area), PermissionDenied,
    ValidationErrors.
    """
    from shequ.people.permissions import can_edit_division
    from shequ.places.selectors import division_get

    division = division_get(code)
    if not can_edit_division(actor, division):
        raise PermissionDenied("forbidden", _("You may not edit this division."))
    division = Division.objects.select_for_update().get(pk=division.pk)
    before = {f: getattr(division, f) for f in EDITABLE_FIELDS}
    clean = _clean_attributes(division, data)
    for field, value in clean.items():
        setattr(division, field, value)
    division.save(update_fields=[*clean.keys(), "updated_at"])
    audit_record(
        actor=actor,
        verb="division.update",
        target=division,
        division_code=code,
        changes=changes_between(before, clean),
        ip=ip,
    )
    return division
