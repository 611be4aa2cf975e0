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
