"""Surveys (问卷调查): questionnaires with versions, sampling plans, invitations, responses.

A survey's questions live in a ``SurveyVersion``; once a version has responses it is frozen
and an edit makes the next version. Responses keep the respondent's place, age band and sex
(for weighting and breakdowns) but never who they are: the link to a resident stays on the
``Invitation``, which exports and results never read.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.places.models import Division


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    LIKERT5 = "likert5", _("5-point Likert scale")
    RATING10 = "rating10", _("Rating 0–10")
    RATING100 = "rating100", _("Rating 0–100")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Number")
    DATE = "date", _("Date")
    TEXT = "text", _("Text")
    MATRIX = "matrix", _("Matrix (several items on one scale)")
    NOTE = "note", _("Note (text shown, no answer)")
    GEOPOINT = "geopoint", _("Location (latitude and longitude)")
    PHONE = "phone", _("Phone number")
    IMAGE = "image", _("Photo")


CHOICE_TYPES = frozenset(
    {QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.LIKERT5, QuestionType.MATRIX}
)
# What the answer page sends for "keep the photo I sent before". Only the services resolve it,
# from the response's own answers, so nobody can point at another respondent's photo.
KEEP_PHOTO = "__keep_photo__"
# Shown to the respondent but never answered (no Answer rows, no export column).
ANSWERLESS_TYPES = frozenset({QuestionType.NOTE})
SCORABLE_TYPES = frozenset(
    {QuestionType.LIKERT5, QuestionType.RATING10, QuestionType.RATING100, QuestionType.MATRIX}
)
# Entries a repeated section (a roster) takes at most: enough for any household, and a bound
# on what one response can write.
MAX_ENTRIES = 30


class AgeBand(models.TextChoices):
    """Age bands used for weighting (adults only are sampled)."""

    A18_34 = "18-34", _("18–34")
    A35_49 = "35-49", _("35–49")
    A50_64 = "50-64", _("50–64")
    A65 = "65+", _("65 and over")


# (band, lowest age, highest age) — the sampling frame is residents aged 18 and over.
AGE_BAND_LIMITS: tuple[tuple[str, int, int], ...] = (
    (AgeBand.A18_34, 18, 34),
    (AgeBand.A35_49, 35, 49),
    (AgeBand.A50_64, 50, 64),
    (AgeBand.A65, 65, 150),
)


class Survey(models.Model):
    """One wave of a questionnaire (e.g. the 2018 万人问卷), owned by a division."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    # Waves of the same survey share a series key; the trend compares their indexes.
    series = models.SlugField(_("series"), max_length=60)
    wave = models.PositiveSmallIntegerField(_("wave"), default=1)
    division = models.ForeignKey(
        Division, verbose_name=_("owner area"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Score (0–100) at or above which a respondent counts as recognising the work (认可).
    recognition_threshold = models.FloatField(_("recognition threshold"), default=60.0)
    # Breakdown cells with fewer respondents than this are suppressed.
    min_cell_size = models.PositiveSmallIntegerField(_("smallest cell shown"), default=30)
    open_link_enabled = models.BooleanField(_("open link enabled"), default=False)
    open_link_slug = models.CharField(max_length=32, unique=True, null=True, blank=True)
    # Completed open-link responses allowed per network address per day (abuse limit).
    open_link_daily_limit = models.PositiveSmallIntegerField(default=3)
    reference_date = models.DateField(_("reference date for ages"), null=True, blank=True)
    weights_computed_at = models.DateTimeField(null=True, blank=True)
    weights_report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set when a manager publishes the closed survey's results to the public dashboards;
    # empty: the results stay with staff.
    results_published_at = models.DateTimeField(
        _("results published to the public"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "wave"], name="survey_series_wave_unique")
        ]

    def __str__(self) -> str:
        return self.title_zh

    def title(self, language: str) -> str:
        return self.title_en if language.startswith("en") and self.title_en else self.title_zh


class SurveyVersion(models.Model):
    """The questions of a survey at one point; frozen once it has responses."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["survey", "number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="survey_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} v{self.number}"


class ChoiceList(models.Model):
    """A named list of options (XLSForm ``choices`` sheet), e.g. a 5-point satisfaction scale."""

    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="lists")
    name = models.CharField(max_length=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="choice_list_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Choice(models.Model):
    choice_list = models.ForeignKey(ChoiceList, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=60)
    label_zh = models.CharField(max_length=200)
    label_en = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["choice_list", "position"]
        constraints = [
            models.UniqueConstraint(fields=["choice_list", "name"], name="choice_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return self.label_en if language.startswith("en") and self.label_en else self.label_zh


class Section(models.Model):
    """A part of the questionnaire. A repeated one (a roster, XLSForm ``begin repeat``) has
    its questions answered once per entry, e.g. once per member of the household."""

    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=60)
    label_zh = models.CharField(max_length=200, blank=True)
    label_en = models.CharField(max_length=200, blank=True)
    repeat = models.BooleanField(_("repeated (one entry per person or item)"), default=False)
    # Blank: the respondent adds entries; "3": always three; "${q}": as many as the answer
    # to the earlier whole-number question q.
    repeat_count = models.CharField(_("number of entries"), max_length=80, blank=True)
    # A repeated section without a count that needs at least one entry.
    required = models.BooleanField(_("at least one entry"), default=False)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="section_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return self.label_en if language.startswith("en") and self.label_en else self.label_zh


class Question(models.Model):
    """One question. ``relevant`` and ``constraint`` use the XLSForm expression subset."""

    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=60)
    qtype = models.CharField(_("type"), max_length=10, choices=QuestionType.choices)
    label_zh = models.CharField(_("label (Chinese)"), max_length=500)
    label_en = models.CharField(_("label (English)"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    relevant = models.CharField(_("show if"), max_length=300, blank=True)
    constraint = models.CharField(_("constraint"), max_length=300, blank=True)
    choice_list = models.ForeignKey(
        ChoiceList, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Matrix rows: [{"name": ..., "label_zh": ..., "label_en": ...}, ...]
    items = models.JSONField(default=list, blank=True)
    # Weight of this item in the satisfaction index (0 = not scored).
    score_weight = models.FloatField(_("index weight"), default=0.0)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="question_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return self.label_en if language.startswith("en") and self.label_en else self.label_zh


class SamplingPlan(models.Model):
    """Target n, strata and allocation; ``draw`` picks residents to invite (seeded)."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("District")
        STREET = "street", _("Street")
        COMMUNITY = "community", _("Community")

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="plan")
    target_n = models.PositiveIntegerField(_("target sample size"))
    stratum_level = models.CharField(
        _("strata"), max_length=10, choices=Level.choices, default=Level.DISTRICT
    )
    min_per_stratum = models.PositiveIntegerField(_("minimum per stratum"), default=30)
    seed = models.BigIntegerField(_("random seed"))
    drawn_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"plan {self.survey_id} n={self.target_n}"


