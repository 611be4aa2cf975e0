"""Console planning tools: category thresholds, run comparison (what-if), siting among
uploaded candidate sites."""

import json
from decimal import Decimal
from io import BytesIO
from typing import Any

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from shequ.access import background, selectors
from shequ.access.models import FacilityCategory, Network, Run, Siting
from shequ.access.services.categories import categories_ensure, category_update
from shequ.access.services.networks import network_load
from shequ.access.services.runs import run_create, run_result
from shequ.access.services.siting import siting_create
from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.scopes import CITY_CODE, Role
from tests.factories import make_staff

QINGYANG = "510105000000"
JINJIANG = "510104000000"
WUHOU = "510107000000"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ----------------------------------------------------------------------------- thresholds


def _edit(client: Client, code: str, minutes: Any, speed: Any, essential: bool = True) -> Any:
    data = {"code": code, "threshold_minutes": minutes, "speed_mps": speed}
    if essential:
        data["essential"] = "on"
    return client.post(reverse("access_console:categories"), data, follow=True)


def test_committee_changes_minutes_and_speed_and_new_runs_use_them(
    network: Network, committee: Any
) -> None:
    client = _client(committee)
    page = client.get(reverse("access_console:categories")).content.decode()
    assert 'name="threshold_minutes"' in page
    assert 'name="speed_mps"' in page
    response = _edit(client, "clinic", "10", "1.0")
    assert response.status_code == 200
    clinic = FacilityCategory.objects.get(code="clinic")
    assert (clinic.threshold_minutes, clinic.speed_mps) == (Decimal("10.0"), Decimal("1.00"))
    assert clinic.limit_m == pytest.approx(600.0)
    assert "600 m" in response.content.decode()
    run = run_create(actor=committee, network=network)
    clinic_params = next(c for c in run.parameters["categories"] if c["code"] == "clinic")
    assert (clinic_params["minutes"], clinic_params["speed_mps"]) == (10.0, 1.0)


@pytest.mark.parametrize(
    ("minutes", "speed", "shown"),
    [
        ("0", "1.2", "greater than 0"),
        ("-5", "1.2", "greater than 0"),
        ("abc", "1.2", "greater than 0"),
        ("15", "0", "above 0"),
        ("15", "-1", "above 0"),
        ("15", "nan", "above 0"),
        ("100000", "1.2", "at most"),
    ],
)
def test_threshold_or_speed_not_above_zero_refused_and_nothing_changes(
    chengdu: None, committee: Any, settings: Any, minutes: str, speed: str, shown: str
) -> None:
    settings.LANGUAGE_CODE = "en"
    categories_ensure()
    client = _client(committee)
    client.cookies["django_language"] = "en"
    response = _edit(client, "school", minutes, speed, essential=False)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="category-error"' in body
    assert shown in body
    school = FacilityCategory.objects.get(code="school")
    assert (school.threshold_minutes, school.speed_mps, school.essential) == (
        Decimal("15.0"),
        Decimal("1.20"),
        True,
    )


@pytest.mark.parametrize(
    ("role", "scope"),
    [(Role.DISTRICT_OFFICER, QINGYANG), (Role.AUDITOR, CITY_CODE)],
)
def test_only_committee_and_admins_edit_thresholds(chengdu: None, role: str, scope: str) -> None:
    categories_ensure()
    user = make_staff(f"acc_cat_{role}", role, scope)
    client = _client(user)
    page = client.get(reverse("access_console:categories"))
    assert page.status_code == 200
    assert b'name="threshold_minutes"' not in page.content
    response = client.post(
        reverse("access_console:categories"),
        {"code": "clinic", "threshold_minutes": "5", "speed_mps": "1.2"},
    )
    assert response.status_code == 403
    assert FacilityCategory.objects.get(code="clinic").threshold_minutes == 15
    with pytest.raises(PermissionDenied):
        category_update(actor=user, code="clinic", threshold_minutes=5)
    admin = make_staff("acc_cat_admin", Role.SYSTEM_ADMIN, None)
    category_update(actor=admin, code="clinic", threshold_minutes=12, speed_mps="1.1")
    assert FacilityCategory.objects.get(code="clinic").limit_m == pytest.approx(792.0)


# ----------------------------------------------------------------------------- comparison


@pytest.fixture
def siting(run: Run, committee: Any) -> Siting:
    return siting_create(
        actor=committee,
        run=run,
        category_code="elderly_care",
        k=5,
        district_code=QINGYANG,
    )


