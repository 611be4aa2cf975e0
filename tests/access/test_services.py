from pathlib import Path
from typing import Any

import pytest

from shequ.access import background
from shequ.access.models import ALL_ESSENTIAL, CoverageRow, Facility, FacilityCategory, Run
from shequ.access.services import runs
from shequ.access.services._common import media_path
from shequ.access.services.categories import categories_ensure, category_update
from shequ.access.services.facilities import facilities_import_platform, facilities_upload
from shequ.access.services.network_imports import network_import, shipped_setup
from shequ.access.services.networks import network_load
from shequ.access.services.residents import residents_for
from shequ.access.services.siting import siting_create
from shequ.core.errors import DomainError
from shequ.places.models import Division


def test_shipped_network_and_pois_import_once(network: Any) -> None:
    assert network.nodes == 9290
    assert Path(media_path(network.file)).exists()
    by_cat = dict(
        Facility.objects.filter(network=network)
        .values_list("category__code")
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
    )
    assert by_cat["transit"] > 100
    assert by_cat["school"] > 40
    assert "elderly_care" not in by_cat
    again, report = shipped_setup(actor=None)
    assert again.pk == network.pk
    assert report.created == 0


def test_run_fills_coverage_per_community_street_and_district(run: Run) -> None:
    assert run.status == Run.Status.DONE
    assert run.progress == 1.0
    levels = set(CoverageRow.objects.filter(run=run).values_list("level", flat=True))
    assert levels == {"community", "street", "district"}
    # Shares are within [0, 1]; the central districts are in the result.
    districts = set(
        CoverageRow.objects.filter(run=run, level="district").values_list("division_id", flat=True)
    )
    assert {"510104000000", "510105000000", "510106000000"} <= districts
    elderly = CoverageRow.objects.filter(run=run, category="elderly_care")
    assert elderly.exists()
    assert all(r.covered == 0 for r in elderly)
    transit = CoverageRow.objects.get(run=run, division_id="510105000000", category="transit")
    assert transit.share is not None
    assert 0.5 < transit.share <= 1.0
    stored = runs.run_result(run)
    assert stored.minutes.shape == (FacilityCategory.objects.count(), 9290)


def test_which_communities_fail_which_categories(run: Run, committee: Any) -> None:
    from shequ.access import selectors

    table = selectors.community_table(committee, run)
    assert table.rows, "central communities are analysed"
    worst = table.rows[0]
    assert worst.all_share <= table.rows[-1].all_share
    assert "clinic" in worst.failing
    # Independent count: a community's share equals covered / population of its rows.
    row = CoverageRow.objects.get(run=run, division_id=worst.code, category=ALL_ESSENTIAL)
    assert row.share == pytest.approx(worst.all_share)


def test_best_five_elderly_care_sites_and_what_if_run(
    run: Run, committee: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        siting = siting_create(
            actor=committee,
            run=run,
            category_code="elderly_care",
            k=5,
            district_code="510105000000",
        )
        background.siting_what_if(actor=committee, siting=siting)
    gains = [s["gain"] for s in siting.sites]
    assert len(gains) == 5
    assert all(g > 0 for g in gains)
    assert gains == sorted(gains, reverse=True)
    assert siting.initial_covered == 0
    assert all(s["community"].startswith("510105") for s in siting.sites)
    what_if = siting.what_if_run
    assert what_if is not None
    what_if.refresh_from_db()
    assert what_if.status == Run.Status.DONE
    assert what_if.base_run_id == run.pk
    before = CoverageRow.objects.get(run=run, division_id="510105000000", category="elderly_care")
    after = CoverageRow.objects.get(
        run=what_if, division_id="510105000000", category="elderly_care"
    )
    assert after.covered > before.covered == 0
    # The what-if run covers city-wide exactly what the greedy steps promised.
    population = what_if.summary["population"]
    assert what_if.summary["share"]["elderly_care"] * population == pytest.approx(
        siting.final_covered, rel=1e-9
    )


def test_residents_use_service_centre_coordinates_and_population(
    network: Any, committee: Any
) -> None:
    communities = list(
        Division.objects.filter(level="community", code__startswith="510105").order_by("code")[:2]
    )
    for c, (lon, lat) in zip(communities, [(104.05, 30.67), (104.07, 30.68)], strict=True):
        c.longitude, c.latitude, c.population = lon, lat, 5000
        c.save()
    residents = residents_for(network_load(network))
    mine = residents.community[[c.startswith("510105") for c in residents.community]]
    assert set(mine.tolist()) == {c.code for c in communities}
    for c in communities:
        assert residents.weight[residents.community == c.code].sum() == pytest.approx(5000)


@pytest.mark.parametrize("minutes", [0, -5, "abc", "nan"])
def test_thresholds_must_be_positive(network: Any, committee: Any, minutes: Any) -> None:
    with pytest.raises(DomainError) as err:
        runs.run_create(actor=committee, network=network, thresholds={"school": minutes})
    assert err.value.code == "access_bad_threshold"
    assert not Run.objects.exists()


def test_category_threshold_update_checks_value(chengdu: None, committee: Any) -> None:
    categories_ensure()
    with pytest.raises(DomainError) as err:
        category_update(actor=committee, code="clinic", threshold_minutes=0)
    assert err.value.code == "access_bad_threshold"
    updated = category_update(actor=committee, code="clinic", threshold_minutes="10")
    assert updated.limit_m == pytest.approx(720.0)


def test_unknown_category_in_thresholds(network: Any, committee: Any) -> None:
    with pytest.raises(DomainError) as err:
        runs.run_create(actor=committee, network=network, thresholds={"casino": 15})
    assert err.value.code == "access_unknown_category"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<osm version='0.6'><node id='1' lat='30.6' lon='104.0'>", "truncated"),
        (b"<osm version='0.6'><node id='1' lat='30.6' lon='104.0'></way></osm>", "malformed"),
        (b"<osm version='0.6'><node id='1' lat='30.6' lon='104.0'/></osm>", "no walkable"),
    ],
)
def test_bad_osm_files_are_refused_and_leave_nothing(
    media: Path, chengdu: None, tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.osm"
    bad.write_bytes(content)
    with pytest.raises(DomainError) as err:
        network_import(actor=None, path=bad)
    assert err.value.code == "access_bad_network"
    assert message in str(err.value)
    from shequ.access.models import Network

    assert not Network.objects.exists()
    assert (
        not list((media / "access" / "networks").glob("*")) if (media / "access").exists() else True
    )


def _geojson(points: list[tuple[str, float, float]]) -> bytes:
    import json

    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"category": cat, "name": f"p{i}"},
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                }
                for i, (cat, lon, lat) in enumerate(points)
            ],
        }
    ).encode()


