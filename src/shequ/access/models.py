"""The 15-minute service circle: facility categories, walk networks, facilities, runs and
their stored results (per-node minutes in a binary file, per-division coverage rows)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.places.models import Division


class FacilityCategory(models.Model):
    """A kind of everyday service with its walk-time promise (data, not code)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    threshold_minutes = models.DecimalField(
        _("threshold (minutes)"), max_digits=5, decimal_places=1, default=15
    )
    speed_mps = models.DecimalField(
        _("walking speed (m/s)"), max_digits=4, decimal_places=2, default=1.2
    )
    essential = models.BooleanField(_("essential for daily life"), default=True)
    osm_tags = models.JSONField(_("OSM tags"), default=list, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("facility category")
        verbose_name_plural = _("facility categories")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_minutes__gt=0), name="access_category_threshold_positive"
            ),
            models.CheckConstraint(
                condition=Q(speed_mps__gt=0), name="access_category_speed_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def limit_m(self) -> float:
        return float(self.threshold_minutes) * 60.0 * float(self.speed_mps)


class Network(models.Model):
    """An imported walk network; the CSR arrays live in a file under MEDIA_ROOT."""

    name = models.CharField(_("name"), max_length=100)
    source_name = models.CharField(_("source file"), max_length=200)
    sha256 = models.CharField(_("sha256"), max_length=64, unique=True)
    file = models.CharField(_("stored file"), max_length=300)
    nodes = models.PositiveIntegerField(_("nodes"))
    edges = models.PositiveIntegerField(_("edges"))
    total_length_m = models.FloatField(_("total length (m)"))
    bbox = models.JSONField(_("bounding box"), default=list)
    meta = models.JSONField(_("metadata"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("walk network")
        verbose_name_plural = _("walk networks")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Facility(models.Model):
    class Source(models.TextChoices):
        PLATFORM = "platform", _("Platform")
        OSM = "osm", _("OpenStreetMap POI")
        UPLOAD = "upload", _("Upload")
        OSM_FILE = "osm_file", _("POI of the imported OSM file")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="facilities")
    category = models.ForeignKey(FacilityCategory, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    external_id = models.CharField(_("source id"), max_length=60)
    name = models.CharField(_("name"), max_length=200, blank=True)
    longitude = models.FloatField(_("longitude"))
    latitude = models.FloatField(_("latitude"))
    node = models.IntegerField(_("network node"))
    snap_distance_m = models.FloatField(_("snap distance (m)"))
    far_snap = models.BooleanField(_("far from the network"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["category", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "source", "external_id"], name="access_facility_unique_source"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class Run(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="runs")
    label = models.CharField(_("label"), max_length=200, blank=True)
    base_run = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="what_ifs"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.FloatField(_("progress"), default=0.0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict)
    summary = models.JSONField(_("summary"), default=dict)
    result_file = models.CharField(_("result file"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(max_length=32, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)

    class Meta:
        verbose_name = _("accessibility run")
        verbose_name_plural = _("accessibility runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.label or f"#{self.pk}"


ALL_ESSENTIAL = "_all"


class CoverageRow(models.Model):
    """Share of residents of one division within one category's threshold, for one run.

    ``category`` is a category code, or ``_all`` for every essential category at once.
    """

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="coverage_rows")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=10, choices=Division.Level.choices)
    category = models.CharField(_("category"), max_length=40)
    population = models.FloatField(_("population"))
    covered = models.FloatField(_("covered population"))
    share = models.FloatField(_("covered share"), null=True)

    class Meta:
        verbose_name = _("coverage row")
        verbose_name_plural = _("coverage rows")
        ordering = ["division_id", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "division", "category"], name="access_coverage_unique"
            )
        ]
        indexes = [models.Index(fields=["run", "level", "category", "share"])]

    def __str__(self) -> str:
        return f"{self.division_id} {self.category}"


class Siting(models.Model):
    """Best k new sites for one category among candidates, with each step's gain."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="sitings")
    category = models.ForeignKey(FacilityCategory, on_delete=models.PROTECT, related_name="+")
    k = models.PositiveSmallIntegerField(_("number of sites"))
    candidate_source = models.CharField(_("candidates"), max_length=100)
    district = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    n_candidates = models.PositiveIntegerField(_("candidate sites"))
    sites = models.JSONField(_("sites"), default=list)
    total_population = models.FloatField(_("population"))
    initial_covered = models.FloatField(_("covered before"))
    what_if_run = models.ForeignKey(
        Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("siting")
        verbose_name_plural = _("sitings")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.category_id} × {self.k}"

    @property
    def final_covered(self) -> float:
        return self.initial_covered + sum(s["gain"] for s in self.sites)


class NetworkImport(models.Model):
    """An OSM file uploaded in the console and imported as a walk network in the background."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("name"), max_length=100, blank=True)
    source_name = models.CharField(_("source file"), max_length=200)
    upload = models.CharField(_("uploaded file"), max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.FloatField(_("progress"), default=0.0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports"
    )
    task_id = models.CharField(max_length=32, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("network import")
        verbose_name_plural = _("network imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name or self.source_name