def test_what_if_from_the_siting_page_shows_a_positive_gain(
    siting: Siting, committee: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(committee)
    page = client.get(reverse("access_console:siting", args=[siting.pk])).content.decode()
    assert 'data-testid="what-if-form"' in page
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(reverse("access_console:siting_what_if", args=[siting.pk]))
    siting.refresh_from_db()
    what = siting.what_if_run
    assert what is not None
    assert what.status == Run.Status.DONE
    assert what.base_run_id == siting.run_id
    assert what.parameters["categories"] == siting.run.parameters["categories"]
    assert posted["Location"].startswith(reverse("access_console:compare"))
    body = client.get(posted["Location"]).content.decode()
    assert 'data-testid="compare-categories"' in body
    comparison = selectors.run_compare(committee, siting.run, what, category="elderly_care")
    by_code = {c.code: c for c in comparison.categories}
    assert by_code["elderly_care"].diff is not None
    assert by_code["elderly_care"].diff > 0
    assert by_code["elderly_care"].failing_b <= by_code["elderly_care"].failing_a
    assert all(c.diff == pytest.approx(0) for k, c in by_code.items() if k not in ("elderly_care",))
    gain = sum(s["gain"] for s in siting.sites)
    covered_a = by_code["elderly_care"].share_a or 0.0
    covered_b = by_code["elderly_care"].share_b or 0.0
    assert (covered_b - covered_a) * siting.total_population == pytest.approx(gain, rel=1e-3)
    assert comparison.improved > 0
    assert comparison.worsened == 0
    assert all(d.diff > 0 for d in comparison.divisions[: comparison.improved])
    row = body.split('data-category="elderly_care"')[1].split("</tr>")[0]
    assert "+" in row
    assert "text-success" in row
    assert 'data-testid="compare-communities"' in body
    # A second click does not start another run.
    client.post(reverse("access_console:siting_what_if", args=[siting.pk]))
    assert Run.objects.filter(base_run=siting.run).count() == 1


def test_compare_page_scoped_to_the_district(
    siting: Siting, committee: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        what = background.siting_what_if(actor=committee, siting=siting)
    what.refresh_from_db()
    officer = make_staff("acc_cmp_jj", Role.DISTRICT_OFFICER, JINJIANG)
    url = reverse("access_console:compare")
    body = _client(officer).get(url, {"a": siting.run_id, "b": what.pk}).content.decode()
    mine = selectors.run_compare(officer, siting.run, what, category="elderly_care")
    codes = {d.code for d in mine.divisions}
    assert codes
    assert all(code.startswith("510104") for code in codes)
    assert "青羊区" not in body.split('data-testid="compare-communities"')[1]


def test_runs_of_different_networks_are_not_compared(run: Run, committee: Any) -> None:
    other = Network.objects.create(
        name="other",
        source_name="o.osm",
        sha256="0" * 64,
        file="x.npz",
        nodes=1,
        edges=0,
        total_length_m=0,
    )
    foreign = Run.objects.create(network=other, status=Run.Status.DONE)
    response = _client(committee).get(
        reverse("access_console:compare"), {"a": run.pk, "b": foreign.pk}
    )
    assert response.status_code == 200
    assert 'data-testid="compare-error"' in response.content.decode()
    assert 'data-testid="compare-categories"' not in response.content.decode()
    with pytest.raises(DomainError) as err:
        selectors.run_compare(committee, run, foreign)
    assert err.value.code == "access_different_networks"


def test_run_page_lists_failing_communities_per_category(run: Run, committee: Any) -> None:
    client = _client(committee)
    body = client.get(reverse("access_console:run", args=[run.pk])).content.decode()
    summary = body.split('data-testid="failing-summary"')[1].split("</table>")[0]
    assert 'data-category="clinic"' in summary
    table = selectors.community_table(committee, run)
    failing = sum(1 for r in table.rows if "clinic" in r.failing)
    assert failing > 0
    filtered = client.get(
        reverse("access_console:run", args=[run.pk]), {"fails": "clinic"}
    ).content.decode()
    rows = filtered.split('data-testid="coverage-table"')[1].count('data-testid="fails"')
    assert rows == min(failing, 100)
    assert filtered.count("医疗机构") >= rows


# ----------------------------------------------------------------------------- candidates


def _nodes_in(run: Run, prefix: str, n: int) -> list[tuple[float, float]]:
    stored = run_result(run)
    net = network_load(run.network)
    idx = np.flatnonzero(np.char.startswith(stored.community, prefix))
    pick = idx[np.linspace(0, idx.size - 1, n).astype(int)]
    return [(float(net.lon[i]), float(net.lat[i])) for i in pick]


def _xlsx(
    points: list[tuple[float, float]], header: tuple[str, ...] = ("name", "longitude", "latitude")
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for i, (lon, lat) in enumerate(points):
        sheet.append([f"site {i}", lon, lat])
    buf = BytesIO()
    book.save(buf)
    return buf.getvalue()


def _geojson(points: list[tuple[float, float]]) -> bytes:
    features = [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": p}}
        for p in points
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _site(client: Client, run: Run, district: str, name: str, data: bytes, k: int = 2) -> Any:
    return client.post(
        reverse("access_console:siting_create", args=[run.pk]),
        {
            "category": "elderly_care",
            "k": k,
            "district": district,
            "candidates": SimpleUploadedFile(name, data),
        },
        follow=True,
    )


def test_siting_among_uploaded_excel_candidates_in_a_district(run: Run, chengdu: None) -> None:
    officer = make_staff("acc_cand_qy", Role.DISTRICT_OFFICER, QINGYANG)
    points = _nodes_in(run, QINGYANG[:6], 8)
    response = _site(_client(officer), run, QINGYANG, "sites.xlsx", _xlsx(points), k=3)
    body = response.content.decode()
    assert 'data-testid="siting-steps"' in body
    siting = Siting.objects.get()
    assert siting.candidate_source == "upload"
    assert siting.n_candidates == 8
    assert len(siting.sites) == 3
    chosen = {(s["lon"], s["lat"]) for s in siting.sites}
    assert chosen <= {(round(lon, 6), round(lat, 6)) for lon, lat in points}
    assert all(s["community"].startswith("510105") for s in siting.sites)
    assert 'data-testid="siting-candidates"' in body


def test_candidates_outside_the_district_are_refused(run: Run, chengdu: None) -> None:
    officer = make_staff("acc_cand_qy2", Role.DISTRICT_OFFICER, QINGYANG)
    points = _nodes_in(run, QINGYANG[:6], 3) + _nodes_in(run, JINJIANG[:6], 2)
    client = _client(officer)
    client.cookies["django_language"] = "en"
    response = _site(client, run, QINGYANG, "sites.geojson", _geojson(points))
    body = response.content.decode()
    assert "2 of the candidate sites lie outside 青羊区 (the first is number 4)" in body
    assert 'data-testid="siting-steps"' not in body
    assert not Siting.objects.exists()
    # Nor may they site city-wide (no district): the choice does not exist for them.
    _site(_client(officer), run, "", "sites.geojson", _geojson(points[:3]))
    assert not Siting.objects.exists()


def test_committee_sites_city_wide_among_geojson_points(run: Run, committee: Any) -> None:
    points = _nodes_in(run, QINGYANG[:6], 3) + _nodes_in(run, WUHOU[:6], 3)
    response = _site(_client(committee), run, "", "c.geojson", _geojson(points), k=2)
    assert 'data-testid="siting-steps"' in response.content.decode()
    siting = Siting.objects.get()
    assert (siting.candidate_source, siting.district, len(siting.sites)) == ("upload", None, 2)
    assert siting.what_if_run is None  # the planner runs the what-if when they choose


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("c.xlsx", _xlsx([(104.06, 30.67)], header=("name", "longitude", "lat")), "latitude"),
        ("c.xlsx", b"not a workbook", ".xlsx"),
        ("c.csv", b"longitude,latitude", "GeoJSON"),
        ("c.geojson", _geojson([]), "no candidate sites"),
    ],
    # The workbook carries its creation time: ids keep test names equal in every worker.
    ids=["xlsx-no-latitude", "not-a-workbook", "csv", "no-points"],
)
def test_bad_candidate_files_are_named_and_nothing_is_computed(
    run: Run, committee: Any, name: str, data: bytes, code: str
) -> None:
    client = _client(committee)
    client.cookies["django_language"] = "en"
    response = _site(client, run, QINGYANG, name, data)
    assert not Siting.objects.exists()
    body = response.content.decode()
    assert 'data-testid="siting-steps"' not in body
    assert code in body
