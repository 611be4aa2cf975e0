"""Authentication context classes (``acr``): one per verification level, and what a relying
party asks for with ``acr_values`` or an essential ``acr`` claim."""

from dataclasses import dataclass
from typing import Any

from shequ.people.models import VerificationLevel

# The ``acr`` (authentication context class) value for each verification level. The
# numbers in the URNs are the published assurance scale relying parties compare (0–3);
# a registry match is a stronger kind of step 1, not yet the in-person step 2.
ACR_BY_LEVEL = {
    VerificationLevel.REGISTERED: "urn:shequ:loa:0:registered",
    VerificationLevel.ID_CHECKED: "urn:shequ:loa:1:id-checked",
    VerificationLevel.REGISTRY_MATCHED: "urn:shequ:loa:1:registry-matched",
    VerificationLevel.IN_PERSON: "urn:shequ:loa:2:in-person",
    VerificationLevel.AUTHORITY: "urn:shequ:loa:3:authority",
}
LEVEL_BY_ACR = {acr: level for level, acr in ACR_BY_LEVEL.items()}


@dataclass(frozen=True)
class AcrRequest:
    """The verification level a relying party asked for in one authorization request."""

    # The lowest level that satisfies every request made (None: nothing asked).
    level: VerificationLevel | None = None
    # An essential acr claim named only values shequ does not issue: it cannot be met.
    unmeetable: bool = False


def _lowest(values: list[str]) -> VerificationLevel | None:
    # Values are alternatives: the lowest known one is enough.
    levels = [LEVEL_BY_ACR[value] for value in values if value in LEVEL_BY_ACR]
    return min(levels) if levels else None


def _essential_acr_values(claims: Any) -> list[list[str]]:
    """The value lists of each essential ``acr`` claim request (OIDC Core §5.5.1.1)."""
    found: list[list[str]] = []
    if not isinstance(claims, dict):
        return found
    for member in ("id_token", "userinfo"):
        requested = claims.get(member)
        spec = requested.get("acr") if isinstance(requested, dict) else None
        if not isinstance(spec, dict) or spec.get("essential") is not True:
            continue
        if isinstance(spec.get("values"), list):
            found.append([str(value) for value in spec["values"]])
        elif "value" in spec:
            found.append([str(spec["value"])])
    return found


def acr_request(acr_values: str, claims: Any) -> AcrRequest:
    """What ``acr_values`` and the ``claims`` parameter ask for, as one level.

    ``acr_values`` naming no value shequ knows asks for nothing (it is voluntary); an
    essential ``acr`` claim naming none cannot be met.
    """
    asked = [_lowest(acr_values.split())]
    unmeetable = False
    for values in _essential_acr_values(claims):
        lowest = _lowest(values)
        unmeetable = unmeetable or (bool(values) and lowest is None)
        asked.append(lowest)
    levels = [level for level in asked if level is not None]
    return AcrRequest(level=max(levels) if levels else None, unmeetable=unmeetable)
