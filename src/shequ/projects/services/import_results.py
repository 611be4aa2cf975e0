"""What a workbook import reports: the rows written, and those refused with their column
and reason (the monthly import lives in ``reporting``, the plan import in ``planning``).
"""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError


class RowErrors(DomainError):
    """Several errors at once (an import's rows); ``errors`` lists them in order."""

    def __init__(self, errors: list["RowError"]) -> None:
        super().__init__(
            "import_rejected",
            _("Nothing was imported: %(n)s problems in the file."),
            n=len(errors),
        )
        self.errors = errors


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str
    code: str = "invalid"

    def __str__(self) -> str:
        return str(
            _("Row %(row)s, column %(column)s: %(message)s")
            % {"row": self.row, "column": self.column, "message": self.message}
        )


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)


def _row_error(columns: Any, row: int, key: str, error: DomainError) -> RowError:
    from shequ.projects.workbooks import column_label

    return RowError(row=row, column=column_label(columns, key), message=str(error), code=error.code)
