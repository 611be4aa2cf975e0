"""Writes of resident participation: proposals, councils and meetings, budgeting rounds."""

import secrets
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.pii import PIIKind, blind_index
from shequ.core.services import audit_record
from shequ.core.uploads import check_upload, clean_image
from shequ.notices.services import message_send, plain_text
from shequ.participation import funding, selectors, tally
from shequ.participation.models import (
    AgendaItem,
    Attendance,
    Ballot,
    Council,
    CouncilMember,
    Follow,
    ItemVote,
    ItemVoter,
    Meeting,
    PaperEntry,
    Proposal,
    ProposalPhoto,
    Round,
    RoundProject,
    RoundResult,
    RoundVoter,
    Support,
)
from shequ.participation.permissions import can_organise, verified_resident_of
from shequ.people.levels import Action, clean_override, require_level
from shequ.people.models import Resident, User, VerificationLevel
from shequ.places.models import Division

DEFAULT_SUPPORT_THRESHOLD = 10
MAX_PHOTOS = 3
# Photos are checked like casework documents: extension and first bytes must agree.
PHOTO_TYPES = ("jpg", "png")
PHOTO_MAX_KB = 5 * 1024
MINUTES_TYPES = ("pdf", "jpg", "png")
MINUTES_MAX_KB = 10 * 1024
PHASE_ORDER = [p.value for p in Round.Phase]


# ---------------------------------------------------------------- helpers


def _require_verified(actor: User, community_code: str) -> Resident:
    resident = verified_resident_of(actor, community_code)
    if resident is None:
        raise PermissionDenied(
            "not_a_verified_resident",
            _("Only ID-checked residents of this community may take part."),
        )
    return resident


def _require_organiser(actor: User, community_code: str, *, what: str = "") -> None:
    if not can_organise(actor, community_code):
        raise NotFound("not_found", _("No such item in your area."))


def _money_or_none(value: Any, *, field: str, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise DomainError("required", _("This field is required."), field=field)
        return None
    return _money(value, field=field)


def _money(value: Any, *, field: str) -> Decimal:
    if value in (None, ""):
        raise DomainError("required", _("This field is required."), field=field)
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise DomainError("invalid_amount", _("Enter an amount in yuan."), field=field) from None
    if amount <= 0 or not amount.is_finite() or amount >= Decimal("1e12"):
        raise DomainError("invalid_amount", _("Enter an amount in yuan."), field=field)
    return amount


def _notify_followers(proposal: Proposal, title: Any) -> None:
    user_ids = set(Follow.objects.filter(proposal=proposal).values_list("user_id", flat=True))
    for user_id in sorted(user_ids):
        message_send(
            user_id=user_id,
            category="community",
            title=title,
            body=proposal.title,
            url=f"/participation/proposals/{proposal.pk}/",
        )


def support_level_override(proposal: Proposal) -> int | None:
    """The level the community's council set for supports (None: the deployment's)."""
    council = council_for(proposal.community_id)
    return council.support_level if council is not None else None


def council_for(community_code: str) -> Council | None:
    """The community's residents' council (the first one), if it has one."""
    return selectors.residents_council(community_code)


# ---------------------------------------------------------------- proposals


def _point(lon: Any, lat: Any) -> tuple[Decimal | None, Decimal | None]:
    """An optional WGS84 map point inside Chengdu. Raises: DomainError ``point_outside``."""
    if lon in (None, "") and lat in (None, ""):
        return None, None
    try:
        x, y = Decimal(str(lon)), Decimal(str(lat))
    except ArithmeticError:
        x, y = Decimal(999), Decimal(999)
    # Chengdu lies well inside this box.
    if not (Decimal(102) <= x <= Decimal(106)) or not (Decimal(29) <= y <= Decimal(32)):
        raise DomainError("point_outside", _("The map point is outside Chengdu."), field="lon")
    return x.quantize(Decimal("0.000001")), y.quantize(Decimal("0.000001"))


def _check_photos(photos: Sequence[UploadedFile]) -> list[tuple[File, str]]:
    """Each photo, stripped of its metadata and downscaled, with its detected content type.

    Raises: DomainError (field ``photos``)."""
    if len(photos) > MAX_PHOTOS:
        raise DomainError(
            "too_many_photos",
            _("Attach at most %(n)s photos."),
            field="photos",
            n=MAX_PHOTOS,
        )
    checked = []
    for upload in photos:
        content_type = check_upload(upload, field="photos", types=PHOTO_TYPES, max_kb=PHOTO_MAX_KB)
        checked.append((clean_image(upload, content_type, field="photos"), content_type))
    return checked


def _store_photos(proposal: Proposal, checked: list[tuple[File, str]]) -> None:
    for position, (upload, content_type) in enumerate(checked, start=1):
        extension = "png" if content_type == "image/png" else "jpg"
        photo = ProposalPhoto(
            proposal=proposal,
            content_type=content_type,
            size=upload.size or 0,
            position=position,
        )
        photo.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
        photo.save()


@transaction.atomic
def proposal_create(
    *,
    actor: User,
    community_code: str,
    title: str,
    description: str,
    category: str,
    estimated_cost: Any = None,
    lon: Any = None,
    lat: Any = None,
    photo: Any = None,
    photos: Sequence[UploadedFile] | None = None,
) -> Proposal:
    """A verified resident proposes for their own community; they follow it. Up to three
    photos (jpg/png, at most 5 MB each) may come with it.

    Raises: PermissionDenied ``not_a_verified_resident``; DomainError on bad fields,
    ``too_many_photos`` / ``file_type_not_allowed`` / ``file_too_large`` (nothing is stored).
    """
    _require_verified(actor, community_code)
    checked = _check_photos(photos or [])
    title = plain_text(title, field="title", max_length=120)
    description = plain_text(description, field="description", max_length=4000)
    if category not in Proposal.Category.values:
        raise DomainError("invalid_category", _("Choose a category."), field="category")
    cost = _money_or_none(estimated_cost, field="estimated_cost")
    lon_value, lat_value = _point(lon, lat)
    proposal = Proposal.objects.create(
        community_id=community_code,
        author=actor,
        title=title,
        description=description,
        category=category,
        estimated_cost=cost,
        lon=lon_value,
        lat=lat_value,
        photo=photo or "",
    )
    Follow.objects.create(proposal=proposal, user=actor)
    _store_photos(proposal, checked)
    audit_record(
        actor=actor,
        verb="participation.proposal_create",
        target=proposal,
        division_code=community_code,
    )
    return proposal


@transaction.atomic
def proposal_support(*, actor: User, proposal_id: int) -> Proposal:
    """A verified neighbour supports (附议) once; at the council's threshold the proposal goes
    onto the agenda. Raises: NotFound, PermissionDenied, DomainError ``already_supported`` /
    ``not_open``."""
    proposal = Proposal.objects.select_for_update().filter(pk=proposal_id).first()
    if proposal is None or proposal.status in (Proposal.Status.HIDDEN, Proposal.Status.MERGED):
        raise NotFound("proposal_not_found", _("No such proposal."))
    resident = _require_verified(actor, proposal.community_id)
    require_level(Action.SUPPORT, resident.verification_level, support_level_override(proposal))
    if proposal.status not in (Proposal.Status.OPEN, Proposal.Status.ON_AGENDA):
        raise DomainError("not_open", _("This proposal no longer collects support."))
    if Support.objects.filter(proposal=proposal, resident=resident).exists():
        raise DomainError("already_supported", _("You already support this proposal."))
    Support.objects.create(proposal=proposal, resident=resident)
    Follow.objects.get_or_create(proposal=proposal, user=actor)
    proposal.supports = F("supports") + 1
    proposal.save(update_fields=["supports", "updated_at"])
    proposal.refresh_from_db()
    council = council_for(proposal.community_id)
    threshold = council.support_threshold if council else DEFAULT_SUPPORT_THRESHOLD
    if proposal.status == Proposal.Status.OPEN and proposal.supports >= threshold:
        proposal.status = Proposal.Status.ON_AGENDA
        proposal.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=None,
            verb="participation.proposal_on_agenda",
            target=proposal,
            division_code=proposal.community_id,
        )
        _notify_followers(proposal, _("A proposal you follow is on the council's agenda"))
    audit_record(
        actor=actor,
        verb="participation.proposal_support",
        target=proposal,
        division_code=proposal.community_id,
    )
    return proposal


