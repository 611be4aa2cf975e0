"""Administrative divisions (行政区划): city → district → street → community."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.names import ShownNameMixin, name_en_field


class Division(ShownNameMixin, models.Model):
    """One division with its real 12-digit NBS statistical code (统计用区划代码)."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District / county")
        STREET = "street", _("Street / township")
        COMMUNITY = "community", _("Community / village")

    class UrbanRural(models.TextChoices):
        URBAN = "urban", _("Urban community")
        RURAL = "rural", _("Rural village")

    code = models.CharField(_("code"), primary_key=True, max_length=12)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    short_name = models.CharField(_("short name"), max_length=100, db_index=True)
    name_en = name_en_field(160)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    urban_rural = models.CharField(
        _("urban or rural"), max_length=5, choices=UrbanRural.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    source_year = models.PositiveSmallIntegerField(_("source year"), null=True, blank=True)
    service_centre_address = models.CharField(
        _("service centre address"), max_length=200, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    # GeoJSON geometry in WGS84 (districts carry their boundary).
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return self.short_name or self.name
