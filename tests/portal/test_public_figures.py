"""The public dashboards' 15-minute coverage, survey results with their intervals and the
indicator scores the committee published: real computed numbers, frozen, linked to their
dataset; unpublished runs and surveys never shown; only the committee publishes."""

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import LazySettings
from django.test import Client

from shequ.access.models import ALL_ESSENTIAL, CoverageRow
from shequ.access.models import Run as AccessRun
from shequ.access.services.network_imports import shipped_setup
from shequ.access.services.runs import run_create, run_execute
from shequ.core.models import AuditEvent
from shequ.core.scopes import CITY_CODE, Role
from shequ.indicators import evaluation
from shequ.indicators.models import Result, TreeVersion
from shequ.indicators.models import Run as IndicatorRun
from shequ.indicators.services.trees import tree_install_default
from shequ.participation.models import Proposal
from shequ.people.models import User
from shequ.portal.models import DatasetSnapshot
from shequ.portal.services import snapshot_take
from shequ.surveys import selectors as survey_selectors
from shequ.surveys.demo import demo_definition
from shequ.surveys.models import Response, Survey
from shequ.surveys.services.surveys import survey_close, survey_create, survey_open
from tests.factories import (
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    YULIN_NORTH,
    make_resident,
    make_staff,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
STREET = NIJIAQIAO[:9] + "000"
FROZEN_ON = datetime(2026, 12, 3, 1, 10, tzinfo=SHANGHAI)
THE_DAY_BEFORE = datetime(2026, 12, 2, 1, 10, tzinfo=SHANGHAI)
IN_YEAR = datetime(2026, 5, 4, 10, 0, tzinfo=SHANGHAI)
YEAR = 2026


@pytest.fixture
def committee(chengdu: None) -> User:
    return make_staff("committee_pf", Role.CITY_COMMITTEE, CITY_CODE)


def _get(client: Client, url: str, **params: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.content.decode()[:300]
    return response.content.decode()


def _figure(page: str, code: str) -> str:
    start = page.index(f'data-testid="figure-{code}"')
    return page[start : page.index("</section>", start)]


def _rows(dataset: str) -> list[dict[str, Any]]:
    snapshot = DatasetSnapshot.objects.filter(dataset=dataset, status="complete").first()
    assert snapshot is not None
    return [dict(zip(snapshot.columns, row, strict=True)) for row in snapshot.rows]


# ------------------------------------------------------------------------ 15-minute coverage


@pytest.fixture
def coverage_run(chengdu: None, committee: User, settings: LazySettings, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    network, _ = shipped_setup(actor=None)
    return run_execute(run_create(actor=committee, network=network, label="base").pk)


def test_the_dashboards_show_the_15_minute_coverage_the_engine_computed(
    client: Client, coverage_run: AccessRun
) -> None:
    row = (
        CoverageRow.objects.filter(run=coverage_run, level="community", share__isnull=False)
        .exclude(category=ALL_ESSENTIAL)
        .order_by("division_id", "category")
        .first()
    )
    assert row is not None
    street = row.division_id[:9] + "000"
    with time_machine.travel(FROZEN_ON, tick=False):
        snapshot_take(dataset="coverage-15min")
        community = _figure(_get(client, f"/dashboards/{row.division_id}/"), "coverage-15min")
        above = _figure(_get(client, f"/dashboards/{street}/"), "coverage-15min")
    shown = f"{row.share * 100:.1f}"
    # the community's own share for the category, as the engine stored it
    categories = {c["code"]: c for c in coverage_run.parameters["categories"]}
    own = community[community.index('data-testid="own-rows"') :]
    line = own[own.index(categories[row.category]["name"]) :]
    assert line[: line.index("</tr>")].count(f">{shown}<") >= 1
    assert 'href="/open-data/coverage-15min/" data-testid="data-and-method"' in community
    assert "2026-12-03 01:10" in community
    # the street's table lists its communities with "all daily needs"
    assert f'href="/dashboards/{row.division_id}/" data-testid="drill"' in above
    frozen = {(r["code"], r["category"]): r for r in _rows("coverage-15min")}
    assert frozen[(row.division_id, row.category)]["covered_share"] == round(row.share * 100, 1)
    # the city is summed from the districts: population and covered alike
    districts = CoverageRow.objects.filter(
        run=coverage_run, level="district", category=row.category
    )
    population = sum(d.population for d in districts)
    covered = sum(d.covered for d in districts)
    city = frozen[(CITY_CODE, row.category)]
    assert city["covered_share"] == round(100 * covered / population, 1)
    assert city["population"] == round(population)


def test_what_if_runs_are_not_the_public_coverage(committee: User, coverage_run: AccessRun) -> None:
    what_if = run_create(
        actor=committee,
        network=coverage_run.network,
        label="what if",
        base_run=coverage_run,
        extra_sites={coverage_run.parameters["categories"][0]["code"]: [0, 1, 2]},
    )
    run_execute(what_if.pk)
    snapshot_take(dataset="coverage-15min")
    base = {
        (r.division_id, r.category): r.share
        for r in CoverageRow.objects.filter(run=coverage_run, level="community")
    }
    for row in _rows("coverage-15min"):
        if row["level"] == "community":
            share = base[(row["code"], row["category"])]
            assert row["covered_share"] == ("" if share is None else round(share * 100, 1))


# --------------------------------------------------------------------------- survey results


def _respond(survey: Survey, community: str, scores: list[float]) -> None:
    version = survey.versions.order_by("-number").first()
    Response.objects.bulk_create(
        Response(
            survey=survey,
            version=version,
            channel=Response.Channel.INTERVIEWER,
            status=Response.Status.COMPLETE,
            district_code=community[:6] + "000000",
            street_code=community[:9] + "000",
            community_code=community,
            score=score,
            submitted_at=IN_YEAR,
        )
        for score in scores
    )


@pytest.fixture
def closed_survey(committee: User) -> Survey:
    survey = survey_create(
        actor=committee,
        title_zh="2026年居民满意度调查",
        series="satisfaction",
        division_code=WUHOU,
        definition=demo_definition(),
    )
    survey_open(actor=committee, survey_id=survey.pk)
    _respond(survey, NIJIAQIAO, [90.0, 70.0, 55.0, 80.0] * 10)  # 40, index 73.75
    _respond(survey, YULIN_NORTH, [60.0, 50.0, 85.0] * 12)  # 36
    _respond(survey, "510107001004", [75.0, 65.0])  # two people in another street
    survey_close(actor=committee, survey_id=survey.pk)
    survey.refresh_from_db()
    return survey


def test_published_survey_results_show_with_their_intervals(
    client: Client, committee: User, closed_survey: Survey
) -> None:
    with time_machine.travel(THE_DAY_BEFORE, tick=False):
        snapshot_take(dataset="survey-results")
    assert _rows("survey-results") == []  # closed, but nobody published the results yet
    client.force_login(committee)
    page = _get(client, f"/console/surveys/{closed_survey.pk}/results/")
    assert 'data-testid="results-publish"' in page
    with time_machine.travel(FROZEN_ON, tick=False):
        response = client.post(
            f"/console/surveys/{closed_survey.pk}/results/publish/", {"publish": "1"}
        )
        assert response.status_code == 302
        client.logout()
        community = _figure(_get(client, f"/dashboards/{NIJIAQIAO}/"), "survey-results")
        street = _figure(_get(client, f"/dashboards/{STREET}/"), "survey-results")
    assert AuditEvent.objects.filter(verb="survey.results_published").count() == 1
    # the surveys app's own estimate of 倪家桥 (what staff see on the results page)
    results = survey_selectors.survey_results(committee, closed_survey, bootstrap=False)
    ours = next(r for r in results.breakdowns["community"] if r.code == NIJIAQIAO)
    assert ours.index is not None
    assert ours.index.low is not None
    assert ours.index.high is not None
    assert round(ours.index.value, 1) == 73.8
    # the index with its 95% interval in one cell, as a phone shows it
    low, high = round(ours.index.low, 1), round(ours.index.high, 1)
    assert low < 73.8 < high
    assert f'>73.8 <span class="text-secondary text-nowrap">({low}–{high})</span><' in community
    assert "2026年居民满意度调查" in community
    assert 'href="/open-data/survey-results/" data-testid="data-and-method"' in community
    assert "2026-12-03 01:10" in community
    assert f'href="/dashboards/{YULIN_NORTH}/" data-testid="drill"' in street
    rows = {r["code"]: r for r in _rows("survey-results")}
    assert rows[NIJIAQIAO]["respondents"] == 40
    assert rows[NIJIAQIAO]["recognition"] == round(ours.recognition.value * 100, 1)
    assert rows[STREET]["respondents"] == 76
    # two respondents: their count is starred and nothing of what they said is shown
    other = rows["510107001004"]
    assert other["respondents"] is None
    assert other["index"] is None
    assert other["index_low"] is None
    # the district's 78 respondents are above the survey's smallest cell (30)
    assert rows[WUHOU]["respondents"] == 78
    assert rows[WUHOU]["index"] != ""


def test_an_open_survey_cannot_be_published_and_a_worker_may_not_publish(
    client: Client, committee: User
) -> None:
    survey = survey_create(
        actor=committee,
        title_zh="进行中的问卷",
        series="running",
        division_code=WUHOU,
        definition=demo_definition(),
    )
    survey_open(actor=committee, survey_id=survey.pk)
    _respond(survey, NIJIAQIAO, [80.0] * 40)
    client.force_login(committee)
    response = client.post(f"/console/surveys/{survey.pk}/results/publish/", {"publish": "1"})
    assert response.status_code == 302
    page = _get(client, f"/console/surveys/{survey.pk}/results/")
    assert "先结束问卷" in page or "Close the survey before publishing" in page
    survey_close(actor=committee, survey_id=survey.pk)
    worker = make_staff("worker_pf", Role.COMMUNITY_WORKER, NIJIAQIAO)
    client.force_login(worker)
    response = client.post(f"/console/surveys/{survey.pk}/results/publish/", {"publish": "1"})
    assert response.status_code in (403, 404)
    assert Survey.objects.get(pk=survey.pk).results_published_at is None
    assert not AuditEvent.objects.filter(verb="survey.results_published").exists()


# ------------------------------------------------------------------------ indicator scores


@pytest.fixture
def evaluated(committee: User) -> IndicatorRun:
    tree = tree_install_default(actor=committee)
    TreeVersion.objects.filter(pk=tree.pk).update(min_data_share=0, draws=100)
    with time_machine.travel(IN_YEAR, tick=False):
        for code, residents, proposals in (
            (NIJIAQIAO, 3, 4),
            (YULIN_NORTH, 2, 1),
            (SHUIJINGFANG, 4, 0),
        ):
            for n in range(residents):
                make_resident(code, name=f"居民{n}")
            for n in range(proposals):
                Proposal.objects.create(
                    community_id=code,
                    author=User.objects.create(username=f"p{code}{n}"),
                    title=f"议题{n}",
                    description="内容",
                    category="environment",
                )
        return evaluation.run_evaluate_now(actor=committee, version_id=tree.pk, year=YEAR)


def test_only_the_committee_publishes_scores_and_only_published_runs_are_public(
    client: Client, committee: User, evaluated: IndicatorRun
) -> None:
    ours = Result.objects.get(run=evaluated, division_id=NIJIAQIAO)
    assert ours.score is not None
    with time_machine.travel(THE_DAY_BEFORE, tick=False):
        snapshot_take(dataset="indicator-scores")
        hidden = _figure(_get(client, f"/dashboards/{STREET}/"), "indicator-scores")
    assert _rows("indicator-scores") == []
    assert 'data-testid="nothing-published"' in hidden
    assert f">{round(ours.score, 1)}<" not in hidden
    # a district officer (not the committee) may not publish: refused, nothing changed
    officer = make_staff("wuhou_pf", Role.DISTRICT_OFFICER, WUHOU)
    client.force_login(officer)
    page = _get(client, f"/console/indicators/runs/{evaluated.pk}/")
    assert 'data-testid="run-publish"' not in page
    url = f"/console/indicators/runs/{evaluated.pk}/publish/"
    assert client.post(url, {"confirm": "1"}).status_code == 403
    assert IndicatorRun.objects.get(pk=evaluated.pk).published_at is None
    assert not AuditEvent.objects.filter(verb="indicators.run_published").exists()
    # the committee publishes (after confirming) and the dashboards show the scores at once
    client.force_login(committee)
    page = _get(client, f"/console/indicators/runs/{evaluated.pk}/")
    assert 'data-testid="run-publish"' in page
    assert 'data-testid="run-not-public"' in page
    asked = client.post(url)
    assert asked.status_code == 200  # the confirmation page; nothing done yet
    assert IndicatorRun.objects.get(pk=evaluated.pk).published_at is None
    with time_machine.travel(FROZEN_ON, tick=False):
        assert client.post(url, {"confirm": "1"}).status_code == 302
        client.logout()
        street = _figure(_get(client, f"/dashboards/{STREET}/"), "indicator-scores")
    assert IndicatorRun.objects.get(pk=evaluated.pk).published_at is not None
    assert AuditEvent.objects.filter(verb="indicators.run_published").count() == 1
    assert f">{round(ours.score, 1)}<" in street
    assert f'href="/dashboards/{NIJIAQIAO}/" data-testid="drill"' in street
    assert 'href="/open-data/indicator-scores/" data-testid="data-and-method"' in street
    assert "2026-12-03 01:10" in street
    rows = {r["code"]: r for r in _rows("indicator-scores")}
    assert rows[NIJIAQIAO]["score"] == round(ours.score, 1)
    assert rows[NIJIAQIAO]["year"] == YEAR
    assert ours.ranked
    assert (rows[NIJIAQIAO]["rank"], rows[NIJIAQIAO]["peers"]) == (ours.rank, ours.peers)
    assert (rows[NIJIAQIAO]["rank_low"], rows[NIJIAQIAO]["rank_high"]) == (
        ours.rank_low,
        ours.rank_high,
    )
    # the rank with its 90% interval in one cell
    assert (
        f'>{ours.rank} <span class="text-secondary text-nowrap">({ours.rank_low}–{ours.rank_high})'
        in street
    )


def test_a_newer_run_stays_private_until_it_is_published(
    client: Client, committee: User, evaluated: IndicatorRun
) -> None:
    client.force_login(committee)
    client.post(f"/console/indicators/runs/{evaluated.pk}/publish/", {"confirm": "1"})
    Result.objects.filter(run=evaluated).update(score=11.0)
    newer = evaluation.run_evaluate_now(
        actor=committee, version_id=evaluated.version_id, year=YEAR, compute_values=False
    )
    Result.objects.filter(run=newer).update(score=99.0)
    snapshot_take(dataset="indicator-scores")
    scores = {r["score"] for r in _rows("indicator-scores")}
    assert scores == {11.0}
    # publishing the newer one takes the older off: one run is public at a time
    client.post(f"/console/indicators/runs/{newer.pk}/publish/", {"confirm": "1"})
    assert IndicatorRun.objects.get(pk=evaluated.pk).published_at is None
    assert {r["score"] for r in _rows("indicator-scores")} == {99.0}
    # and withdrawing it leaves nothing public
    client.post(f"/console/indicators/runs/{newer.pk}/withdraw/", {"confirm": "1"})
    assert _rows("indicator-scores") == []
    assert AuditEvent.objects.filter(verb="indicators.run_withdrawn").count() == 1


def test_an_unfinished_run_cannot_be_published(client: Client, committee: User) -> None:
    tree = tree_install_default(actor=committee)
    TreeVersion.objects.filter(pk=tree.pk).update(status=TreeVersion.Status.PUBLISHED)
    queued = IndicatorRun.objects.create(version=tree, year=YEAR)
    client.force_login(committee)
    response = client.post(f"/console/indicators/runs/{queued.pk}/publish/", {"confirm": "1"})
    assert response.status_code == 302
    page = _get(client, f"/console/indicators/runs/{queued.pk}/")
    assert "只有已完成" in page or "Only a finished evaluation run" in page
    assert IndicatorRun.objects.get(pk=queued.pk).published_at is None
    assert (
        client.post("/console/indicators/runs/999999/publish/", {"confirm": "1"}).status_code == 404
    )


# ------------------------------------------------------------------------------ bad input


def test_a_division_that_does_not_exist_is_a_clear_404(client: Client, chengdu: None) -> None:
    for code in ("510199999999", "5101", "510107005004999"):
        response = client.get(f"/dashboards/{code}/")
        assert response.status_code == 404
        page = response.content.decode()
        assert "没有编码为" in page or "no city, district, street or community has" in page
