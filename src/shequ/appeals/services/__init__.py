"""Writes of residents' requests: intake, "me too", dispatch, sign, return, close, rate;
categories, units and the dispatch catalogue. Each in one transaction, audited."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.appeals.deadlines import deadline_for
from shequ.appeals.models import (
    Appeal,
    AppealEvent,
    AppealFollower,
    AppealPhoto,
    AppealRating,
    CatalogueVersion,
    Category,
    Nature,
    Open311Key,
    RoutingRow,
    Satisfaction,
    Unit,
)
from shequ.appeals.permissions import (
    may_dispatch,
    may_edit_catalogue,
    unit_ids_of,
)
from shequ.appeals.routing import current_version, route
from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.pii import PIIKind, PIIValue
from shequ.core.services import audit_record
from shequ.core.uploads import accept_upload
from shequ.notices.models import Category as MessageCategory
from shequ.notices.services import message_send, message_send_many, plain_text
from shequ.people.models import StaffRole, User
from shequ.places.geography import district_contains, in_chengdu_bbox
from shequ.places.models import Division

DESCRIPTION_MAX = 2000
REPLY_MAX = 2000
MAX_PHOTOS = 3
PHOTO_MAX_KB = 2048
RETURN_REASONS: dict[str, Any] = {
    "wrong_area": _("Wrong area"),
    "not_our_duty": _("Not our duty"),
    "overlapping": _("Overlapping duty"),
}


class AlreadySigned(DomainError):
    """Someone signed for the request first (two units or officers at once)."""

    status = 409


# --- intake ---------------------------------------------------------------------------------


def _category(category_id: Any) -> Category:
    category = Category.objects.filter(pk=digits_or_none(str(category_id or "")) or 0).first()
    if category is None or not category.is_active:
        raise DomainError(
            "category_gone",
            _("This category no longer exists; please choose another."),
            field="category",
        )
    if category.out_of_scope:
        raise DomainError(
            "out_of_scope",
            _("This is not taken here. %(where)s"),
            field="category",
            where=category.redirect_text,
        )
    return category


def _community(code: Any) -> Division:
    community = Division.objects.filter(
        pk=str(code or ""), level=Division.Level.COMMUNITY, is_active=True
    ).first()
    if community is None:
        raise DomainError(
            "community_required", _("Choose the community where it is."), field="community"
        )
    return community


def _point(longitude: Any, latitude: Any, community: Division) -> tuple[float | None, float | None]:
    if longitude in (None, "") and latitude in (None, ""):
        return None, None
    try:
        lon, lat = float(longitude), float(latitude)
    except (TypeError, ValueError):
        raise DomainError(
            "bad_location", _("The map pin could not be read."), field="location"
        ) from None
    if not in_chengdu_bbox(lon, lat):
        raise DomainError("outside_city", _("The map pin is outside Chengdu."), field="location")
    district = Division.objects.get(pk=community.code[:6] + "000000")
    if not district_contains(district, lon, lat):
        raise DomainError(
            "outside_district",
            _("The map pin is not in %(district)s, where the chosen community is."),
            field="location",
            district=district.name,
        )
    return round(lon, 6), round(lat, 6)


def _photos(uploads: Sequence[UploadedFile], field: str) -> list[File]:
    if len(uploads) > MAX_PHOTOS:
        raise DomainError("too_many_photos", _("At most %(n)s photos."), field=field, n=MAX_PHOTOS)
    return [
        accept_upload(upload, field=field, types=("jpg", "png"), max_kb=PHOTO_MAX_KB)[0]
        for upload in uploads
    ]


def _unit_members(unit: Unit) -> list[int]:
    condition = Q(pk__in=[])
    if unit.department_id is not None:
        condition |= Q(role="department_staff", department_id=unit.department_id)
    if unit.division_id:
        role = {"community": "community_worker", "street": "street_officer"}.get(
            unit.kind, "district_officer"
        )
        condition |= Q(role=role, division_id=unit.division_id)
    return list(
        StaffRole.objects.filter(condition, is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def _tell_unit(appeal: Appeal, unit: Unit, title: Any) -> None:
    message_send_many(
        user_ids=_unit_members(unit),
        category=MessageCategory.SYSTEM,
        title=title % {"number": appeal.number, "category": appeal.category.name},
        body=_("Due %(due)s.")
        % {"due": timezone.localtime(appeal.deadline_at).strftime("%Y-%m-%d %H:%M")},
        url=f"/console/appeals/{appeal.pk}/",
    )


def _tell_residents(appeal: Appeal, title: Any, body: str = "") -> None:
    """The reporter and every follower hear of each public change."""
    ids = set(AppealFollower.objects.filter(appeal=appeal).values_list("user_id", flat=True))
    if appeal.reporter_id:
        ids.add(appeal.reporter_id)
    for user_id in sorted(ids):
        message_send(
            user_id=user_id,
            category=MessageCategory.APPLICATION,
            title=title % {"number": appeal.number, "category": appeal.category.name},
            body=body,
            url=f"/appeals/{appeal.pk}/",
        )


def _dispatch_to(appeal: Appeal, unit: Unit | None, reason: str, actor: User | None) -> None:
    appeal.unit = unit
    appeal.routing_reason = reason[:300]
    appeal.status = Appeal.Status.DISPATCHED if unit else Appeal.Status.AWAITING_DISPATCH
    if unit is not None:
        AppealEvent.objects.create(
            appeal=appeal, kind=AppealEvent.Kind.DISPATCHED, unit=unit, actor=actor, text=reason
        )
        _tell_unit(appeal, unit, _("New request %(number)s: %(category)s"))


@dataclass(frozen=True)
class Caller:
    """A hotline caller's name and number, typed by the operator."""

    name: str
    phone: str


