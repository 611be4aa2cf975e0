"""Volunteer teams (志愿服务队): created by area workers, led by volunteers, joined on a
leader's approval."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record
from shequ.notices.models import Category
from shequ.notices.services import message_send, plain_text
from shequ.people.models import Department, User
from shequ.people.permissions import WORKERS, covers
from shequ.places.models import Division
from shequ.volunteers.models import Membership, Team, Volunteer
from shequ.volunteers.permissions import is_department_staff_of, may_manage_team

KIND_LEVELS: dict[str, str] = {
    Team.Kind.COMMUNITY: Division.Level.COMMUNITY,
    Team.Kind.STREET: Division.Level.STREET,
}


@transaction.atomic
def team_create(
    *,
    actor: User,
    name: str,
    kind: str,
    division_code: str,
    department_id: int | None = None,
    organisation: str = "",
    description: str = "",
    ip: str | None = None,
) -> Team:
    """Set up a team in the actor's area.

    Raises: PermissionDenied (area not the actor's), DomainError ``bad_kind`` /
    ``bad_level`` / ``department_required`` / ``organisation_required`` / ``duplicate``.
    """
    if kind not in Team.Kind.values:
        raise DomainError("bad_kind", _("Choose what the team belongs to."), field="kind")
    division = Division.objects.filter(pk=division_code).first()
    if division is None:
        raise DomainError("bad_area", _("Choose the team's area."), field="division")
    department = None
    if kind == Team.Kind.DEPARTMENT:
        department = Department.objects.filter(pk=department_id or 0, is_active=True).first()
        if department is None:
            raise DomainError(
                "department_required", _("Choose the department."), field="department"
            )
        if not (
            covers(actor, division.pk, WORKERS) or is_department_staff_of(actor, department.pk)
        ):
            raise PermissionDenied("not_yours", _("You may not set up teams there."))
    elif not covers(actor, division.pk, WORKERS):
        raise PermissionDenied("not_yours", _("You may not set up teams there."))
    level = KIND_LEVELS.get(kind)
    if level is not None and division.level != level:
        raise DomainError(
            "bad_level",
            _("A community team belongs to a community, a street team to a street."),
            field="division",
        )
    clean_org = plain_text(organisation, field="organisation", max_length=80, required=False)
    if kind == Team.Kind.ORGANISATION and not clean_org:
        raise DomainError(
            "organisation_required", _("Enter the organisation's name."), field="organisation"
        )
    clean_name = plain_text(name, field="name", max_length=60)
    if Team.objects.filter(division=division, name=clean_name).exists():
        raise DomainError(
            "duplicate", _("A team of this name already exists in this area."), field="name"
        )
    team = Team.objects.create(
        name=clean_name,
        kind=kind,
        division=division,
        department=department,
        organisation=clean_org,
        description=plain_text(description, field="description", max_length=1000, required=False),
        created_by=actor,
    )
    audit_record(actor=actor, verb="team.create", target=team, division_code=division.pk, ip=ip)
    return team


@transaction.atomic
def team_leader_set(
    *, actor: User, team_id: int, resident_id: int, ip: str | None = None
) -> Membership:
    """Make a registered volunteer (picked by name) a leader of the team.

    Raises: NotFound, DomainError ``not_volunteer``.
    """
    team = Team.objects.select_for_update(of=("self",)).filter(pk=team_id).first()
    if team is None or not (
        covers(actor, team.division_id, WORKERS)
        or is_department_staff_of(actor, team.department_id)
    ):
        raise NotFound("not_found", _("Not found."))
    volunteer = Volunteer.objects.filter(
        resident_id=resident_id, status=Volunteer.Status.ACTIVE
    ).first()
    if volunteer is None:
        raise DomainError(
            "not_volunteer",
            _("This person is not a registered volunteer; they register on their phone first."),
            field="person",
        )
    membership, _created = Membership.objects.get_or_create(team=team, volunteer=volunteer)
    membership.role = Membership.Role.LEADER
    membership.status = Membership.Status.ACTIVE
    membership.decided_at = timezone.now()
    membership.decided_by = actor
    membership.save()
    audit_record(
        actor=actor,
        verb="team.leader_set",
        target=membership,
        division_code=team.division_id,
        ip=ip,
    )
    message_send(
        user_id=volunteer.user_id,
        category=Category.SYSTEM,
        title=_("You lead the volunteer team %(name)s") % {"name": team.name},
        url=f"/volunteers/manage/teams/{team.pk}/",
    )
    return membership


def _active_volunteer(actor: User) -> Volunteer:
    volunteer = Volunteer.objects.filter(user=actor).first()
    if volunteer is None:
        raise DomainError("not_volunteer", _("Register as a volunteer first."))
    if not volunteer.is_active:
        raise DomainError("volunteer_left", _("You have left; return as a volunteer first."))
    return volunteer


@transaction.atomic
def membership_request(
    *, actor: User, team_id: int, note: str = "", ip: str | None = None
) -> Membership:
    """Ask to join a team; its leaders are told.

    Raises: NotFound, DomainError ``not_volunteer`` / ``volunteer_left`` /
    ``already_member`` / ``already_requested``.
    """
    volunteer = _active_volunteer(actor)
    team = Team.objects.filter(pk=team_id, is_active=True).first()
    if team is None:
        raise NotFound("not_found", _("Not found."))
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .filter(team=team, volunteer=volunteer)
        .first()
    )
    clean_note = plain_text(note, field="note", max_length=200, required=False)
    if membership is not None:
        if membership.status == Membership.Status.ACTIVE:
            raise DomainError("already_member", _("You are already a member of this team."))
        if membership.status == Membership.Status.REQUESTED:
            raise DomainError("already_requested", _("Your request is waiting for the leader."))
        membership.status = Membership.Status.REQUESTED
        membership.role = Membership.Role.MEMBER
        membership.note = clean_note
        membership.requested_at = timezone.now()
        membership.decided_at = None
        membership.decided_by = None
        membership.save()
    else:
        membership = Membership.objects.create(team=team, volunteer=volunteer, note=clean_note)
    audit_record(
        actor=actor,
        verb="team.join_request",
        target=membership,
        division_code=team.division_id,
        ip=ip,
    )
    leaders = Membership.objects.filter(
        team=team, role=Membership.Role.LEADER, status=Membership.Status.ACTIVE
    ).values_list("volunteer__user_id", flat=True)
    for user_id in leaders:
        message_send(
            user_id=user_id,
            category=Category.SYSTEM,
            title=_("A volunteer asks to join %(name)s") % {"name": team.name},
            url=f"/volunteers/manage/teams/{team.pk}/",
        )
    return membership


@transaction.atomic
def membership_decide(
    *, actor: User, membership_id: int, approve: bool, ip: str | None = None
) -> Membership:
    """A leader (or the area's worker) lets a volunteer in or refuses; the volunteer is told.

    Raises: NotFound, DomainError ``not_requested``.
    """
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("team", "volunteer")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None or not may_manage_team(actor, membership.team):
        raise NotFound("not_found", _("Not found."))
    if membership.status != Membership.Status.REQUESTED:
        raise DomainError("not_requested", _("This request has already been answered."))
    membership.status = Membership.Status.ACTIVE if approve else Membership.Status.REFUSED
    membership.decided_at = timezone.now()
    membership.decided_by = actor
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    audit_record(
        actor=actor,
        verb="team.join_approve" if approve else "team.join_refuse",
        target=membership,
        division_code=membership.team.division_id,
        ip=ip,
    )
    title = (
        _("You joined the volunteer team %(name)s")
        if approve
        else _("Your request to join %(name)s was not accepted")
    )
    message_send(
        user_id=membership.volunteer.user_id,
        category=Category.SYSTEM,
        title=title % {"name": membership.team.name},
        url="/volunteers/",
    )
    return membership


@transaction.atomic
def membership_leave(*, actor: User, team_id: int, ip: str | None = None) -> Membership:
    """Leave a team. Raises: NotFound (not a member)."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("team")
        .filter(team_id=team_id, volunteer__user=actor, status=Membership.Status.ACTIVE)
        .first()
    )
    if membership is None:
        raise NotFound("not_found", _("Not found."))
    membership.status = Membership.Status.LEFT
    membership.role = Membership.Role.MEMBER
    membership.save(update_fields=["status", "role"])
    audit_record(
        actor=actor,
        verb="team.leave",
        target=membership,
        division_code=membership.team.division_id,
        ip=ip,
    )
    return membership
