"""Sampling, quota board and results read back from the database, checked with numpy."""

from datetime import date
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.surveys import selectors
from shequ.surveys.models import Invitation, Response, Survey
from shequ.surveys.services.responses import response_save_by_invitation
from shequ.surveys.services.sampling import sampling_plan_draw, sampling_plan_set
from shequ.surveys.services.surveys import survey_create
from shequ.surveys.services.weights import survey_weights_compute
from shequ.surveys.statistics import Z95
from tests.factories import NIJIAQIAO, SHUIJINGFANG, WUHOU, YULIN_NORTH, make_staff
from tests.surveys.conftest import GOOD_ANSWERS, make_adult

OTHER_STREET = "510107001004"  # 洗面桥社区, another street in 武侯区


def test_plan_allocates_and_draw_is_seeded_and_reproducible(committee: User) -> None:
    residents = [make_adult(NIJIAQIAO) for _ in range(12)] + [
        make_adult(YULIN_NORTH, sex="M") for _ in range(4)
    ]
    assert len(residents) == 16
    drawn = []
    for wave in (1, 2):
        survey = survey_create(
            actor=committee, title_zh="t", series="seeded", wave=wave, division_code=WUHOU
        )
        plan = sampling_plan_set(
            actor=committee,
            survey_id=survey.pk,
            target_n=8,
            stratum_level="community",
            min_per_stratum=3,
            seed=42,
        )
        assert {s.division_id: s.allocated for s in plan.strata.all()} == {
            NIJIAQIAO: 5,
            YULIN_NORTH: 3,
        }
        sampling_plan_draw(actor=committee, survey_id=survey.pk)
        drawn.append(
            sorted(Invitation.objects.filter(survey=survey).values_list("resident_id", flat=True))
        )
    assert drawn[0] == drawn[1]
    assert len(drawn[0]) == 8


def test_plan_refuses_a_target_larger_than_the_frame(committee: User, survey: Survey) -> None:
    make_adult(NIJIAQIAO)
    from shequ.core.errors import DomainError

    with pytest.raises(DomainError) as error:
        sampling_plan_set(actor=committee, survey_id=survey.pk, target_n=5)
    assert error.value.code in ("target_too_large", "minimum_too_large")
    assert not hasattr(Survey.objects.get(pk=survey.pk), "plan_cache")


def test_quota_board_counts_completion_per_stratum(
    committee: User, sampled: dict[str, Any], django_assert_num_queries: Any
) -> None:
    survey = sampled["survey"]
    tokens = list(sampled["tokens"].values())
    nijiaqiao = Invitation.objects.filter(community_id=NIJIAQIAO)
    for invitation in nijiaqiao[:2]:
        token = sampled["tokens"][invitation.resident_id]
        response_save_by_invitation(token=token, answers=GOOD_ANSWERS, submit=True)
    assert tokens
    with django_assert_num_queries(4):
        board = {row.division.code: row for row in selectors.quota_board(committee, survey)}
    assert (board[NIJIAQIAO].allocated, board[NIJIAQIAO].complete) == (3, 2)
    assert board[YULIN_NORTH].complete == 0
    worker = make_staff("w_yulin", Role.COMMUNITY_WORKER, YULIN_NORTH)
    assert [row.division.code for row in selectors.quota_board(worker, survey)] == [YULIN_NORTH]


def _bulk_responses(survey: Survey, rows: list[tuple[str, str, str, float]]) -> None:
    version = survey.versions.get()
    now = timezone.now()
    Response.objects.bulk_create(
        Response(
            survey=survey,
            version=version,
            channel=Response.Channel.INTERVIEWER,
            status=Response.Status.COMPLETE,
            submitted_at=now,
            community_code=community,
            street_code=community[:9] + "000",
            district_code=community[:6] + "000000",
            age_band=band,
            sex=sex,
            score=score,
        )
        for community, band, sex, score in rows
    )


@pytest.fixture
def scored(committee: User, open_survey: Survey) -> dict[str, Any]:
    """320 responses in three communities, with a registry to weight them to."""
    for community, sex, born in [
        (NIJIAQIAO, "F", date(1995, 1, 1)),
        (NIJIAQIAO, "M", date(1968, 1, 1)),
        (YULIN_NORTH, "F", date(1985, 1, 1)),
        (OTHER_STREET, "M", date(1950, 1, 1)),
        (OTHER_STREET, "F", date(1975, 1, 1)),
    ]:
        for _ in range(3):
            make_adult(community, sex=sex, born=born)
    rng = np.random.default_rng(5)
    bands = ["18-34", "35-49", "50-64", "65+"]
    rows = []
    for community, n, mean in [
        (NIJIAQIAO, 150, 92),
        (YULIN_NORTH, 150, 85),
        (OTHER_STREET, 20, 70),
    ]:
        for _ in range(n):
            rows.append(
                (
                    community,
                    bands[int(rng.integers(0, 4))],
                    "F" if rng.random() < 0.6 else "M",
                    float(np.clip(rng.normal(mean, 10), 0, 100)),
                )
            )
    _bulk_responses(open_survey, rows)
    survey_weights_compute(actor=committee, survey_id=open_survey.pk)
    return {"survey": Survey.objects.get(pk=open_survey.pk)}