@transaction.atomic
def appeal_submit(
    *,
    actor: User | None,
    category_id: Any,
    description: str,
    community_code: Any,
    longitude: Any = None,
    latitude: Any = None,
    address: str = "",
    photos: Sequence[UploadedFile] = (),
    is_private: bool = False,
    channel: str = Appeal.Channel.WEB,
    caller: Caller | None = None,
    client: Open311Key | None = None,
    nature: str = "",
    ip: str | None = None,
) -> Appeal:
    """Take a request, route it by the dispatch catalogue and dispatch it.

    A hotline call (``caller`` given) is entered by a dispatcher for the caller, who needs no
    account; a request from an Open311 client application (``client``, its checked key) has
    no account either, and may carry the caller's name and number. ``nature`` overrides the
    category's. Raises: DomainError ``category_gone`` / ``out_of_scope`` /
    ``community_required`` / ``bad_location`` / ``outside_city`` / ``outside_district`` /
    ``bad_nature`` / ``bad_phone`` / ``too_many_photos`` / the upload errors / the text errors
    of ``plain_text``; PermissionDenied for a call entered by someone who does not dispatch.
    """
    category = _category(category_id)
    if nature and nature not in Nature.values:
        raise DomainError("bad_nature", _("Choose the nature of the request."), field="nature")
    clean = plain_text(description, field="description", max_length=DESCRIPTION_MAX)
    clean_address = plain_text(address, field="address", max_length=200, required=False)
    community = _community(community_code)
    lon, lat = _point(longitude, latitude, community)
    files = _photos(photos, "photos")
    caller_name, caller_phone = "", None
    reporter = actor
    if caller is not None and client is None:
        if actor is None or not may_dispatch(actor, community.code):
            raise PermissionDenied(
                "not_dispatcher", _("Only the hotline desk enters calls for callers.")
            )
        channel = Appeal.Channel.HOTLINE
    if client is not None:
        channel = Appeal.Channel.OPEN311
    if caller is not None:
        caller_name = plain_text(caller.name, field="caller_name", max_length=40, required=False)
        phone = digits_or_none(caller.phone)
        if caller.phone and (phone is None or len(phone) != 11 or not phone.startswith("1")):
            raise DomainError(
                "bad_phone", _("Enter the caller's 11-digit mobile number."), field="caller_phone"
            )
        caller_phone = PIIValue(PIIKind.PHONE, plain=phone) if phone else None
    if caller is not None or client is not None:
        reporter = None
    now = timezone.now()
    appeal = Appeal.objects.create(
        category=category,
        nature=nature or category.nature,
        description=clean,
        address=clean_address,
        longitude=lon,
        latitude=lat,
        community=community,
        channel=channel,
        reporter=reporter,
        caller_name=caller_name,
        caller_phone=caller_phone,
        entered_by=actor if caller is not None and client is None else None,
        is_private=bool(is_private),
        deadline_at=deadline_for(category.deadline_class, now),
        created_at=now,
    )
    for file in files:
        AppealPhoto.objects.create(appeal=appeal, kind=AppealPhoto.Kind.PROBLEM, file=file)
    AppealEvent.objects.create(appeal=appeal, kind=AppealEvent.Kind.RECEIVED, actor=actor, at=now)
    decision = route(category, community)
    _dispatch_to(appeal, decision.unit, decision.reason, None)
    appeal.save(update_fields=["unit", "routing_reason", "status"])
    audit_record(
        actor=actor,
        verb="appeal.submit",
        target=appeal,
        division_code=community.code,
        changes={
            "unit": [None, decision.unit.name if decision.unit else None],
            **({"open311_client": [None, client.name]} if client is not None else {}),
        },
        reason=decision.reason[:200],
        ip=ip,
    )
    return appeal


