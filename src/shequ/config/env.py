"""Environment-driven configuration: one place that reads os.environ.

The embedded default (no environment at all) works on a laptop: SQLite under ``var/``, a
generated ``SECRET_KEY`` and generated PII keys. Production (``SHEQU_PRODUCTION=1``) refuses
to start unless every secret comes from the environment.
"""

import base64
import ipaddress
import json
import os
import secrets
from pathlib import Path

import environ

REPO_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("SHEQU_VAR_DIR", REPO_DIR / "var"))

env = environ.Env()
_dotenv = REPO_DIR / ".env"
if _dotenv.exists():
    environ.Env.read_env(str(_dotenv))


class ConfigurationError(RuntimeError):
    """A required setting is missing or unsafe."""


def is_production() -> bool:
    return env.bool("SHEQU_PRODUCTION", default=False)


def _generated_secret(name: str) -> str:
    """Read a secret from ``var/``; create it on first use (embedded default only)."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name
    if not path.exists():
        # Written with 0600 so other local users cannot read the keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(_new_secret_value(name))
    return path.read_text().strip()


def _new_secret_value(name: str) -> str:
    if name == "pii_keys.json":
        return json.dumps(
            {
                "encryption_keys": [base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()],
                "blind_index_key": secrets.token_hex(32),
            }
        )
    return secrets.token_urlsafe(50)


def secret_key() -> str:
    value = env.str("SECRET_KEY", default="")
    if value:
        return value
    if is_production():
        raise ConfigurationError("SECRET_KEY must be set in production.")
    return _generated_secret("secret_key")


def pii_keys() -> tuple[list[str], str]:
    """(Fernet keys, newest first; HMAC key for blind indexes). Independent of SECRET_KEY."""
    keys = env.list("PII_ENCRYPTION_KEYS", default=[])
    blind = env.str("PII_BLIND_INDEX_KEY", default="")
    if keys and blind:
        return keys, blind
    if is_production():
        raise ConfigurationError("PII_ENCRYPTION_KEYS and PII_BLIND_INDEX_KEY must be set.")
    stored = json.loads(_generated_secret("pii_keys.json"))
    return list(stored["encryption_keys"]), str(stored["blind_index_key"])


def trusted_proxies() -> list[str]:
    """``TRUSTED_PROXIES``: addresses or CIDR ranges of the reverse proxies in front of the app.

    Only a peer in this list may speak for the client in ``X-Forwarded-For``; the default is
    none, so a direct connection's forged header is ignored. Checked here, so a typo stops the
    start instead of silently trusting nobody (or everybody).
    """
    entries = [entry.strip() for entry in env.list("TRUSTED_PROXIES", default=[]) if entry.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as error:
            raise ConfigurationError(f"TRUSTED_PROXIES: {entry!r} is not an IP or CIDR") from error
    return entries