@transaction.atomic
def proposal_follow(*, actor: User, proposal_id: int, follow: bool = True) -> bool:
    """Follow a proposal (ID-checked residents of its community) to get a message on every
    change, or stop following it (anyone who follows). Returns whether the user follows now.

    Raises: NotFound; PermissionDenied ``not_a_verified_resident``; DomainError ``not_open``
    for a merged proposal."""
    proposal = Proposal.objects.filter(pk=proposal_id).exclude(status="hidden").first()
    if proposal is None:
        raise NotFound("proposal_not_found", _("No such proposal."))
    if not follow:
        Follow.objects.filter(proposal=proposal, user=actor).delete()
        return False
    _require_verified(actor, proposal.community_id)
    if proposal.status == Proposal.Status.MERGED:
        raise DomainError("not_open", _("This proposal was merged: follow the one it joined."))
    Follow.objects.get_or_create(proposal=proposal, user=actor)
    return True


def is_following(*, user: Any, proposal_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(proposal_id=proposal_id, user_id=user.pk).exists()


@transaction.atomic
def proposal_hide(*, actor: User, proposal_id: int, reason: str) -> Proposal:
    """A community worker hides a proposal, giving a reason the author sees.

    Raises: NotFound outside the worker's area; DomainError ``required`` without a reason."""
    proposal = Proposal.objects.select_for_update().filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound("proposal_not_found", _("No such proposal."))
    _require_organiser(actor, proposal.community_id)
    reason = plain_text(reason, field="reason", max_length=300)
    before = proposal.status
    proposal.status = Proposal.Status.HIDDEN
    proposal.moderation_reason = reason
    proposal.save(update_fields=["status", "moderation_reason", "updated_at"])
    audit_record(
        actor=actor,
        verb="participation.proposal_hide",
        target=proposal,
        reason=reason,
        division_code=proposal.community_id,
        changes={"status": [before, proposal.status]},
    )
    _notify_followers(proposal, _("A proposal you follow was hidden by moderation"))
    return proposal


@transaction.atomic
def proposal_merge(*, actor: User, proposal_id: int, into_id: int, reason: str = "") -> Proposal:
    """Merge a duplicate into another proposal of the same community; supports move over
    (a resident who supported both counts once).

    Raises: NotFound; DomainError ``merge_same`` / ``merge_other_community``."""
    rows = {
        p.pk: p for p in Proposal.objects.select_for_update().filter(pk__in=[proposal_id, into_id])
    }
    duplicate, target = rows.get(proposal_id), rows.get(into_id)
    if duplicate is None or target is None:
        raise NotFound("proposal_not_found", _("No such proposal."))
    _require_organiser(actor, duplicate.community_id)
    if duplicate.pk == target.pk:
        raise DomainError("merge_same", _("A proposal cannot be merged into itself."))
    if duplicate.community_id != target.community_id or target.status in ("hidden", "merged"):
        raise DomainError(
            "merge_other_community",
            _("Merge only into a visible proposal of the same community."),
            field="into",
        )
    have = set(Support.objects.filter(proposal=target).values_list("resident_id", flat=True))
    moving = [
        Support(proposal=target, resident_id=rid)
        for rid in Support.objects.filter(proposal=duplicate).values_list("resident_id", flat=True)
        if rid not in have
    ]
    Support.objects.bulk_create(moving)
    following = set(Follow.objects.filter(proposal=target).values_list("user_id", flat=True))
    Follow.objects.bulk_create(
        Follow(proposal=target, user_id=uid)
        for uid in Follow.objects.filter(proposal=duplicate).values_list("user_id", flat=True)
        if uid not in following
    )
    target.supports = Support.objects.filter(proposal=target).count()
    target.save(update_fields=["supports", "updated_at"])
    duplicate.status = Proposal.Status.MERGED
    duplicate.merged_into = target
    duplicate.moderation_reason = plain_text(reason, field="reason", max_length=300, required=False)
    duplicate.save(update_fields=["status", "merged_into", "moderation_reason", "updated_at"])
    audit_record(
        actor=actor,
        verb="participation.proposal_merge",
        target=duplicate,
        division_code=duplicate.community_id,
        changes={"merged_into": [None, target.pk]},
    )
    _notify_followers(duplicate, _("A proposal you follow was merged into another"))
    return target


# ---------------------------------------------------------------- councils and meetings


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
) -> Council:
    """A council; ``support_level`` (empty: the deployment's) is what supporting needs.

    Raises: DomainError ``not_a_community`` / ``invalid_quorum`` / ``invalid_level``."""
    _require_organiser(actor, community_code)
    level = clean_override(support_level, field="support_level")
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
    )
    audit_record(
        actor=actor,
        verb="participation.council_create",
        target=council,
        division_code=community_code,
    )
    return council


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
    _require_organiser(actor, council.community_id)
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
    _require_organiser(actor, member.council.community_id)
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