@transaction.atomic
def appeal_follow(*, actor: User, appeal_id: int, ip: str | None = None) -> Appeal:
    """ "Me too": follow an open public request instead of filing the same one again.

    Raises: NotFound (private or missing), DomainError ``not_open``.
    """
    appeal = Appeal.objects.filter(pk=appeal_id, is_private=False).first()
    if appeal is None:
        raise NotFound("appeal_not_found", _("No such request."))
    if not appeal.is_open:
        raise DomainError("not_open", _("This request is already handled."))
    if appeal.reporter_id == actor.pk:
        return appeal
    try:
        with transaction.atomic():
            AppealFollower.objects.create(appeal=appeal, user=actor)
    except IntegrityError:
        return appeal
    AppealEvent.objects.create(appeal=appeal, kind=AppealEvent.Kind.FOLLOWED)
    audit_record(
        actor=actor, verb="appeal.follow", target=appeal, division_code=appeal.community_id, ip=ip
    )
    return appeal


# --- the ticket's life ----------------------------------------------------------------------


def _locked(appeal_id: int) -> Appeal:
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("category", "unit")
        .filter(pk=appeal_id)
        .first()
    )
    if appeal is None:
        raise NotFound("appeal_not_found", _("No such request."))
    return appeal


def _require_member(actor: User, appeal: Appeal) -> None:
    if appeal.unit_id is None or appeal.unit_id not in unit_ids_of(actor):
        raise NotFound("appeal_not_found", _("No such request."))


def _last_dispatch(appeal: Appeal) -> AppealEvent | None:
    return (
        AppealEvent.objects.filter(appeal=appeal, kind=AppealEvent.Kind.DISPATCHED)
        .order_by("-at", "-id")
        .first()
    )


