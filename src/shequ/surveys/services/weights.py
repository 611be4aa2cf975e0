"""Weights: complete responses raked to the registry's district, age-band and sex margins."""

from datetime import date
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Case, CharField, Count, Q, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError
from shequ.core.services import audit_record
from shequ.surveys.models import AGE_BAND_LIMITS, Response
from shequ.surveys.services._common import (
    SEX_VALUES,
    _require_manager,
    _survey_for_update,
    survey_reference_date,
    years_before,
)
from shequ.surveys.services.sampling import sampling_frame
from shequ.surveys.statistics import rake


def age_band_case(reference: date) -> Case:
    whens = [
        When(birth_date__gt=years_before(reference, high + 1), then=Value(str(band)))
        for band, _low, high in AGE_BAND_LIMITS[:-1]
    ]
    return Case(*whens, default=Value(str(AGE_BAND_LIMITS[-1][0])), output_field=CharField())


def survey_weights_compute(*, actor: Any, survey_id: int, ip: str | None = None) -> dict[str, Any]:
    """Rake complete responses to the registry's district, age-band and sex margins.

    The sample table and the margins are counted in the database; the fitting runs over at
    most districts × 4 × 2 cells; weights are written with one UPDATE per cell.
    Raises: NotFound, DomainError(no_responses).
    """
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        if actor is not None:
            _require_manager(actor, survey)
        complete = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
        cells = list(
            complete.exclude(district_code="")
            .exclude(age_band="")
            .exclude(sex="")
            .values_list("district_code", "age_band", "sex")
            .annotate(n=Count("id"))
            .order_by()
        )
        if not cells:
            raise DomainError("no_responses", _("There are no complete responses to weight."))
        frame = sampling_frame(survey)
        reference = survey_reference_date(survey)
        by_district = dict(
            frame.annotate(d=Substr("community_id", 1, 6))
            .values_list("d")
            .annotate(n=Count("id"))
            .order_by()
        )
        by_band = dict(
            frame.annotate(band=age_band_case(reference))
            .values_list("band")
            .annotate(n=Count("id"))
            .order_by()
        )
        by_sex = dict(frame.values_list("sex").annotate(n=Count("id")).order_by())
        districts = sorted({d + "000000" for d in by_district} | {c[0] for c in cells})
        bands = [str(b) for b, _l, _h in AGE_BAND_LIMITS]
        sexes = list(SEX_VALUES)
        counts = np.zeros((len(districts), len(bands), len(sexes)))
        for district, band, sex, n in cells:
            counts[districts.index(district), bands.index(band), sexes.index(sex)] = n
        margins = [
            np.array([by_district.get(d[:6], 0) for d in districts], dtype=float),
            np.array([by_band.get(b, 0) for b in bands], dtype=float),
            np.array([by_sex.get(s, 0) for s in sexes], dtype=float),
        ]
        result = rake(counts, margins)
        for i, j, k in zip(*np.nonzero(counts), strict=True):
            complete.filter(district_code=districts[i], age_band=bands[j], sex=sexes[k]).update(
                weight=float(result.weights[i, j, k])
            )
        complete.filter(Q(district_code="") | Q(age_band="") | Q(sex="")).update(weight=1.0)
        report = {
            "iterations": result.iterations,
            "converged": result.converged,
            "max_margin_error": result.max_error,
            "cells": int(np.count_nonzero(counts)),
            "respondents": int(counts.sum()),
            "districts": len(districts),
            "weight_min": float(result.weights[counts > 0].min()),
            "weight_max": float(result.weights[counts > 0].max()),
        }
        survey.weights_computed_at = timezone.now()
        survey.weights_report = report
        survey.save(update_fields=["weights_computed_at", "weights_report"])
        audit_record(
            actor=actor,
            verb="survey.weights_computed",
            target=survey,
            division_code=survey.division_id,
            changes={"respondents": [None, report["respondents"]]},
            ip=ip,
        )
    return report
