"""The service catalogue (服务事项目录): what every department offers residents, and how."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.names import ShownNameMixin, name_en_field
from shequ.people.models import Department, VerificationLevel
from shequ.places.models import Division


class Topic(ShownNameMixin, models.Model):
    """A life event (生老病死、衣食住行、安居乐业) or a theme that groups services."""

    class Kind(models.TextChoices):
        LIFE_EVENT = "life_event", _("Life event")
        THEME = "theme", _("Theme")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = name_en_field(60)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["kind", "order", "code"]

    def __str__(self) -> str:
        return self.name


class Service(ShownNameMixin, models.Model):
    """One service a department offers (政务服务事项)."""

    class Kind(models.TextChoices):
        INFORMATION = "information", _("Information")
        QUERY = "query", _("Query")
        BOOKING = "booking", _("Booking")
        APPLICATION = "application", _("Application")
        PAYMENT = "payment", _("Payment")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")
        BOTH = "both", _("Online or in person")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="services", verbose_name=_("department")
    )
    name = models.CharField(_("name"), max_length=80)
    name_en = name_en_field(160)
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    eligibility = models.CharField(_("who may use it"), max_length=300, blank=True)
    min_level = models.PositiveSmallIntegerField(
        _("required verification level"),
        choices=VerificationLevel.choices,
        default=VerificationLevel.ID_CHECKED,
    )
    documents = models.TextField(_("documents needed (one per line)"), blank=True)
    time_limit_days = models.PositiveSmallIntegerField(
        _("legal time limit (working days)"), null=True, blank=True
    )
    fee = models.DecimalField(
        _("fee (yuan)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    community_level = models.BooleanField(
        _("handled with the community"),
        default=False,
        help_text=_("Applications are also routed to the applicant's community."),
    )
    is_published = models.BooleanField(_("published"), default=True)
    # How to do it in person (shown when there is no online form or department app).
    in_person_window = models.CharField(_("service window"), max_length=100, blank=True)
    in_person_address = models.CharField(_("address"), max_length=200, blank=True)
    in_person_division = models.ForeignKey(
        Division,
        verbose_name=_("division of the address"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    in_person_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    phone = models.CharField(_("enquiry telephone"), max_length=40, blank=True)
    # A department's own app (registered with our OpenID Connect provider) that does the
    # service: the resident goes to ``sso_entry_url``, which starts the sign-in with shequ.
    sso_app = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        verbose_name=_("department app"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
    )
    sso_entry_url = models.URLField(_("address of the department app"), blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="services")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["department_id", "name"]
        constraints = [
            models.CheckConstraint(name="service_fee_not_negative", condition=models.Q(fee__gte=0))
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def document_list(self) -> list[str]:
        return [line.strip() for line in self.documents.splitlines() if line.strip()]


class PolicyDocument(models.Model):
    """A published policy text (政策文件) residents can search beside the services."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="policies"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    published_on = models.DateField(_("published on"))

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")

    def __str__(self) -> str:
        return self.title


class SearchEntry(models.Model):
    """One searchable item: jieba tokens of a service or policy document.

    The full-text index over the token columns is kept by the database itself: an FTS5
    table fed by triggers on SQLite, a generated ``tsvector`` column with a GIN index on
    PostgreSQL (see migration 0002). Python writes only the tokens.
    """

    class Kind(models.TextChoices):
        SERVICE = "service", _("Service")
        POLICY = "policy", _("Policy")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    service = models.OneToOneField(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="search_entry"
    )
    policy = models.OneToOneField(
        PolicyDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=200)
    text = models.TextField()
    title_tokens = models.TextField()
    body_tokens = models.TextField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="search_entry_has_one_source",
                condition=(
                    models.Q(kind="service", service__isnull=False, policy__isnull=True)
                    | models.Q(kind="policy", policy__isnull=False, service__isnull=True)
                ),
            )
        ]

    def __str__(self) -> str:
        return self.title
