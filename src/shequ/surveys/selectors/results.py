"""Results of a survey: the index with its interval, breakdowns, distributions, trend.

Results are aggregated in the database (sums of w, w², wx, wx² per group), so the index with
its confidence interval and the per-community breakdown cost one grouped query each, however
many responses there are.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    FloatField,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import NotFound
from shequ.core.scopes import CITY_CODE, code_range
from shequ.people.selectors import scope_queryset
from shequ.places.models import Division
from shequ.surveys.demo import DEMO_SERIES
from shequ.surveys.models import (
    ANSWERLESS_TYPES,
    SCORABLE_TYPES,
    Answer,
    Choice,
    Question,
    QuestionType,
    Response,
    SamplingPlan,
    Section,
    Survey,
    SurveyVersion,
)
from shequ.surveys.selectors.lists import responses_for, survey_list_for
from shequ.surveys.statistics import (
    Estimate,
    Sums,
    bootstrap_mean_ci,
    estimate_mean,
    estimate_share,
)

BOOTSTRAP_LIMIT = 50_000
BOOTSTRAP_REPLICATES = 400

# --- results ---------------------------------------------------------------------------------


def _sums_annotations(threshold: float) -> dict[str, Any]:
    weight = Coalesce(F("weight"), Value(1.0), output_field=FloatField())
    return {
        "n": Count("id"),
        "sw": Sum(weight),
        "sw2": Sum(weight * weight),
        "swx": Sum(weight * F("score"), output_field=FloatField()),
        "swx2": Sum(weight * F("score") * F("score"), output_field=FloatField()),
        "sw_hit": Sum(
            Case(When(score__gte=threshold, then=weight), default=Value(0.0)),
            output_field=FloatField(),
        ),
    }


def _sums(row: dict[str, Any]) -> Sums:
    return Sums(
        n=row["n"] or 0,
        sw=row["sw"] or 0.0,
        sw2=row["sw2"] or 0.0,
        swx=row["swx"] or 0.0,
        swx2=row["swx2"] or 0.0,
        sw_hit=row["sw_hit"] or 0.0,
    )


@dataclass
class BreakdownRow:
    code: str
    name: str
    n: int
    suppressed: bool
    index: Estimate | None = None
    recognition: Estimate | None = None


@dataclass
class Results:
    survey: Survey
    n: int
    index: Estimate
    recognition: Estimate
    bootstrap: tuple[float, float] | None
    breakdowns: dict[str, list[BreakdownRow]] = field(default_factory=dict)
    distributions: list[dict[str, Any]] = field(default_factory=list)
    unweighted: int = 0
    repeats: list[dict[str, Any]] = field(default_factory=list)


LEVELS = ("district", "street", "community")


def _add(a: Sums, b: Sums) -> Sums:
    return Sums(
        n=a.n + b.n,
        sw=a.sw + b.sw,
        sw2=a.sw2 + b.sw2,
        swx=a.swx + b.swx,
        swx2=a.swx2 + b.swx2,
        sw_hit=a.sw_hit + b.sw_hit,
    )


EMPTY_SUMS = Sums(0, 0.0, 0.0, 0.0, 0.0, 0.0)


def _level_code(community_code: str, level: str) -> str:
    """The district or street code a community code belongs to (as responses store them)."""
    if level == "district":
        return community_code[:6] + "000000"
    if level == "street":
        return community_code[:9] + "000"
    return community_code


def survey_results(
    user: Any,
    survey: Survey,
    *,
    levels: tuple[str, ...] = LEVELS,
    bootstrap: bool = True,
    distributions: bool = True,
) -> Results:
    """Index, recognition rate and their 95% CIs, breakdowns with small cells suppressed.

    One query grouped by community gives Σw, Σw², Σwx, Σwx², Σw·hit and n; the sums add up,
    so streets, districts and the whole area are summed from those rows in Python (a few
    thousand rows) instead of scanning the responses again for every level.
    """
    base = responses_for(user, survey).filter(score__isnull=False)
    threshold = survey.recognition_threshold
    # Grouped by community only: the planner then expects a few thousand groups and hashes
    # them in memory (grouping by all three codes made it sort a million rows on disk).
    grouped = (
        base.values("community_code")
        .annotate(
            **_sums_annotations(threshold),
            unweighted=Count("id", filter=Q(weight__isnull=True)),
        )
        .order_by()
    )
    overall = EMPTY_SUMS
    unweighted = 0
    by_level: dict[str, dict[str, Sums]] = {level: {} for level in levels}
    for row in grouped:
        sums = _sums(row)
        overall = _add(overall, sums)
        unweighted += row["unweighted"] or 0
        community = row["community_code"]
        if not community:
            continue
        for level in levels:
            code = _level_code(community, level)
            by_level[level][code] = _add(by_level[level].get(code, EMPTY_SUMS), sums)
    results = Results(
        survey=survey,
        n=overall.n,
        index=estimate_mean(overall),
        recognition=estimate_share(overall),
        bootstrap=None,
        unweighted=unweighted,
    )
    if bootstrap and 2 <= overall.n <= BOOTSTRAP_LIMIT:
        pairs = np.array(
            list(base.values_list("score", Coalesce(F("weight"), Value(1.0)))), dtype=float
        )
        results.bootstrap = bootstrap_mean_ci(
            pairs[:, 0], pairs[:, 1], replicates=BOOTSTRAP_REPLICATES, seed=survey.pk
        )
    for level in levels:
        results.breakdowns[level] = _breakdown_rows(survey, by_level[level])
    if distributions:
        results.distributions = score_distributions(base, survey)
        # Every complete response, also one without a scored answer (a roster-only survey).
        results.repeats = repeat_summaries(responses_for(user, survey), survey)
    return results


def _breakdown_rows(survey: Survey, sums_by_code: dict[str, Sums]) -> list[BreakdownRow]:
    names = dict(Division.objects.filter(pk__in=list(sums_by_code)).values_list("code", "name"))
    out = []
    for code, sums in sorted(sums_by_code.items()):
        small = sums.n < survey.min_cell_size
        out.append(
            BreakdownRow(
                code=code,
                name=names.get(code, code),
                n=sums.n,
                suppressed=small,
                index=None if small else estimate_mean(sums),
                recognition=None if small else estimate_share(sums),
            )
        )
    return out


def survey_breakdown(base: QuerySet[Response], survey: Survey, level: str) -> list[BreakdownRow]:
    """Index and recognition per district, street or community; n < min cell suppressed."""
    field_name = f"{level}_code"
    grouped = (
        base.values(field_name)
        .annotate(**_sums_annotations(survey.recognition_threshold))
        .order_by(field_name)
    )
    return _breakdown_rows(
        survey, {row[field_name]: _sums(row) for row in grouped if row[field_name]}
    )


def score_distributions(base: QuerySet[Response], survey: Survey) -> list[dict[str, Any]]:
    """Answer counts per choice of every scored choice question (one grouped query)."""
    from shequ.surveys.models import Answer, Choice

    questions = list(
        Question.objects.filter(
            version__survey=survey,
            qtype__in=[QuestionType.LIKERT5, QuestionType.MATRIX],
            score_weight__gt=0,
        )
        .order_by("version__number", "position")
        .values("name", "label_zh", "label_en", "choice_list_id", "version_id")
    )
    latest: dict[str, dict[str, Any]] = {}
    for q in questions:
        latest[q["name"]] = dict(q)
    counts: dict[tuple[str, str], int] = {}
    for name, value, n in (
        Answer.objects.filter(response__in=base, question__name__in=list(latest))
        .values_list("question__name", "value_text")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[(name, value)] = counts.get((name, value), 0) + n
    choice_rows = Choice.objects.filter(
        choice_list_id__in=[q["choice_list_id"] for q in latest.values()]
    ).order_by("position")
    labels: dict[int, list[tuple[str, str, str]]] = {}
    for choice in choice_rows:
        labels.setdefault(choice.choice_list_id, []).append(
            (choice.name, choice.label_zh, choice.label_en)
        )
    out = []
    for name, entry in latest.items():
        options = labels.get(entry["choice_list_id"], [])
        out.append(
            {
                "name": name,
                "label_zh": entry["label_zh"],
                "label_en": entry["label_en"],
                "choices": [
                    {"name": c, "label_zh": zh, "label_en": en, "n": counts.get((name, c), 0)}
                    for c, zh, en in options
                ],
            }
        )
    return out


def _repeated_sections(survey: Survey) -> list[Section]:
    """The repeated sections (rosters) of the survey's latest version."""
    return list(
        Section.objects.filter(
            repeat=True,
            version=Subquery(
                SurveyVersion.objects.filter(survey=survey).order_by("-number").values("pk")[:1]
            ),
        ).order_by("position")
    )


