"""Which verification level each resident action needs, and how a resident reaches it.

The deployment sets a level per action (``SHEQU_REQUIRED_LEVELS``, from the environment);
a budgeting round or a council may set its own, which then wins. A self-declared ID number
(``ID_CHECKED``) is the lowest level any of these actions may be set to.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, PermissionDenied
from shequ.people.models import VerificationLevel


class Action(models.TextChoices):
    """Resident actions whose weight depends on being a real, distinct person."""

    SUPPORT = "support", _("Support a proposal")
    VOTE = "vote", _("Vote in a budgeting round")
    OBJECT = "object", _("Object to a council decision")


# The levels an action may be set to: a bare account is never enough.
ALLOWED_LEVELS = [level for level in VerificationLevel if level >= VerificationLevel.ID_CHECKED]
DEFAULT_LEVEL = VerificationLevel.REGISTRY_MATCHED


def level_choices() -> list[tuple[int, "str | Promise"]]:
    """Choices for a per-round / per-council override field (empty: the deployment's)."""
    return [(int(level), level.label) for level in ALLOWED_LEVELS]


def parse_level(value: object) -> VerificationLevel:
    """A configured level, by name (``registry_matched``) or number.

    Raises: ValueError for anything that is not an allowed level.
    """
    if isinstance(value, VerificationLevel):
        level = value
    elif isinstance(value, int) and not isinstance(value, bool):
        level = VerificationLevel(value)
    elif isinstance(value, str) and value.strip().isdigit():
        level = VerificationLevel(int(value.strip()))
    elif isinstance(value, str) and value.strip().upper() in VerificationLevel.names:
        level = VerificationLevel[value.strip().upper()]
    else:
        raise ValueError(f"not a verification level: {value!r}")
    if level not in ALLOWED_LEVELS:
        raise ValueError(f"{level.name} is too low for a resident action")
    return level


def configuration_problems() -> list[str]:
    """What is wrong with ``SHEQU_REQUIRED_LEVELS`` (empty when it is sound)."""
    configured = getattr(settings, "SHEQU_REQUIRED_LEVELS", {})
    if not isinstance(configured, dict):
        return ["SHEQU_REQUIRED_LEVELS must map actions to levels."]
    problems = [f"unknown action {key!r}" for key in configured if key not in Action.values]
    for key, value in configured.items():
        try:
            parse_level(value)
        except ValueError as error:
            problems.append(f"{key}: {error}")
    return problems


def deployment_level(action: Action) -> VerificationLevel:
    """The deployment's level for ``action``. Raises: ImproperlyConfigured on a bad value."""
    configured = getattr(settings, "SHEQU_REQUIRED_LEVELS", {}).get(str(action), DEFAULT_LEVEL)
    try:
        return parse_level(configured)
    except ValueError as error:
        raise ImproperlyConfigured(f"SHEQU_REQUIRED_LEVELS[{action!r}]: {error}") from error


def required_level(action: Action, override: int | None = None) -> VerificationLevel:
    """The level ``action`` needs: the round's or council's override, else the deployment's."""
    if override is not None:
        return VerificationLevel(override)
    return deployment_level(action)


def clean_override(value: object, *, field: str) -> int | None:
    """An override typed in the console or sent to the API; empty means the deployment's.

    Raises: DomainError ``invalid_level``.
    """
    if value in (None, ""):
        return None
    try:
        return int(parse_level(value))
    except ValueError:
        raise DomainError(
            "invalid_level",
            _("Choose a verification level of at least “ID checked”."),
            field=field,
        ) from None


def how_to_reach(current: int, required: int) -> str:
    """What the resident can do to go from ``current`` to ``required`` (translated)."""
    if current >= required:
        return ""
    if current < VerificationLevel.ID_CHECKED:
        return str(_("Complete the real-name check on your profile page first."))
    if required == VerificationLevel.REGISTRY_MATCHED:
        return str(
            _(
                "Your community registry has no record matching your name and ID number. "
                "Visit your community service centre with your ID card for in-person "
                "verification."
            )
        )
    if required == VerificationLevel.IN_PERSON:
        return str(
            _("Visit your community service centre with your ID card for in-person verification.")
        )
    return str(
        _(
            "Verify with the public security authority from your profile page, or ask your "
            "community service centre."
        )
    )


@dataclass(frozen=True)
class ActionLevel:
    """One row of the resident's "what can I do" list."""

    action: Action
    required: VerificationLevel
    allowed: bool
    how: str


def actions_for(current: int) -> list[ActionLevel]:
    """Each action with the deployment's level and whether ``current`` reaches it."""
    rows = []
    for action in Action:
        required = deployment_level(action)
        rows.append(
            ActionLevel(
                action=action,
                required=required,
                allowed=current >= required,
                how=how_to_reach(current, required),
            )
        )
    return rows


def require_level(action: Action, current: int, override: int | None = None) -> None:
    """Raises: PermissionDenied ``level_required`` naming the level and how to reach it."""
    required = required_level(action, override)
    if current >= required:
        return
    raise PermissionDenied(
        "level_required",
        _("%(action)s needs the level “%(required)s”; your account is at “%(current)s”. %(how)s"),
        action=str(action.label),
        required=str(required.label),
        current=str(VerificationLevel(current).label),
        how=how_to_reach(current, required),
    )