@transaction.atomic
def appeal_dispatch(
    *, actor: User, appeal_id: int, unit_id: Any, note: str, ip: str | None = None
) -> Appeal:
    """A dispatcher sends the request to a unit (派单, or 重派 after a return), with a note.

    Raises: NotFound (outside the dispatcher's area), DomainError ``not_dispatchable`` /
    ``unit_required`` / ``same_unit`` and the text errors of ``plain_text``.
    """
    appeal = _locked(appeal_id)
    if not may_dispatch(actor, appeal.community_id):
        raise NotFound("appeal_not_found", _("No such request."))
    if appeal.status not in (
        Appeal.Status.AWAITING_DISPATCH,
        Appeal.Status.RETURNED,
        Appeal.Status.DISPATCHED,
    ):
        raise DomainError(
            "not_dispatchable", _("Only a request not yet signed for can be dispatched.")
        )
    unit = Unit.objects.filter(pk=digits_or_none(str(unit_id or "")) or 0, is_active=True).first()
    if unit is None:
        raise DomainError("unit_required", _("Choose the unit from the list."), field="unit")
    if appeal.status == Appeal.Status.DISPATCHED and appeal.unit_id == unit.pk:
        raise DomainError("same_unit", _("The request is already with this unit."), field="unit")
    clean = plain_text(note, field="note", max_length=300)
    before = appeal.unit.name if appeal.unit else None
    reason = str(
        _("Re-dispatched by %(who)s: %(note)s") % {"who": actor.get_username(), "note": clean}
    )
    _dispatch_to(appeal, unit, reason, actor)
    appeal.save(update_fields=["unit", "routing_reason", "status"])
    audit_record(
        actor=actor,
        verb="appeal.dispatch",
        target=appeal,
        division_code=appeal.community_id,
        changes={"unit": [before, unit.name]},
        reason=clean,
        ip=ip,
    )
    return appeal


@transaction.atomic
def appeal_sign(*, actor: User, appeal_id: int, ip: str | None = None) -> Appeal:
    """The unit signs for the request (签收). Of two at once, one wins; the other is told.

    Raises: NotFound (not the actor's unit's), AlreadySigned ``already_signed``, DomainError
    ``not_dispatched``.
    """
    appeal = _locked(appeal_id)
    if not unit_ids_of(actor):
        raise NotFound("appeal_not_found", _("No such request."))
    if appeal.status == Appeal.Status.IN_PROGRESS:
        signed = (
            AppealEvent.objects.filter(appeal=appeal, kind=AppealEvent.Kind.SIGNED)
            .select_related("unit", "actor")
            .order_by("-at", "-id")
            .first()
        )
        raise AlreadySigned(
            "already_signed",
            _("Already signed for by %(who)s of %(unit)s."),
            who=signed.actor.get_username() if signed and signed.actor else "-",
            unit=signed.unit.name if signed and signed.unit else "-",
        )
    _require_member(actor, appeal)
    if appeal.status != Appeal.Status.DISPATCHED:
        raise DomainError("not_dispatched", _("This request is not waiting to be signed for."))
    appeal.status = Appeal.Status.IN_PROGRESS
    appeal.save(update_fields=["status"])
    AppealEvent.objects.create(
        appeal=appeal, kind=AppealEvent.Kind.SIGNED, unit=appeal.unit, actor=actor
    )
    audit_record(
        actor=actor, verb="appeal.sign", target=appeal, division_code=appeal.community_id, ip=ip
    )
    _tell_residents(appeal, _("%(number)s: the unit has taken up your request"))
    return appeal