@transaction.atomic
def meeting_schedule(
    *, actor: User, council_id: int, title: str, starts_at: datetime, location: str = ""
) -> Meeting:
    council = Council.objects.filter(pk=council_id).first()
    if council is None:
        raise NotFound("council_not_found", _("No such council."))
    _require_organiser(actor, council.community_id)
    meeting = Meeting.objects.create(
        council=council,
        community_id=council.community_id,
        title=plain_text(title, field="title", max_length=120),
        starts_at=starts_at,
        location=plain_text(location, field="location", max_length=120, required=False),
        checkin_token=secrets.token_urlsafe(24),
    )
    audit_record(
        actor=actor,
        verb="participation.meeting_schedule",
        target=meeting,
        division_code=council.community_id,
    )
    return meeting


@transaction.atomic
def agenda_add(
    *,
    actor: User,
    meeting_id: int,
    kind: str,
    title: str = "",
    proposal_id: int | None = None,
    amount: Any = None,
    secret: bool = False,
) -> AgendaItem:
    """Put a proposal, a spending item or another matter on a meeting's agenda.

    Raises: DomainError ``meeting_closed`` / ``amount`` for spending without an amount."""
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("meeting_not_found", _("No such meeting."))
    _require_organiser(actor, meeting.community_id)
    if meeting.status == Meeting.Status.CLOSED:
        raise DomainError("meeting_closed", _("The meeting is closed."))
    if kind not in AgendaItem.Kind.values:
        raise DomainError("invalid_kind", _("Choose a kind of item."), field="kind")
    proposal = None
    if kind == AgendaItem.Kind.PROPOSAL:
        proposal = (
            Proposal.objects.filter(pk=proposal_id or 0, community_id=meeting.community_id)
            .exclude(status__in=["hidden", "merged"])
            .first()
        )
        if proposal is None:
            raise DomainError("proposal_not_found", _("No such proposal."), field="proposal")
        title = title or proposal.title
    money = _money_or_none(amount, field="amount", required=kind == AgendaItem.Kind.SPENDING)
    title = plain_text(title, field="title", max_length=200)
    position = meeting.items.count() + 1
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=position,
        kind=kind,
        title=title,
        proposal=proposal,
        amount=money,
        secret=secret,
    )
    audit_record(
        actor=actor,
        verb="participation.agenda_add",
        target=item,
        division_code=meeting.community_id,
    )
    return item


def quorum_of(meeting: Meeting) -> tuple[int, int, bool]:
    """(present, in office, quorate): present × den ≥ in office × num."""
    council = meeting.council
    total = meeting.members_total or len(members_in_office(council, timezone.localdate()))
    present = meeting.attendance.count()
    return present, total, total > 0 and present * council.quorum_den >= total * council.quorum_num


@transaction.atomic
def meeting_open(*, actor: User, meeting_id: int) -> Meeting:
    """Start the session: the members in office are counted for the quorum from now on."""
    meeting = (
        Meeting.objects.select_for_update().select_related("council").filter(pk=meeting_id).first()
    )
    if meeting is None:
        raise NotFound("meeting_not_found", _("No such meeting."))
    _require_organiser(actor, meeting.community_id)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise DomainError("meeting_not_scheduled", _("The meeting has already started."))
    total = len(members_in_office(meeting.council, timezone.localdate()))
    if total == 0:
        raise DomainError("no_members", _("The council has no members in office."))
    meeting.status = Meeting.Status.OPEN
    meeting.members_total = total
    meeting.save(update_fields=["status", "members_total"])
    audit_record(
        actor=actor,
        verb="participation.meeting_open",
        target=meeting,
        division_code=meeting.community_id,
    )
    return meeting


def _member_of(meeting: Meeting, user: User) -> CouncilMember | None:
    today = timezone.localdate()
    return (
        CouncilMember.objects.filter(
            council_id=meeting.council_id,
            resident__user_id=user.pk,
            term_start__lte=today,
            term_end__gte=today,
        )
        .select_related("resident")
        .first()
    )


@transaction.atomic
def attendance_sign_in(
    *, actor: User, meeting_id: int, token: str = "", member_id: int | None = None
) -> Attendance:
    """A member signs in by scanning the QR code (``token``), or staff sign a member in.

    Raises: DomainError ``bad_token`` / ``not_a_member`` / ``meeting_closed`` /
    ``already_signed_in``."""
    meeting = Meeting.objects.select_related("council").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("meeting_not_found", _("No such meeting."))
    if member_id is None:
        if not secrets.compare_digest(token or "", meeting.checkin_token):
            raise DomainError("bad_token", _("This sign-in code is not valid."))
        member = _member_of(meeting, actor)
        method = Attendance.Method.QR
    else:
        _require_organiser(actor, meeting.community_id)
        today = timezone.localdate()
        # Staff sign in members in office only: the count present is checked against the
        # register when a decision is recorded.
        member = CouncilMember.objects.filter(
            pk=member_id, council_id=meeting.council_id, term_start__lte=today, term_end__gte=today
        ).first()
        method = Attendance.Method.STAFF
    if member is None:
        raise DomainError("not_a_member", _("Only council members in office may sign in."))
    if meeting.status == Meeting.Status.CLOSED:
        raise DomainError("meeting_closed", _("The meeting is closed."))
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(meeting=meeting, member=member, method=method)
    except IntegrityError:
        raise DomainError("already_signed_in", _("Already signed in.")) from None
    audit_record(
        actor=actor,
        verb="participation.sign_in",
        target=attendance,
        division_code=meeting.community_id,
    )
    return attendance


def _item_for_update(item_id: int) -> AgendaItem:
    item = (
        AgendaItem.objects.select_for_update()
        .select_related("meeting", "meeting__council")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound("item_not_found", _("No such agenda item."))
    return item


@transaction.atomic
def item_open_vote(*, actor: User, item_id: int) -> AgendaItem:
    """Open voting on an item. Raises: DomainError ``no_quorum`` / ``meeting_not_open``."""
    item = _item_for_update(item_id)
    _require_organiser(actor, item.meeting.community_id)
    if item.meeting.status != Meeting.Status.OPEN:
        raise DomainError("meeting_not_open", _("The meeting is not in session."))
    if item.status != AgendaItem.Status.PENDING:
        raise DomainError("already_voted", _("This item has already been voted on."))
    present, total, quorate = quorum_of(item.meeting)
    if not quorate:
        raise DomainError(
            "no_quorum",
            _("No quorum: %(present)s of %(total)s members are present."),
            present=present,
            total=total,
        )
    item.status = AgendaItem.Status.VOTING
    item.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb="participation.vote_open",
        target=item,
        division_code=item.meeting.community_id,
    )
    return item


def _vote_key(item_id: int, member_id: int) -> str:
    return salted_hmac("shequ.participation.item", f"{item_id}:{member_id}").hexdigest()


