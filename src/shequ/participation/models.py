"""Residents decide (我的社区我做主): proposals (议题), councils and their meetings (议事会),
and participatory-budgeting rounds (参与式预算) with their ballots.

Secret ballots are stored apart from who voted: ``RoundVoter`` says *that* a resident voted,
``Ballot`` says *how* someone voted, and no column links them. A ballot row is found again
(to change it before the close) only through a keyed hash of (round, resident) that needs the
server's secret key, which is not in the database.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.core.storage import private_storage, public_storage
from shequ.people.levels import level_choices
from shequ.people.models import Resident
from shequ.places.models import Division

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class Proposal(models.Model):
    """A resident's proposal (议题) for their own community."""

    class Category(models.TextChoices):
        ENVIRONMENT = "environment", _("Environment and greenery")
        FACILITIES = "facilities", _("Public facilities")
        SAFETY = "safety", _("Safety")
        CULTURE = "culture", _("Culture and activities")
        SERVICES = "services", _("Services for residents")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Collecting support")
        ON_AGENDA = "on_agenda", _("On the council's agenda")
        DECIDED = "decided", _("Decided")
        HIDDEN = "hidden", _("Hidden by moderation")
        MERGED = "merged", _("Merged into another proposal")

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    photo = models.FileField(
        _("photo"), upload_to="participation/photos/", storage=public_storage, blank=True
    )
    lon = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True)
    estimated_cost = models.DecimalField(_("estimated cost (yuan)"), null=True, **MONEY)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    supports = models.PositiveIntegerField(_("supports"), default=0)
    moderation_reason = models.CharField(_("moderation reason"), max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    # The state of the latest official answer (empty: not answered yet).
    answer_state = models.CharField(_("official answer"), max_length=12, blank=True)
    comments_count = models.PositiveIntegerField(_("comments"), default=0)
    # jieba words of the title and description (``participation.search``); the database keeps
    # the full-text index over them (migration 0013: FTS5 on SQLite, tsvector + GIN on PG).
    search_tokens = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-supports", "-id"]
        indexes = [
            models.Index(fields=["community", "status"], name="part_proposal_comm"),
            # The orders of "find proposals": the first page is read down an index.
            models.Index(fields=["-supports", "-id"], name="part_proposal_supports"),
            models.Index(fields=["-created_at", "-id"], name="part_proposal_newest"),
            models.Index(fields=["-comments_count", "-id"], name="part_proposal_discussed"),
        ]

    def __str__(self) -> str:
        return self.title


class Support(models.Model):
    """One neighbour's support (附议) of a proposal: one per resident."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="support_set")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "resident"], name="part_support_once")
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} → {self.proposal_id}"


class Follow(models.Model):
    """A user following a proposal gets a message on every change."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="part_follow_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.proposal_id}"


