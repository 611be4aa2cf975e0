"""Siting: the best new sites for a category (greedy maximal covering) over a finished run,
among uploaded candidate sites or every node of a district."""

from collections.abc import Sequence
from io import BytesIO
from typing import Any
from zipfile import BadZipFile

import numpy as np
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.access import engine
from shequ.access.models import FacilityCategory, Run, Siting
from shequ.access.permissions import may_plan_in
from shequ.access.services._common import (
    MAX_UPLOAD_BYTES,
    _point,
    _read_geojson,
    _snap,
    _upload_row,
)
from shequ.access.services.networks import network_load
from shequ.access.services.runs import run_result
from shequ.core.errors import DomainError, NotFound
from shequ.core.scopes import CITY_CODE
from shequ.core.services import audit_record
from shequ.places.models import Division

MAX_SITES = 50


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
