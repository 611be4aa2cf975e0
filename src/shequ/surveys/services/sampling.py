"""Sampling: the frame of adult residents, the plan (strata and their allocation) and the
seeded draw that creates the invitations with their one-time tokens.
"""

import secrets
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError
from shequ.core.scopes import within
from shequ.core.services import audit_record
from shequ.people.models import Resident
from shequ.surveys.models import Invitation, SamplingPlan, Stratum, Survey
from shequ.surveys.services._common import (
    SEX_VALUES,
    _require_manager,
    _survey_for_update,
    survey_reference_date,
    token_hash,
    years_before,
)
from shequ.surveys.statistics import AllocationError, allocate


def sampling_frame(survey: Survey) -> QuerySet[Resident]:
    """Adults of the survey's area with a known community, birth date and sex."""
    reference = survey_reference_date(survey)
    return Resident.objects.filter(
        within("community_id", survey.division_id),
        community__isnull=False,
        birth_date__lte=years_before(reference, 18),
        sex__in=SEX_VALUES,
    )


def stratum_code(community_code: str, level: str) -> str:
    if level == SamplingPlan.Level.DISTRICT:
        return community_code[:6] + "000000"
    if level == SamplingPlan.Level.STREET:
        return community_code[:9] + "000"
    return community_code


def stratum_populations(survey: Survey, level: str) -> dict[str, int]:
    """Adults in the frame per stratum code, counted in the database by community."""
    rows = sampling_frame(survey).values_list("community_id").annotate(n=Count("id")).order_by()
    populations: dict[str, int] = {}
    for community_id, n in rows:
        code = stratum_code(community_id, level)
        populations[code] = populations.get(code, 0) + n
    return dict(sorted(populations.items()))


def sampling_plan_set(
    *,
    actor: Any,
    survey_id: int,
    target_n: int,
    stratum_level: str = SamplingPlan.Level.DISTRICT,
    min_per_stratum: int = 30,
    seed: int = 2018,
    ip: str | None = None,
) -> SamplingPlan:
    """Strata and their allocation for ``target_n`` (sums to n exactly).

    Raises: NotFound, DomainError(plan_drawn, bad_level, target_too_large, minimum_too_large).
    """
    if stratum_level not in SamplingPlan.Level.values:
        raise DomainError("bad_level", _("Choose district, street or community strata."))
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        _require_manager(actor, survey)
        existing = SamplingPlan.objects.filter(survey=survey).first()
        if existing is not None and existing.drawn_at is not None:
            raise DomainError(
                "plan_drawn", _("The sample is already drawn; the plan can no longer change.")
            )
        survey.reference_date = survey.reference_date or timezone.localdate()
        survey.save(update_fields=["reference_date"])
        populations = stratum_populations(survey, stratum_level)
        try:
            allocation = allocate(target_n, list(populations.values()), min_per_stratum)
        except AllocationError as exc:
            if "floor" in str(exc) or "minimum" in str(exc):
                raise DomainError(
                    "minimum_too_large",
                    _("The minimum per stratum times the number of strata exceeds the target."),
                    field="min_per_stratum",
                ) from exc
            raise DomainError(
                "target_too_large",
                _("The target sample size must be between 1 and the %(n)s adults in the registry."),
                field="target_n",
                n=sum(populations.values()),
            ) from exc
        if existing is not None:
            existing.delete()
        plan = SamplingPlan.objects.create(
            survey=survey,
            target_n=target_n,
            stratum_level=stratum_level,
            min_per_stratum=min_per_stratum,
            seed=seed,
            created_by=actor,
        )
        Stratum.objects.bulk_create(
            Stratum(plan=plan, division_id=code, population=population, allocated=allocated)
            for (code, population), allocated in zip(populations.items(), allocation, strict=True)
        )
        audit_record(
            actor=actor,
            verb="survey.plan_set",
            target=survey,
            division_code=survey.division_id,
            changes={"target_n": [None, target_n], "strata": [None, len(populations)]},
            ip=ip,
        )
    return plan


def sampling_plan_draw(
    *, actor: Any, survey_id: int, ip: str | None = None
) -> list[tuple[int, str]]:
    """Draw the residents to invite (seeded, reproducible) and create their invitations.

    Returns (invitation id, one-time token) pairs: the tokens exist only here, for sending;
    the database keeps their hashes. Raises: NotFound, DomainError(no_plan, plan_drawn).
    """
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        _require_manager(actor, survey)
        plan = SamplingPlan.objects.select_for_update().filter(survey=survey).first()
        if plan is None:
            raise DomainError("no_plan", _("Set a sampling plan first."))
        if plan.drawn_at is not None:
            raise DomainError("plan_drawn", _("The sample is already drawn."))
        strata = list(plan.strata.order_by("division_id"))
        frame = list(sampling_frame(survey).order_by("id").values_list("id", "community_id"))
        ids = np.array([row[0] for row in frame], dtype=np.int64)
        codes = np.array([stratum_code(row[1], plan.stratum_level) for row in frame])
        communities = np.array([row[1] for row in frame])
        rng = np.random.default_rng(plan.seed)
        issued: list[tuple[Invitation, str]] = []
        for stratum in strata:
            members = np.flatnonzero(codes == stratum.division_id)
            take = min(stratum.allocated, len(members))
            chosen = np.sort(rng.choice(members, size=take, replace=False))
            for index in chosen:
                token = secrets.token_urlsafe(24)
                issued.append(
                    (
                        Invitation(
                            survey=survey,
                            stratum=stratum,
                            resident_id=int(ids[index]),
                            community_id=str(communities[index]),
                            token_hash=token_hash(token),
                        ),
                        token,
                    )
                )
        Invitation.objects.bulk_create([inv for inv, _t in issued], batch_size=2000)
        hashes = {inv.token_hash: token for inv, token in issued}
        pairs = [
            (pk, hashes[h])
            for pk, h in Invitation.objects.filter(survey=survey).values_list("id", "token_hash")
        ]
        plan.drawn_at = timezone.now()
        plan.save(update_fields=["drawn_at"])
        audit_record(
            actor=actor,
            verb="survey.sample_drawn",
            target=survey,
            division_code=survey.division_id,
            changes={"invitations": [None, len(pairs)], "seed": [None, plan.seed]},
            ip=ip,
        )
    return sorted(pairs)
