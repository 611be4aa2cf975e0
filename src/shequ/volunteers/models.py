"""Volunteers (志愿者), their teams (志愿服务队), activities with time slots, attendance and
the append-only hours ledger, star levels (星级) and certificates (志愿服务记录证明).

The national rules: 《志愿服务条例》 (2017) and 民政部令第67号 《志愿服务记录与证明出具办法》
(2021): whoever records the service certifies it; a certificate is free, truthful and numbered.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.documents.models import IssuedDocument
from shequ.people.models import Department, Resident
from shequ.places.models import Division

SKILLS: dict[str, object] = {
    "first_aid": _("First aid"),
    "medical": _("Medical care"),
    "elderly_care": _("Care for the elderly"),
    "teaching": _("Teaching and tutoring"),
    "legal": _("Legal advice"),
    "psychology": _("Counselling"),
    "computer": _("Computers and phones"),
    "driving": _("Driving"),
    "photography": _("Photography"),
    "sign_language": _("Sign language"),
    "foreign_language": _("Foreign languages"),
    "arts": _("Music, dance and arts"),
}

FIELDS: dict[str, object] = {
    "community": _("Community service"),
    "elderly_disabled": _("Helping the elderly and disabled"),
    "environment": _("Environment"),
    "culture_sports": _("Culture and sports"),
    "emergency": _("Emergency rescue"),
    "safety": _("Public safety"),
    "education": _("Education"),
}

AVAILABILITY: dict[str, object] = {
    "weekday_morning": _("Weekday mornings"),
    "weekday_afternoon": _("Weekday afternoons"),
    "weekday_evening": _("Weekday evenings"),
    "weekend_morning": _("Weekend mornings"),
    "weekend_afternoon": _("Weekend afternoons"),
    "weekend_evening": _("Weekend evenings"),
}

# Age rules of 《志愿服务条例》 and the registration practice: under 14 no; 14–18 with a
# guardian's consent, except a 16–18-year-old who lives on their own income.
MIN_AGE = 14
ADULT_AGE = 18
SELF_SUPPORTING_AGE = 16


class Volunteer(models.Model):
    """A registered volunteer: one per resident, registered from the verified identity."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        LEFT = "left", _("Left")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer"
    )
    resident = models.OneToOneField(Resident, on_delete=models.PROTECT, related_name="volunteer")
    number = models.CharField(_("volunteer number"), max_length=20, unique=True)
    # The community the volunteer is registered in (the resident's at registration).
    community = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    fields = models.JSONField(_("service fields"), default=list, blank=True)
    availability = models.JSONField(_("availability"), default=list, blank=True)
    service_areas = models.ManyToManyField(
        Division, related_name="+", blank=True, verbose_name=_("service areas")
    )
    # 14–18: the guardian's consent, as the volunteer recorded it (name and relation).
    guardian_name = models.CharField(_("guardian's name"), max_length=30, blank=True)
    guardian_relation = models.CharField(_("relation"), max_length=10, blank=True)
    guardian_consent_at = models.DateTimeField(null=True, blank=True)
    self_supporting = models.BooleanField(_("lives on own income"), default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    registered_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    left_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        indexes = [models.Index(fields=["community", "status"], name="volunteer_community")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Team(models.Model):
    """A volunteer team (志愿服务队) of a community, a street, a department or an organisation."""

    class Kind(models.TextChoices):
        COMMUNITY = "community", _("Community")
        STREET = "street", _("Street")
        DEPARTMENT = "department", _("Department")
        ORGANISATION = "organisation", _("Social organisation")

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("belongs to"), max_length=12, choices=Kind.choices)
    # Every team has an area (the community or street it serves, or where the department or
    # organisation registered it): who may manage it and whose statistics it counts in.
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.CharField(_("organisation"), max_length=80, blank=True)
    description = models.TextField(_("what the team does"), blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="team_name_per_area")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A volunteer's place in a team: asked, member or leader, refused or left."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        LEADER = "leader", _("Leader")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for the leader")
        ACTIVE = "active", _("Member")
        REFUSED = "refused", _("Refused")
        LEFT = "left", _("Left")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "volunteer"], name="one_membership_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.team_id}/{self.volunteer_id}"