class Council(models.Model):
    """A residents' council (居民议事会) or assembly of one community."""

    class Kind(models.TextChoices):
        COUNCIL = "council", _("Residents' council")
        ASSEMBLY = "assembly", _("Residents' assembly")

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COUNCIL)
    support_threshold = models.PositiveIntegerField(_("supports to reach the agenda"), default=10)
    # Quorum: at least quorum_num/quorum_den of the members in office must be signed in.
    quorum_num = models.PositiveSmallIntegerField(_("quorum numerator"), default=2)
    quorum_den = models.PositiveSmallIntegerField(_("quorum denominator"), default=3)
    # Level a resident needs to support proposals here; empty: the deployment's setting.
    support_level = models.PositiveSmallIntegerField(
        _("verification level to support proposals"),
        null=True,
        blank=True,
        choices=level_choices(),
        help_text=_("Empty: the level set for the whole system."),
    )
    # Level a resident needs to comment in this community; empty: ID checked.
    comment_level = models.PositiveSmallIntegerField(
        _("verification level to comment"),
        null=True,
        blank=True,
        choices=level_choices(),
        help_text=_("Empty: an ID-checked resident may comment."),
    )
    # Level a resident needs to object to a fund decision of this community (异议).
    object_level = models.PositiveSmallIntegerField(
        _("verification level to object to fund decisions"),
        null=True,
        blank=True,
        choices=level_choices(),
        help_text=_("Empty: the level set for the whole system."),
    )

    class Meta:
        verbose_name = _("council")
        verbose_name_plural = _("councils")
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_den__gt=0) & Q(quorum_num__lte=models.F("quorum_den")),
                name="part_council_quorum_fraction",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CouncilMember(models.Model):
    """An elected member (议事会成员) with a term of office."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="members")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    is_chair = models.BooleanField(_("chair"), default=False)
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"))

    class Meta:
        verbose_name = _("council member")
        verbose_name_plural = _("council members")
        ordering = ["-is_chair", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "resident", "term_start"], name="part_member_once_per_term"
            ),
            models.CheckConstraint(
                condition=Q(term_end__gte=models.F("term_start")), name="part_member_term_order"
            ),
        ]

    def __str__(self) -> str:
        return self.resident.real_name


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("In session")
        CLOSED = "closed", _("Closed")

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="meetings")
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("location"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    # Shown as a QR code on the screen in the room; members scan it to sign in.
    checkin_token = models.CharField(max_length=40, unique=True)
    members_total = models.PositiveSmallIntegerField(_("members in office"), default=0)
    minutes = models.FileField(
        _("minutes file"),
        upload_to="participation/minutes/",
        storage=private_storage,
        blank=True,
    )
    minutes_text = models.TextField(_("minutes"), blank=True)
    # Seats for residents who register to attend (None: the meeting takes no registration).
    capacity = models.PositiveIntegerField(_("seats for residents"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    class Method(models.TextChoices):
        QR = "qr", _("QR code")
        STAFF = "staff", _("Signed in by staff")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=6, choices=Method.choices)
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="part_attend_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.meeting_id}"


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("Proposal")
        SPENDING = "spending", _("Spending item")
        OTHER = "other", _("Other matter")

    class Status(models.TextChoices):
        PENDING = "pending", _("Not yet voted")
        VOTING = "voting", _("Voting")
        PASSED = "passed", _("Passed")
        REJECTED = "rejected", _("Rejected")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items"
    )
    amount = models.DecimalField(_("amount (yuan)"), null=True, blank=True, **MONEY)
    secret = models.BooleanField(_("secret vote"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    votes_for = models.PositiveSmallIntegerField(default=0)
    votes_against = models.PositiveSmallIntegerField(default=0)
    votes_abstain = models.PositiveSmallIntegerField(default=0)
    present = models.PositiveSmallIntegerField(default=0)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The funds app's ApprovalRecord created from this decision (an id, not a foreign key,
    # so this app does not depend on the funds app's migrations).
    approval_record_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="part_item_position")
        ]

    def __str__(self) -> str:
        return self.title


class ItemVoter(models.Model):
    """That a member voted on an item (never how, when the vote is secret)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="voters")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="+")
    voted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="part_voter_once")]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.item_id}"


class ItemVote(models.Model):
    """How someone voted: ``member`` is set only for open votes."""

    class Choice(models.TextChoices):
        FOR = "for", _("For")
        AGAINST = "against", _("Against")
        ABSTAIN = "abstain", _("Abstain")

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes")
    choice = models.CharField(max_length=8, choices=Choice.choices)
    member = models.ForeignKey(
        CouncilMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Secret votes: keyed hash of (item, member) so the member may change it before the close.
    ballot_key = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "ballot_key"], name="part_itemvote_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.choice}"


