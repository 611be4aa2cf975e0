"""manage.py seed_surveys [--responses N] — the demo wave of the 10,000-person survey.

Draws the sample with the real sampling plan from the (synthetic) resident registry and
gives the sampled residents synthetic answers, checked by the same rules as real ones.
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
from shequ.surveys import services
from shequ.surveys.demo import DEMO_SERIES, DEMO_TITLE, demo_definition, synthetic_answers
from shequ.surveys.models import Answer, Invitation, Response, Survey

RESPONSE_RATE = 0.92
BATCH = 1000


class Command(BaseCommand):
    help = "Seed the demo wave of 高品质和谐宜居生活社区万人问卷调查 with synthetic responses."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--responses", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=2018)

    def handle(self, *args: Any, responses: int, seed: int, **options: Any) -> None:
        started = time.perf_counter()
        if Survey.objects.filter(series=DEMO_SERIES, wave=1).exists():
            self.stdout.write("demo survey already present: none added")
            return
        committee = User.objects.filter(username="committee").first()
        if committee is None:
            raise CommandError("run seed_demo first (the committee demo account is missing)")
        survey = services.survey_create(
            actor=committee,
            title_zh=DEMO_TITLE,
            title_en="Survey of 10,000 residents on high-quality, harmonious, liveable communities",
            series=DEMO_SERIES,
            division_code=CITY_CODE,
            definition=demo_definition(),
        )
        services.survey_settings_update(
            actor=committee,
            survey_id=survey.pk,
            recognition_threshold=60,
            min_cell_size=30,
            open_link_enabled=True,
        )
        services.survey_open(actor=committee, survey_id=survey.pk)
        frame = services.sampling_frame(survey).count()
        target = min(frame, math.ceil(responses / RESPONSE_RATE))
        strata = services.stratum_populations(survey, "district")
        services.sampling_plan_set(
            actor=committee,
            survey_id=survey.pk,
            target_n=target,
            stratum_level="district",
            min_per_stratum=min(30, target // max(1, len(strata))),
            seed=seed,
        )
        services.sampling_plan_draw(actor=committee, survey_id=survey.pk)
        answered = self._answer(survey, min(responses, target), seed)
        services.survey_weights_compute(actor=committee, survey_id=survey.pk)
        self.stdout.write(
            f"demo survey: {target} invited, {answered} synthetic responses "
            f"in {time.perf_counter() - started:.1f}s"
        )

    def _answer(self, survey: Survey, count: int, seed: int) -> int:
        rng = np.random.default_rng(seed)
        worker = User.objects.filter(username="worker").first()
        version = services.survey_latest_version(survey)
        questions = services.VersionQuestions(version)
        reference = services.survey_reference_date(survey)
        rows = list(
            Invitation.objects.filter(survey=survey)
            .order_by("id")
            .values_list("id", "community_id", "resident__birth_date", "resident__sex")
        )
        chosen = sorted(rng.choice(len(rows), size=min(count, len(rows)), replace=False))
        districts = sorted({r[1][:6] for r in rows})
        effects = dict(zip(districts, rng.normal(0, 0.06, size=len(districts)), strict=True))
        now = timezone.now()
        done = 0
        for start in range(0, len(chosen), BATCH):
            batch = [rows[i] for i in chosen[start : start + BATCH]]
            responses: list[Response] = []
            answers: list[list[Answer]] = []
            for invitation_id, community, born, sex in batch:
                cleaned, score = services.answers_clean(
                    questions, synthetic_answers(rng, float(effects[community[:6]])), submit=True
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
                        status=Response.Status.COMPLETE,
                        district_code=community[:6] + "000000",
                        street_code=community[:9] + "000",
                        community_code=community,
                        age_band=services.age_band_of(born, reference),
                        sex=sex,
                        score=score,
                        submitted_at=now,
                    )
                )
                answers.append(cleaned)
            with transaction.atomic():
                Response.objects.bulk_create(responses)
                for response, cleaned in zip(responses, answers, strict=True):
                    for answer in cleaned:
                        answer.response = response
                Answer.objects.bulk_create([a for group in answers for a in group], batch_size=5000)
            done += len(batch)
        return done