class Activity(models.Model):
    """A volunteer activity (志愿服务活动) with its place, requirements and time slots."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Recruiting")
        CANCELLED = "cancelled", _("Cancelled")

    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    community = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("what volunteers do"))
    field = models.CharField(_("service field"), max_length=20, blank=True)
    place = models.CharField(_("place"), max_length=120)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    geofence_m = models.PositiveIntegerField(_("check-in radius (metres)"))
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=MIN_AGE)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    skills = models.JSONField(_("skills needed"), default=list, blank=True)
    min_level = models.PositiveSmallIntegerField(_("verification level needed"), default=1)
    training = models.CharField(_("training needed"), max_length=80, blank=True)
    risks = models.CharField(_("risks"), max_length=200, blank=True)
    insured = models.BooleanField(_("insurance bought for volunteers"), default=False)
    signup_deadline = models.DateTimeField(_("sign-up deadline"))
    # Credit hours of one sign-up never exceed this (the longest slot by default).
    hours_cap = models.DecimalField(_("hours cap per sign-up"), max_digits=5, decimal_places=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")

    def __str__(self) -> str:
        return self.title


class Slot(models.Model):
    """One time slot of an activity with its quota (名额)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    quota = models.PositiveIntegerField(_("quota"))

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends")
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}@{self.starts_at:%Y-%m-%d %H:%M}"


class SignUp(models.Model):
    """A volunteer's sign-up for a slot, then their attendance on the day."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Signed up")
        WAITING = "waiting", _("On the waiting list")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Method(models.TextChoices):
        QR = "qr", _("Scanned the code")
        HAND = "hand", _("Marked by the leader")

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    status = models.CharField(max_length=10, choices=Status.choices)
    signed_up_at = models.DateTimeField()
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    check_in_method = models.CharField(max_length=4, choices=Method.choices, blank=True)
    hand_reason = models.CharField(_("reason"), max_length=200, blank=True)
    late = models.BooleanField(_("late"), default=False)
    no_show = models.BooleanField(_("did not come"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slot", "volunteer"], name="one_signup_per_slot")
        ]
        indexes = [models.Index(fields=["slot", "status"], name="signup_slot_status")]

    def __str__(self) -> str:
        return f"{self.slot_id}/{self.volunteer_id}"


class HoursEntry(models.Model):
    """One line of the hours ledger (服务时长台账). Append-only: a mistake is corrected by a
    new entry reversing it, never by changing a row."""

    class Kind(models.TextChoices):
        CREDIT = "credit", _("Credit hours (checked in and out)")
        HONOUR = "honour", _("Honour hours (certified afterwards)")
        CORRECTION = "correction", _("Correction")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="hours")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A credit entry belongs to exactly one sign-up: the database refuses a second one.
    signup = models.OneToOneField(
        SignUp, null=True, blank=True, on_delete=models.PROTECT, related_name="credit"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Where the hours count in statistics: the activity's community, else the volunteer's.
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    served_on = models.DateField(_("served on"))
    content = models.CharField(_("service content"), max_length=200)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_name = models.CharField(_("recorded by"), max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hours entry")
        verbose_name_plural = _("hours ledger")
        indexes = [
            models.Index(fields=["volunteer", "served_on"], name="hours_volunteer_day"),
            models.Index(fields=["community", "served_on"], name="hours_community_day"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.hours}"


class StarAward(models.Model):
    """A star level reached: announced (公示) for some days, open to objections, then awarded."""

    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("Announced")
        OBJECTED = "objected", _("Objection under review")
        AWARDED = "awarded", _("Awarded")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="stars")
    level = models.PositiveSmallIntegerField(_("stars"))
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ANNOUNCED)
    announced_on = models.DateField()
    announce_until = models.DateField(_("announced until"))
    objection = models.TextField(_("objection"), blank=True)
    decision = models.CharField(_("decision"), max_length=200, blank=True)
    awarded_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "level"], name="one_award_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}★{self.level}"


class Certificate(models.Model):
    """A 志愿服务记录证明 issued to a volunteer: the numbered document and what it states."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    document = models.OneToOneField(IssuedDocument, on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(max_digits=8, decimal_places=1)
    entries = models.PositiveIntegerField()
    issued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.document.number


ZERO = Decimal("0.0")


# --- Time bank (时间银行) -------------------------------------------------------------------
#
# Service hours (HoursEntry) and time credits are two balances. Saving hours as credits
# (a deposit) never lowers the service hours that count for star levels and certificates;
# what may be saved is the net credited hours not saved before.

