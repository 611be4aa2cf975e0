"""Who may build, sample, interview for and read a survey."""

from typing import Any

import rules

from shequ.core.scopes import Role, code_range
from shequ.people.permissions import READERS, WORKERS, areas_of, covers

# Officers who may build a questionnaire, draw a sample and publish results for their area.
MANAGERS = frozenset({Role.CITY_COMMITTEE, Role.DISTRICT_OFFICER, Role.STREET_OFFICER})


def _overlaps(area_code: str, survey_code: str) -> bool:
    low, high = code_range(survey_code)
    a_low, a_high = code_range(area_code)
    return low <= area_code <= high or a_low <= survey_code <= a_high


@rules.predicate
def can_manage_survey(user: Any, survey: Any) -> bool:
    return survey is not None and covers(user, survey.division_id, MANAGERS)


@rules.predicate
def can_view_survey(user: Any, survey: Any) -> bool:
    """Readers whose area overlaps the survey's: a district sees a city survey (its part)."""
    if survey is None:
        return False
    for area in areas_of(user):
        if area.is_everywhere and area.role in (*READERS, Role.SYSTEM_ADMIN):
            return True
        if (
            area.role in READERS
            and area.division_code
            and _overlaps(area.division_code, survey.division_id)
        ):
            return True
    return False


@rules.predicate
def can_interview(user: Any, invitation: Any) -> bool:
    """Workers collect answers door to door from sampled residents of their own area."""
    return invitation is not None and covers(user, invitation.community_id, WORKERS)


@rules.predicate
def can_create_survey(user: Any) -> bool:
    return any(a.role in MANAGERS or a.role == Role.SYSTEM_ADMIN for a in areas_of(user))


rules.add_perm("surveys.change_survey", can_manage_survey)
rules.add_perm("surveys.view_survey", can_view_survey)
rules.add_perm("surveys.add_survey", can_create_survey)
rules.add_perm("surveys.interview", can_interview)
