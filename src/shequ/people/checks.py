"""System checks: production must not run with demo accounts or test doubles."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def no_test_doubles_in_production(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    if "tests." in getattr(settings, "SHEQU_IDENTITY_VERIFIER", ""):
        problems.append(checks.Error("IDENTITY_VERIFIER names a test double.", id="shequ.E001"))
    return problems


@checks.register()
def required_levels_are_sound(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """SHEQU_REQUIRED_LEVELS names known actions and levels of at least ID_CHECKED."""
    from shequ.people.levels import configuration_problems

    return [
        checks.Error(f"SHEQU_REQUIRED_LEVELS: {problem}", id="shequ.E002")
        for problem in configuration_problems()
    ]
