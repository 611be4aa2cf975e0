"""Categories, responsible units and the dispatch catalogue (versioned rows), edited by
the city committee. Each in one transaction, audited."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import (
    CatalogueVersion,
    Category,
    RoutingRow,
    Unit,
)
from shequ.appeals.permissions import (
    may_edit_catalogue,
)
from shequ.appeals.routing import current_version
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record
from shequ.notices.services import plain_text
from shequ.people.models import User
from shequ.places.models import Division

# The follow-up questionnaire is asked at most this many days after the rating.
FOLLOWUP_DAYS_MAX = 365


def _require_editor(actor: User) -> None:
    if not may_edit_catalogue(actor):
        raise PermissionDenied(
            "not_allowed", _("Only the city committee edits the dispatch catalogue.")
        )


def _new_version(actor: User, note: str) -> CatalogueVersion:
    return CatalogueVersion.objects.create(
        number=current_version() + 1, note=note[:200], created_by=actor
    )


@dataclass(frozen=True)
class RowIn:
    category_id: int
    place_code: str
    unit_id: int


def _row_label(category: Category, place: Division, unit: Unit, row: Any) -> str:
    return f"{row} ({category.name} · {place.name} → {unit.name})"


@transaction.atomic
def routing_rows_add(
    *, actor: User, rows: Sequence[RowIn], note: str, ip: str | None = None
) -> CatalogueVersion:
    """Add rows to the dispatch catalogue as one new version. A row for a place and category
    that already has a live row (or twice in ``rows``) is refused with both rows named.

    Raises: PermissionDenied, DomainError ``row_overlap`` / ``bad_row``.
    """
    _require_editor(actor)
    clean_note = plain_text(note, field="note", max_length=200)
    checked: list[tuple[Category, Division, Unit]] = []
    seen: dict[tuple[int, str], str] = {}
    for n, row in enumerate(rows, start=1):
        category = Category.objects.filter(pk=row.category_id, is_active=True).first()
        place = Division.objects.filter(
            pk=row.place_code,
            level__in=[Division.Level.DISTRICT, Division.Level.STREET, Division.Level.COMMUNITY],
        ).first()
        unit = Unit.objects.filter(pk=row.unit_id, is_active=True).first()
        if category is None or place is None or unit is None:
            raise DomainError(
                "bad_row", _("Row %(n)s: choose a category, a place and a unit."), n=n
            )
        label = _row_label(category, place, unit, _("new row %(n)s") % {"n": n})
        key = (category.pk, place.pk)
        if key in seen:
            raise DomainError(
                "row_overlap",
                _("%(one)s overlaps %(other)s: one place and category has one unit."),
                field="place",
                one=label,
                other=seen[key],
            )
        existing = (
            RoutingRow.objects.select_related("unit")
            .filter(category=category, place=place, retired_in__isnull=True)
            .first()
        )
        if existing is not None:
            raise DomainError(
                "row_overlap",
                _("%(one)s overlaps %(other)s: one place and category has one unit."),
                field="place",
                one=label,
                other=_row_label(
                    category, place, existing.unit, _("row %(n)s") % {"n": existing.pk}
                ),
            )
        seen[key] = label
        checked.append((category, place, unit))
    version = _new_version(actor, clean_note)
    RoutingRow.objects.bulk_create(
        [RoutingRow(category=c, place=p, unit=u, added_in=version.number) for c, p, u in checked]
    )
    audit_record(
        actor=actor,
        verb="appeal.catalogue_add",
        target=version,
        changes={"rows": [None, len(checked)]},
        reason=clean_note,
        ip=ip,
    )
    return version


@transaction.atomic
def routing_row_retire(*, actor: User, row_id: int, ip: str | None = None) -> CatalogueVersion:
    """Retire one row of the catalogue (a new version); decisions made with it keep its number.

    Raises: PermissionDenied, NotFound.
    """
    _require_editor(actor)
    row = RoutingRow.objects.select_for_update().filter(pk=row_id, retired_in__isnull=True).first()
    if row is None:
        raise NotFound("row_not_found", _("No such row."))
    version = _new_version(actor, str(_("Retired row %(n)s") % {"n": row.pk}))
    row.retired_in = version.number
    row.save(update_fields=["retired_in"])
    audit_record(actor=actor, verb="appeal.catalogue_retire", target=version, ip=ip)
    return version


@transaction.atomic
def category_save(
    *, actor: User, category_id: int | None, data: dict[str, Any], ip: str | None = None
) -> Category:
    """Create or change a request category.

    Raises: PermissionDenied, DomainError ``duplicate`` / ``redirect_required``.
    """
    _require_editor(actor)
    category = (
        Category() if category_id is None else Category.objects.filter(pk=category_id).first()
    )
    if category is None:
        raise NotFound("category_not_found", _("No such category."))
    for field in (
        "code",
        "name",
        "name_en",
        "nature",
        "deadline_class",
        "out_of_scope",
        "redirect_text",
        "service_code",
        "position",
        "is_active",
        "followup",
    ):
        if field in data:
            setattr(category, field, data[field])
    if "name_en" in data:
        category.name_en = plain_text(
            data["name_en"], field="name_en", max_length=120, required=False
        )
    if data.get("followup_days") not in (None, ""):
        days = data["followup_days"]
        if not isinstance(days, int) or not 1 <= days <= FOLLOWUP_DAYS_MAX:
            raise DomainError(
                "bad_followup_days",
                _("Ask between 1 and %(n)s days after the rating."),
                field="followup_days",
                n=FOLLOWUP_DAYS_MAX,
            )
        category.followup_days = days
    if category.out_of_scope and not category.redirect_text:
        raise DomainError(
            "redirect_required",
            _("Say where residents should go instead."),
            field="redirect_text",
        )
    clash = Category.objects.filter(Q(code=category.code) | Q(name=category.name)).exclude(
        pk=category.pk
    )
    if clash.exists():
        raise DomainError("duplicate", _("Another category has this code or name."), field="name")
    category.save()
    audit_record(actor=actor, verb="appeal.category_save", target=category, ip=ip)
    return category


@transaction.atomic
def unit_save(
    *,
    actor: User,
    name: str,
    kind: str,
    department_id: int | None = None,
    division_code: str | None = None,
    ip: str | None = None,
) -> Unit:
    """Add a responsible unit: a department, or a district, street or community office.

    Raises: PermissionDenied, DomainError ``unit_place_required`` / ``duplicate``.
    """
    _require_editor(actor)
    clean = plain_text(name, field="name", max_length=100)
    if kind not in Unit.Kind.values:
        raise DomainError("bad_kind", _("Choose the kind of unit."), field="kind")
    if kind == Unit.Kind.DEPARTMENT and not department_id:
        raise DomainError("unit_place_required", _("Choose the department."), field="department")
    if kind != Unit.Kind.DEPARTMENT:
        division = Division.objects.filter(pk=division_code or "", level=kind).first()
        if division is None:
            raise DomainError(
                "unit_place_required",
                _("Choose the place of this level that the unit is."),
                field="division",
            )
    if Unit.objects.filter(name=clean).exists():
        raise DomainError("duplicate", _("A unit with this name exists."), field="name")
    unit = Unit.objects.create(
        name=clean,
        kind=kind,
        department_id=department_id if kind == Unit.Kind.DEPARTMENT else None,
        division_id=division_code if kind != Unit.Kind.DEPARTMENT else None,
    )
    audit_record(actor=actor, verb="appeal.unit_save", target=unit, ip=ip)
    return unit