@transaction.atomic
def item_vote(*, actor: User, item_id: int, choice: str, member_id: int | None = None) -> None:
    """A member signed in to the meeting votes for / against / abstains; the vote can be
    changed until the item closes. Staff may record an open vote for a member (show of hands).

    Raises: DomainError ``not_voting`` / ``not_signed_in`` / ``invalid_choice``."""
    item = AgendaItem.objects.select_related("meeting").filter(pk=item_id).first()
    if item is None:
        raise NotFound("item_not_found", _("No such agenda item."))
    if choice not in ItemVote.Choice.values:
        raise DomainError("invalid_choice", _("Vote for, against or abstain."), field="choice")
    if member_id is not None:
        _require_organiser(actor, item.meeting.community_id)
        if item.secret:
            raise DomainError("secret_vote", _("In a secret vote members vote themselves."))
        member = CouncilMember.objects.filter(
            pk=member_id, council_id=item.meeting.council_id
        ).first()
    else:
        member = _member_of(item.meeting, actor)
    if (
        member is None
        or not Attendance.objects.filter(meeting=item.meeting, member=member).exists()
    ):
        raise DomainError("not_signed_in", _("Only members signed in to the meeting may vote."))
    # Lock the item row so a vote and the close never interleave.
    item = _item_for_update(item_id)
    if item.status != AgendaItem.Status.VOTING:
        raise DomainError("not_voting", _("Voting on this item is not open."))
    ItemVoter.objects.get_or_create(item=item, member=member)
    key = _vote_key(item.pk, member.pk)
    ItemVote.objects.update_or_create(
        item=item,
        ballot_key=key,
        defaults={"choice": choice, "member": None if item.secret else member},
    )
    audit_record(
        actor=actor,
        verb="participation.vote",
        target=item,
        division_code=item.meeting.community_id,
        # How a member voted is recorded only for open votes.
        changes={} if item.secret else {"member": [None, member.pk], "choice": [None, choice]},
    )


def my_item_votes(*, user: Any, meeting: Meeting) -> dict[int, str] | None:
    """For a council member signed in to ``meeting``: their own current choice per agenda item
    (found through the keyed hash, so also in a secret vote); ``None`` for anyone else."""
    if not getattr(user, "is_authenticated", False):
        return None
    member = _member_of(meeting, user)
    if member is None or not Attendance.objects.filter(meeting=meeting, member=member).exists():
        return None
    keys = {_vote_key(item.pk, member.pk): item.pk for item in meeting.items.all()}
    votes = ItemVote.objects.filter(item__meeting=meeting, ballot_key__in=list(keys))
    return {keys[key]: choice for key, choice in votes.values_list("ballot_key", "choice")}


@transaction.atomic
def item_close_vote(*, actor: User, item_id: int) -> AgendaItem:
    """Count the votes and decide: passed when more than half of the members present vote for.
    A passed spending item produces the council decision (ApprovalRecord) in the funds app.

    Raises: DomainError ``no_quorum`` (nothing is decided) / ``not_voting``."""
    item = _item_for_update(item_id)
    meeting = item.meeting
    _require_organiser(actor, meeting.community_id)
    if item.status != AgendaItem.Status.VOTING:
        raise DomainError("not_voting", _("Voting on this item is not open."))
    funding.may_record_decision(actor=actor, item=item)
    present, total, quorate = quorum_of(meeting)
    if not quorate:
        raise DomainError(
            "no_quorum",
            _("No quorum: %(present)s of %(total)s members are present."),
            present=present,
            total=total,
        )
    counts = dict.fromkeys(ItemVote.Choice.values, 0)
    for choice in item.votes.values_list("choice", flat=True):
        counts[choice] += 1
    item.votes_for = counts["for"]
    item.votes_against = counts["against"]
    item.votes_abstain = counts["abstain"]
    item.present = present
    passed = item.votes_for * 2 > present
    item.status = AgendaItem.Status.PASSED if passed else AgendaItem.Status.REJECTED
    item.decided_at = timezone.now()
    if passed and item.kind == AgendaItem.Kind.SPENDING:
        item.approval_record_id = funding.approval_record_from_decision(actor=actor, item=item)
    item.save()
    if item.proposal_id:
        Proposal.objects.filter(pk=item.proposal_id).update(status=Proposal.Status.DECIDED)
        decided = Proposal.objects.get(pk=item.proposal_id)
        _notify_followers(decided, _("The council decided on a proposal you follow"))
    audit_record(
        actor=actor,
        verb="participation.decision",
        target=item,
        division_code=meeting.community_id,
        changes={
            "status": ["voting", item.status],
            "for": [None, item.votes_for],
            "against": [None, item.votes_against],
            "abstain": [None, item.votes_abstain],
        },
    )
    return item


@transaction.atomic
def meeting_close(
    *, actor: User, meeting_id: int, minutes_text: str = "", minutes: Any = None
) -> Meeting:
    """Close the session with its minutes. Raises: DomainError ``votes_open``."""
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("meeting_not_found", _("No such meeting."))
    _require_organiser(actor, meeting.community_id)
    if meeting.status != Meeting.Status.OPEN:
        raise DomainError("meeting_not_open", _("The meeting is not in session."))
    if meeting.items.filter(status=AgendaItem.Status.VOTING).exists():
        raise DomainError("votes_open", _("Close the open votes first."))
    meeting.minutes_text = plain_text(
        minutes_text, field="minutes_text", max_length=20000, required=False
    )
    if minutes:
        content_type = check_upload(
            minutes, field="minutes", types=MINUTES_TYPES, max_kb=MINUTES_MAX_KB
        )
        meeting.minutes.save(
            f"{uuid.uuid4().hex}.{content_type.rsplit('/', 1)[-1].replace('jpeg', 'jpg')}",
            clean_image(minutes, content_type, field="minutes"),
            save=False,
        )
    meeting.status = Meeting.Status.CLOSED
    meeting.save()
    audit_record(
        actor=actor,
        verb="participation.meeting_close",
        target=meeting,
        division_code=meeting.community_id,
    )
    return meeting


# ---------------------------------------------------------------- budgeting rounds


def _round_for_update(round_id: int) -> Round:
    item = Round.objects.select_for_update().filter(pk=round_id).first()
    if item is None:
        raise NotFound("round_not_found", _("No such budgeting round."))
    return item


def _refuse_if_frozen(budget_round: Round) -> None:
    if budget_round.rules_frozen_at is not None:
        raise DomainError(
            "rules_frozen",
            _("Voting has opened: the ballot rules and projects can no longer change."),
        )


