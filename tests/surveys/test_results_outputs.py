"""The results page's Excel tables and district map: n and CI per area, small cells marked."""

import io
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.surveys.models import Survey
from shequ.surveys.services.responses import response_save_by_invitation
from shequ.surveys.services.weights import survey_weights_compute
from tests.factories import SHUIJINGFANG, WUHOU, make_staff
from tests.surveys.conftest import GOOD_ANSWERS


@pytest.fixture
def answered(committee: User, sampled: dict[str, Any]) -> Survey:
    """Four of the six sampled residents (all in 武侯区) have submitted; weights computed."""
    for token in list(sampled["tokens"].values())[:4]:
        response_save_by_invitation(token=token, answers=GOOD_ANSWERS, submit=True)
    survey_weights_compute(actor=committee, survey_id=sampled["survey"].pk)
    return sampled["survey"]


def _with_min_cell(survey: Survey, min_cell: int) -> None:
    Survey.objects.filter(pk=survey.pk).update(min_cell_size=min_cell)


@pytest.mark.parametrize(("min_cell", "suppressed"), [(2, False), (30, True)])
def test_results_tables_download_as_excel_with_n_ci_and_suppression(
    client: Client, committee: User, answered: Survey, min_cell: int, suppressed: bool
) -> None:
    _with_min_cell(answered, min_cell)
    client.force_login(committee)
    page = client.get(reverse("surveys_console:results", args=[answered.pk]))
    assert reverse("surveys_console:results_xlsx", args=[answered.pk]) in page.content.decode()
    download = client.get(reverse("surveys_console:results_xlsx", args=[answered.pk]))
    assert download.status_code == 200
    assert "results.xlsx" in download["Content-Disposition"]
    book = load_workbook(io.BytesIO(download.content))
    assert len(book.worksheets) == 4  # summary, district, street, community
    summary: list[Any] = list(book.worksheets[0].iter_rows(values_only=True))
    index_row = summary[2]
    assert index_row[1] == 4
    assert index_row[3] <= index_row[2] <= index_row[4]  # low <= index <= high
    district: list[Any] = list(book.worksheets[1].iter_rows(values_only=True))
    assert len(district) == 2
    code, _name, n, index, low, high, *_rest, note = district[1]
    assert (code, n) == (WUHOU, 4)
    if suppressed:
        assert index is None
        assert low is None
        assert high is None
        assert "30" in note
        assert book.worksheets[1]["A2"].fill.fgColor.rgb.endswith("D9D9D9")
    else:
        assert low <= index <= high
        assert not note
    communities: list[Any] = list(book.worksheets[3].iter_rows(values_only=True))[1:]
    assert sum(row[2] for row in communities) == 4


@pytest.mark.parametrize(("min_cell", "coloured"), [(2, True), (30, False)])
def test_results_page_maps_districts_coloured_by_index_or_grey(
    client: Client, committee: User, answered: Survey, min_cell: int, coloured: bool
) -> None:
    _with_min_cell(answered, min_cell)
    client.force_login(committee)
    html = client.get(reverse("surveys_console:results", args=[answered.pk])).content.decode()
    assert 'data-testid="district-map"' in html
    found = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    geo = json.loads(found.group(1))
    assert [f["properties"]["code"] for f in geo["features"]] == [WUHOU]  # the survey's area
    feature = geo["features"][0]
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert feature["properties"]["n"] == 4
    assert feature["properties"]["suppressed"] is not coloured
    assert (feature["properties"]["index"] is not None) is coloured


def test_results_tables_are_scoped(client: Client, answered: Survey) -> None:
    outsider = make_staff("sjf_x", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    client.force_login(outsider)
    url = reverse("surveys_console:results_xlsx", args=[answered.pk])
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code in (302, 403)