class Stratum(models.Model):
    plan = models.ForeignKey(SamplingPlan, on_delete=models.CASCADE, related_name="strata")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    population = models.PositiveIntegerField()
    allocated = models.PositiveIntegerField()

    class Meta:
        ordering = ["plan", "division_id"]
        constraints = [models.UniqueConstraint(fields=["plan", "division"], name="stratum_unique")]

    def __str__(self) -> str:
        return f"{self.division_id}: {self.allocated}"


class Invitation(models.Model):
    """A sampled resident's one-time link. Only the SHA-256 of the token is stored."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    stratum = models.ForeignKey(Stratum, on_delete=models.CASCADE, related_name="invitations")
    resident = models.ForeignKey(
        "people.Resident", on_delete=models.CASCADE, related_name="survey_invitations"
    )
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "resident"], name="invitation_once")
        ]
        indexes = [models.Index(fields=["survey", "community"])]

    def __str__(self) -> str:
        return f"invitation {self.pk}"


class Response(models.Model):
    """One respondent's answers. Partial until submitted; one per invitation."""

    class Status(models.TextChoices):
        PARTIAL = "partial", _("Partial")
        COMPLETE = "complete", _("Complete")

    class Channel(models.TextChoices):
        INVITATION = "invitation", _("Invitation link")
        OPEN = "open", _("Open link")
        INTERVIEWER = "interviewer", _("Interviewer")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # A version with responses is never edited or deleted by the services (it is frozen);
    # deleting the whole survey takes its responses with it.
    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    channel = models.CharField(max_length=12, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PARTIAL)
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Where and who, coarsely: enough for weighting and breakdowns, never identifying.
    district_code = models.CharField(max_length=12, blank=True)
    street_code = models.CharField(max_length=12, blank=True)
    community_code = models.CharField(max_length=12, blank=True)
    age_band = models.CharField(max_length=6, choices=AgeBand.choices, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    # Respondent's satisfaction index (0–100) and post-stratification weight.
    score = models.FloatField(null=True, blank=True)
    weight = models.FloatField(null=True, blank=True)
    # Open link only: hash of a resume key kept in the browser, hash of the network address.
    resume_key_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["survey", "status", "community_code"]),
            models.Index(fields=["survey", "ip_hash", "submitted_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="response_complete_has_time",
                condition=Q(status="partial") | Q(submitted_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"response {self.pk}"


class Answer(models.Model):
    """One answer (one row of a matrix, one entry of a repeated section). ``score`` is its
    0–100 value for scored items."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    item = models.CharField(max_length=60, blank=True)
    # The entry (1, 2, ...) of a repeated section this answer belongs to; 0 outside one.
    entry = models.PositiveSmallIntegerField(default=0)
    value_text = models.TextField(blank=True)
    value_number = models.FloatField(null=True, blank=True)
    value_choices = models.JSONField(default=list, blank=True)
    value_date = models.DateField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "item", "entry"], name="answer_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id}/{self.item}"

    def as_value(self) -> Any:
        """The answer as the service accepts it (for resuming a partial response)."""
        return self.value_choices or self.value_text or self.value_number or self.value_date