def _validate_rules(rule: str, max_choices: int, method: str) -> None:
    if rule not in Round.Rule.values:
        raise DomainError("invalid_rule", _("Choose a ballot rule."), field="rule")
    if method not in Round.Method.values:
        raise DomainError("invalid_method", _("Choose a counting method."), field="method")
    if rule == Round.Rule.K_APPROVAL and not 1 <= max_choices <= 50:
        raise DomainError("invalid_k", _("k must be between 1 and 50."), field="max_choices")


@transaction.atomic
def round_create(
    *,
    actor: User,
    community_code: str,
    title: str,
    budget: Any,
    rule: str = Round.Rule.APPROVAL_BUDGET,
    max_choices: int = 3,
    method: str = Round.Method.EQUAL_SHARES,
    fund_track: str = "incentive",
    fund_year: int | None = None,
    fund_account_id: int | None = None,
    collect_until: date | None = None,
    review_until: date | None = None,
    voting_from: datetime | None = None,
    voting_until: datetime | None = None,
    vote_level: Any = None,
) -> Round:
    """A draft round. ``vote_level`` (empty: the deployment's) is what voting needs.
    ``fund_account_id`` picks one of the community's fund accounts (else
    ``fund_track``/``fund_year`` name it). Raises: DomainError ``no_fund``, ``whole_yuan``,
    ``invalid_rule`` ..., ``date_order``."""
    _require_organiser(actor, community_code)
    if fund_account_id is not None:
        fund_track, fund_year = funding.fund_of(community_code, fund_account_id)
    amount = _money(budget, field="budget")
    if amount != amount.to_integral_value():
        raise DomainError("whole_yuan", _("Use whole yuan."), field="budget")
    _validate_rules(rule, max_choices, method)
    _validate_dates(collect_until, review_until, voting_from, voting_until)
    level = clean_override(vote_level, field="vote_level")
    budget_round = Round.objects.create(
        vote_level=level,
        community_id=community_code,
        title=plain_text(title, field="title", max_length=120),
        budget=amount,
        rule=rule,
        max_choices=max_choices,
        method=method,
        fund_track=fund_track,
        fund_year=fund_year if fund_year is not None else timezone.localdate().year,
        collect_until=collect_until,
        review_until=review_until,
        voting_from=voting_from,
        voting_until=voting_until,
    )
    audit_record(
        actor=actor,
        verb="participation.round_create",
        target=budget_round,
        division_code=community_code,
    )
    return budget_round


@transaction.atomic
def round_set_vote_level(*, actor: User, round_id: int, vote_level: Any) -> Round:
    """Set the level voting in the round needs (empty: the deployment's), before voting opens.

    Raises: NotFound; DomainError ``rules_frozen`` / ``invalid_level``."""
    budget_round = Round.objects.select_for_update().filter(pk=round_id).first()
    if budget_round is None:
        raise NotFound("round_not_found", _("No such budgeting round."))
    _require_organiser(actor, budget_round.community_id)
    _refuse_if_frozen(budget_round)
    before = budget_round.vote_level
    budget_round.vote_level = clean_override(vote_level, field="vote_level")
    budget_round.save(update_fields=["vote_level"])
    audit_record(
        actor=actor,
        verb="participation.round_vote_level",
        target=budget_round,
        division_code=budget_round.community_id,
        changes={"vote_level": [before, budget_round.vote_level]},
    )
    return budget_round


@transaction.atomic
def council_set_support_level(*, actor: User, council_id: int, support_level: Any) -> Council:
    """Set the level supporting a proposal needs here (empty: the deployment's).

    Raises: NotFound; DomainError ``invalid_level``."""
    council = Council.objects.select_for_update().filter(pk=council_id).first()
    if council is None:
        raise NotFound("council_not_found", _("No such council."))
    _require_organiser(actor, council.community_id)
    before = council.support_level
    council.support_level = clean_override(support_level, field="support_level")
    council.save(update_fields=["support_level"])
    audit_record(
        actor=actor,
        verb="participation.council_support_level",
        target=council,
        division_code=council.community_id,
        changes={"support_level": [before, council.support_level]},
    )
    return council


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _validate_dates(
    collect_until: date | None,
    review_until: date | None,
    voting_from: datetime | None,
    voting_until: datetime | None,
) -> None:
    """The phases follow each other: collect ≤ review ≤ voting opens < voting closes."""
    steps: list[tuple[str, date]] = []
    for field, value in (
        ("collect_until", collect_until),
        ("review_until", review_until),
        ("voting_from", voting_from),
        ("voting_until", voting_until),
    ):
        if value is not None:
            day = timezone.localtime(value).date() if isinstance(value, datetime) else value
            steps.append((field, day))
    for (_earlier, first), (later, second) in pairwise(steps):
        if second < first:
            raise DomainError(
                "date_order", _("The phase dates must follow each other in order."), field=later
            )
    if voting_until and (
        voting_until <= timezone.now() or (voting_from and voting_until <= voting_from)
    ):
        raise DomainError(
            "date_order",
            _("Voting must close after it opens, in the future."),
            field="voting_until",
        )


@transaction.atomic
def round_set_dates(
    *,
    actor: User,
    round_id: int,
    collect_until: date | None = None,
    review_until: date | None = None,
    voting_from: datetime | None = None,
    voting_until: datetime | None = None,
) -> Round:
    """Set or correct the phase dates residents see, until the first ballot is cast (the
    ballot rules freeze earlier, when voting opens). While the round is voting, voting must
    have opened already: its opening can be corrected, but not moved into the future.

    Raises: DomainError ``date_order`` / ``ballots_cast`` / ``round_counted`` /
    ``voting_started``."""
    budget_round = _round_for_update(round_id)
    _require_organiser(actor, budget_round.community_id)
    if budget_round.phase in (Round.Phase.RESULTS, Round.Phase.IMPLEMENTATION):
        raise DomainError(
            "round_counted", _("The votes are counted: the dates can no longer change.")
        )
    if RoundVoter.objects.filter(round=budget_round).exists():
        raise DomainError(
            "ballots_cast", _("Ballots have been cast: the dates can no longer change.")
        )
    if budget_round.phase == Round.Phase.VOTING and (
        voting_from is None or voting_from > timezone.now()
    ):
        raise DomainError(
            "voting_started",
            _("The round is already voting: voting must open no later than now."),
            field="voting_from",
        )
    before = {
        "collect_until": budget_round.collect_until,
        "review_until": budget_round.review_until,
        "voting_from": budget_round.voting_from,
        "voting_until": budget_round.voting_until,
    }
    _validate_dates(collect_until, review_until, voting_from, voting_until)
    budget_round.collect_until = collect_until
    budget_round.review_until = review_until
    budget_round.voting_from = voting_from
    budget_round.voting_until = voting_until
    budget_round.save(
        update_fields=["collect_until", "review_until", "voting_from", "voting_until"]
    )
    audit_record(
        actor=actor,
        verb="participation.round_dates",
        target=budget_round,
        division_code=budget_round.community_id,
        changes={
            key: [_iso(old), _iso(getattr(budget_round, key))]
            for key, old in before.items()
            if old != getattr(budget_round, key)
        },
    )
    return budget_round


