"""Who may manage volunteer teams and activities.

A team is managed by its active leaders, by the workers whose area covers the team's area
(community worker up to the city committee) and, for a department's team, by that
department's staff. An activity of a team follows its team; a community's own activity
follows the community. Area readers (workers and auditors) see volunteers and the ledger.
"""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import READERS, WORKERS, areas_of, covers


def is_department_staff_of(user: Any, department_id: int | None) -> bool:
    return department_id is not None and any(
        a.role == Role.DEPARTMENT_STAFF and a.department_id == department_id for a in areas_of(user)
    )


def is_team_leader(user: Any, team_id: int) -> bool:
    from shequ.volunteers.models import Membership

    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(
        team_id=team_id,
        volunteer__user=user,
        volunteer__status="active",
        role=Membership.Role.LEADER,
        status=Membership.Status.ACTIVE,
    ).exists()


def may_manage_team(user: Any, team: Any) -> bool:
    if covers(user, team.division_id, WORKERS):
        return True
    if team.department_id is not None and is_department_staff_of(user, team.department_id):
        return True
    return is_team_leader(user, team.pk)


def may_manage_activity(user: Any, activity: Any) -> bool:
    if activity.team_id is not None:
        return may_manage_team(user, activity.team)
    return covers(user, activity.community_id, WORKERS)


def may_create_activity_in(user: Any, community_code: str) -> bool:
    return covers(user, community_code, WORKERS)


@rules.predicate
def can_use_volunteer_console(user: Any) -> bool:
    return any(a.role in READERS or a.role == Role.SYSTEM_ADMIN for a in areas_of(user))


@rules.predicate
def can_edit_volunteer_records(user: Any) -> bool:
    return any(a.role in WORKERS or a.role == Role.SYSTEM_ADMIN for a in areas_of(user))


rules.add_perm("volunteers.use_console", can_use_volunteer_console)
rules.add_perm("volunteers.change_hoursentry", can_edit_volunteer_records)