@transaction.atomic
def appeal_return(
    *, actor: User, appeal_id: int, reason: str, text: str, ip: str | None = None
) -> Appeal:
    """The unit returns the request (退单) with a reason; the time it held it is charged to
    it, and the dispatchers re-dispatch.

    Raises: NotFound, DomainError ``return_reason_required`` / ``not_returnable`` and the
    text errors of ``plain_text``.
    """
    appeal = _locked(appeal_id)
    _require_member(actor, appeal)
    if appeal.status not in (Appeal.Status.DISPATCHED, Appeal.Status.IN_PROGRESS):
        raise DomainError("not_returnable", _("This request cannot be returned now."))
    if reason not in RETURN_REASONS:
        raise DomainError(
            "return_reason_required",
            _("Choose why the request is returned."),
            field="reason",
        )
    clean = plain_text(text, field="text", max_length=500)
    dispatched = _last_dispatch(appeal)
    now = timezone.now()
    held = int((now - dispatched.at).total_seconds()) if dispatched else 0
    unit = appeal.unit
    AppealEvent.objects.create(
        appeal=appeal,
        kind=AppealEvent.Kind.RETURNED,
        unit=unit,
        actor=actor,
        text=f"{RETURN_REASONS[reason]}: {clean}",
        held_seconds=max(held, 0),
        at=now,
    )
    appeal.status = Appeal.Status.RETURNED
    appeal.unit = None
    appeal.save(update_fields=["status", "unit"])
    audit_record(
        actor=actor,
        verb="appeal.return",
        target=appeal,
        division_code=appeal.community_id,
        reason=clean,
        changes={"unit": [unit.name if unit else None, None]},
        ip=ip,
    )
    dispatchers = StaffRole.objects.filter(
        Q(role="city_committee")
        | Q(role="district_officer", division_id=appeal.community_id[:6] + "000000"),
        is_active=True,
    ).values_list("user_id", flat=True)
    message_send_many(
        user_ids=list(dispatchers.distinct()),
        category=MessageCategory.SYSTEM,
        title=_("Returned, to re-dispatch: %(number)s") % {"number": appeal.number},
        body=clean,
        url=f"/console/appeals/{appeal.pk}/",
    )
    return appeal


@transaction.atomic
def appeal_close(
    *,
    actor: User,
    appeal_id: int,
    reply: str,
    photos: Sequence[UploadedFile] = (),
    ip: str | None = None,
) -> Appeal:
    """The unit reports the request handled (办结) with a public reply and photos of the fix;
    the resident is asked to rate it.

    Raises: NotFound, DomainError ``not_signed`` / the upload and text errors.
    """
    appeal = _locked(appeal_id)
    _require_member(actor, appeal)
    if appeal.status != Appeal.Status.IN_PROGRESS:
        raise DomainError("not_signed", _("Sign for the request before reporting it handled."))
    clean = plain_text(reply, field="reply", max_length=REPLY_MAX)
    files = _photos(photos, "photos")
    now = timezone.now()
    for file in files:
        AppealPhoto.objects.create(appeal=appeal, kind=AppealPhoto.Kind.FIX, file=file)
    appeal.status = Appeal.Status.CLOSED
    appeal.reply = clean
    appeal.closed_at = now
    appeal.save(update_fields=["status", "reply", "closed_at"])
    AppealEvent.objects.create(
        appeal=appeal,
        kind=AppealEvent.Kind.CLOSED,
        unit=appeal.unit,
        actor=actor,
        text=clean[:1000],
        on_time=now <= appeal.deadline_at,
        at=now,
    )
    audit_record(
        actor=actor, verb="appeal.close", target=appeal, division_code=appeal.community_id, ip=ip
    )
    _tell_residents(appeal, _("%(number)s has been handled: please rate it"), clean)
    return appeal


