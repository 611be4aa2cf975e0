"""Surveys, responses, invitations and quotas a user may see."""

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.utils.translation import gettext_lazy as _

from shequ.core.digits import is_ascii_digits
from shequ.core.errors import NotFound
from shequ.core.scopes import CITY_CODE, Role, code_range, within
from shequ.people.permissions import READERS, areas_of
from shequ.people.selectors import scope_queryset
from shequ.places.models import Division
from shequ.places.selectors import division_children
from shequ.surveys.models import (
    Answer,
    Invitation,
    QuestionType,
    Response,
    SamplingPlan,
    Survey,
)
from shequ.surveys.permissions import can_view_survey


def _ancestor_codes(code: str) -> list[str]:
    return [code[:4] + "00000000", code[:6] + "000000", code[:9] + "000", code]


def survey_list_for(user: Any) -> QuerySet[Survey]:
    """Surveys whose area overlaps one of the user's (their own area, above or below)."""
    areas = [a for a in areas_of(user) if a.role in READERS or a.role == Role.SYSTEM_ADMIN]
    if not areas:
        return Survey.objects.none()
    queryset = Survey.objects.select_related("division").order_by("-created_at", "-id")
    if any(a.is_everywhere for a in areas):
        return queryset
    condition = Q(pk__in=[])
    for area in areas:
        if area.division_code is None:
            continue
        low, high = code_range(area.division_code)
        condition |= Q(division_id__gte=low, division_id__lte=high)
        condition |= Q(division_id__in=_ancestor_codes(area.division_code))
    return queryset.filter(condition)


def survey_get_for(user: Any, survey_id: int) -> Survey:
    """Raises: NotFound when missing or outside the user's area."""
    survey = Survey.objects.select_related("division").filter(pk=survey_id).first()
    if survey is None or not can_view_survey(user, survey):
        raise NotFound("survey_not_found", _("No such survey."))
    return survey


def survey_open_get(survey_id: int) -> Survey:
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        raise NotFound("survey_not_found", _("No such survey."))
    return survey


def responses_for(user: Any, survey: Survey) -> QuerySet[Response]:
    """Complete responses of ``survey`` inside the user's area."""
    return scope_queryset(
        Response.objects.filter(survey=survey, status=Response.Status.COMPLETE),
        user,
        division_field="community_code",
    )


def photo_answer_for(user: Any, survey: Survey, answer_id: int) -> Answer:
    """A photo answer of a complete response in the user's area (as the export shows them).

    Raises: NotFound when missing, not a photo, or outside the user's area.
    """
    answer = (
        Answer.objects.filter(
            pk=answer_id,
            question__qtype=QuestionType.IMAGE,
            response__in=responses_for(user, survey),
        )
        .exclude(value_text="")
        .first()
    )
    if answer is None:
        raise NotFound("photo_not_found", _("No such photo."))
    return answer


def invitations_for(user: Any, survey: Survey) -> QuerySet[Invitation]:
    """Invitations in the user's area (for interviewers), with the resident's masked data."""
    return (
        scope_queryset(
            Invitation.objects.filter(survey=survey), user, division_field="community_id"
        )
        .select_related("resident", "community", "response")
        .only(
            "id",
            "community_id",
            "community__name",
            "community__short_name",
            "resident__real_name",
            "resident__phone",
            "resident__sex",
            "response__id",
            "response__status",
        )
        .order_by("community_id", "id")
    )


@dataclass
class PlacePicker:
    """The cascading district → street → community picker of the open link.

    It starts at the survey's own area, so a respondent can only choose a community inside
    it (the service checks the code again on save).
    """

    levels: list[str]
    districts: list[Division]
    streets: list[Division]
    communities: list[Division]
    chosen: dict[str, str]
    fixed: bool = False  # the survey covers one community: nothing to choose


def open_link_places(survey: Survey, chosen: dict[str, str]) -> PlacePicker:
    """Options of each picker level given what was chosen (kept after an error)."""
    root = survey.division
    root_level = root.level

    def children(code: str, level: str) -> list[Division]:
        if not is_ascii_digits(code):
            return []
        return list(
            Division.objects.filter(parent_id=code, level=level, is_active=True)
            .filter(within("code", root.code))
            .only("code", "name", "short_name", "level", "parent_id")
            .order_by("code")
        )

    district = root.code if root_level == Division.Level.DISTRICT else chosen.get("district", "")
    street = root.code if root_level == Division.Level.STREET else chosen.get("street", "")
    if root_level == Division.Level.COMMUNITY:
        return PlacePicker(
            [Division.Level.COMMUNITY],
            [],
            [],
            [root],
            {**chosen, "community_code": root.code},
            fixed=True,
        )
    levels: dict[str, list[str]] = {
        Division.Level.CITY: ["district", "street", "community"],
        Division.Level.DISTRICT: ["street", "community"],
        Division.Level.STREET: ["community"],
    }
    picked = levels.get(str(root_level), ["district", "street", "community"])
    return PlacePicker(
        levels=picked,
        districts=children(root.code, Division.Level.DISTRICT) if "district" in picked else [],
        streets=children(district, Division.Level.STREET),
        communities=children(street, Division.Level.COMMUNITY),
        chosen=chosen,
    )


@dataclass
class QuotaRow:
    division: Division
    population: int
    allocated: int
    invited: int
    complete: int
    partial: int

    @property
    def percent(self) -> float:
        return 100.0 * self.complete / self.allocated if self.allocated else 0.0


def quota_board(user: Any, survey: Survey) -> list[QuotaRow]:
    """Completion per stratum (three grouped queries), limited to the user's area."""
    plan = SamplingPlan.objects.filter(survey=survey).first()
    if plan is None:
        return []
    strata = list(plan.strata.select_related("division"))
    invited = dict(
        invitations_for(user, survey).values_list("stratum_id").annotate(n=Count("id")).order_by()
    )
    field_name = {
        str(SamplingPlan.Level.DISTRICT): "district_code",
        SamplingPlan.Level.STREET: "street_code",
        SamplingPlan.Level.COMMUNITY: "community_code",
    }[str(plan.stratum_level)]
    progress: dict[tuple[str, str], int] = {}
    rows = (
        scope_queryset(
            Response.objects.filter(survey=survey), user, division_field="community_code"
        )
        .values_list(field_name, "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for code, status, n in rows:
        progress[(code, status)] = n
    visible = [s for s in strata if s.pk in invited or _user_sees(user, s.division_id)]
    return [
        QuotaRow(
            division=s.division,
            population=s.population,
            allocated=s.allocated,
            invited=invited.get(s.pk, 0),
            complete=progress.get((s.division_id, Response.Status.COMPLETE), 0),
            partial=progress.get((s.division_id, Response.Status.PARTIAL), 0),
        )
        for s in visible
    ]


def _user_sees(user: Any, code: str) -> bool:
    from shequ.people.permissions import covers

    return covers(user, code, READERS)


def owner_area_choices(user: Any) -> list[tuple[str, str]]:
    """Areas a survey may belong to: the officer's own areas, then the divisions just below."""
    roots = {
        CITY_CODE if area.is_everywhere else area.division_code
        for area in areas_of(user)
        if area.is_everywhere or area.division_code
    }
    choices: list[tuple[str, str]] = []
    for root in Division.objects.filter(pk__in=roots).order_by("code"):
        choices.append((root.code, root.name))
        if root.level in (Division.Level.CITY, Division.Level.DISTRICT):
            choices.extend(
                (child.code, f"— {child.name}") for child in division_children(root.code)
            )
    return choices