@transaction.atomic
def round_set_rules(
    *,
    actor: User,
    round_id: int,
    rule: str,
    max_choices: int,
    method: str,
    budget: Any = None,
) -> Round:
    """Change the ballot rules before voting opens. Raises: DomainError ``rules_frozen``."""
    budget_round = _round_for_update(round_id)
    _require_organiser(actor, budget_round.community_id)
    _refuse_if_frozen(budget_round)
    _validate_rules(rule, max_choices, method)
    before = {
        "rule": budget_round.rule,
        "k": budget_round.max_choices,
        "method": budget_round.method,
    }
    budget_round.rule, budget_round.max_choices, budget_round.method = rule, max_choices, method
    if budget is not None:
        if budget_round.phase != Round.Phase.DRAFT:
            raise DomainError(
                "budget_reserved",
                _("The budget is reserved: it changes only before opening."),
                field="budget",
            )
        amount = _money(budget, field="budget")
        budget_round.budget = amount
    budget_round.save()
    audit_record(
        actor=actor,
        verb="participation.round_rules",
        target=budget_round,
        division_code=budget_round.community_id,
        changes={
            "rule": [before["rule"], rule],
            "k": [before["k"], max_choices],
            "method": [before["method"], method],
        },
    )
    return budget_round


@transaction.atomic
def project_add(
    *,
    actor: User,
    round_id: int,
    title: str,
    cost: Any,
    description: str = "",
    proposal_id: int | None = None,
    is_works: bool = False,
) -> RoundProject:
    """Add a project to a round (staff, before voting). Raises: ``rules_frozen``,
    ``whole_yuan``, ``over_budget`` (a project dearer than the whole budget)."""
    budget_round = _round_for_update(round_id)
    _require_organiser(actor, budget_round.community_id)
    _refuse_if_frozen(budget_round)
    amount = _money(cost, field="cost")
    if amount != amount.to_integral_value():
        raise DomainError("whole_yuan", _("Use whole yuan."), field="cost")
    if amount > budget_round.budget:
        raise DomainError(
            "over_budget", _("The project costs more than the whole budget."), field="cost"
        )
    proposal = None
    if proposal_id:
        proposal = Proposal.objects.filter(
            pk=proposal_id, community_id=budget_round.community_id
        ).first()
        if proposal is None:
            raise DomainError("proposal_not_found", _("No such proposal."), field="proposal")
    project = RoundProject.objects.create(
        round=budget_round,
        title=plain_text(
            title or (proposal.title if proposal else ""), field="title", max_length=120
        ),
        description=plain_text(description, field="description", max_length=4000, required=False),
        cost=amount,
        proposal=proposal,
        is_works=is_works,
    )
    audit_record(
        actor=actor,
        verb="participation.project_add",
        target=project,
        division_code=budget_round.community_id,
    )
    return project


@transaction.atomic
def project_review(
    *, actor: User, project_id: int, feasible: bool, cost: Any = None, note: str = ""
) -> RoundProject:
    """Feasibility and cost review by staff. Raises: ``rules_frozen`` once voting opened."""
    project = RoundProject.objects.select_related("round").filter(pk=project_id).first()
    if project is None:
        raise NotFound("project_not_found", _("No such project."))
    budget_round = _round_for_update(project.round_id)
    _require_organiser(actor, budget_round.community_id)
    _refuse_if_frozen(budget_round)
    if cost not in (None, ""):
        amount = _money(cost, field="cost")
        if amount != amount.to_integral_value():
            raise DomainError("whole_yuan", _("Use whole yuan."), field="cost")
        if amount > budget_round.budget:
            raise DomainError(
                "over_budget", _("The project costs more than the whole budget."), field="cost"
            )
        project.cost = amount
    project.review = RoundProject.Review.FEASIBLE if feasible else RoundProject.Review.INFEASIBLE
    project.review_note = plain_text(note, field="note", max_length=300, required=not feasible)
    project.save()
    audit_record(
        actor=actor,
        verb="participation.project_review",
        target=project,
        reason=project.review_note,
        division_code=budget_round.community_id,
        changes={"review": [None, project.review]},
    )
    return project


@transaction.atomic
def round_advance(*, actor: User, round_id: int) -> Round:
    """Move the round to its next phase.

    draft → collect: the budget is reserved in the community's fund (funding adapter); a
    budget over the fund's free balance is refused and the round stays a draft.
    review → voting: rules and projects freeze; at least two feasible projects needed.
    voting → results: the ballots are counted by both methods.
    results → implementation: winners become fund commitments drawn from the reservation
    under the council's decision, and the unspent rest of the reservation goes back.
    Raises: DomainError ``last_phase`` / ``too_few_projects`` / ``no_council_decision`` ..."""
    budget_round = _round_for_update(round_id)
    _require_organiser(actor, budget_round.community_id)
    index = PHASE_ORDER.index(budget_round.phase)
    if index + 1 >= len(PHASE_ORDER):
        raise DomainError("last_phase", _("The round is already in its last phase."))
    target = PHASE_ORDER[index + 1]
    if target == Round.Phase.COLLECT:
        budget_round.reservation_id = funding.reserve_round_budget(
            actor=actor, budget_round=budget_round
        )
    elif target == Round.Phase.VOTING:
        feasible = budget_round.projects.filter(review=RoundProject.Review.FEASIBLE).count()
        if feasible < 2:
            raise DomainError(
                "too_few_projects", _("At least two feasible projects are needed for a vote.")
            )
        if budget_round.projects.filter(review=RoundProject.Review.PENDING).exists():
            raise DomainError("review_pending", _("Review every project before voting opens."))
        now = timezone.now()
        if budget_round.voting_until is not None and budget_round.voting_until <= now:
            raise DomainError(
                "voting_until_passed",
                _(
                    "Voting was to close on %(when)s, which has passed: correct the phase "
                    "dates before voting opens."
                ),
                field="voting_until",
                when=_local(budget_round.voting_until),
            )
        budget_round.rules_frozen_at = now
    elif target == Round.Phase.IMPLEMENTATION:
        _commit_winners(actor=actor, budget_round=budget_round)
    before = budget_round.phase
    dates = _dates_agree_with(budget_round, target)
    budget_round.phase = target
    budget_round.save()
    if target == Round.Phase.RESULTS:
        round_count(budget_round=budget_round)
    audit_record(
        actor=actor,
        verb="participation.round_phase",
        target=budget_round,
        division_code=budget_round.community_id,
        changes={"phase": [before, target], **dates},
    )
    return budget_round


