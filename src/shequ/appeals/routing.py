"""The routing decision: category × place → responsible unit, with the reason in words.

The most specific live row of the dispatch catalogue wins (community, then street, then
district). No row: the district's own unit takes it (兜底). No district unit either: the
request waits for a dispatcher. One round trip: the catalogue's version, the live rows of the
three places and the district's units come back from one statement, on indexes.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
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


@dataclass(frozen=True)
class _Found:
    row_id: int | None
    place_id: str | None
    place_name: str | None
    unit: Unit


_UNIT_FIELDS = Unit._meta.concrete_fields


def _candidates(category: Category, codes: tuple[str, str, str]) -> tuple[int, list[_Found]]:
    """The catalogue's version and every candidate: the live rows of the three places (with
    their unit and place name) and the district's active units, by name. One statement: the
    one-row version aggregate drives it, so the version comes back even with no candidate."""
    unit_columns = ", ".join(f"u.{connection.ops.quote_name(f.column)}" for f in _UNIT_FIELDS)
    # Table and column names come from the models, values are parameters.
    sql = f"""
        SELECT v.version, c.row_id, c.place_id, c.place_name, {unit_columns}
        FROM (SELECT MAX(number) AS version FROM {CatalogueVersion._meta.db_table}) v
        LEFT JOIN (
            SELECT r.id AS row_id, r.place_id AS place_id, p.name AS place_name,
                   r.unit_id AS unit_id
            FROM {RoutingRow._meta.db_table} r
            JOIN {Division._meta.db_table} p ON p.code = r.place_id
            WHERE r.category_id = %s AND r.place_id IN (%s, %s, %s) AND r.retired_in IS NULL
            UNION ALL
            SELECT NULL, NULL, NULL, d.id
            FROM {Unit._meta.db_table} d
            WHERE d.kind = %s AND d.division_id = %s AND d.is_active = %s
        ) c ON 1 = 1
        LEFT JOIN {Unit._meta.db_table} u ON u.id = c.unit_id
        ORDER BY u.name, u.id
    """  # noqa: S608
    params: list[int | str | bool] = [category.pk, *codes, str(Unit.Kind.DISTRICT), codes[2], True]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = [f.attname for f in _UNIT_FIELDS]
    version = 0
    found: list[_Found] = []
    for version_value, row_id, place_id, place_name, *unit_values in rows:
        version = version_value or 0
        if unit_values[0] is None:
            continue
        unit = Unit.from_db(connection.alias, names, unit_values)
        found.append(_Found(row_id, place_id, place_name, unit))
    return version, found


def route(category: Category, community: Division) -> Decision:
    """Which unit takes ``category`` in ``community``, and why (in the platform's language,
    as stored on the request and shown to everyone)."""
    codes = place_codes(community.code)
    version, found = _candidates(category, codes)
    rows = {f.place_id: f for f in found if f.row_id is not None}
    with translation.override(settings.LANGUAGE_CODE):
        for code in codes:
            row = rows.get(code)
            if row is not None:
                reason = _(
                    "%(category)s in %(place)s → %(unit)s by catalogue v%(version)s row %(row)s"
                ) % {
                    "category": category.name,
                    "place": row.place_name,
                    "unit": row.unit.name,
                    "version": version,
                    "row": row.row_id,
                }
                return Decision(row.unit, reason, version, row.row_id)
        district = next((f.unit for f in found if f.row_id is None), None)
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
