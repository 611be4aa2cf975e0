"""Reads of the volunteers app: a user's volunteer record, teams, activities open for
sign-up, a slot's attendance, ledger totals, star levels and certificates."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from math import asin, cos, radians, sin, sqrt
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import NotFound
from shequ.people.models import Resident
from shequ.people.permissions import READERS, WORKERS, covers
from shequ.people.selectors import scope_queryset
from shequ.places.models import Division
from shequ.volunteers.models import (
    ZERO,
    Activity,
    Certificate,
    HoursEntry,
    Membership,
    SignUp,
    Slot,
    StarAward,
    Team,
    TimeBankOffer,
    TimeBankRequest,
    TimeCreditAccount,
    TimeCreditEntry,
    TimeSettlement,
    Volunteer,
)
from shequ.volunteers.permissions import may_manage_activity, may_manage_team


def age_on(birth: date, day: date) -> int:
    """Full years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def service_area_choices(resident: Resident) -> list[Division]:
    """The communities a volunteer may choose to serve in: those of their own street."""
    community = resident.community
    if community is None:
        return []
    if community.parent_id is None:
        return [community]
    return list(
        Division.objects.filter(parent_id=community.parent_id, is_active=True).order_by("code")
    )


def volunteer_of(user: Any) -> Volunteer | None:
    """The user's volunteer record, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Volunteer.objects.select_related("resident", "community").filter(user=user).first()


def volunteer_list_for(*, user: Any) -> QuerySet[Volunteer]:
    """Volunteers registered in the staff member's area, with their total hours."""
    return (
        scope_queryset(Volunteer.objects.all(), user, division_field="community_id", roles=READERS)
        .select_related("resident", "community")
        .annotate(total_hours=Sum("hours__hours"))
        .order_by("-registered_at")
    )


def volunteer_get_for(*, user: Any, volunteer_id: int) -> Volunteer:
    """One volunteer in the staff member's area. Raises NotFound."""
    found = volunteer_list_for(user=user).filter(pk=volunteer_id).first()
    if found is None:
        raise NotFound("not_found", _("Not found."))
    return found


# --- Teams --------------------------------------------------------------------------------


def team_list_public() -> QuerySet[Team]:
    """Active teams a volunteer may ask to join, with member counts."""
    return (
        Team.objects.filter(is_active=True)
        .select_related("division")
        .annotate(
            members=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE))
        )
        .order_by("division_id", "name")
    )


def team_list_for_staff(*, user: Any) -> QuerySet[Team]:
    """Teams in the staff member's area."""
    return scope_queryset(team_list_public(), user, division_field="division_id", roles=READERS)


def team_get(team_id: int) -> Team:
    team = team_list_public().filter(pk=team_id).first()
    if team is None:
        raise NotFound("not_found", _("Not found."))
    return team


def team_get_to_manage(*, user: Any, team_id: int) -> Team:
    """A team the user leads or whose area they work in. Raises NotFound."""
    team = Team.objects.select_related("division").filter(pk=team_id).first()
    if team is None or not may_manage_team(user, team):
        raise NotFound("not_found", _("Not found."))
    return team


def teams_led_by(user: Any) -> QuerySet[Team]:
    return Team.objects.filter(
        memberships__volunteer__user=user,
        memberships__role=Membership.Role.LEADER,
        memberships__status=Membership.Status.ACTIVE,
    ).distinct()


def memberships_of(volunteer: Volunteer) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(volunteer=volunteer)
        .select_related("team", "team__division")
        .order_by("-requested_at")
    )


def team_members(team: Team) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(team=team)
        .exclude(status=Membership.Status.REFUSED)
        .select_related("volunteer", "volunteer__resident")
        .order_by("status", "-role", "requested_at")
    )


# --- Activities ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotView:
    slot: Slot
    taken: int
    waiting: int

    @property
    def free(self) -> int:
        return max(self.slot.quota - self.taken, 0)


def activity_list_open(*, now: datetime | None = None) -> QuerySet[Activity]:
    """Published activities still taking sign-ups, soonest first."""
    now = now or timezone.now()
    return (
        Activity.objects.filter(status=Activity.Status.PUBLISHED, signup_deadline__gte=now)
        .select_related("team", "community")
        .order_by("signup_deadline", "pk")
    )