def _dates_agree_with(budget_round: Round, target: str) -> dict[str, list[str | None]]:
    """Make the dates residents see agree with the phase the round moves to: a phase that
    ends early ends today, voting that opens before its scheduled start opens now (so the
    ballot is open when the page shows it), and voting closed early closes now. Returns the
    changes for the audit trail."""
    now = timezone.now()
    today = timezone.localdate(now)
    wanted: dict[str, date | datetime | None] = {}
    ended = {
        Round.Phase.REVIEW: ["collect_until"],
        Round.Phase.VOTING: ["collect_until", "review_until"],
    }.get(Round.Phase(target), [])
    for field in ended:
        value = getattr(budget_round, field)
        if value is not None and value > today:
            wanted[field] = today
    if target == Round.Phase.VOTING and (
        budget_round.voting_from is None or budget_round.voting_from > now
    ):
        wanted["voting_from"] = now
    if target == Round.Phase.RESULTS and (
        budget_round.voting_until is None or budget_round.voting_until > now
    ):
        wanted["voting_until"] = now
    changes: dict[str, list[str | None]] = {}
    for field, value in wanted.items():
        changes[field] = [_iso(getattr(budget_round, field)), _iso(value)]
        setattr(budget_round, field, value)
    return changes


def _ballot_key(round_id: int, resident_id: int) -> str:
    return salted_hmac("shequ.participation.ballot", f"{round_id}:{resident_id}").hexdigest()


def _lock_round_shared(round_id: int) -> None:
    """Hold the round row in share mode while a ballot is written: closing the round (an
    update of the row) waits for ballots in flight, and no ballot starts after it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM participation_round WHERE id = %s FOR SHARE", [round_id])


def _validate_ballot(budget_round: Round, approvals: Sequence[Any]) -> list[int]:
    try:
        chosen = [int(p) for p in approvals]
    except (TypeError, ValueError):
        raise DomainError(
            "invalid_ballot", _("Choose projects of this round."), field="approvals"
        ) from None
    if not chosen:
        raise DomainError("empty_ballot", _("Choose at least one project."), field="approvals")
    if len(set(chosen)) != len(chosen):
        raise DomainError("duplicate_choice", _("Choose each project once."), field="approvals")
    costs = dict(
        budget_round.projects.filter(review=RoundProject.Review.FEASIBLE).values_list("id", "cost")
    )
    if any(p not in costs for p in chosen):
        raise DomainError("invalid_ballot", _("Choose projects of this round."), field="approvals")
    if budget_round.rule == Round.Rule.APPROVAL_BUDGET:
        total = sum((costs[p] for p in chosen), Decimal(0))
        if total > budget_round.budget:
            raise DomainError(
                "ballot_over_budget",
                _("Your choices cost %(total)s yuan, more than the budget of %(budget)s yuan."),
                field="approvals",
                total=total,
                budget=budget_round.budget,
            )
    elif len(chosen) > budget_round.max_choices:
        raise DomainError(
            "too_many_choices",
            _("Choose at most %(k)s projects."),
            field="approvals",
            k=budget_round.max_choices,
        )
    return sorted(chosen)


def _record_ballot(
    budget_round: Round, resident: Resident, chosen: list[int], channel: str
) -> tuple[Ballot, bool]:
    # One voter at a time per resident: a double click or two devices never make two ballots.
    Resident.objects.select_for_update().filter(pk=resident.pk).first()
    key = _ballot_key(budget_round.pk, resident.pk)
    voter = RoundVoter.objects.filter(round=budget_round, resident=resident).first()
    if voter is None:
        RoundVoter.objects.create(round=budget_round, resident=resident, channel=channel)
        return Ballot.objects.create(round=budget_round, ballot_key=key, approvals=chosen), True
    if voter.channel == RoundVoter.Channel.PAPER or channel == RoundVoter.Channel.PAPER:
        raise DomainError("already_voted", _("This resident has already voted in this round."))
    ballot = Ballot.objects.get(round=budget_round, ballot_key=key)
    ballot.approvals = chosen
    ballot.save(update_fields=["approvals", "updated_at"])
    return ballot, False


def _local(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _voting_open(budget_round: Round) -> None:
    """Raises: DomainError ``not_voting_phase``, saying when voting opens or closed."""
    status = selectors.voting_status(budget_round)
    if status == selectors.NOT_YET:
        assert budget_round.voting_from is not None  # noqa: S101 - not_yet needs the date
        raise DomainError(
            "not_voting_phase",
            _("Voting in this round opens on %(when)s."),
            when=_local(budget_round.voting_from),
        )
    if status == selectors.CLOSED:
        assert budget_round.voting_until is not None  # noqa: S101 - closed needs the date
        raise DomainError(
            "not_voting_phase",
            _("Voting in this round closed on %(when)s."),
            when=_local(budget_round.voting_until),
        )
    if status != selectors.OPEN:
        raise DomainError("not_voting_phase", _("Voting in this round is not open."))


@transaction.atomic
def ballot_cast(*, actor: User, round_id: int, approvals: Sequence[Any]) -> Ballot:
    """A verified resident of the round's community casts or changes their one ballot.

    Raises: NotFound; PermissionDenied ``not_a_verified_resident``; DomainError
    ``not_voting_phase`` / ``ballot_over_budget`` / ``too_many_choices`` / ``invalid_ballot``."""
    _lock_round_shared(round_id)
    budget_round = Round.objects.filter(pk=round_id).first()
    if budget_round is None:
        raise NotFound("round_not_found", _("No such budgeting round."))
    resident = _require_verified(actor, budget_round.community_id)
    require_level(Action.VOTE, resident.verification_level, budget_round.vote_level)
    _voting_open(budget_round)
    chosen = _validate_ballot(budget_round, approvals)
    ballot, first = _record_ballot(budget_round, resident, chosen, RoundVoter.Channel.ONLINE)
    # The audit trail says that the resident voted, never how (secret ballot).
    audit_record(
        actor=actor,
        verb="participation.ballot_cast" if first else "participation.ballot_change",
        target=budget_round,
        division_code=budget_round.community_id,
    )
    return ballot


def has_voted(*, user: User, round_id: int) -> bool:
    return RoundVoter.objects.filter(round_id=round_id, resident__user_id=user.pk).exists()


def my_ballot(*, user: User, budget_round: Round) -> list[int]:
    """The user's own current choices (found through the keyed hash), for changing them."""
    resident = Resident.objects.filter(user_id=user.pk).first()
    if resident is None:
        return []
    ballot = Ballot.objects.filter(
        round=budget_round, ballot_key=_ballot_key(budget_round.pk, resident.pk)
    ).first()
    return list(ballot.approvals) if ballot else []