@transaction.atomic
def appeal_rate(
    *,
    actor: User,
    appeal_id: int,
    level: str,
    fixed: bool,
    comment: str = "",
    ip: str | None = None,
) -> Appeal:
    """The reporter rates the handling. Dissatisfied or not fixed: the request reopens and
    goes back to the unit that closed it, with a new deadline.

    Raises: NotFound (someone else's request), DomainError ``not_closed`` / ``bad_level`` /
    ``comment_required`` and the text errors.
    """
    appeal = _locked(appeal_id)
    if appeal.reporter_id != actor.pk:
        raise NotFound("appeal_not_found", _("No such request."))
    if appeal.status != Appeal.Status.CLOSED or appeal.unit is None:
        raise DomainError("not_closed", _("This request is not waiting for your rating."))
    if level not in Satisfaction.values:
        raise DomainError("bad_level", _("Choose how satisfied you are."), field="level")
    unhappy = level == Satisfaction.DISSATISFIED or not fixed
    clean = plain_text(comment, field="comment", max_length=500, required=False)
    if unhappy and not clean:
        raise DomainError("comment_required", _("Please say what is still wrong."), field="comment")
    AppealRating.objects.create(
        appeal=appeal, round=appeal.round, unit=appeal.unit, level=level, fixed=fixed, comment=clean
    )
    AppealEvent.objects.create(
        appeal=appeal,
        kind=AppealEvent.Kind.RATED,
        unit=appeal.unit,
        actor=actor,
        text=f"{Satisfaction(level).label}: {clean}" if clean else str(Satisfaction(level).label),
    )
    before = appeal.status
    if unhappy:
        now = timezone.now()
        appeal.round += 1
        appeal.closed_at = None
        appeal.deadline_at = deadline_for(appeal.category.deadline_class, now)
        AppealEvent.objects.create(
            appeal=appeal, kind=AppealEvent.Kind.REOPENED, unit=appeal.unit, text=clean, at=now
        )
        reason = str(
            _("Reopened after the resident's rating: back to %(unit)s") % {"unit": appeal.unit.name}
        )
        _dispatch_to(appeal, appeal.unit, reason, None)
    else:
        appeal.status = Appeal.Status.RATED
    appeal.save(
        update_fields=["status", "round", "closed_at", "deadline_at", "unit", "routing_reason"]
    )
    audit_record(
        actor=actor,
        verb="appeal.rate",
        target=appeal,
        division_code=appeal.community_id,
        changes={"status": [before, appeal.status], "level": [None, level]},
        ip=ip,
    )
    return appeal


# --- categories, units, the dispatch catalogue ----------------------------------------------


def _require_editor(actor: User) -> None:
    if not may_edit_catalogue(actor):
        raise PermissionDenied(
            "not_allowed", _("Only the city committee edits the dispatch catalogue.")
        )


def _new_version(actor: User, note: str) -> CatalogueVersion:
    return CatalogueVersion.objects.create(
        number=current_version() + 1, note=note[:200], created_by=actor
    )


@dataclass(frozen=True)
class RowIn:
    category_id: int
    place_code: str
    unit_id: int


def _row_label(category: Category, place: Division, unit: Unit, row: Any) -> str:
    return f"{row} ({category.name} · {place.name} → {unit.name})"


@transaction.atomic
def routing_rows_add(
    *, actor: User, rows: Sequence[RowIn], note: str, ip: str | None = None
) -> CatalogueVersion:
    """Add rows to the dispatch catalogue as one new version. A row for a place and category
    that already has a live row (or twice in ``rows``) is refused with both rows named.

    Raises: PermissionDenied, DomainError ``row_overlap`` / ``bad_row``.
    """
    _require_editor(actor)
    clean_note = plain_text(note, field="note", max_length=200)
    checked: list[tuple[Category, Division, Unit]] = []
    seen: dict[tuple[int, str], str] = {}
    for n, row in enumerate(rows, start=1):
        category = Category.objects.filter(pk=row.category_id, is_active=True).first()
        place = Division.objects.filter(
            pk=row.place_code,
            level__in=[Division.Level.DISTRICT, Division.Level.STREET, Division.Level.COMMUNITY],
        ).first()
        unit = Unit.objects.filter(pk=row.unit_id, is_active=True).first()
        if category is None or place is None or unit is None:
            raise DomainError(
                "bad_row", _("Row %(n)s: choose a category, a place and a unit."), n=n
            )
        label = _row_label(category, place, unit, _("new row %(n)s") % {"n": n})
        key = (category.pk, place.pk)
        if key in seen:
            raise DomainError(
                "row_overlap",
                _("%(one)s overlaps %(other)s: one place and category has one unit."),
                field="place",
                one=label,
                other=seen[key],
            )
        existing = (
            RoutingRow.objects.select_related("unit")
            .filter(category=category, place=place, retired_in__isnull=True)
            .first()
        )
        if existing is not None:
            raise DomainError(
                "row_overlap",
                _("%(one)s overlaps %(other)s: one place and category has one unit."),
                field="place",
                one=label,
                other=_row_label(
                    category, place, existing.unit, _("row %(n)s") % {"n": existing.pk}
                ),
            )
        seen[key] = label
        checked.append((category, place, unit))
    version = _new_version(actor, clean_note)
    RoutingRow.objects.bulk_create(
        [RoutingRow(category=c, place=p, unit=u, added_in=version.number) for c, p, u in checked]
    )
    audit_record(
        actor=actor,
        verb="appeal.catalogue_add",
        target=version,
        changes={"rows": [None, len(checked)]},
        reason=clean_note,
        ip=ip,
    )
    return version


