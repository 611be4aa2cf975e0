"""Standardised indicators (标准化指标): a versioned tree, values with provenance, runs.

A tree version (指标体系版本) holds dimensions → sub-dimensions (``Node``) → indicators. A
published version is frozen: changing weights or targets means a new version, so results
computed under an old one are never rewritten. Values are per indicator, unit and year; a
computed value points at the ``Computation`` that made it (the query text, when, how long) and
keeps the counts it came from. A ``Run`` scores, ranks and bounds the ranks of every unit for
one version and year; runs are append-only.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.places.models import Division


class TreeVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    class Normalisation(models.TextChoices):
        TARGET = "target", _("Distance to target")
        MINMAX = "minmax", _("Min–max")
        ZSCORE = "zscore", _("z-score")

    class Aggregation(models.TextChoices):
        ARITHMETIC = "arithmetic", _("Arithmetic mean")
        GEOMETRIC = "geometric", _("Geometric mean")

    class Weighting(models.TextChoices):
        DECLARED = "declared", _("Declared weights")
        EQUAL = "equal", _("Equal weights")

    number = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    normalisation = models.CharField(
        _("normalisation"), max_length=8, choices=Normalisation.choices, default="target"
    )
    aggregation = models.CharField(
        _("aggregation"), max_length=10, choices=Aggregation.choices, default="arithmetic"
    )
    weighting = models.CharField(
        _("weighting"), max_length=8, choices=Weighting.choices, default="declared"
    )
    # Values beyond these shares of each tail are pulled in (winsorisation); 0 = none.
    winsor_share = models.DecimalField(
        _("winsorisation share per tail"), max_digits=4, decimal_places=3, default=Decimal("0.025")
    )
    # The Monte Carlo draws each weight within ±weight_range of its declared value.
    weight_range = models.DecimalField(
        _("weight range (±)"), max_digits=4, decimal_places=2, default=Decimal("0.25")
    )
    draws = models.PositiveIntegerField(_("Monte Carlo draws"), default=1000)
    seed = models.PositiveIntegerField(_("random seed"), default=2025)
    # A unit with values for fewer than this share of the indicators is scored, not ranked.
    min_data_share = models.DecimalField(
        _("minimum share of indicators with data"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.60"),
    )
    rank_urban_rural_separately = models.BooleanField(
        _("rank urban communities and rural villages separately"), default=True
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("indicator tree version")
        verbose_name_plural = _("indicator tree versions")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number} {self.name}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class Node(models.Model):
    """A dimension (维度, no parent) or a sub-dimension (子维度, under a dimension)."""

    version = models.ForeignKey(TreeVersion, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    weight = models.DecimalField(_("weight (%)"), max_digits=7, decimal_places=2)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="ind_node_code_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    class Source(models.TextChoices):
        COMPUTED = "computed", _("Computed from the platform's records")
        ENTERED = "entered", _("Entered or imported by staff")

    class Level(models.TextChoices):
        COMMUNITY = "community", _("Community")
        STREET = "street", _("Street")
        DISTRICT = "district", _("District")

    class Missing(models.TextChoices):
        NONE = "none", _("Leave missing")
        PEER_MEAN = "peer_mean", _("Mean of peers in the same street or district")
        EXCLUDE = "exclude", _("Exclude, reweight the others")

    version = models.ForeignKey(TreeVersion, on_delete=models.CASCADE, related_name="indicators")
    node = models.ForeignKey(
        Node, verbose_name=_("sub-dimension"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    definition = models.TextField(_("definition"), blank=True)
    unit = models.CharField(_("unit"), max_length=20)
    direction = models.CharField(
        _("direction"), max_length=6, choices=Direction.choices, default=Direction.HIGHER
    )
    target = models.DecimalField(_("target (达标 value)"), max_digits=14, decimal_places=4)
    # The largest value that makes sense (100 for a percentage), when there is one.
    upper_bound = models.DecimalField(
        _("largest possible value"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    weight = models.DecimalField(_("weight (%)"), max_digits=7, decimal_places=2)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    computation = models.CharField(_("computation"), max_length=40, blank=True)
    source_note = models.CharField(_("where the data comes from"), max_length=120, blank=True)
    owner = models.CharField(_("owner (who enters it)"), max_length=80, blank=True)
    period = models.CharField(_("period"), max_length=10, default="year")
    level = models.CharField(
        _("level"), max_length=10, choices=Level.choices, default=Level.COMMUNITY
    )
    missing = models.CharField(
        _("missing data"), max_length=10, choices=Missing.choices, default=Missing.PEER_MEAN
    )
    headline = models.BooleanField(_("headline indicator"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["node__parent__order", "node__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="ind_indicator_code_once"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_computed(self) -> bool:
        return self.source == self.Source.COMPUTED


class Period(models.Model):
    """An evaluation year (考核年度); once closed, its values and results no longer change."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("evaluation period")
        verbose_name_plural = _("evaluation periods")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class Computation(models.Model):
    """One computation of one indicator for one year: the queries that were counted."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    queries = models.JSONField(_("queries"), default=dict)
    units = models.PositiveIntegerField(_("units"), default=0)
    seconds = models.FloatField(_("seconds"), default=0.0)
    computed_at = models.DateTimeField(_("computed"), auto_now_add=True)

    class Meta:
        verbose_name = _("computation")
        verbose_name_plural = _("computations")
        indexes = [models.Index(fields=["indicator", "year"], name="ind_comp_ind_year")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.year}"


class Value(models.Model):
    # A recompute writes a row per community and computed indicator (a quarter of a million
    # in Chengdu), so the table keeps only the indexes its reads use: the unique constraint
    # serves "by indicator", ``ind_value_div_year`` "by unit", and who entered a value only
    # entered values (no single-column copies of those).
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", db_index=False
    )
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(_("value"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Indicator.Source.choices)
    computation = models.ForeignKey(
        Computation, null=True, blank=True, on_delete=models.SET_NULL, related_name="values"
    )
    # {"numerator": 12, "denominator": 3400} — the records counted (see Computation.queries).
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "division", "year"], name="ind_value_once"
            ),
        ]
        indexes = [
            models.Index(fields=["division", "year"], name="ind_value_div_year"),
            models.Index(
                fields=["entered_by"],
                name="ind_value_entered_by",
                condition=models.Q(entered_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.division_id} {self.year}: {self.value}"


class Run(models.Model):
    """Scores, ranks and rank intervals of every unit for one version and year."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    version = models.ForeignKey(TreeVersion, on_delete=models.PROTECT, related_name="runs")
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    # The method as applied (normalisation, aggregation, draws, seed...), frozen with the run.
    method = models.JSONField(_("method"), default=dict)
    # {"choices": {"weights": mean rank shift, ...}, "most": "weights"} and correlations.
    sensitivity = models.JSONField(_("sensitivity"), default=dict)
    correlations = models.JSONField(_("correlations"), default=dict)
    summary = models.JSONField(_("summary"), default=dict)
    error = models.TextField(_("error"), blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Set while the run's scores are on the public dashboards (the committee publishes one run
    # at a time); empty: staff only.
    published_at = models.DateTimeField(_("published to the public"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.version} {self.year} #{self.pk}"


class Result(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="results")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=10)
    score = models.FloatField(_("score"), null=True)
    dimension_scores = models.JSONField(_("dimension scores"), default=dict)
    # A street's or district's: the sums over its ranked communities (a district of 400
    # communities × 100 indicators passes a small integer's 32,767).
    measured = models.PositiveIntegerField(_("indicators with data"), default=0)
    met = models.PositiveIntegerField(_("targets met"), default=0)
    ranked = models.BooleanField(_("ranked"), default=False)
    # Rank among peers (communities of the same street and class; streets of the same
    # district; districts of the city), with the Monte Carlo median and 90 % interval.
    rank = models.PositiveIntegerField(_("rank"), null=True)
    peers = models.PositiveIntegerField(_("peers"), default=0)
    rank_median = models.FloatField(null=True)
    rank_low = models.PositiveIntegerField(null=True)
    rank_high = models.PositiveIntegerField(null=True)
    # Rank among every unit of the same level (and class) in the city.
    city_rank = models.PositiveIntegerField(null=True)
    city_peers = models.PositiveIntegerField(default=0)
    city_rank_low = models.PositiveIntegerField(null=True)
    city_rank_high = models.PositiveIntegerField(null=True)
    # The methodological choice that moves this unit's rank most.
    moved_most_by = models.CharField(max_length=16, blank=True)
    strengths = models.JSONField(default=list)
    weaknesses = models.JSONField(default=list)

    class Meta:
        verbose_name = _("evaluation result")
        verbose_name_plural = _("evaluation results")
        constraints = [
            models.UniqueConstraint(fields=["run", "division"], name="ind_result_once"),
        ]
        indexes = [models.Index(fields=["run", "level", "division"], name="ind_result_level")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.division_id} {self.score}"

    @property
    def missed(self) -> int:
        """Values that miss their target (达标 not reached)."""
        return max(self.measured - self.met, 0)


class TopTen(models.Model):
    """The year's 市民口碑十佳: the platform's score picks the candidates, residents vote, and
    the combined score with published weights decides."""

    class Status(models.TextChoices):
        VOTING = "voting", _("Residents voting")
        DECIDED = "decided", _("Decided")

    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    candidates_count = models.PositiveSmallIntegerField(_("candidates"), default=50)
    winners_count = models.PositiveSmallIntegerField(_("winners"), default=10)
    platform_weight = models.DecimalField(
        _("weight of the platform score (%)"), max_digits=5, decimal_places=2, default=60
    )
    vote_weight = models.DecimalField(
        _("weight of the residents' vote (%)"), max_digits=5, decimal_places=2, default=40
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.VOTING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("top-ten selection")
        verbose_name_plural = _("top-ten selections")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 市民口碑十佳"


class TopTenCandidate(models.Model):
    selection = models.ForeignKey(TopTen, on_delete=models.CASCADE, related_name="candidates")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    platform_score = models.FloatField(_("platform score"))
    votes = models.PositiveIntegerField(_("votes"), default=0)
    combined = models.FloatField(_("combined score"), null=True, blank=True)
    place = models.PositiveSmallIntegerField(_("place"), null=True, blank=True)

    class Meta:
        verbose_name = _("top-ten candidate")
        verbose_name_plural = _("top-ten candidates")
        ordering = [
            models.F("place").asc(nulls_last=True),
            "-platform_score",
            "division_id",
        ]
        constraints = [
            models.UniqueConstraint(fields=["selection", "division"], name="ind_candidate_once"),
        ]

    def __str__(self) -> str:
        return str(self.division_id)


class TopTenBallot(models.Model):
    """One resident's ballot (one per account and selection); the choices are counted into
    the candidates' votes when cast."""

    selection = models.ForeignKey(TopTen, on_delete=models.CASCADE, related_name="ballots")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    choices = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("top-ten ballot")
        verbose_name_plural = _("top-ten ballots")
        constraints = [
            models.UniqueConstraint(fields=["selection", "user"], name="ind_ballot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.selection_id} {self.user_id}"
