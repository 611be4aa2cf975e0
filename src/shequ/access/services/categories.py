"""Facility categories: the defaults, and the walk-time thresholds and walking speeds the
city committee sets."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.access.models import FacilityCategory
from shequ.access.services._common import _positive_minutes
from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.scopes import CITY_CODE, Role
from shequ.core.services import audit_record

# (code, Chinese name, minutes, essential, OSM tag rules). A rule is "key=value", or several
# conditions joined by "&" that must all hold; an OSM element gets the category of its most
# specific matching rule (see engine.PoiRules). The same rules map the POIs found in imported
# OSM files and those of the shipped GeoJSON sample; they are stored on each FacilityCategory.
DEFAULT_CATEGORIES: tuple[tuple[str, str, int, bool, tuple[str, ...]], ...] = (
    ("service_centre", "社区综合服务中心", 15, True, ("amenity=community_centre",)),
    ("school", "中小学", 15, True, ("amenity=school",)),
    ("kindergarten", "幼儿园", 15, False, ("amenity=kindergarten",)),
    ("clinic", "医疗机构", 15, True, ("amenity=hospital", "amenity=clinic", "amenity=doctors")),
    ("pharmacy", "药店", 15, False, ("amenity=pharmacy",)),
    (
        "market",
        "菜市场/超市",
        15,
        True,
        (
            "amenity=marketplace",
            "shop=supermarket",
            "shop=convenience",
            "shop=greengrocer",
            "shop=mall",
        ),
    ),
    ("park", "公园绿地", 15, True, ("leisure=park", "leisure=garden", "leisure=playground")),
    (
        "elderly_care",
        "养老服务",
        15,
        False,
        (
            "amenity=social_facility&social_facility:for=senior",
            "amenity=social_facility&social_facility=nursing_home",
            "amenity=nursing_home",
        ),
    ),
    (
        "sports",
        "体育设施",
        15,
        False,
        ("leisure=pitch", "leisure=sports_centre", "leisure=fitness_centre"),
    ),
    ("culture", "文化设施", 15, False, ("amenity=library", "amenity=arts_centre")),
    (
        "transit",
        "公交/地铁站",
        15,
        True,
        (
            "highway=bus_stop",
            "railway=subway_entrance",
            "railway=station",
            "amenity=bus_station",
            "public_transport=platform",
            "public_transport=stop_position",
        ),
    ),
    ("legal", "法律服务", 15, False, ("office=lawyer", "office=notary")),
)


def categories_ensure(*, actor: Any = None) -> int:
    """Create the default categories that are missing (idempotent); returns how many."""
    created = 0
    with transaction.atomic():
        for order, (code, name, minutes, essential, tags) in enumerate(DEFAULT_CATEGORIES):
            _, made = FacilityCategory.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "threshold_minutes": Decimal(minutes),
                    "essential": essential,
                    "osm_tags": list(tags),
                    "sort_order": order,
                },
            )
            created += int(made)
        if created:
            audit_record(actor=actor, verb="access.categories_ensure", changes={"created": created})
    return created


MAX_SPEED = Decimal(5)


def may_edit_categories(actor: Any) -> bool:
    """Thresholds are city policy: the city committee and system administrators set them."""
    return any(
        a.is_everywhere and a.role in (Role.CITY_COMMITTEE, Role.SYSTEM_ADMIN)
        for a in _areas(actor)
    )


def category_update(
    *,
    actor: Any,
    code: str,
    threshold_minutes: Any,
    speed_mps: Any = None,
    essential: bool | None = None,
) -> FacilityCategory:
    """Change a category's walk-time threshold (minutes, > 0), walking speed (m/s, > 0) and
    essential flag. Runs keep the values they started with; new runs use the new ones."""
    if not may_edit_categories(actor):
        raise PermissionDenied("forbidden", _("Only the city committee may change thresholds."))
    minutes = _positive_minutes(threshold_minutes).quantize(Decimal("0.1"))
    if minutes <= 0:
        raise DomainError(
            "access_bad_threshold",
            _("A threshold must be a number of minutes greater than 0, not %(value)s."),
            field="threshold_minutes",
            value=threshold_minutes,
        )
    speed = _positive_speed(speed_mps) if speed_mps is not None else None
    with transaction.atomic():
        category = FacilityCategory.objects.select_for_update().filter(code=code).first()
        if category is None:
            raise DomainError(
                "access_unknown_category", _("Unknown category %(code)s."), field="code", code=code
            )
        before = {
            "threshold_minutes": str(category.threshold_minutes),
            "speed_mps": str(category.speed_mps),
            "essential": category.essential,
        }
        category.threshold_minutes = minutes
        if speed is not None:
            category.speed_mps = speed
        if essential is not None:
            category.essential = essential
        category.save(update_fields=["threshold_minutes", "speed_mps", "essential"])
        audit_record(
            actor=actor,
            verb="access.category_update",
            target=category,
            division_code=CITY_CODE,
            changes={
                "before": before,
                "after": {
                    "threshold_minutes": str(minutes),
                    "speed_mps": str(category.speed_mps),
                    "essential": category.essential,
                },
            },
        )
    return category


def _areas(actor: Any) -> list[Any]:
    from shequ.people.permissions import areas_of

    return areas_of(actor)


def _positive_speed(value: Any) -> Decimal:
    try:
        speed = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        speed = Decimal(0)
    if speed.is_finite() and abs(speed) < 1000:
        speed = speed.quantize(Decimal("0.01"))
    if not speed.is_finite() or speed <= 0 or speed > MAX_SPEED:
        raise DomainError(
            "access_bad_speed",
            _(
                "A walking speed must be a number of metres per second above 0 and at most "
                "%(max)s, not %(value)s."
            ),
            field="speed_mps",
            max=MAX_SPEED,
            value=value,
        )
    return speed
