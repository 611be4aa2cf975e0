"""Importing an OSM file (.osm / .osm.pbf) as a walk network with the facilities it brings,
directly or as a background ``NetworkImport``, and setting up the shipped demo network."""

from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.access import engine
from shequ.access.models import Facility, Network, NetworkImport

# The facility steps are looked up on their module when called, so replacing one there (as a
# test does to make an import fail half way) replaces it here too.
from shequ.access.services import facilities as facility_services
from shequ.access.services._common import (
    Progress,
    _engine_error,
    _lost_worker_message,
    _snap,
    media_path,
)
from shequ.access.services.categories import categories_ensure
from shequ.access.services.facilities import FacilityImport
from shequ.access.services.networks import SHIPPED_OSM
from shequ.core.errors import DomainError
from shequ.core.services import audit_record


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
    classifier = facility_services._poi_rules() if pois else None
    try:
        step(0, "reading OSM file")
        extract, _digest = engine.read_osm_extract(src, poi_classifier=classifier)
        step(1, "building network")
        net = network_from_extract(extract, source=label, sha256=digest)
        step(2, "saving network")
        # Snap before anything is written: a snapping error stores nothing.
        rows = facility_services._osm_file_rows(extract.pois)
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
                facilities = facility_services._snapped_facilities(
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
            facility_services.facilities_import_platform(actor=job.created_by, network=network)
            facility_services.facilities_sample_if_none(actor=job.created_by, network=network)
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


def shipped_setup(*, actor: Any = None) -> tuple[Network, FacilityImport]:
    """Categories, the shipped central-Chengdu network with the POIs of its OSM file and the
    platform's service centres (idempotent: a second call adds nothing)."""
    categories_ensure(actor=actor)
    network, report = _network_import(actor=actor, path=SHIPPED_OSM, name="成都中心城区 (OSM)")
    sample = facility_services.facilities_sample_if_none(actor=actor, network=network)
    facility_services.facilities_import_platform(actor=actor, network=network)
    if sample is not None:
        report = sample
    return network, report or FacilityImport()
