"""Writes of residents' councils (居民议事会): the council, its settings and its elected
members' terms."""

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.pii import PIIKind, blind_index
from shequ.core.services import audit_record
from shequ.notices.services import plain_text
from shequ.participation import selectors
from shequ.participation.models import Council, CouncilMember
from shequ.participation.services._common import require_organiser
from shequ.people.levels import clean_override
from shequ.people.models import Resident, User, VerificationLevel
from shequ.places.models import Division

DEFAULT_SUPPORT_THRESHOLD = 10


def council_for(community_code: str) -> Council | None:
    """The community's residents' council (the first one), if it has one."""
    return selectors.residents_council(community_code)


@transaction.atomic
def council_create(
    *,
    actor: User,
    community_code: str,
    name: str,
    kind: str = Council.Kind.COUNCIL,
    support_threshold: int = DEFAULT_SUPPORT_THRESHOLD,
    quorum_num: int = 2,
    quorum_den: int = 3,
    support_level: Any = None,
    object_level: Any = None,
    comment_level: Any = None,
) -> Council:
    """A council; ``support_level`` and ``object_level`` (empty: the deployment's) are what
    supporting a proposal and objecting to a fund decision of the community need.

    Raises: DomainError ``not_a_community`` / ``invalid_quorum`` / ``invalid_level``."""
    require_organiser(actor, community_code)
    level = clean_override(support_level, field="support_level")
    objecting = clean_override(object_level, field="object_level")
    commenting = clean_override(comment_level, field="comment_level")
    if not Division.objects.filter(pk=community_code, level=Division.Level.COMMUNITY).exists():
        raise DomainError("not_a_community", _("Choose a community."), field="community")
    if not (quorum_den > 0 and 0 < quorum_num <= quorum_den) or support_threshold < 1:
        raise DomainError("invalid_quorum", _("The quorum must be a fraction up to 1."))
    council = Council.objects.create(
        community_id=community_code,
        name=plain_text(name, field="name", max_length=100),
        kind=kind,
        support_threshold=support_threshold,
        quorum_num=quorum_num,
        quorum_den=quorum_den,
        support_level=level,
        object_level=objecting,
        comment_level=commenting,
    )
    audit_record(
        actor=actor,
        verb="participation.council_create",
        target=council,
        division_code=community_code,
    )
    return council


def _council_set_level(*, actor: User, council_id: int, field: str, level: Any) -> Council:
    council = Council.objects.select_for_update().filter(pk=council_id).first()
    if council is None:
        raise NotFound("council_not_found", _("No such council."))
    require_organiser(actor, council.community_id)
    before = getattr(council, field)
    setattr(council, field, clean_override(level, field=field))
    council.save(update_fields=[field])
    audit_record(
        actor=actor,
        verb=f"participation.council_{field}",
        target=council,
        division_code=council.community_id,
        changes={field: [before, getattr(council, field)]},
    )
    return council


@transaction.atomic
def council_set_support_level(*, actor: User, council_id: int, support_level: Any) -> Council:
    """Set the level supporting a proposal needs here (empty: the deployment's).

    Raises: NotFound; DomainError ``invalid_level``."""
    return _council_set_level(
        actor=actor, council_id=council_id, field="support_level", level=support_level
    )


@transaction.atomic
def council_set_levels(
    *,
    actor: User,
    council_id: int,
    support_level: Any,
    object_level: Any,
    comment_level: Any = None,
) -> Council:
    """The levels at once, as the console's form sets them (one transaction); an empty
    ``comment_level`` means an ID-checked resident may comment.

    Raises: NotFound; DomainError ``invalid_level``."""
    _council_set_level(
        actor=actor, council_id=council_id, field="support_level", level=support_level
    )
    _council_set_level(
        actor=actor, council_id=council_id, field="comment_level", level=comment_level
    )
    return _council_set_level(
        actor=actor, council_id=council_id, field="object_level", level=object_level
    )


@transaction.atomic
def council_set_object_level(*, actor: User, council_id: int, object_level: Any) -> Council:
    """Set the level objecting to a fund decision of the community needs (empty: the
    deployment's).

    Raises: NotFound; DomainError ``invalid_level``."""
    return _council_set_level(
        actor=actor, council_id=council_id, field="object_level", level=object_level
    )


@transaction.atomic
def member_add(
    *,
    actor: User,
    council_id: int,
    term_start: date,
    term_end: date,
    resident_id: int | None = None,
    id_number: str = "",
    is_chair: bool = False,
) -> CouncilMember:
    """Record an elected member, named by resident id or by ID number (as staff type it from
    the election record). Raises: DomainError ``member_not_resident`` / ``term_order`` /
    ``already_member``."""
    council = Council.objects.filter(pk=council_id).first()
    if council is None:
        raise NotFound("council_not_found", _("No such council."))
    require_organiser(actor, council.community_id)
    residents = Resident.objects.filter(community_id=council.community_id)
    if resident_id is not None:
        resident = residents.filter(pk=resident_id).first()
    else:
        index = blind_index(PIIKind.ID_NUMBER, (id_number or "").strip().upper())
        resident = residents.filter(id_number_index=index).first() if id_number else None
    if resident is None or resident.verification_level < VerificationLevel.ID_CHECKED:
        raise DomainError(
            "member_not_resident",
            _("Members must be ID-checked residents of the community."),
            field="resident",
        )
    if term_end < term_start:
        raise DomainError("term_order", _("The term must end after it starts."), field="term_end")
    if council.members.filter(
        resident=resident, term_start__lte=term_end, term_end__gte=term_start
    ).exists():
        raise DomainError(
            "already_member",
            _("This resident already has a term on the council in these dates."),
            field="id_number",
        )
    member = CouncilMember.objects.create(
        council=council,
        resident=resident,
        term_start=term_start,
        term_end=term_end,
        is_chair=is_chair,
    )
    audit_record(
        actor=actor,
        verb="participation.member_add",
        target=member,
        division_code=council.community_id,
    )
    return member


@transaction.atomic
def member_end(
    *, actor: User, member_id: int, last_day: date | None = None, reason: str = ""
) -> CouncilMember:
    """End a member's term early (resignation, moving away): from the day after ``last_day``
    (default: yesterday) they no longer count for the quorum.

    Raises: NotFound; DomainError ``term_order`` (before the term started) /
    ``term_already_ended`` (not earlier than the term's end)."""
    member = (
        CouncilMember.objects.select_for_update()
        .select_related("council")
        .filter(pk=member_id)
        .first()
    )
    if member is None:
        raise NotFound("member_not_found", _("No such council member."))
    require_organiser(actor, member.council.community_id)
    last_day = last_day or timezone.localdate() - timedelta(days=1)
    if last_day < member.term_start:
        raise DomainError(
            "term_order", _("The term cannot end before it started."), field="last_day"
        )
    if last_day >= member.term_end:
        raise DomainError(
            "term_already_ended",
            _("The term already ends on %(end)s; choose an earlier last day."),
            field="last_day",
            end=member.term_end.isoformat(),
        )
    before = member.term_end
    member.term_end = last_day
    member.save(update_fields=["term_end"])
    audit_record(
        actor=actor,
        verb="participation.member_end",
        target=member,
        reason=plain_text(reason, field="reason", max_length=300, required=False),
        division_code=member.council.community_id,
        changes={"term_end": [before.isoformat(), last_day.isoformat()]},
    )
    return member


def members_in_office(council: Council, on: date) -> list[CouncilMember]:
    return list(
        council.members.filter(term_start__lte=on, term_end__gte=on).select_related("resident")
    )
