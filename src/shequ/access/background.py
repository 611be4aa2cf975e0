"""Starting the 15-minute engine's background work: network imports, runs and what-if runs.

The only module that enqueues the access tasks. ``tasks`` calls the work in ``services``, and
``services`` never imports either, so no module imports one that imports it back.
"""

import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.access import tasks
from shequ.access.models import NetworkImport, Run, Siting
from shequ.access.permissions import may_plan_in
from shequ.access.services._common import media_path, require_planner
from shequ.access.services.networks import MAX_OSM_BYTES, osm_suffix
from shequ.access.services.runs import run_create
from shequ.core.errors import DomainError, NotFound
from shequ.core.scopes import CITY_CODE
from shequ.core.services import audit_record


def network_import_start(
    *, actor: Any, filename: str, chunks: Iterable[bytes], name: str = ""
) -> NetworkImport:
    """Store an uploaded OSM file and import it as a walk network in the background."""
    require_planner(actor)
    suffix = osm_suffix(filename)
    folder = media_path("access/uploads")
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"access/uploads/{uuid.uuid4().hex}{suffix}"
    target = media_path(relative)
    size = 0
    try:
        with target.open("wb") as fh:
            for chunk in chunks:
                size += len(chunk)
                if size > MAX_OSM_BYTES:
                    raise DomainError(
                        "access_file_too_large",
                        _("The OSM file is larger than 512 MB."),
                        field="file",
                    )
                fh.write(chunk)
        if size == 0:
            raise DomainError("access_bad_network", _("The file is empty."), field="file")
        with transaction.atomic():
            job = NetworkImport.objects.create(
                name=name.strip()[:100],
                source_name=Path(filename).name[:200],
                upload=relative,
                size=size,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit_record(
                actor=actor,
                verb="access.network_upload",
                target=job,
                division_code=CITY_CODE,
                changes={"file": job.source_name, "bytes": size},
            )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    result = tasks.access_network_import.enqueue(import_id=job.pk)
    NetworkImport.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def run_start(**kwargs: Any) -> Run:
    """Create a run and hand it to the task queue."""
    run = run_create(**kwargs)
    result = tasks.access_run.enqueue(run_id=run.pk)
    Run.objects.filter(pk=run.pk, task_id="").update(task_id=str(result.id))
    run.refresh_from_db()
    return run


def siting_what_if(*, actor: Any, siting: Siting) -> Run:
    """Recompute the siting's run with its chosen sites added (once; later calls return it)."""
    if not may_plan_in(actor, siting.district_id or CITY_CODE):
        raise NotFound("not_found", _("No such district in your area."))
    if siting.what_if_run_id is not None:
        existing = Run.objects.filter(pk=siting.what_if_run_id).first()
        if existing is not None:
            return existing
    if not siting.sites:
        raise DomainError("access_no_sites", _("This siting chose no sites."))
    run = siting.run
    code = siting.category.code
    params = {p["code"]: p for p in run.parameters.get("categories", [])}
    extra = dict(run.parameters.get("extra_sites", {}))
    extra[code] = list(extra.get(code, [])) + [int(s["node"]) for s in siting.sites]
    what = run_start(
        actor=actor,
        network=run.network,
        label=f"{run} + {len(siting.sites)} {params[code]['name'] if code in params else code}",
        extra_sites=extra,
        base_run=run,
    )
    Siting.objects.filter(pk=siting.pk).update(what_if_run=what)
    siting.what_if_run = what
    return what
