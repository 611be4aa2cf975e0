"""Who may do what with projects (one place to look).

- everyone (also anonymous) sees the public list, map and project pages;
- staff see the console list of their area; department staff see their department's projects;
- street and district officers and the committee register and edit projects in their area;
- workers of the area (or the responsible department) report progress, upload photos and
  move a project from approved to under construction to completed;
- approval, acceptance and sending a completed project back for rework are for the district
  officer or the city committee;
- the taxonomy belongs to the city committee; plan targets to the committee and, for their
  own district, the district officers.
"""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import READERS, WORKERS, areas_of, covers, has_role
from shequ.projects.models import Project, Status

MANAGERS = frozenset({Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.CITY_COMMITTEE})
APPROVERS = frozenset({Role.DISTRICT_OFFICER, Role.CITY_COMMITTEE})

# Which roles may make which move: (from, to) → roles.
TRANSITION_ROLES: dict[tuple[str, str], frozenset[str]] = {
    (Status.PLANNED, Status.APPROVED): APPROVERS,
    (Status.APPROVED, Status.UNDER_CONSTRUCTION): WORKERS,
    (Status.UNDER_CONSTRUCTION, Status.COMPLETED): WORKERS,
    (Status.COMPLETED, Status.ACCEPTED): APPROVERS,
    # 验收不合格，整改: back to work, only with a reason.
    (Status.COMPLETED, Status.UNDER_CONSTRUCTION): APPROVERS,
}


def is_department_of(user: Any, project: Project) -> bool:
    return project.department_id is not None and any(
        area.role == Role.DEPARTMENT_STAFF and area.department_id == project.department_id
        for area in areas_of(user)
    )


@rules.predicate
def can_view_project(user: Any, project: Project | None) -> bool:
    if project is None:
        return False
    return covers(user, project.division_id, READERS) or is_department_of(user, project)


@rules.predicate
def can_report_progress(user: Any, project: Project | None) -> bool:
    if project is None:
        return False
    return covers(user, project.division_id, WORKERS) or is_department_of(user, project)


@rules.predicate
def can_manage_project(user: Any, project: Project | None) -> bool:
    return project is not None and covers(user, project.division_id, MANAGERS)


def can_register_in(user: Any, division_code: str) -> bool:
    return covers(user, division_code, MANAGERS)


def can_transition(user: Any, project: Project, target: str) -> bool:
    roles = TRANSITION_ROLES.get((project.status, target))
    if roles is None:
        return False
    if covers(user, project.division_id, roles):
        return True
    return roles is WORKERS and is_department_of(user, project)


@rules.predicate
def can_edit_taxonomy(user: Any) -> bool:
    return has_role(user, Role.CITY_COMMITTEE, Role.SYSTEM_ADMIN)


def can_set_plan(user: Any, district_code: str) -> bool:
    return covers(user, district_code, APPROVERS)


rules.add_perm("projects.view_project", can_view_project)
rules.add_perm("projects.report_progress", can_report_progress)
rules.add_perm("projects.change_project", can_manage_project)
rules.add_perm("projects.change_projecttype", can_edit_taxonomy)
