"""Importing a walk network from an OSM file uploaded in the console (background task)."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shequ.access import engine
from shequ.access.models import Facility, Network, NetworkImport
from shequ.access.services import facilities
from shequ.access.services.categories import categories_ensure
from shequ.access.services.network_imports import network_import_execute
from shequ.access.services.networks import SHIPPED_OSM
from shequ.core.errors import DomainError
from shequ.core.scopes import Role
from tests.factories import make_staff

CHENGDU_OSM = SHIPPED_OSM


@pytest.fixture(scope="module")
def chengdu_pbf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    extract, _ = engine.read_osm_extract(CHENGDU_OSM, way_filter=lambda tags: True, keep_tags=True)
    path = engine.write_osm_pbf(tmp_path_factory.mktemp("pbf") / "chengdu.osm.pbf", extract)
    return path.read_bytes()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, filename: str, data: bytes, capture: Any, **extra: str) -> Any:
    """Post the file; the background import runs when the request's transaction commits.
    Returns the page the browser is sent to, opened after that."""
    with capture(execute=True):
        posted = client.post(
            reverse("access_console:network_upload"),
            {"file": SimpleUploadedFile(filename, data), **extra},
        )
    assert posted.status_code == 302
    page = client.get(posted["Location"], follow=True)
    page.landed = posted["Location"]  # type: ignore[attr-defined]
    return page


def _stored(media: Path, folder: str) -> list[Path]:
    path = media / "access" / folder
    return sorted(path.glob("*")) if path.exists() else []


def test_planner_imports_a_pbf_in_the_background(
    media: Path,
    committee: Any,
    chengdu_pbf: bytes,
    django_capture_on_commit_callbacks: Any,
) -> None:
    categories_ensure()
    client = _client(committee)
    index = client.get(reverse("access_console:index")).content.decode()
    assert 'data-testid="network-form"' in index
    response = _upload(
        client,
        "chengdu-central.osm.pbf",
        chengdu_pbf,
        django_capture_on_commit_callbacks,
        name="成都中心 PBF",
    )
    body = response.content.decode()
    job = NetworkImport.objects.get()
    assert job.status == NetworkImport.Status.DONE, job.error
    assert 'data-testid="import-done"' in body
    assert "9290" in body  # nodes of the largest walkable component
    network = Network.objects.get()
    assert (network.name, network.source_name, network.nodes) == (
        "成都中心 PBF",
        "chengdu-central.osm.pbf",
        9290,
    )
    assert job.network == network
    assert (media / network.file).exists()
    # The file's own POIs come along (not the shipped sample), so a run can start right away.
    from_file = Facility.objects.filter(network=network, source=Facility.Source.OSM_FILE)
    assert from_file.count() > 100
    assert from_file.filter(external_id__startswith="node/").exists()  # PBF node tags read
    assert from_file.filter(external_id__startswith="way/").exists()
    assert not Facility.objects.filter(network=network, source=Facility.Source.OSM).exists()
    assert 'data-testid="import-facilities"' in body
    assert f"{from_file.count()} " in body
    assert 'name="network"' in body
    assert f'value="{network.pk}"' in body
    assert _stored(media, "uploads") == []  # the uploaded copy is removed
    progress = client.get(reverse("access_console:import_progress", args=[job.pk]))
    assert progress["HX-Refresh"] == "true"
    # The same file again: recognised, no second network.
    _upload(client, "again.osm.pbf", chengdu_pbf, django_capture_on_commit_callbacks)
    assert Network.objects.count() == 1
    assert NetworkImport.objects.filter(message="already imported", network=network).exists()


def test_import_reports_progress_step_by_step(media: Path, committee: Any, tmp_path: Path) -> None:
    categories_ensure()
    job = NetworkImport.objects.create(
        source_name="chengdu.osm", upload="access/uploads/x.osm", size=1
    )
    (media / "access" / "uploads").mkdir(parents=True)
    (media / job.upload).write_bytes(CHENGDU_OSM.read_bytes())
    polled = _client(committee).get(reverse("access_console:import_progress", args=[job.pk]))
    assert b"hx-trigger" in polled.content  # still queued: the page keeps polling
    seen: list[tuple[int, int, str]] = []
    network_import_execute(job.pk, progress=lambda d, t, m: seen.append((d, t, m)))
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)
    assert seen[0][:2] == (0, 4)
    assert seen[-1][:2] == (4, 4)
    assert {"reading OSM file", "building network", "saving network", "facilities"} <= {
        m for _, _, m in seen
    }
    NetworkImport.objects.filter(pk=job.pk).update(status="running", progress=0.5, message="x")
    body = _client(committee).get(reverse("access_console:import", args=[job.pk])).content
    assert b"50%" in body
    assert b"hx-trigger" in body


def _cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("cut.osm", lambda pbf: _cut(CHENGDU_OSM.read_bytes()), "truncated XML"),
        ("cut.osm.pbf", _cut, "truncated PBF"),
        ("bad.osm", lambda pbf: b"<osm><node id='1' lat='30' lon='104'></way></osm>", "malformed"),
        (
            "nodes.osm",
            lambda pbf: b"<osm version='0.6'><node id='1' lat='30.6' lon='104.0'/></osm>",
            "no walkable ways",
        ),
    ],
)
def test_bad_osm_upload_shows_the_problem_and_stores_nothing(
    media: Path,
    committee: Any,
    chengdu_pbf: bytes,
    django_capture_on_commit_callbacks: Any,
    name: str,
    make: Any,
    message: str,
) -> None:
    response = _upload(
        _client(committee), name, make(chengdu_pbf), django_capture_on_commit_callbacks
    )
    body = response.content.decode()
    job = NetworkImport.objects.get()
    assert job.status == NetworkImport.Status.FAILED
    assert 'data-testid="import-error"' in body
    assert message in body
    assert name in body  # the user's file is named, not the stored copy
    assert "uploads/" not in job.error
    assert not Network.objects.exists()
    assert _stored(media, "networks") == []
    assert _stored(media, "uploads") == []
    assert response.landed == reverse("access_console:import", args=[job.pk])


def test_non_osm_file_or_empty_file_refused_before_anything(
    media: Path, committee: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(committee)
    for name, data in (("roads.txt", b"hello"), ("empty.osm", b"")):
        response = _upload(client, name, data, django_capture_on_commit_callbacks)
        assert response.landed == reverse("access_console:index")
        assert "OpenStreetMap" in response.content.decode() or "空" in response.content.decode()
    assert not NetworkImport.objects.exists()
    assert _stored(media, "uploads") == []


def test_only_planners_import_networks(
    media: Path, chengdu: None, django_capture_on_commit_callbacks: Any
) -> None:
    worker = make_staff("acc_w_net", Role.COMMUNITY_WORKER, "510107005004")
    client = _client(worker)
    assert b'data-testid="network-form"' not in client.get(reverse("access_console:index")).content
    _upload(client, "chengdu.osm", b"<osm/>", django_capture_on_commit_callbacks)
    assert not NetworkImport.objects.exists()
    assert _stored(media, "uploads") == []


def test_failure_after_the_network_was_built_keeps_no_network(
    media: Path, committee: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    categories_ensure()
    job = NetworkImport.objects.create(
        source_name="chengdu.osm", upload="access/uploads/y.osm", size=1, created_by=committee
    )
    (media / "access" / "uploads").mkdir(parents=True)
    (media / job.upload).write_bytes(CHENGDU_OSM.read_bytes())

    def broken(**kwargs: Any) -> None:
        raise DomainError("access_bad_file", "The GeoJSON has no list of features.")

    monkeypatch.setattr(facilities, "facilities_import_platform", broken)
    job = network_import_execute(job.pk)
    assert job.status == NetworkImport.Status.FAILED
    assert "no list of features" in job.error
    assert not Network.objects.exists()
    assert not Facility.objects.exists()
    assert _stored(media, "networks") == []
    assert _stored(media, "uploads") == []