class Round(models.Model):
    """A participatory-budgeting round (参与式预算) of one community."""

    class Phase(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        COLLECT = "collect", _("Collecting proposals")
        REVIEW = "review", _("Feasibility and cost review")
        VOTING = "voting", _("Voting")
        RESULTS = "results", _("Results")
        IMPLEMENTATION = "implementation", _("Implementation")

    class Rule(models.TextChoices):
        APPROVAL_BUDGET = "approval_budget", _("Approve projects within the budget")
        K_APPROVAL = "k_approval", _("Approve up to k projects")

    class Method(models.TextChoices):
        GREEDY = "greedy", _("Greedy by votes")
        EQUAL_SHARES = "equal_shares", _("Method of Equal Shares")

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    budget = models.DecimalField(_("budget (yuan)"), **MONEY)
    # The community fund the money comes from (funds app: track and year of the account).
    fund_track = models.CharField(_("fund"), max_length=10, default="incentive")
    fund_year = models.PositiveSmallIntegerField(_("fund year"))
    # The funds app's Reservation holding the budget while the round runs (an id, not a
    # foreign key, so this app does not depend on the funds app's migrations).
    reservation_id = models.PositiveIntegerField(null=True, blank=True)
    phase = models.CharField(
        _("phase"), max_length=16, choices=Phase.choices, default=Phase.DRAFT, db_index=True
    )
    collect_until = models.DateField(_("proposals until"), null=True, blank=True)
    review_until = models.DateField(_("review until"), null=True, blank=True)
    voting_from = models.DateTimeField(_("voting opens"), null=True, blank=True)
    voting_until = models.DateTimeField(_("voting closes"), null=True, blank=True)
    rule = models.CharField(
        _("ballot rule"), max_length=16, choices=Rule.choices, default=Rule.APPROVAL_BUDGET
    )
    max_choices = models.PositiveSmallIntegerField(
        _("k (most projects a voter approves)"), default=3
    )
    method = models.CharField(
        _("counting method"), max_length=16, choices=Method.choices, default=Method.EQUAL_SHARES
    )
    # Level a resident needs to vote in this round; empty: the deployment's setting.
    vote_level = models.PositiveSmallIntegerField(
        _("verification level to vote"),
        null=True,
        blank=True,
        choices=level_choices(),
        help_text=_("Empty: the level set for the whole system."),
    )
    # When the residents who had not voted yet were reminded that voting closes soon (once).
    closing_reminded_at = models.DateTimeField(null=True, blank=True)
    # Set when voting opens; from then on rule, k, method, budget and projects are fixed.
    rules_frozen_at = models.DateTimeField(null=True, blank=True)
    council_approval_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("budgeting round")
        verbose_name_plural = _("budgeting rounds")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=Decimal("0")), name="part_round_budget")
        ]

    def __str__(self) -> str:
        return self.title


class RoundProject(models.Model):
    """A project on the round's ballot, with its reviewed cost (whole yuan)."""

    class Review(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        FEASIBLE = "feasible", _("Feasible")
        INFEASIBLE = "infeasible", _("Not feasible")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    cost = models.DecimalField(_("cost (yuan)"), **MONEY)
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_works = models.BooleanField(_("construction works"), default=False)
    review = models.CharField(
        _("review"), max_length=10, choices=Review.choices, default=Review.PENDING
    )
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    commitment_id = models.PositiveIntegerField(null=True, blank=True)
    # The project of the five major actions (or community project) that builds it: its code
    # (not a foreign key, so this app does not depend on the projects app's migrations).
    built_project_code = models.CharField(_("project that builds it"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("round project")
        verbose_name_plural = _("round projects")
        ordering = ["round_id", "id"]

    def __str__(self) -> str:
        return self.title


class RoundVoter(models.Model):
    """That a resident took part in a round (and by which channel); never how."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper ballot")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="voters")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=6, choices=Channel.choices)
    voted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "resident"], name="part_round_voter_once")
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} @ {self.round_id}"


class Ballot(models.Model):
    """How one voter voted in a round: the approved project ids. Anonymous by construction."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots")
    ballot_key = models.CharField(max_length=64)
    approvals = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "ballot_key"], name="part_ballot_once")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.ballot_key[:8]}"


class PaperEntry(models.Model):
    """One staff member's typing of one paper ballot sheet; two matching entries by two
    different people make the ballot count (双人录入)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="paper_entries")
    sheet = models.CharField(_("sheet number"), max_length=20)
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    approvals = models.JSONField(default=list)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "sheet", "entered_by"], name="part_paper_once_per_clerk"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.sheet}"


class RoundResult(models.Model):
    """A tally of the stored ballots by one method, with its step-by-step explanation."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    method = models.CharField(max_length=16, choices=Round.Method.choices)
    winners = models.JSONField(default=list)
    steps = models.JSONField(default=list)
    votes = models.JSONField(default=dict)
    voters = models.PositiveIntegerField(default=0)
    spent = models.DecimalField(**MONEY)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "method"], name="part_result_per_method")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.method}"


def _photo_path(instance: "ProposalPhoto", filename: str) -> str:
    return f"participation/photos/{instance.proposal_id}/{filename}"