def activity_slots_between(
    *, community_code: str, start: datetime, end: datetime
) -> QuerySet[Slot]:
    """Slots of a community's published activities starting in [start, end) (what's on)."""
    return (
        Slot.objects.filter(
            activity__community_id=community_code,
            activity__status=Activity.Status.PUBLISHED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("activity")
        .order_by("starts_at", "pk")
    )


def activity_get_public(activity_id: int) -> Activity:
    """A published (or cancelled) activity. Raises NotFound for drafts and unknown ids."""
    found = (
        Activity.objects.select_related("team", "community")
        .exclude(status=Activity.Status.DRAFT)
        .filter(pk=activity_id)
        .first()
    )
    if found is None:
        raise NotFound("not_found", _("Not found."))
    return found


def activity_get_to_manage(*, user: Any, activity_id: int) -> Activity:
    """An activity the user may manage. Raises NotFound."""
    found = Activity.objects.select_related("team", "community").filter(pk=activity_id).first()
    if found is None or not may_manage_activity(user, found):
        raise NotFound("not_found", _("Not found."))
    return found


def activity_list_to_manage(*, user: Any) -> QuerySet[Activity]:
    """Activities of the teams the user leads and of the communities in their area."""
    led = teams_led_by(user).values("pk")
    in_area = scope_queryset(
        Activity.objects.all(), user, division_field="community_id", roles=WORKERS
    ).values("pk")
    return (
        Activity.objects.filter(Q(team_id__in=led) | Q(pk__in=in_area))
        .select_related("team", "community")
        .order_by("-created_at")
    )


def slot_views(activity: Activity) -> list[SlotView]:
    """The activity's slots with how many signed up and how many wait."""
    slots = activity.slots.annotate(
        taken=Count("signups", filter=Q(signups__status=SignUp.Status.CONFIRMED)),
        waiting=Count("signups", filter=Q(signups__status=SignUp.Status.WAITING)),
    )
    return [SlotView(slot=s, taken=s.taken, waiting=s.waiting) for s in slots]


def signups_of(volunteer: Volunteer) -> QuerySet[SignUp]:
    return (
        SignUp.objects.filter(volunteer=volunteer)
        .exclude(status=SignUp.Status.WITHDRAWN)
        .select_related("slot", "slot__activity")
        .order_by("-slot__starts_at")
    )


def slot_attendance(slot: Slot) -> QuerySet[SignUp]:
    return (
        SignUp.objects.filter(slot=slot)
        .exclude(status=SignUp.Status.WITHDRAWN)
        .select_related("volunteer", "volunteer__resident", "credit")
        .order_by("status", "signed_up_at")
    )


# --- Check-in codes -----------------------------------------------------------------------


def checkin_window(now: datetime) -> int:
    return int(now.timestamp()) // settings.SHEQU_VOLUNTEER_QR_SECONDS


def _mac(activity_id: int, window: int) -> str:
    key = settings.SECRET_KEY.encode()
    message = f"volunteers.checkin:{activity_id}:{window}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def checkin_token(activity_id: int, now: datetime | None = None) -> str:
    """The check-in code the leader's phone shows now; it turns every 30 seconds."""
    window = checkin_window(now or timezone.now())
    return f"{activity_id}-{window}-{_mac(activity_id, window)}"


@dataclass(frozen=True)
class TokenReading:
    activity_id: int
    fresh: bool


def checkin_token_read(token: str, now: datetime | None = None) -> TokenReading | None:
    """The activity a code belongs to and whether it is still fresh (this window or the one
    before, so a code scanned as it turns still works); None for a forged code."""
    parts = str(token).strip().split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    activity_id, window = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(parts[2], _mac(activity_id, window)):
        return None
    current = checkin_window(now or timezone.now())
    return TokenReading(activity_id=activity_id, fresh=current - 1 <= window <= current)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = radians(lat1), radians(lat2)
    dp, dl = p2 - p1, radians(lon2 - lon1)
    a = sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2
    return 2 * 6_371_000 * asin(sqrt(a))


# --- Ledger -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    credit: Decimal
    honour: Decimal
    correction: Decimal

    @property
    def total(self) -> Decimal:
        return self.credit + self.honour + self.correction


def totals_of(entries: QuerySet[HoursEntry]) -> Totals:
    """Credit, honour and correction hours of some ledger entries."""
    sums = dict.fromkeys(HoursEntry.Kind.values, ZERO)
    for row in entries.order_by().values("kind").annotate(total=Sum("hours")):
        sums[row["kind"]] = row["total"] or ZERO
    return Totals(sums["credit"], sums["honour"], sums["correction"])


def volunteer_totals(volunteer: Volunteer) -> Totals:
    return totals_of(HoursEntry.objects.filter(volunteer=volunteer))


def ledger_of(volunteer: Volunteer) -> QuerySet[HoursEntry]:
    return (
        HoursEntry.objects.filter(volunteer=volunteer)
        .select_related("activity", "reverses")
        .order_by("-served_on", "-pk")
    )


def ledger_for_staff(
    *, user: Any, since: date | None = None, until: date | None = None
) -> QuerySet[HoursEntry]:
    """Ledger lines counted in the staff member's area, newest first."""
    rows = scope_queryset(
        HoursEntry.objects.all(), user, division_field="community_id", roles=READERS
    )
    if since:
        rows = rows.filter(served_on__gte=since)
    if until:
        rows = rows.filter(served_on__lte=until)
    return rows.select_related("volunteer", "volunteer__resident", "activity").order_by(
        "-served_on", "-pk"
    )


def totals_by_community(rows: QuerySet[HoursEntry]) -> list[dict[str, Any]]:
    """Hours and volunteers per community of some ledger rows."""
    return list(
        rows.order_by()
        .values("community_id", "community__name")
        .annotate(hours=Sum("hours"), volunteers=Count("volunteer", distinct=True))
        .order_by("community_id")
    )


def totals_by_team(rows: QuerySet[HoursEntry]) -> list[dict[str, Any]]:
    return list(
        rows.order_by()
        .filter(team__isnull=False)
        .values("team_id", "team__name")
        .annotate(hours=Sum("hours"), volunteers=Count("volunteer", distinct=True))
        .order_by("team__name")
    )


# --- Stars and certificates ---------------------------------------------------------------


def star_level_for(hours: Decimal, thresholds: tuple[int, ...] | None = None) -> int:
    """How many stars ``hours`` reach (0–5) under the deployment's thresholds."""
    limits = thresholds or settings.SHEQU_VOLUNTEER_STAR_HOURS
    return sum(1 for limit in limits if hours >= limit)


def star_of(volunteer: Volunteer) -> StarAward | None:
    """The volunteer's highest awarded star level."""
    return (
        StarAward.objects.filter(volunteer=volunteer, status=StarAward.Status.AWARDED)
        .order_by("-level")
        .first()
    )


def stars_announced() -> QuerySet[StarAward]:
    """Star levels under announcement (公示) or objection: the public list."""
    return (
        StarAward.objects.filter(status__in=[StarAward.Status.ANNOUNCED, StarAward.Status.OBJECTED])
        .select_related("volunteer", "volunteer__resident", "volunteer__community")
        .order_by("-announced_on", "pk")
    )


def stars_for_staff(*, user: Any) -> QuerySet[StarAward]:
    return (
        scope_queryset(
            StarAward.objects.all(), user, division_field="volunteer__community_id", roles=READERS
        )
        .select_related("volunteer", "volunteer__resident")
        .order_by("-announced_on", "-pk")
    )


def certificates_of(volunteer: Volunteer) -> QuerySet[Certificate]:
    return (
        Certificate.objects.filter(volunteer=volunteer)
        .select_related("document")
        .order_by("-issued_at")
    )


def volunteers_per_thousand(*, user: Any) -> list[dict[str, Any]]:
    """Active volunteers per community of the staff member's area, with residents on the
    registry and volunteers per 1,000 residents (an indicator of the city's system)."""
    rows = list(
        scope_queryset(
            Volunteer.objects.filter(status=Volunteer.Status.ACTIVE),
            user,
            division_field="community_id",
            roles=READERS,
        )
        .order_by()
        .values("community_id", "community__name")
        .annotate(volunteers=Count("pk"))
        .order_by("community_id")
    )
    residents = dict(
        Resident.objects.filter(community_id__in=[r["community_id"] for r in rows])
        .order_by()
        .values("community_id")
        .annotate(n=Count("pk"))
        .values_list("community_id", "n")
    )
    for row in rows:
        count = residents.get(row["community_id"], 0)
        row["residents"] = count
        row["per_thousand"] = (
            (Decimal(row["volunteers"]) * 1000 / count).quantize(Decimal("0.1")) if count else None
        )
    return rows


# --- Time bank ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeBalance:
    balance: Decimal
    deposited: Decimal
    saveable: Decimal


def time_balance_of(volunteer: Volunteer) -> TimeBalance:
    """The volunteer's credits, the service hours saved so far and how many more may be."""
    account = TimeCreditAccount.objects.filter(volunteer=volunteer).first()
    balance = account.balance if account else ZERO
    deposited = account.deposited if account else ZERO
    net = HoursEntry.objects.filter(volunteer=volunteer).aggregate(total=Sum("hours"))["total"]
    return TimeBalance(balance, deposited, max((net or ZERO) - deposited, ZERO))


def time_entries_of(volunteer: Volunteer) -> QuerySet[TimeCreditEntry]:
    return (
        TimeCreditEntry.objects.filter(account__volunteer=volunteer)
        .select_related("counterparty__volunteer")
        .order_by("-created_at", "-pk")
    )


def time_offers_nearby(volunteer: Volunteer) -> QuerySet[TimeBankOffer]:
    """Active offers in the communities of the volunteer's street, other people's."""
    communities = [d.pk for d in service_area_choices(volunteer.resident)] or [
        volunteer.community_id
    ]
    return (
        TimeBankOffer.objects.filter(is_active=True, community_id__in=communities)
        .exclude(provider=volunteer)
        .select_related("provider__resident", "community")
        .order_by("-created_at", "-pk")
    )


def time_offers_of(volunteer: Volunteer) -> QuerySet[TimeBankOffer]:
    return TimeBankOffer.objects.filter(provider=volunteer).order_by("-is_active", "-created_at")


def time_requests_of(volunteer: Volunteer) -> QuerySet[TimeBankRequest]:
    """What the volunteer asked for."""
    return (
        TimeBankRequest.objects.filter(requester=volunteer)
        .select_related("offer", "offer__provider__resident")
        .order_by("-requested_at", "-pk")
    )


def time_requests_to(volunteer: Volunteer) -> QuerySet[TimeBankRequest]:
    """Requests for the volunteer's own offers still to confirm."""
    return (
        TimeBankRequest.objects.filter(
            offer__provider=volunteer, status=TimeBankRequest.Status.REQUESTED
        )
        .select_related("offer", "requester__resident")
        .order_by("requested_at", "pk")
    )


def time_accounts_for_staff(*, user: Any) -> QuerySet[TimeCreditAccount]:
    """Time-credit accounts kept by the communities of the staff member's area."""
    return (
        scope_queryset(
            TimeCreditAccount.objects.all(), user, division_field="community_id", roles=READERS
        )
        .select_related("volunteer__resident", "community")
        .order_by("-balance", "pk")
    )


def settlements_for_staff(*, user: Any) -> QuerySet[TimeSettlement]:
    """Settlements where a community of the staff member's area spent or honoured credits."""
    owed = scope_queryset(
        TimeSettlement.objects.all(), user, division_field="debtor_id", roles=READERS
    ).values("pk")
    honoured = scope_queryset(
        TimeSettlement.objects.all(), user, division_field="creditor_id", roles=READERS
    ).values("pk")
    return (
        TimeSettlement.objects.filter(Q(pk__in=owed) | Q(pk__in=honoured))
        .select_related("debtor", "creditor", "request__offer")
        .order_by("-created_at", "-pk")
    )


def settlement_totals(rows: QuerySet[TimeSettlement]) -> list[dict[str, Any]]:
    """Hours and services per pair of communities (who spent, who honoured), and of those
    hours how many are still outstanding and how many settled."""
    return list(
        rows.order_by()
        .values("debtor_id", "debtor__name", "creditor_id", "creditor__name")
        # The sums by state first: once annotated, "hours" names the total, not the field.
        .annotate(
            outstanding=Coalesce(Sum("hours", filter=Q(settled_at__isnull=True)), ZERO),
            settled=Coalesce(Sum("hours", filter=Q(settled_at__isnull=False)), ZERO),
            hours=Sum("hours"),
            services=Count("pk"),
        )
        .order_by("debtor_id", "creditor_id")
    )


def settlement_settleable_by(user: Any, settlement: TimeSettlement) -> bool:
    """Staff of the debtor community (or an area above it) may mark it settled."""
    return settlement.settled_at is None and covers(user, settlement.debtor_id, WORKERS)