SERVICES: dict[str, object] = {
    "escort": _("Escort to hospital"),
    "meals": _("Meals and meal delivery"),
    "haircut": _("Haircut"),
    "company": _("Company and chatting"),
    "housework": _("Housework"),
    "errands": _("Errands and shopping"),
    "phones": _("Help with phones and computers"),
    "other": _("Other help"),
}


class TimeCreditAccount(models.Model):
    """A volunteer's time-credit account (时间银行账户). ``balance`` is the sum of its entries,
    kept on the row so a transfer locks one row (``select_for_update``) and the database
    refuses a negative balance."""

    volunteer = models.OneToOneField(
        Volunteer, on_delete=models.PROTECT, related_name="time_account"
    )
    # The community whose time bank keeps the account (the volunteer's).
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    balance = models.DecimalField(_("balance"), max_digits=8, decimal_places=1, default=ZERO)
    # Service hours saved as credits so far (never more than the net credited hours).
    deposited = models.DecimalField(max_digits=8, decimal_places=1, default=ZERO)
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("time-credit account")
        verbose_name_plural = _("time-credit accounts")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="time_balance_not_negative"),
            models.CheckConstraint(condition=Q(deposited__gte=0), name="time_deposited_not_neg"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}: {self.balance}"


class TimeBankOffer(models.Model):
    """A service a volunteer offers in the time bank (陪诊, 助餐送餐, 理发 …)."""

    provider = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="time_offers")
    service = models.CharField(_("service"), max_length=12, choices=list(SERVICES.items()))
    title = models.CharField(_("title"), max_length=60)
    description = models.CharField(_("what you offer"), max_length=300, blank=True)
    hours = models.DecimalField(_("usual duration (hours)"), max_digits=4, decimal_places=1)
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("time-bank offer")
        verbose_name_plural = _("time-bank offers")
        indexes = [models.Index(fields=["community", "is_active"], name="time_offer_community")]

    def __str__(self) -> str:
        return self.title


class TimeBankRequest(models.Model):
    """A volunteer asks for an offered service; the provider confirms it happened with its
    duration, and the credits move from the requester to the provider."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for the provider")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    offer = models.ForeignKey(TimeBankOffer, on_delete=models.PROTECT, related_name="requests")
    requester = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="time_requests")
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, null=True, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.offer_id}/{self.requester_id}"


class TimeCreditEntry(models.Model):
    """One line of the time-credit ledger. Append-only; ``amount`` is signed and
    ``balance_after`` is the account's balance once the line is posted."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Saved from service hours")
        GIVEN = "given", _("Given to a family member")
        RECEIVED = "received", _("Received from a family member")
        SPENT = "spent", _("Spent on a service")
        EARNED = "earned", _("Earned by a service")

    account = models.ForeignKey(TimeCreditAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("credits"), max_digits=8, decimal_places=1)
    balance_after = models.DecimalField(_("balance"), max_digits=8, decimal_places=1)
    counterparty = models.ForeignKey(
        TimeCreditAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    request = models.ForeignKey(
        TimeBankRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    content = models.CharField(_("content"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("time-credit entry")
        verbose_name_plural = _("time-credit ledger")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="time_entry_balance_not_negative"
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="time_entry_not_zero"),
        ]
        indexes = [models.Index(fields=["account", "created_at"], name="time_entry_account")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"


class TimeSettlement(models.Model):
    """Credits earned in one community's time bank spent on a service in another: the
    community of the provider's bank honoured them and is owed by the requester's. The
    debtor's staff mark it settled once it is paid back in hours or cleared by agreement."""

    class Method(models.TextChoices):
        HOURS = "hours", _("Paid back in hours")
        AGREEMENT = "agreement", _("Cleared by agreement")

    request = models.OneToOneField(
        TimeBankRequest, on_delete=models.PROTECT, related_name="settlement"
    )
    # The requester's community (its credits were spent) and the provider's (it honoured).
    debtor = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    creditor = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    created_at = models.DateTimeField(auto_now_add=True)
    # Cleared by the debtor community's staff: how, with a note, when and by whom.
    settled_how = models.CharField(
        _("how it was settled"), max_length=10, choices=Method.choices, blank=True, default=""
    )
    settled_note = models.CharField(_("note"), max_length=200, blank=True, default="")
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("time-bank settlement")
        verbose_name_plural = _("time-bank settlements")
        constraints = [
            models.CheckConstraint(
                condition=~Q(debtor=models.F("creditor")), name="settlement_two_communities"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.debtor_id}→{self.creditor_id} {self.hours}"
