"""External identity verification (权威核验), behind a pluggable interface.

A deployment names its gateway class in ``IDENTITY_VERIFIER``. There is deliberately no
production implementation that always says yes: with none configured, level-3 verification
is unavailable and the UI says so.
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class VerifierResult:
    matched: bool
    reference: str = ""  # the authority's transaction id, kept in the audit trail
    message: str = ""


class IdentityVerifier(Protocol):
    def verify(self, *, real_name: str, id_number: str) -> VerifierResult:
        """Ask the authority whether the name and ID number belong together."""
        ...


def configured_verifier() -> IdentityVerifier | None:
    path = getattr(settings, "SHEQU_IDENTITY_VERIFIER", "")
    if not path:
        return None
    verifier: IdentityVerifier = import_string(path)()
    return verifier
