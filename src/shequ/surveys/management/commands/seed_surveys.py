"""manage.py seed_surveys [--responses N] — the demo wave of the 10,000-person survey.

Draws the sample with the real sampling plan from the (synthetic) resident registry and
gives the sampled residents synthetic answers, checked by the same rules as real ones. Who
answers depends on age band and sex (older residents and women answer more readily), some
sampled residents never answer and some stop half way (partial responses), so the weighting
has work to do. Seeded: the same registry and seed give the same responses.
Idempotent: a second run adds nothing.
"""

import math
import time
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from shequ.core.scopes import CITY_CODE
from shequ.people.models import User
from shequ.surveys.demo import (
    DEMO_SERIES,
    DEMO_TITLE,
    demo_definition,
    response_propensity,
    synthetic_answers,
)
from shequ.surveys.models import Answer, Invitation, Response, Survey
from shequ.surveys.services._common import survey_reference_date
from shequ.surveys.services.answers import VersionQuestions, answers_clean
from shequ.surveys.services.responses import age_band_of
from shequ.surveys.services.sampling import (
    sampling_frame,
    sampling_plan_draw,
    sampling_plan_set,
    stratum_populations,
)
from shequ.surveys.services.surveys import (
    survey_create,
    survey_latest_version,
    survey_open,
    survey_settings_update,
)
from shequ.surveys.services.weights import survey_weights_compute

# Complete responses per invitation; of the rest, PARTIAL_SHARE (of all invitations) stop
# half way and the others never answer.
RESPONSE_RATE = 0.88
PARTIAL_SHARE = 0.04
DISTRICT_SPREAD = 0.07
BATCH = 1000


class Command(BaseCommand):
    help = "Seed the demo wave of 高品质和谐宜居生活社区万人问卷调查 with synthetic responses."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--responses", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=2018)

    def handle(self, *args: Any, responses: int, seed: int, **options: Any) -> None:
        started = time.perf_counter()
        if Survey.objects.filter(series=DEMO_SERIES, wave=1).exists():
            self.stdout.write("demo survey already present: none added")
            return
        committee = User.objects.filter(username="committee").first()
        if committee is None:
            raise CommandError("run seed_demo first (the committee demo account is missing)")
        survey = survey_create(
            actor=committee,
            title_zh=DEMO_TITLE,
            title_en="Survey of 10,000 residents on high-quality, harmonious, liveable communities",
            series=DEMO_SERIES,
            division_code=CITY_CODE,
            definition=demo_definition(),
        )
        survey_settings_update(
            actor=committee,
            survey_id=survey.pk,
            recognition_threshold=60,
            min_cell_size=30,
            open_link_enabled=True,
        )
        survey_open(actor=committee, survey_id=survey.pk)
        frame = sampling_frame(survey).count()
        target = min(frame, math.ceil(responses / RESPONSE_RATE))
        strata = stratum_populations(survey, "district")
        sampling_plan_set(
            actor=committee,
            survey_id=survey.pk,
            target_n=target,
            stratum_level="district",
            min_per_stratum=min(30, target // max(1, len(strata))),
            seed=seed,
        )
        sampling_plan_draw(actor=committee, survey_id=survey.pk)
        answered = self._answer(survey, min(responses, target), seed)
        survey_weights_compute(actor=committee, survey_id=survey.pk)
        partial = Response.objects.filter(survey=survey, status=Response.Status.PARTIAL).count()
        self.stdout.write(
            f"demo survey: {target} invited, {answered} complete and {partial} partial "
            f"synthetic responses in {time.perf_counter() - started:.1f}s"
        )

    def _answer(self, survey: Survey, count: int, seed: int) -> int:
        """Complete responses from ``count`` invitations, partial ones from a few others."""
        rng = np.random.default_rng(seed)
        worker = User.objects.filter(username="worker").first()
        version = survey_latest_version(survey)
        questions = VersionQuestions(version)
        reference = survey_reference_date(survey)
        rows = [
            (pk, community, age_band_of(born, reference), sex)
            for pk, community, born, sex in Invitation.objects.filter(survey=survey)
            .order_by("id")
            .values_list("id", "community_id", "resident__birth_date", "resident__sex")
        ]
        propensity = np.array([response_propensity(band, sex) for _i, _c, band, sex in rows])
        count = min(count, len(rows))
        chosen = rng.choice(len(rows), size=count, replace=False, p=propensity / propensity.sum())
        rest = np.setdiff1d(np.arange(len(rows)), chosen)
        partial = rng.choice(
            rest, size=min(len(rest), round(PARTIAL_SHARE * len(rows))), replace=False
        )
        districts = sorted({r[1][:6] for r in rows})
        effects = dict(
            zip(districts, rng.normal(0, DISTRICT_SPREAD, size=len(districts)), strict=True)
        )
        now = timezone.now()
        jobs = [(int(i), True) for i in sorted(chosen)] + [(int(i), False) for i in sorted(partial)]
        for start in range(0, len(jobs), BATCH):
            responses: list[Response] = []
            answers: list[list[Answer]] = []
            for index, complete in jobs[start : start + BATCH]:
                invitation_id, community, band, sex = rows[index]
                cleaned, score = answers_clean(
                    questions,
                    synthetic_answers(
                        rng, float(effects[community[:6]]), band, sex, partial=not complete
                    ),
                    submit=complete,
                )
                by_worker = worker is not None and community == "510107005004"
                responses.append(
                    Response(
                        survey=survey,
                        version=version,
                        invitation_id=invitation_id,
                        channel=Response.Channel.INTERVIEWER
                        if by_worker
                        else Response.Channel.INVITATION,
                        interviewer=worker if by_worker else None,
                        status=Response.Status.COMPLETE if complete else Response.Status.PARTIAL,
                        district_code=community[:6] + "000000",
                        street_code=community[:9] + "000",
                        community_code=community,
                        age_band=band,
                        sex=sex,
                        score=score,
                        submitted_at=now if complete else None,
                    )
                )
                answers.append(cleaned)
            with transaction.atomic():
                Response.objects.bulk_create(responses)
                for response, cleaned in zip(responses, answers, strict=True):
                    for answer in cleaned:
                        answer.response = response
                Answer.objects.bulk_create([a for group in answers for a in group], batch_size=5000)
        return count