@transaction.atomic
def paper_ballot_enter(
    *, actor: User, round_id: int, sheet: str, id_number: str, approvals: Sequence[Any]
) -> Ballot | None:
    """Staff type one paper ballot sheet. The first entry waits; a second entry of the same
    sheet by another person must match it exactly, then the ballot counts.

    Returns the ballot once two entries agree, else None.
    Raises: DomainError ``paper_mismatch`` (nothing recorded) / ``already_entered`` /
    ``not_a_verified_resident`` / ``already_voted``."""
    _lock_round_shared(round_id)
    budget_round = Round.objects.filter(pk=round_id).first()
    if budget_round is None:
        raise NotFound("round_not_found", _("No such budgeting round."))
    _require_organiser(actor, budget_round.community_id)
    _voting_open(budget_round)
    sheet = plain_text(sheet, field="sheet", max_length=20, mask_numbers=False)
    resident = Resident.objects.filter(
        id_number_index=blind_index(PIIKind.ID_NUMBER, id_number.strip().upper()),
        community_id=budget_round.community_id,
        verification_level__gte=VerificationLevel.ID_CHECKED,
    ).first()
    if resident is None:
        raise DomainError(
            "not_a_verified_resident",
            _("Only ID-checked residents of this community may take part."),
            field="id_number",
        )
    chosen = _validate_ballot(budget_round, approvals)
    entries = list(PaperEntry.objects.select_for_update().filter(round=budget_round, sheet=sheet))
    if any(e.entered_by_id == actor.pk for e in entries):
        raise DomainError(
            "already_entered", _("You entered this sheet already; a second person must check it.")
        )
    if not entries:
        if RoundVoter.objects.filter(round=budget_round, resident=resident).exists():
            raise DomainError("already_voted", _("This resident has already voted in this round."))
        PaperEntry.objects.create(
            round=budget_round, sheet=sheet, resident=resident, approvals=chosen, entered_by=actor
        )
        audit_record(
            actor=actor,
            verb="participation.paper_first_entry",
            target=budget_round,
            division_code=budget_round.community_id,
            reason=sheet,
        )
        return None
    first = entries[0]
    if first.resident_id != resident.pk or list(first.approvals) != chosen:
        raise DomainError(
            "paper_mismatch",
            _("The second entry differs from the first: check the sheet again."),
        )
    PaperEntry.objects.create(
        round=budget_round, sheet=sheet, resident=resident, approvals=chosen, entered_by=actor
    )
    ballot, _created = _record_ballot(budget_round, resident, chosen, RoundVoter.Channel.PAPER)
    audit_record(
        actor=actor,
        verb="participation.paper_ballot",
        target=budget_round,
        division_code=budget_round.community_id,
        reason=sheet,
    )
    return ballot


def round_inputs(budget_round: Round) -> tuple[dict[int, int], list[list[int]], int]:
    """(costs in whole yuan by project id, ballots, budget) exactly as stored."""
    costs = {
        pid: int(cost)
        for pid, cost in budget_round.projects.filter(
            review=RoundProject.Review.FEASIBLE
        ).values_list("id", "cost")
    }
    ballots = [
        list(a)
        for a in Ballot.objects.filter(round=budget_round)
        .order_by("ballot_key")
        .values_list("approvals", flat=True)
    ]
    return costs, ballots, int(budget_round.budget)


def round_count(*, budget_round: Round) -> dict[str, tally.Outcome]:
    """Count the stored ballots by both methods and store the results (idempotent)."""
    costs, ballots, budget = round_inputs(budget_round)
    outcomes = {
        Round.Method.GREEDY.value: tally.greedy_by_votes(costs, ballots, budget),
        Round.Method.EQUAL_SHARES.value: tally.equal_shares(costs, ballots, budget),
    }
    for method, outcome in outcomes.items():
        RoundResult.objects.update_or_create(
            round=budget_round,
            method=method,
            defaults={
                "winners": list(outcome.winners),
                "steps": [s.as_dict() for s in outcome.steps],
                "votes": {str(k): v for k, v in outcome.votes.items()},
                "voters": outcome.voters,
                "spent": Decimal(outcome.spent),
            },
        )
    return outcomes


def round_winners(budget_round: Round) -> list[RoundProject]:
    result = RoundResult.objects.filter(round=budget_round, method=budget_round.method).first()
    if result is None:
        return []
    by_id = {p.pk: p for p in budget_round.projects.filter(pk__in=result.winners)}
    return [by_id[p] for p in result.winners if p in by_id]


@transaction.atomic
def round_attach_decision(*, actor: User, round_id: int, item_id: int) -> Round:
    """Attach the council's passed spending decision that confirms the round's results.

    Raises: DomainError ``decision_not_passed`` / ``decision_amount``."""
    budget_round = _round_for_update(round_id)
    _require_organiser(actor, budget_round.community_id)
    item = (
        AgendaItem.objects.select_related("meeting")
        .filter(pk=item_id, meeting__community_id=budget_round.community_id)
        .first()
    )
    if (
        item is None
        or item.status != AgendaItem.Status.PASSED
        or item.kind != AgendaItem.Kind.SPENDING
    ):
        raise DomainError(
            "decision_not_passed",
            _("Attach a spending item the council has passed."),
            field="item",
        )
    total = sum((p.cost for p in round_winners(budget_round)), Decimal(0))
    if item.amount is None or item.amount < total:
        raise DomainError(
            "decision_amount",
            _("The decision approves less than the winning projects cost (%(total)s yuan)."),
            field="item",
            total=total,
        )
    budget_round.council_approval_item = item
    budget_round.save(update_fields=["council_approval_item"])
    audit_record(
        actor=actor,
        verb="participation.round_decision",
        target=budget_round,
        division_code=budget_round.community_id,
    )
    return budget_round


def _commit_winners(*, actor: User, budget_round: Round) -> None:
    item = budget_round.council_approval_item
    if item is None or item.approval_record_id is None:
        raise DomainError(
            "no_council_decision",
            _("The council must approve the results before they are committed."),
        )
    for project in round_winners(budget_round):
        if project.commitment_id is None:
            project.commitment_id = funding.commit_winner(
                actor=actor,
                budget_round=budget_round,
                project=project,
                approval_record_id=item.approval_record_id,
            )
            project.save(update_fields=["commitment_id"])
    funding.release_round_reservation(actor=actor, budget_round=budget_round)
