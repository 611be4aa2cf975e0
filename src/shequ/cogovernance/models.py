"""Party-building-led co-governance (党建引领共建共治共享).

One registry of the organisations in an area (区域化党建): the community party committee, its
grid and building branches, the residents' or villagers' committee, the owners' committee,
units in the area (驻区单位) and social organisations (linked to ``civil.Organisation``), with
their members, positions and terms. Each community keeps three lists (三张清单): needs,
resources units offer, and projects matching them. Co-building agreements (共建协议) hold a
unit's commitments and what it delivered. Demonstration communities (示范社区) are designated
by year.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.core.pii import EncryptedPIIField, PIIKind
from shequ.core.storage import private_storage
from shequ.places.models import Division

ZERO = Decimal("0.00")


class OrgKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("Community party committee")  # 社区党委
    GRID_BRANCH = "grid_branch", _("Grid party branch")  # 网格党支部
    BUILDING_GROUP = "building_group", _("Building party group")  # 楼栋党小组
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")  # 居委会
    VILLAGERS_COMMITTEE = "villagers_committee", _("Villagers' committee")  # 村委会
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")  # 业委会
    UNIT = "unit", _("Unit in the area")  # 驻区单位
    SOCIAL_ORGANISATION = "social_org", _("Social organisation")


PARTY_KINDS = (OrgKind.PARTY_COMMITTEE, OrgKind.GRID_BRANCH, OrgKind.BUILDING_GROUP)


class Category(models.TextChoices):
    """What a need asks for and a resource offers: the matching rule compares these."""

    VENUE = "venue", _("Room or venue")
    VOLUNTEERS = "volunteers", _("Volunteers")
    MONEY = "money", _("Money")
    SKILLS = "skills", _("Skills and services")
    GOODS = "goods", _("Goods and equipment")


class AreaOrganisation(models.Model):
    """An organisation in a community or street, as one node of the area's graph."""

    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    name = models.CharField(_("name"), max_length=120)
    division = models.ForeignKey(
        Division, verbose_name=_("community or street"), on_delete=models.PROTECT, related_name="+"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("belongs to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    civil_organisation = models.ForeignKey(
        "civil.Organisation",
        verbose_name=_("registered social organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = EncryptedPIIField(_("contact phone"), kind=PIIKind.PHONE, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation in the area")
        verbose_name_plural = _("organisations in the area")
        ordering = ["division_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="cogov_org_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Position(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")  # 书记
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")  # 副书记
    COMMITTEE_MEMBER = "committee_member", _("Committee member")  # 委员
    DIRECTOR = "director", _("Director")  # 主任
    DEPUTY_DIRECTOR = "deputy_director", _("Deputy director")  # 副主任
    MEMBER = "member", _("Member")  # 成员
    CONTACT = "contact", _("Liaison")  # 联络员


class Member(models.Model):
    """A seat in an organisation: a resident of our registry, or a person outside it whose
    name is kept encrypted and shown masked (张*) to anyone but staff of the area."""

    organisation = models.ForeignKey(
        AreaOrganisation, on_delete=models.CASCADE, related_name="members"
    )
    position = models.CharField(_("position"), max_length=20, choices=Position.choices)
    resident = models.ForeignKey(
        "people.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outside_name = EncryptedPIIField(
        _("name (not in the registry)"), kind=PIIKind.NAME, null=True, blank=True
    )
    phone = EncryptedPIIField(_("phone"), kind=PIIKind.PHONE, null=True, blank=True)
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    ceased_on = models.DateField(_("ceased on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["organisation_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=models.F("term_start")),
                name="cogov_member_term_order",
            ),
            models.CheckConstraint(
                condition=Q(ceased_on__isnull=True) | Q(ceased_on__gte=models.F("term_start")),
                name="cogov_member_ceased_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.get_position_display()}"


class Agreement(models.Model):
    """A co-building agreement (共建协议) between a community and a unit in the area."""

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        AreaOrganisation,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    title = models.CharField(_("title"), max_length=120)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("co-building agreement")
        verbose_name_plural = _("co-building agreements")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="cogov_agreement_period"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Commitment(models.Model):
    """What the unit commits under an agreement: a quantity (hours, people, sessions) and/or
    an amount in yuan, never negative."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="commitments")
    category = models.CharField(_("kind"), max_length=12, choices=Category.choices)
    description = models.CharField(_("what is committed"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=1, default=Decimal("0")
    )
    unit_label = models.CharField(_("counted in"), max_length=20, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["agreement_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0) & Q(amount__gte=0), name="cogov_commitment_positive"
            )
        ]

    def __str__(self) -> str:
        return self.description


class Delivery(models.Model):
    """A delivery record against a commitment, with an optional evidence photo."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="deliveries")
    delivered_on = models.DateField(_("delivered on"))
    description = models.CharField(_("what was delivered"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=1, default=Decimal("0")
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, default=ZERO)
    photo = models.ImageField(
        _("evidence photo"),
        upload_to="cogovernance/deliveries/",
        storage=private_storage,
        blank=True,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivered_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0) & Q(amount__gte=0), name="cogov_delivery_positive"
            )
        ]

    def __str__(self) -> str:
        return self.description


class Need(models.Model):
    """需求清单: what residents need, entered by a worker or raised from a request or survey."""

    class Source(models.TextChoices):
        WORKER = "worker", _("Entered by a worker")
        APPEAL = "appeal", _("A resident's request")
        SURVEY = "survey", _("A survey result")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MATCHED = "matched", _("Matched")
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        MET = "met", _("Met")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        MERGED = "merged", _("Merged into another need")

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("need"), max_length=120)
    category = models.CharField(_("kind"), max_length=12, choices=Category.choices)
    description = models.TextField(_("details"), blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.WORKER
    )
    appeal = models.ForeignKey(
        "appeals.Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    survey = models.ForeignKey(
        "surveys.Survey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    close_reason = models.CharField(
        _("why closed"), max_length=10, choices=CloseReason.choices, blank=True
    )
    close_note = models.CharField(_("note on closing"), max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="cogov_need_list")]

    def __str__(self) -> str:
        return self.title


class Resource(models.Model):
    """资源清单: what a unit offers (a room, volunteers, money, skills), how much, and when."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    organisation = models.ForeignKey(
        AreaOrganisation,
        verbose_name=_("offered by"),
        on_delete=models.PROTECT,
        related_name="resources",
    )
    # The community (or a whole street) the offer serves.
    division = models.ForeignKey(
        Division, verbose_name=_("offered to"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("resource"), max_length=120)
    category = models.CharField(_("kind"), max_length=12, choices=Category.choices)
    description = models.TextField(_("details"), blank=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=1, default=Decimal("0")
    )
    unit_label = models.CharField(_("counted in"), max_length=20, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, default=ZERO)
    available_from = models.DateField(_("available from"), null=True, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
    availability = models.CharField(_("when"), max_length=120, blank=True)
    commitment = models.ForeignKey(
        Commitment,
        verbose_name=_("under the commitment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0) & Q(amount__gte=0), name="cogov_resource_positive"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Project(models.Model):
    """项目清单: a need met by one or more resources, confirmed by a worker."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Under way")
        DONE = "done", _("Done")

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="projects")
    title = models.CharField(_("project"), max_length=120)
    resources: "models.ManyToManyField[Resource, ProjectResource]" = models.ManyToManyField(
        Resource, through="ProjectResource", related_name="+"
    )
    commitment = models.ForeignKey(
        Commitment,
        verbose_name=_("under the commitment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(auto_now_add=True)
    result_note = models.TextField(_("result of the project"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-confirmed_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ProjectResource(models.Model):
    """How much of a resource a project takes (a resource is exhausted when all is taken)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="uses")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="uses")
    quantity = models.DecimalField(max_digits=10, decimal_places=1, default=Decimal("0"))
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "resource"], name="cogov_project_resource")
        ]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.resource_id}"


class Criterion(models.TextChoices):
    """Criteria a demonstration community meets (the designation records which)."""

    PARTY_LEADS = "party_leads", _("The party organisation leads the community's governance")
    AREA_PARTY = "area_party", _("Area party building joins the units in the area")
    THREE_LISTS = "three_lists", _("Needs, resources and projects lists are kept and matched")
    AGREEMENTS = "agreements", _("Co-building agreements are signed and delivered")
    RESIDENTS_DECIDE = "residents_decide", _("Residents take part in deciding")
    SERVICES = "services", _("Services reach residents within 15 minutes")
    SAFETY = "safety", _("The community is safe and orderly")


class Designation(models.Model):
    """A demonstration-community designation (党建引领示范社区) of one year."""

    year = models.PositiveSmallIntegerField(_("year"))
    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    criteria = models.JSONField(_("criteria met"), default=list)
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_links = models.TextField(_("links"), blank=True)
    evidence_file = models.FileField(
        _("evidence file"), upload_to="cogovernance/evidence/", storage=private_storage, blank=True
    )
    # Demonstration records made by the seeder are marked and shown with a "demo" badge.
    is_demo = models.BooleanField(default=False)
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    designated_at = models.DateTimeField(auto_now_add=True)
    # A revoked designation stays in the record (and the console) but leaves the public list.
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("why revoked"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("demonstration community")
        verbose_name_plural = _("demonstration communities")
        ordering = ["-year", "community_id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "community"], name="cogov_designation_once")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.community_id}"
