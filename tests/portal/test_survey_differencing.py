"""Survey results on the dashboards cannot be differenced: taking the shown divisions below a
shown one from it never leaves the answers of a small group (counted here from the responses
themselves, independently of the portal)."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from shequ.portal.datasets import published_estimates
from shequ.portal.models import DatasetSnapshot
from shequ.portal.services import snapshot_take
from shequ.surveys.models import Response, Survey
from shequ.surveys.services.surveys import survey_results_publish
from tests.factories import NIJIAQIAO, WUHOU, YULIN, YULIN_NORTH
from tests.portal.test_public_figures import closed_survey, committee  # noqa: F401

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FROZEN_ON = datetime(2026, 12, 3, 1, 10, tzinfo=SHANGHAI)
OTHER_STREET_COMMUNITY = "510107001004"  # two respondents, in another street of 武侯区


def _frozen(client: Client, survey: Survey) -> tuple[dict[str, dict[str, Any]], str]:
    with time_machine.travel(FROZEN_ON, tick=False):
        snapshot_take(dataset="survey-results")
        page = client.get(f"/dashboards/{YULIN}/").content.decode()
    snapshot = DatasetSnapshot.objects.get(dataset="survey-results")
    rows = {row[0]: dict(zip(snapshot.columns, row, strict=True)) for row in snapshot.rows}
    return rows, page


def test_no_small_group_is_left_over_by_differencing(
    client: Client,
    committee: Any,  # noqa: F811
    closed_survey: Survey,  # noqa: F811
) -> None:
    survey_results_publish(actor=committee, survey_id=closed_survey.pk, publish=True)
    rows, street_page = _frozen(client, closed_survey)
    minimum = closed_survey.min_cell_size
    assert minimum == 30
    shown = {code for code, row in rows.items() if row["index"] is not None}
    # 武侯区 (78) less 玉林街道 (76) would be the two people of the other street, so the
    # street is hidden, and then 玉林北路 (36), else 武侯区 less 倪家桥 would be them again
    assert WUHOU in shown
    assert NIJIAQIAO in shown
    assert YULIN not in shown
    assert YULIN_NORTH not in shown
    assert rows[YULIN]["respondents"] == 76  # how many answered is not what they said
    assert rows[NIJIAQIAO]["index"] == 73.8
    # counted from the responses: for every shown division, the respondents in no shown
    # division below it are none or at least the smallest cell
    chains = [
        ["510100000000", c[:6] + "000000", c[:9] + "000", c]
        for c in Response.objects.filter(survey=closed_survey, status="complete").values_list(
            "community_code", flat=True
        )
    ]
    for code in shown:
        mine = [chain for chain in chains if code in chain]
        leftover = sum(
            1 for chain in mine if not shown.intersection(chain[chain.index(code) + 1 :])
        )
        assert leftover == 0 or leftover >= minimum, (code, leftover)
    # the street's page: its own estimate starred, as its table says
    figure = street_page[street_page.index('data-testid="figure-survey-results"') :]
    own = figure[figure.index('data-testid="own-rows"') : figure.index("</table>")]
    assert own.count(">*</span>") >= 2  # the index and the recognition rate


def test_the_rule_hides_as_little_as_it_can() -> None:
    # a street of three communities, one of them small: hiding one more is enough
    respondents = {
        "510100000000": 112,
        WUHOU: 112,
        YULIN: 112,
        NIJIAQIAO: 40,
        YULIN_NORTH: 36,
        "510107005002": 31,
        "510107005006": 5,
    }
    shown = published_estimates(respondents, 30)
    assert shown == {"510100000000", WUHOU, YULIN, NIJIAQIAO, YULIN_NORTH}
    # nobody left over anywhere: nothing more hidden than the small cell itself
    whole = {"510100000000": 70, WUHOU: 70, YULIN: 70, NIJIAQIAO: 40, YULIN_NORTH: 30}
    assert published_estimates(whole, 30) == set(whole)
