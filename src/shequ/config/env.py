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
from typing import Any
from urllib.parse import urlsplit

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
        # Written whole under a private name (0600: other local users cannot read the keys),
        # then linked into place: when several processes start at once (app servers, workers,
        # the scheduler), the first link wins and the others read the winner's complete file.
        draft = path.with_name(f".{name}.{os.getpid()}.tmp")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(_new_secret_value(name))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
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


def allowed_networks(name: str, *, default: list[str]) -> list[str]:
    """A comma-separated list of IP addresses or CIDR ranges, checked at start-up so that a
    typo stops the start instead of letting nobody (or everybody) in."""
    entries = [entry.strip() for entry in env.list(name, default=default) if entry.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as error:
            raise ConfigurationError(f"{name}: {entry!r} is not an IP or CIDR") from error
    return entries


def trusted_proxies() -> list[str]:
    """``TRUSTED_PROXIES``: addresses or CIDR ranges of the reverse proxies in front of the app.

    Only a peer in this list may speak for the client in ``X-Forwarded-For``; the default is
    none, so a direct connection's forged header is ignored. Checked here, so a typo stops the
    start instead of silently trusting nobody (or everybody).
    """
    return allowed_networks("TRUSTED_PROXIES", default=[])


def database() -> dict[str, Any]:
    """``DATABASES["default"]``: ``DATABASE_URL`` (default SQLite under ``var/``), bounded."""
    default = f"sqlite:///{VAR_DIR / 'shequ.sqlite3'}"
    config: dict[str, Any] = env.db("DATABASE_URL", default=default)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of failing
            # with "database is locked" halfway through a transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
        }
        return config
    return bounded_connections(config)


def bounded_connections(config: dict[str, Any]) -> dict[str, Any]:
    """A server database's settings with at most ``DB_POOL_MAX_SIZE`` connections per process.

    Persistent connections (``CONN_MAX_AGE > 0``) belong to a thread, and the threaded dev
    server starts a thread per request: each left a connection open until it aged out, and 30
    clients used up PostgreSQL's 100. So on PostgreSQL each process draws from a psycopg pool
    (Django 5.1+) whose size is the bound: requests beyond it wait up to ``DB_POOL_TIMEOUT``
    seconds instead of opening more. ``DB_POOL_MAX_SIZE=0`` turns the pool off; then
    ``CONN_MAX_AGE`` (default 0: closed after each request) applies.
    """
    options = dict(config.get("OPTIONS") or {})
    # A ``?conn_max_age=`` in the URL wins over the variable, as django-environ intends.
    conn_max_age = int(config.get("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0)))
    max_size = env.int("DB_POOL_MAX_SIZE", default=10)
    if config["ENGINE"] == "django.db.backends.postgresql" and max_size > 0:
        if conn_max_age:
            raise ConfigurationError(
                "CONN_MAX_AGE must be 0 with the connection pool; set DB_POOL_MAX_SIZE=0 to"
                " use persistent connections instead."
            )
        min_size = env.int("DB_POOL_MIN_SIZE", default=1)
        if not 0 <= min_size <= max_size:
            raise ConfigurationError("DB_POOL_MIN_SIZE must be between 0 and DB_POOL_MAX_SIZE.")
        options["pool"] = {
            "min_size": min_size,
            "max_size": max_size,
            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        }
    elif max_size < 0:
        raise ConfigurationError("DB_POOL_MAX_SIZE must be 0 (no pool) or more.")
    if config["ENGINE"] == "django.db.backends.postgresql" and "options" not in options:
        # PostgreSQL's JIT compiles a query that reads some hundred thousand rows (the
        # month's statistics over millions of requests) for longer than it then runs: 1.2 s of
        # a 4.7 s read. Nothing here gains from it.
        options["options"] = "-c jit=off"
    return {**config, "OPTIONS": options, "CONN_MAX_AGE": conn_max_age, "CONN_HEALTH_CHECKS": True}


def map_tile_sources(tile_url: str) -> list[str]:
    """The origin a map tile URL template loads images from, for the CSP's ``img-src``.

    A relative template is the site's own (already ``'self'``); Leaflet's ``{s}`` subdomain
    placeholder becomes a wildcard, since the browser fills it in.
    """
    parts = urlsplit(tile_url.replace("{s}.", "*."))
    if not parts.scheme or not parts.netloc:
        return []
    return [f"{parts.scheme}://{parts.netloc}"]
