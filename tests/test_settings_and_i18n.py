"""Deployment settings and the translation catalogue."""

import os
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import LazySettings

from shequ.config.env import ConfigurationError
from shequ.people.models import User
from shequ.people.selectors import refuse_demo_accounts_in_production

REPO = Path(__file__).resolve().parents[1]
CATALOGUE = REPO / "src/shequ/locale/zh_Hans/LC_MESSAGES/django.po"


def test_zh_hans_catalogue_has_no_empty_or_fuzzy_entry() -> None:
    catalogue = polib.pofile(str(CATALOGUE))
    assert len(catalogue) > 150
    empty = [e.msgid for e in catalogue if not e.translated()]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    assert empty == []
    assert fuzzy == []


def _manage(*args: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    test_only = ("PII_", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "SMS_BACKEND", "TASKS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(test_only)}
    env.update(extra_env)
    env["DJANGO_SETTINGS_MODULE"] = "shequ.config.settings"
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION_ENV = {
    "SHEQU_PRODUCTION": "1",
    "SECRET_KEY": "x" * 20 + "production-grade-secret-key-with-enough-entropy-1234567890",
    "PII_ENCRYPTION_KEYS": "dGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY=",
    "PII_BLIND_INDEX_KEY": "production-blind-index-key",
    "ALLOWED_HOSTS": "shequ.example.cn",
}


def test_production_mode_passes_the_deploy_check(tmp_path: Path) -> None:
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", extra_env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_mode_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    env = {"SHEQU_PRODUCTION": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = _manage("check", extra_env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


@pytest.mark.django_db
def test_production_refuses_demo_accounts(settings: LazySettings) -> None:
    User.objects.create(username="resident", is_demo=True)
    settings.PRODUCTION = False
    refuse_demo_accounts_in_production()  # a laptop may have them
    settings.PRODUCTION = True
    with pytest.raises(ConfigurationError, match="Demo accounts are present"):
        refuse_demo_accounts_in_production()