def test_index_recognition_and_ci_match_numpy(committee: User, scored: dict[str, Any]) -> None:
    survey = scored["survey"]
    results = selectors.survey_results(committee, survey)
    x, w = map(
        np.array,
        zip(*Response.objects.filter(survey=survey).values_list("score", "weight"), strict=True),
    )
    n = len(x)
    mean = np.average(x, weights=w)
    deff = n * np.sum(w**2) / np.sum(w) ** 2
    variance = np.average((x - mean) ** 2, weights=w) * n / (n - 1)
    half = Z95 * np.sqrt(variance * deff / n)
    assert results.n == n == 320
    assert results.index.value == pytest.approx(mean)
    assert results.index.deff == pytest.approx(deff)
    assert (results.index.low, results.index.high) == pytest.approx((mean - half, mean + half))
    p = np.average(x >= survey.recognition_threshold, weights=w)
    p_half = Z95 * np.sqrt(p * (1 - p) * deff / n)
    assert results.recognition.value == pytest.approx(p)
    assert results.recognition.low == pytest.approx(max(0, p - p_half))
    assert deff > 1.0  # the weights vary, so the design effect widens the interval
    assert results.bootstrap is not None
    b_low, b_high = results.bootstrap
    assert results.index.low is not None
    assert results.index.high is not None
    assert abs(b_low - results.index.low) < half * 0.35
    assert abs(b_high - results.index.high) < half * 0.35


def test_raked_weights_reproduce_the_registry_margins(scored: dict[str, Any]) -> None:
    survey = scored["survey"]
    assert survey.weights_report["converged"]
    rows = list(
        Response.objects.filter(survey=survey).values_list(
            "district_code", "age_band", "sex", "weight"
        )
    )
    weights = [(r[1], r[2], r[3] or 0.0) for r in rows]
    total = sum(w for _b, _s, w in weights)
    # Registry: 15 adults; sex F 9, M 6. Only the 1950-born three are 65 and over.
    female = sum(w for _b, s, w in weights if s == "F") / total
    assert female == pytest.approx(9 / 15, rel=1e-4)
    band_65 = sum(w for b, _s, w in weights if b == "65+") / total
    assert band_65 == pytest.approx(3 / 15, rel=1e-4)


def test_breakdown_suppresses_small_cells(committee: User, scored: dict[str, Any]) -> None:
    results = selectors.survey_results(committee, scored["survey"], bootstrap=False)
    communities = {row.code: row for row in results.breakdowns["community"]}
    assert communities[OTHER_STREET].suppressed
    assert communities[OTHER_STREET].index is None
    assert not communities[NIJIAQIAO].suppressed
    nijiaqiao = communities[NIJIAQIAO].index
    assert nijiaqiao is not None
    assert nijiaqiao.value == pytest.approx(92, abs=3)
    streets = {row.code: row for row in results.breakdowns["street"]}
    assert streets["510107005000"].n == 300


def test_results_are_limited_to_the_readers_area(scored: dict[str, Any]) -> None:
    worker = make_staff("w_nj", Role.COMMUNITY_WORKER, NIJIAQIAO)
    results = selectors.survey_results(worker, scored["survey"], bootstrap=False)
    assert results.n == 150
    outsider = make_staff("w_sjf", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    from shequ.core.errors import NotFound

    with pytest.raises(NotFound):
        selectors.survey_get_for(outsider, scored["survey"].pk)


def test_trend_lists_each_wave(committee: User, scored: dict[str, Any]) -> None:
    first = scored["survey"]
    second = survey_create(
        actor=committee, title_zh="第二轮", series=first.series, wave=2, division_code=WUHOU
    )
    second.versions.get()
    _bulk_responses(second, [(NIJIAQIAO, "18-34", "F", 95.0)] * 40)
    trend = selectors.survey_trend(committee, first)
    assert [row["wave"] for row in trend] == [1, 2]
    assert trend[1]["index"].value == pytest.approx(95.0)


def test_methods_note_states_the_settings(committee: User, scored: dict[str, Any]) -> None:
    survey = scored["survey"]
    note = " ".join(selectors.methods_note(survey, selectors.survey_results(committee, survey)))
    assert "aspects × 5" in note
    assert "60" in note
    assert "30" in note
