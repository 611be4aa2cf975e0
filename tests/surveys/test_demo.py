"""The demo wave: synthetic answers drawn by the sampling plan land in realistic ranges."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from shequ.core.scopes import Role
from shequ.people.models import Resident, User
from shequ.places.models import Division
from shequ.surveys import selectors
from shequ.surveys.demo import DEMO_SERIES, demo_definition, synthetic_answers
from shequ.surveys.models import Invitation, Response, Survey
from shequ.surveys.services.surveys import survey_create
from tests.factories import CITY, make_staff

DISTRICTS = 6
PER_DISTRICT = 700
# Ages, age bands and so the raking weights are computed on the survey's reference date, which
# defaults to today: the wave is drawn on a fixed day so the figures never drift with the clock.
BORN_BEFORE = date(2024, 1, 1)


@pytest.fixture(autouse=True)
def on_reference_day() -> Iterator[None]:
    moment = datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=True):
        yield


def registry() -> None:
    """A synthetic adult registry over six districts, ages 18–90, both sexes."""
    rng = np.random.default_rng(11)
    districts = list(
        Division.objects.filter(level=Division.Level.DISTRICT)
        .order_by("code")
        .values_list("code", flat=True)[:DISTRICTS]
    )
    residents = []
    for district in districts:
        communities = list(
            Division.objects.filter(
                level=Division.Level.COMMUNITY, code__startswith=district[:6], is_active=True
            )
            .order_by("code")
            .values_list("code", flat=True)[:20]
        )
        for i in range(PER_DISTRICT):
            age = int(np.clip(rng.gamma(4.5, 10.0), 18, 90))
            residents.append(
                Resident(
                    real_name=f"居民{district[:6]}{i}",
                    community_id=communities[i % len(communities)],
                    birth_date=BORN_BEFORE - timedelta(days=int(age * 365.25) + i % 300),
                    sex="F" if rng.random() < 0.5 else "M",
                )
            )
    Resident.objects.bulk_create(residents, batch_size=2000)


def seed(responses: int) -> Survey:
    call_command("seed_surveys", responses=responses, stdout=StringIO())
    return Survey.objects.get(series=DEMO_SERIES)


@pytest.fixture
def committee(chengdu: None) -> User:
    user = make_staff("committee", Role.CITY_COMMITTEE, CITY)
    registry()
    return user


def test_demo_wave_is_realistic_not_perfect(client: Client, committee: User) -> None:
    survey = seed(2000)
    results = selectors.survey_results(committee, survey, bootstrap=False)
    assert results.n == 2000
    assert results.index.value is not None
    assert results.recognition.value is not None
    # The city reported an index of 95.2 and over 96% recognition for the real survey.
    assert 93.0 <= results.index.value <= 96.5
    assert 0.94 <= results.recognition.value <= 0.98
    assert results.recognition.value < 1.0
    # Districts differ, within a plausible band.
    shown = [r.index.value for r in results.breakdowns["district"] if r.index and r.index.value]
    assert len(shown) == DISTRICTS
    assert max(shown) - min(shown) >= 0.5
    assert all(88 <= value <= 99 for value in shown)
    # Some sampled residents stop half way, others never answer.
    invited = Invitation.objects.filter(survey=survey).count()
    complete = Response.objects.filter(survey=survey, status="complete")
    partial = Response.objects.filter(survey=survey, status="partial").count()
    assert complete.count() == 2000
    assert 0 < partial < invited - 2000
    # Older residents and women answer more readily: raking has to correct for it, so the
    # weights spread on both sides of 1 and favour the young and men.
    report = Survey.objects.get(pk=survey.pk).weights_report
    assert report["converged"]
    assert report["weight_min"] < 0.9 < 1.1 < report["weight_max"]
    assert report["weight_max"] / report["weight_min"] > 1.3
    assert results.index.deff is not None
    assert results.index.deff > 1.005
    young = [w or 0.0 for w in complete.filter(age_band="18-34").values_list("weight", flat=True)]
    old = [w or 0.0 for w in complete.filter(age_band="65+").values_list("weight", flat=True)]
    assert np.mean(young) > np.mean(old)
    women = [w or 0.0 for w in complete.filter(sex="F").values_list("weight", flat=True)]
    men = [w or 0.0 for w in complete.filter(sex="M").values_list("weight", flat=True)]
    assert np.mean(men) > np.mean(women)
    # Optional questions are sometimes left blank.
    answered_recommend = complete.filter(answers__question__name="recommend").count()
    assert 0.85 * 2000 < answered_recommend < 2000
    # The results page says plainly that these answers are synthetic.
    client.force_login(committee)
    page = client.get(reverse("surveys_console:results", args=[survey.pk])).content.decode()
    assert 'data-testid="synthetic-banner"' in page
    methods = selectors.methods_note(survey, results)
    assert any("ynthetic" in line or "合成" in line or "模拟" in line for line in methods)


def test_a_real_survey_carries_no_synthetic_banner(client: Client, committee: User) -> None:
    survey = survey_create(
        actor=committee,
        title_zh="真实问卷",
        series="real-2026",
        division_code=CITY,
        definition=demo_definition(),
    )
    client.force_login(committee)
    page = client.get(reverse("surveys_console:results", args=[survey.pk])).content.decode()
    assert page.count('data-testid="index"') == 1
    assert 'data-testid="synthetic-banner"' not in page


def test_demo_is_reproducible(committee: User) -> None:
    def rows() -> list[tuple[str, str, float]]:
        return sorted(
            (code, status, -1.0 if score is None else score)
            for code, status, score in Response.objects.filter(
                survey__series=DEMO_SERIES
            ).values_list("community_code", "status", "score")
        )

    survey = seed(300)
    first = rows()
    assert len(first) > 300  # complete and partial responses
    survey.delete()
    seed(300)
    assert rows() == first


def test_synthetic_answers_vary_and_depend_on_the_seed() -> None:
    draws = [synthetic_answers(np.random.default_rng(5), 0.0, "35-49", "F") for _ in range(2)]
    assert draws[0] == draws[1]
    rng = np.random.default_rng(5)
    overall = {synthetic_answers(rng, 0.0, "18-34", "M")["overall"] for _ in range(300)}
    assert len(overall) >= 3  # not everyone answers "very satisfied"