@transaction.atomic
def routing_row_retire(*, actor: User, row_id: int, ip: str | None = None) -> CatalogueVersion:
    """Retire one row of the catalogue (a new version); decisions made with it keep its number.

    Raises: PermissionDenied, NotFound.
    """
    _require_editor(actor)
    row = RoutingRow.objects.select_for_update().filter(pk=row_id, retired_in__isnull=True).first()
    if row is None:
        raise NotFound("row_not_found", _("No such row."))
    version = _new_version(actor, str(_("Retired row %(n)s") % {"n": row.pk}))
    row.retired_in = version.number
    row.save(update_fields=["retired_in"])
    audit_record(actor=actor, verb="appeal.catalogue_retire", target=version, ip=ip)
    return version


@transaction.atomic
def category_save(
    *, actor: User, category_id: int | None, data: dict[str, Any], ip: str | None = None
) -> Category:
    """Create or change a request category.

    Raises: PermissionDenied, DomainError ``duplicate`` / ``redirect_required``.
    """
    _require_editor(actor)
    category = (
        Category() if category_id is None else Category.objects.filter(pk=category_id).first()
    )
    if category is None:
        raise NotFound("category_not_found", _("No such category."))
    for field in (
        "code",
        "name",
        "nature",
        "deadline_class",
        "out_of_scope",
        "redirect_text",
        "service_code",
        "position",
        "is_active",
    ):
        if field in data:
            setattr(category, field, data[field])
    if category.out_of_scope and not category.redirect_text:
        raise DomainError(
            "redirect_required",
            _("Say where residents should go instead."),
            field="redirect_text",
        )
    clash = Category.objects.filter(Q(code=category.code) | Q(name=category.name)).exclude(
        pk=category.pk
    )
    if clash.exists():
        raise DomainError("duplicate", _("Another category has this code or name."), field="name")
    category.save()
    audit_record(actor=actor, verb="appeal.category_save", target=category, ip=ip)
    return category


@transaction.atomic
def unit_save(
    *,
    actor: User,
    name: str,
    kind: str,
    department_id: int | None = None,
    division_code: str | None = None,
    ip: str | None = None,
) -> Unit:
    """Add a responsible unit: a department, or a district, street or community office.

    Raises: PermissionDenied, DomainError ``unit_place_required`` / ``duplicate``.
    """
    _require_editor(actor)
    clean = plain_text(name, field="name", max_length=100)
    if kind not in Unit.Kind.values:
        raise DomainError("bad_kind", _("Choose the kind of unit."), field="kind")
    if kind == Unit.Kind.DEPARTMENT and not department_id:
        raise DomainError("unit_place_required", _("Choose the department."), field="department")
    if kind != Unit.Kind.DEPARTMENT:
        division = Division.objects.filter(pk=division_code or "", level=kind).first()
        if division is None:
            raise DomainError(
                "unit_place_required",
                _("Choose the place of this level that the unit is."),
                field="division",
            )
    if Unit.objects.filter(name=clean).exists():
        raise DomainError("duplicate", _("A unit with this name exists."), field="name")
    unit = Unit.objects.create(
        name=clean,
        kind=kind,
        department_id=department_id if kind == Unit.Kind.DEPARTMENT else None,
        division_id=division_code if kind != Unit.Kind.DEPARTMENT else None,
    )
    audit_record(actor=actor, verb="appeal.unit_save", target=unit, ip=ip)
    return unit
