"""The routing decision: category × place → responsible unit, with the reason in words.

The most specific live row of the dispatch catalogue wins (community, then street, then
district). No row: the district's own unit takes it (兜底). No district unit either: the
request waits for a dispatcher. Two queries, both on indexes.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from shequ.appeals.models import CatalogueVersion, Category, RoutingRow, Unit
from shequ.places.models import Division


@dataclass(frozen=True)
class Decision:
    unit: Unit | None
    reason: str
    version: int
    row_id: int | None


def place_codes(community_code: str) -> tuple[str, str, str]:
    """The community, its street and its district, most specific first."""
    return community_code, community_code[:9] + "000", community_code[:6] + "000000"


def current_version() -> int:
    return CatalogueVersion.objects.aggregate(n=Max("number"))["n"] or 0


def route(category: Category, community: Division) -> Decision:
    """Which unit takes ``category`` in ``community``, and why (in the platform's language,
    as stored on the request and shown to everyone)."""
    codes = place_codes(community.code)
    rows = {
        row.place_id: row
        for row in RoutingRow.objects.filter(
            category=category, place_id__in=codes, retired_in__isnull=True
        ).select_related("unit", "place")
    }
    version = current_version()
    with translation.override(settings.LANGUAGE_CODE):
        for code in codes:
            row = rows.get(code)
            if row is not None:
                reason = _(
                    "%(category)s in %(place)s → %(unit)s by catalogue v%(version)s row %(row)s"
                ) % {
                    "category": category.name,
                    "place": row.place.name,
                    "unit": row.unit.name,
                    "version": version,
                    "row": row.pk,
                }
                return Decision(row.unit, reason, version, row.pk)
        district = Unit.objects.filter(
            kind=Unit.Kind.DISTRICT, division_id=codes[2], is_active=True
        ).first()
        if district is not None:
            reason = _(
                "No row of catalogue v%(version)s for %(category)s here: the district takes "
                "it (兜底) → %(unit)s"
            ) % {"version": version, "category": category.name, "unit": district.name}
            return Decision(district, reason, version, None)
        reason = _(
            "No row of catalogue v%(version)s for %(category)s here and no district unit: "
            "a dispatcher chooses the unit"
        ) % {"version": version, "category": category.name}
        return Decision(None, reason, version, None)
