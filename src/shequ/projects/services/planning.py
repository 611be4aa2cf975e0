"""Three-year-plan targets (三年计划), set one cell at a time or imported from the template."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.services import audit_record
from shequ.people.models import User
from shequ.places.models import Division
from shequ.projects import permissions
from shequ.projects.models import PlanTarget, ProjectType
from shequ.projects.services._common import FIRST_YEAR, LAST_YEAR, _type_get, money
from shequ.projects.services.import_results import ImportResult, RowErrors, _row_error


def _plan_values(
    *, type_code: str, district_code: str, year: Any, count: Any, investment: Any
) -> tuple[ProjectType, Division, int, int, Decimal]:
    project_type = _type_get(type_code)
    district = Division.objects.filter(code=district_code, level=Division.Level.DISTRICT).first()
    if district is None:
        raise DomainError(
            "division_unknown",
            _("%(code)s is not a known district."),
            field="district",
            code=district_code,
        )
    try:
        year_int, count_int = int(year), int(count)
    except (TypeError, ValueError) as error:
        raise DomainError(
            "number_invalid", _("Year and count are whole numbers."), field="count"
        ) from error
    if not FIRST_YEAR <= year_int <= LAST_YEAR:
        raise DomainError(
            "year_invalid", _("The year must be between 2000 and 2100."), field="year"
        )
    if count_int < 0:
        raise DomainError("number_invalid", _("The count cannot be negative."), field="count")
    return project_type, district, year_int, count_int, money(investment, field_name="investment")


@transaction.atomic
def plan_target_set(
    *,
    actor: User,
    type_code: str,
    district_code: str,
    year: Any,
    count: Any,
    investment: Any,
    ip: str | None = None,
) -> PlanTarget:
    """Set one three-year-plan target (a second call for the same cell updates it).

    Raises: PermissionDenied outside the actor's district; DomainError ``type_unknown``,
    ``division_unknown``, ``year_invalid``, ``number_invalid``, ``money_invalid``.
    """
    project_type, district, year_int, count_int, amount = _plan_values(
        type_code=type_code,
        district_code=district_code,
        year=year,
        count=count,
        investment=investment,
    )
    if not permissions.can_set_plan(actor, district.code):
        raise PermissionDenied(
            "forbidden", _("You may not set the plan of %(place)s."), place=district.name
        )
    target, created = PlanTarget.objects.update_or_create(
        project_type=project_type,
        district=district,
        year=year_int,
        defaults={"count": count_int, "investment": amount},
    )
    audit_record(
        actor=actor,
        verb="plan_target.create" if created else "plan_target.update",
        target=target,
        division_code=district.code,
        changes={"count": [None, count_int], "investment": [None, str(amount)]},
        ip=ip,
    )
    return target


@transaction.atomic
def plan_import(
    *, actor: User, data: bytes, valid_rows_only: bool = False, ip: str | None = None
) -> ImportResult:
    """Import three-year-plan targets from the plan template (same rules as the monthly import).

    Raises: DomainError ``file_invalid`` / ``headers_invalid``; RowErrors.
    """
    from shequ.projects.workbooks import PLAN_COLUMNS, sheet_rows, text_cell

    rows = list(sheet_rows(data, PLAN_COLUMNS))
    if not rows:
        raise DomainError("file_empty", _("The file has no rows to import."), field="file")
    types = {t.code: t for t in ProjectType.objects.filter(is_active=True)}
    types.update({t.name: t for t in types.values()})
    result = ImportResult()
    clean: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        before = len(result.errors)
        type_text = text_cell(row.values["type"])
        project_type = types.get(type_text)
        if project_type is None:
            result.errors.append(
                _row_error(
                    PLAN_COLUMNS,
                    row.number,
                    "type",
                    DomainError(
                        "type_unknown", _("%(code)s is not a known project type."), code=type_text
                    ),
                )
            )
        district_code = text_cell(row.values["district"])
        if not Division.objects.filter(code=district_code, level=Division.Level.DISTRICT).exists():
            result.errors.append(
                _row_error(
                    PLAN_COLUMNS,
                    row.number,
                    "district",
                    DomainError(
                        "division_unknown",
                        _("%(code)s is not a known district."),
                        code=district_code,
                    ),
                )
            )
        elif not permissions.can_set_plan(actor, district_code):
            result.errors.append(
                _row_error(
                    PLAN_COLUMNS,
                    row.number,
                    "district",
                    DomainError(
                        "forbidden",
                        _("You may not set the plan of %(place)s."),
                        place=district_code,
                    ),
                )
            )
        values: dict[str, Any] = {}
        for key in ("year", "count"):
            raw = row.values[key]
            digits = digits_or_none(raw)
            if isinstance(raw, bool) or not (
                isinstance(raw, int)
                or (isinstance(raw, float) and raw.is_integer())
                or digits is not None
            ):
                result.errors.append(
                    _row_error(
                        PLAN_COLUMNS,
                        row.number,
                        key,
                        DomainError("number_invalid", _("Enter a whole number.")),
                    )
                )
            else:
                values[key] = int(digits if digits is not None else raw)
        if "year" in values and not FIRST_YEAR <= values["year"] <= LAST_YEAR:
            result.errors.append(
                _row_error(
                    PLAN_COLUMNS,
                    row.number,
                    "year",
                    DomainError("year_invalid", _("The year must be between 2000 and 2100.")),
                )
            )
        try:
            values["investment"] = money(row.values["investment"], field_name="investment")
        except DomainError as error:
            result.errors.append(_row_error(PLAN_COLUMNS, row.number, "investment", error))
        key3 = (type_text, district_code, str(values.get("year")))
        if key3 in seen:
            result.errors.append(
                _row_error(
                    PLAN_COLUMNS,
                    row.number,
                    "type",
                    DomainError(
                        "duplicate_row", _("This type, district and year appear twice in the file.")
                    ),
                )
            )
        seen.add(key3)
        if len(result.errors) == before and project_type is not None:
            clean.append({"type": project_type, "district": district_code, **values})
    if result.errors and not valid_rows_only:
        raise RowErrors(result.errors)
    for item in clean:
        _target, created = PlanTarget.objects.update_or_create(
            project_type=item["type"],
            district_id=item["district"],
            year=item["year"],
            defaults={"count": item["count"], "investment": item["investment"]},
        )
        result.created += int(created)
        result.updated += int(not created)
    result.skipped = len(rows) - len(clean)
    audit_record(
        actor=actor,
        verb="plan_target.import",
        changes={"created": [None, result.created], "updated": [None, result.updated]},
        ip=ip,
    )
    return result