@pytest.mark.parametrize(
    ("points", "code"),
    [
        ([("casino", 104.07, 30.67)], "access_unknown_category"),
        (
            [("elderly_care", 30.67, 104.07), ("elderly_care", 30.68, 104.08)],
            "access_swapped_coordinates",
        ),
        ([("elderly_care", 104.9, 30.1)], "access_outside_network"),
    ],
)
def test_bad_uploads_name_the_problem_and_add_nothing(
    network: Any, committee: Any, points: list[tuple[str, float, float]], code: str
) -> None:
    before = Facility.objects.count()
    with pytest.raises(DomainError) as err:
        facilities_upload(
            actor=committee, network=network, filename="f.geojson", data=_geojson(points)
        )
    assert err.value.code == code
    assert Facility.objects.count() == before


def test_excel_upload_adds_snapped_facilities(network: Any, committee: Any) -> None:
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["category", "name", "longitude", "latitude", "id"])
    sheet.append(["elderly_care", "玉林颐养", 104.07, 30.67, "e1"])
    sheet.append(["养老服务", "青羊颐养", 104.05, 30.68, "e2"])
    buf = BytesIO()
    book.save(buf)
    added = facilities_upload(
        actor=committee, network=network, filename="sites.xlsx", data=buf.getvalue()
    )
    assert added == 2
    made = Facility.objects.filter(source="upload").order_by("external_id")
    assert [f.category.code for f in made] == ["elderly_care", "elderly_care"]
    assert all(f.snap_distance_m < 500 and f.node >= 0 for f in made)


def test_failed_run_keeps_no_rows(network: Any, committee: Any, monkeypatch: Any) -> None:
    run = runs.run_create(actor=committee, network=network)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(runs, "_summary", broken)
    with pytest.raises(RuntimeError):
        runs.run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED
    assert "disk full" in run.error
    assert not CoverageRow.objects.filter(run=run).exists()
    assert not run.result_file


def test_platform_service_centres_become_facilities(network: Any, committee: Any) -> None:
    community = Division.objects.filter(level="community", code__startswith="510105").first()
    assert community is not None
    community.longitude, community.latitude = 104.05, 30.67
    community.save()
    assert facilities_import_platform(actor=None, network=network) == 1
    assert facilities_import_platform(actor=None, network=network) == 1
    centre = Facility.objects.get(source="platform")
    assert centre.category.code == "service_centre"
    assert centre.external_id == f"community/{community.code}"
    assert centre.snap_distance_m < 500


def test_siting_among_uploaded_candidates(run: Run, committee: Any) -> None:
    points = [(104.05, 30.67), (104.07, 30.68), (104.06, 30.66)]
    siting = siting_create(
        actor=committee,
        run=run,
        category_code="elderly_care",
        k=2,
        candidates=points,
    )
    assert siting.candidate_source == "upload"
    assert siting.n_candidates == 3
    assert len(siting.sites) == 2
    assert siting.sites[0]["gain"] >= siting.sites[1]["gain"] > 0


def test_siting_greedy_matches_brute_force_on_small_candidate_set(run: Run, committee: Any) -> None:
    from itertools import combinations

    import numpy as np

    from shequ.access import engine

    points = [(104.05, 30.67), (104.07, 30.68), (104.06, 30.66), (104.08, 30.70), (104.1, 30.69)]
    siting = siting_create(
        actor=committee,
        run=run,
        category_code="elderly_care",
        k=2,
        candidates=points,
    )
    stored = runs.run_result(run)
    net = network_load(run.network)
    nodes = np.unique(engine.snap_points(net, [p[0] for p in points], [p[1] for p in points]).node)
    catch = engine.catchments(net, nodes, engine.minutes_to_metres(15))
    weight = np.where(stored.community != "", stored.weight, 0.0)
    best = max(
        engine.coverage_of_sites(catch, weight, list(combo))
        for combo in combinations(range(nodes.size), 2)
    )
    greedy = sum(s["gain"] for s in siting.sites)
    assert (1 - 1 / np.e) * best <= greedy <= best + 1e-6
    first = max(engine.coverage_of_sites(catch, weight, [i]) for i in range(nodes.size))
    assert siting.sites[0]["gain"] == pytest.approx(first)
