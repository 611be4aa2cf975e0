"""Planners assigned to communities for a term (聘期)."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.civil.models import Organisation
from shequ.core.errors import DomainError, NotFound
from shequ.core.scopes import Role, code_prefix
from shequ.core.services import audit_record
from shequ.people.models import StaffRole, User
from shequ.planning.models import (
    Assignment,
)
from shequ.planning.permissions import can_assign
from shequ.planning.services._common import _community, _int, _text


@transaction.atomic
def assignment_create(
    *,
    actor: User,
    planner_id: int | None,
    community_code: str | None,
    term_start: date | None,
    term_end: date | None,
    hours_per_month: Any,
    contract_party: str = "",
    organisation_id: int | None = None,
    ip: str | None = None,
) -> Assignment:
    """Assign a planner to a community for a term.

    Raises: NotFound (the community is outside the actor's area); DomainError
    ``planner_out_of_scope`` (the planner's role does not cover the community), ``bad_term``,
    ``bad_hours``, ``unknown_planner``.
    """
    community = _community(community_code)
    if not can_assign(actor, community.code):
        raise NotFound("not_found", _("No such community in your area."))
    roles = StaffRole.objects.filter(user_id=planner_id or 0, role=Role.PLANNER, is_active=True)
    if not roles.exists():
        raise DomainError("unknown_planner", _("Choose a community planner."), field="planner")
    if not any(
        r.division_id and community.code.startswith(code_prefix(r.division_id)) for r in roles
    ):
        raise DomainError(
            "planner_out_of_scope",
            _("This planner serves another district or street; %(community)s is outside it."),
            field="community",
            community=community.name,
        )
    if term_start is None or term_end is None:
        raise DomainError("required", _("This field is required."), field="term_end")
    if term_end < term_start:
        raise DomainError("bad_term", _("The term cannot end before it starts."), field="term_end")
    hours = _int(hours_per_month, "hours_per_month")
    if not 1 <= hours <= 300:
        raise DomainError(
            "bad_hours", _("Enter between 1 and 300 hours a month."), field="hours_per_month"
        )
    organisation = None
    if organisation_id:
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is None:
            raise DomainError(
                "unknown_organisation", _("Choose an organisation."), field="organisation"
            )
    assignment = Assignment.objects.create(
        planner=roles[0].user,
        community=community,
        term_start=term_start,
        term_end=term_end,
        hours_per_month=hours,
        contract_party=_text(contract_party, "contract_party", 120, required=False)
        or (organisation.name if organisation else ""),
        organisation=organisation,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        verb="planning.assign",
        target=assignment,
        division_code=community.code,
        ip=ip,
    )
    return assignment