def repeat_summaries(base: QuerySet[Response], survey: Survey) -> list[dict[str, Any]]:
    """Each repeated section of the latest version with its answers counted over entries.

    Every entry's answer is one observation of its question: ``n`` counts entries, not
    respondents, and nothing is weighted (a household's members are not a sample of
    residents). Per section: respondents who gave entries and the entries; per question:
    n, the count of each choice and, for numbers, the mean. A fixed number of grouped
    queries, however many responses.
    """
    sections = _repeated_sections(survey)
    if not sections:
        return []
    language = get_language() or "zh-hans"
    questions = list(
        Question.objects.filter(section__in=sections)
        .exclude(qtype__in=ANSWERLESS_TYPES)
        .order_by("position")
    )
    answers = Answer.objects.filter(
        response__in=base, entry__gt=0, question__name__in=[q.name for q in questions]
    )
    stats = {
        name: (n, mean)
        for name, n, mean in answers.values_list("question__name")
        .annotate(n=Count("id"), mean=Avg("value_number"))
        .order_by()
    }
    counts: dict[tuple[str, str], int] = {}
    for name, value, n in (
        answers.filter(question__qtype__in=[QuestionType.SINGLE, QuestionType.LIKERT5])
        .values_list("question__name", "value_text")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[(name, value)] = counts.get((name, value), 0) + n
    for name, chosen in answers.filter(question__qtype=QuestionType.MULTIPLE).values_list(
        "question__name", "value_choices"
    ):
        for value in chosen or []:
            counts[(name, value)] = counts.get((name, value), 0) + 1
    labels: dict[int, list[tuple[str, str]]] = {}
    for choice in Choice.objects.filter(
        choice_list_id__in=[q.choice_list_id for q in questions if q.choice_list_id]
    ).order_by("position"):
        labels.setdefault(choice.choice_list_id, []).append((choice.name, choice.label(language)))
    numeric = {
        QuestionType.INTEGER,
        QuestionType.DECIMAL,
        QuestionType.RATING10,
        QuestionType.RATING100,
    }
    out = []
    for section in sections:
        mine = [q for q in questions if q.section_id == section.pk]
        entries = answers.filter(question__name__in=[q.name for q in mine])
        out.append(
            {
                "name": section.name,
                "label": section.label(language) or section.name,
                "respondents": entries.values("response_id").distinct().count(),
                "entries": entries.values("response_id", "entry").distinct().count(),
                "questions": [
                    {
                        "name": q.name,
                        "label": q.label(language),
                        "n": stats.get(q.name, (0, None))[0],
                        "mean": stats.get(q.name, (0, None))[1] if q.qtype in numeric else None,
                        "choices": [
                            {"name": c, "label": label, "n": counts.get((q.name, c), 0)}
                            for c, label in labels.get(q.choice_list_id or 0, [])
                        ],
                    }
                    for q in mine
                ],
            }
        )
    return out


def survey_trend(user: Any, survey: Survey) -> list[dict[str, Any]]:
    """The index and recognition rate of every wave of the series (one grouped query)."""
    waves = {s.pk: s for s in survey_list_for(user).filter(series=survey.series)}
    annotations = _sums_annotations(survey.recognition_threshold)
    grouped = (
        scope_queryset(
            Response.objects.filter(
                survey_id__in=list(waves), status=Response.Status.COMPLETE, score__isnull=False
            ),
            user,
            division_field="community_code",
        )
        .values("survey_id")
        .annotate(**annotations)
        .order_by()
    )
    rows = []
    for row in grouped:
        sums = _sums(row)
        wave = waves[row["survey_id"]]
        rows.append(
            {
                "survey": wave,
                "wave": wave.wave,
                "index": estimate_mean(sums),
                "recognition": estimate_share(sums),
            }
        )
    return sorted(rows, key=lambda r: r["wave"])


def is_synthetic(survey: Survey) -> bool:
    """The seeded demo wave, whose responses no person gave."""
    return survey.series == DEMO_SERIES


def methods_note(survey: Survey, results: Results) -> list[str]:
    """A methods note written from the survey's actual settings and the figures computed."""
    plan = SamplingPlan.objects.filter(survey=survey).first()
    scored = list(
        Question.objects.filter(
            version__survey=survey, score_weight__gt=0, qtype__in=SCORABLE_TYPES
        )
        .values_list("name", "score_weight")
        .distinct()
    )
    notes = []
    if is_synthetic(survey):
        notes.append(
            str(
                _(
                    "Synthetic data: every response of this demo wave was generated by the "
                    "demo seeder (seeded, reproducible) for sampled residents of the synthetic "
                    "registry; no person answered. The figures only show how the methods work."
                )
            )
        )
    if plan is not None:
        notes.append(
            str(
                _(
                    "Sample: %(n)s residents aged 18 and over drawn at random (seed %(seed)s) "
                    "from the resident registry, stratified by %(level)s, allocated in "
                    "proportion to each stratum's adult population with at least %(min)s per "
                    "stratum (largest-remainder rounding)."
                )
                % {
                    "n": plan.target_n,
                    "seed": plan.seed,
                    "level": plan.get_stratum_level_display(),
                    "min": plan.min_per_stratum,
                }
            )
        )
    weights = ", ".join(f"{name} × {weight:g}" for name, weight in sorted(set(scored)))
    notes.append(
        str(
            _(
                "Index: each respondent's score is the weighted mean of the scored items "
                "(%(weights)s), with 5-point answers mapped to 0, 25, 50, 75, 100 and 0–10 "
                "ratings multiplied by 10; the index is the weighted mean over respondents."
            )
            % {"weights": weights or "—"}
        )
    )
    notes.append(
        str(
            _("Recognition rate: share of respondents whose score is at least %(t)s.")
            % {"t": f"{survey.recognition_threshold:g}"}
        )
    )
    report = survey.weights_report or {}
    if report:
        notes.append(
            str(
                _(
                    "Weights: raking (iterative proportional fitting) of %(r)s respondents "
                    "in %(c)s district × age band × sex cells to the registry's district, "
                    "age-band and sex totals; %(i)s iterations, largest margin gap %(e)s; "
                    "weights from %(lo)s to %(hi)s."
                )
                % {
                    "r": report.get("respondents"),
                    "c": report.get("cells"),
                    "i": report.get("iterations"),
                    "e": f"{report.get('max_margin_error', 0):.1e}",
                    "lo": f"{report.get('weight_min', 0):.2f}",
                    "hi": f"{report.get('weight_max', 0):.2f}",
                }
            )
        )
    else:
        notes.append(str(_("Weights: not computed yet; every respondent counts once.")))
    if _repeated_sections(survey):
        notes.append(
            str(
                _(
                    "Repeated sections (rosters, e.g. one entry per household member): each "
                    "entry's answer is one observation of its question, so their counts are "
                    "of entries (n = entries), not of respondents; they are not weighted and "
                    "do not enter the index."
                )
            )
        )
    deff = results.index.deff
    notes.append(
        str(
            _(
                "Confidence intervals (95%%): analytic, from the weighted variance with Kish's "
                "design effect (deff = %(deff)s, effective sample size %(neff)s); checked by a "
                "bootstrap of %(b)s resamples of respondents."
            )
            % {
                "deff": f"{deff:.3f}" if deff else "—",
                "neff": f"{results.index.n_eff:.0f}" if results.index.n_eff else "—",
                "b": BOOTSTRAP_REPLICATES,
            }
        )
    )
    notes.append(
        str(
            _("Breakdowns: groups with fewer than %(m)s respondents are not shown.")
            % {"m": survey.min_cell_size}
        )
    )
    return notes


def district_map(survey: Survey, results: Results) -> dict[str, Any]:
    """District boundaries of the survey's area as GeoJSON, each with its index (or why not).

    A district whose cell is suppressed (or that has no response) carries ``index`` None and
    is drawn grey on the results page.
    """
    rows = {row.code: row for row in results.breakdowns.get("district", [])}
    low, high = code_range(survey.division_id)
    features = []
    for code, name, boundary in (
        Division.objects.filter(
            level=Division.Level.DISTRICT, boundary__isnull=False, code__gte=low, code__lte=high
        )
        .order_by("code")
        .values_list("code", "short_name", "boundary")
    ):
        row = rows.get(code)
        shown = row is not None and not row.suppressed and row.index is not None
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": code,
                    "name": name,
                    "n": row.n if row else 0,
                    "suppressed": bool(row and row.suppressed),
                    "index": round(row.index.value, 2)
                    if shown and row and row.index and row.index.value is not None
                    else None,
                },
                "geometry": boundary,
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- public (no login): only closed surveys whose results a manager published -------------


def surveys_published() -> list[Survey]:
    return list(
        Survey.objects.filter(
            status=Survey.Status.CLOSED, results_published_at__isnull=False
        ).order_by("-closed_at", "-id")
    )


def public_sums_by_division(survey: Survey) -> dict[str, Sums]:
    """Σw, Σw², Σwx, Σwx², Σw·hit and n of a published survey's complete scored responses per
    community, street, district and the city (one grouped query, summed up in Python).
    Raises: NotFound when the survey's results are not published."""
    if survey.results_published_at is None or survey.status != Survey.Status.CLOSED:
        raise NotFound("survey_not_found", _("No such survey."))
    grouped = (
        Response.objects.filter(survey=survey, status=Response.Status.COMPLETE, score__isnull=False)
        .exclude(community_code="")
        .values("community_code")
        .annotate(**_sums_annotations(survey.recognition_threshold))
        .order_by()
    )
    out: dict[str, Sums] = {}
    for row in grouped:
        sums = _sums(row)
        community = row["community_code"]
        for code in dict.fromkeys(
            [community, *(_level_code(community, level) for level in LEVELS), CITY_CODE]
        ):
            out[code] = _add(out.get(code, EMPTY_SUMS), sums)
    return out