class ProposalPhoto(models.Model):
    """A photo a resident attached to their proposal (at most three; jpg or png, checked by
    extension, content and size before it is stored)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to=_photo_path, storage=public_storage)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("proposal photo")
        verbose_name_plural = _("proposal photos")
        ordering = ["proposal_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "position"], name="part_photo_position")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}#{self.position}"


class Comment(models.Model):
    """A comment on a proposal, a round's project, a meeting's agenda item or a project of
    the five major actions. Threads are one level deep: a reply's parent is a comment
    without a parent. Phone and ID numbers are masked before it is stored."""

    class Target(models.TextChoices):
        PROPOSAL = "proposal", _("Proposal")
        ROUND_PROJECT = "round_project", _("Budgeting project")
        AGENDA_ITEM = "agenda_item", _("Agenda item")
        PROJECT = "project", _("Project")
        DEBATE = "debate", _("Debate")

    class Stance(models.TextChoices):
        FOR = "for", _("For")
        AGAINST = "against", _("Against")

    class Role(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        COUNCIL = "council", _("Council member")
        STAFF = "staff", _("Community staff")

    class Status(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Hidden by moderation")

    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    target = models.CharField(_("on"), max_length=16, choices=Target.choices)
    # The target's id (a project of the five major actions is known by its code).
    target_key = models.CharField(max_length=40)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # As shown: the masked name of a resident, or the staff member's name, kept at posting.
    author_label = models.CharField(max_length=40)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    body = models.TextField(_("comment text"), max_length=2000)
    # On a debate, a thread's first comment is an argument for or against; replies have none.
    stance = models.CharField(_("stance"), max_length=8, choices=Stance.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.VISIBLE
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    up = models.PositiveIntegerField(default=0)
    down = models.PositiveIntegerField(default=0)
    reports = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["target", "target_key", "id"], name="part_comment_target"),
            models.Index(fields=["author", "created_at"], name="part_comment_author"),
        ]

    def __str__(self) -> str:
        return f"{self.target}:{self.target_key}#{self.pk}"


class CommentVote(models.Model):
    """One person's agreement (+1) or disagreement (-1) with a comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="part_comment_vote_once"),
            models.CheckConstraint(condition=Q(value__in=[-1, 1]), name="part_comment_vote_sign"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.value:+d} #{self.comment_id}"


class CommentReport(models.Model):
    """A report of an abusive comment, waiting in the console's moderation queue."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="report_set")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    resolved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="part_comment_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} reports #{self.comment_id}"


class Answer(models.Model):
    """The community's official answer (官方答复) to a proposal; the latest is its state."""

    class State(models.TextChoices):
        EVALUATING = "evaluating", _("Being evaluated")
        ACCEPTED = "accepted", _("Accepted into the council's agenda")
        NOT_FEASIBLE = "not_feasible", _("Not feasible")
        MERGED = "merged", _("Merged into another proposal")
        IMPLEMENTED = "implemented", _("Implemented")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="answers")
    state = models.CharField(_("answer"), max_length=12, choices=State.choices)
    text = models.TextField(_("explanation"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("answered"), auto_now_add=True)

    class Meta:
        verbose_name = _("official answer")
        verbose_name_plural = _("official answers")
        ordering = ["proposal_id", "id"]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.state}"


class Registration(models.Model):
    """A resident registered to attend a public council meeting (or waiting for a seat)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITING = "waiting", _("On the waiting list")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting registration")
        verbose_name_plural = _("meeting registrations")
        ordering = ["meeting_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="part_registration_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.meeting_id}"


class Debate(models.Model):
    """A question the community or its council puts to residents for a period (议题辩论):
    residents argue for or against (comments with a stance), staff close it with a summary."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for arguments")
        CLOSED = "closed", _("Closed with a summary")

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    # Opened in the council's name (empty: in the community's name).
    council = models.ForeignKey(
        Council,
        verbose_name=_("council"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="debates",
    )
    title = models.CharField(_("question"), max_length=120)
    description = models.TextField(_("description"), max_length=4000)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    summary = models.TextField(_("debate summary"), max_length=4000, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("debate")
        verbose_name_plural = _("debates")
        ordering = ["-opens_at", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="part_debate_comm")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="part_debate_period"
            )
        ]

    def __str__(self) -> str:
        return self.title
