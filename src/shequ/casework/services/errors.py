"""Errors raised by more than one casework service module."""

from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError


class InvalidApplication(DomainError):
    """Several field errors at once (``errors``), shown under each field."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__("invalid_application", _("Please correct the marked fields."))
        self.errors = errors
