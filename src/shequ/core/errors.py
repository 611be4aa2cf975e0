"""Domain errors with stable machine codes and messages in the user's language.

Services raise these; views show them as form errors, the API as RFC 7807 problems.
"""

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """Bad input or a refused action. ``code`` is stable; ``message`` is translated."""

    status = 400

    def __init__(
        self, code: str, message: "str | Promise", /, *, field: str | None = None, **params: Any
    ) -> None:
        self.code = code
        self.message = message
        self.field = field
        self.params = params
        super().__init__(code)

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class NotFound(DomainError):
    """Missing, or outside the caller's area: the two look the same on purpose."""

    status = 404


class PermissionDenied(DomainError):
    status = 403


class RateLimited(DomainError):
    status = 429


class StorageUnavailable(DomainError):
    """The file store did not take or give a file (object store down, disk full): retry later."""

    status = 503
