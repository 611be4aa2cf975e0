"""Backups: the database and the file roots in one set, the keys in another.

A backup set is a folder ``shequ-backup-<UTC time>/`` holding the database (``database.dump``
from ``pg_dump -Fc`` on PostgreSQL, ``database.sqlite3`` from SQLite's online backup API, both
consistent while the site runs), ``files.tar.gz`` (every file root: public media and private
uploads) and ``manifest.json`` (time, vendor, applied migrations per app, each file's sha256,
and a key check). The keys go to a separate ``shequ-keys-<UTC time>/`` folder: kept together,
one stolen medium would give away the sealed ID numbers; kept apart, neither is any use alone.

Restoring checks everything it can before it writes anything: the sha256s (a damaged archive is
refused), the keys (the manifest's check token must decrypt with them, so a wrong key set is
caught before residents' numbers become unreadable), and that the target database is empty.
"""

import hashlib
import hmac
import json
import os
import sqlite3
import subprocess
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from shequ.config.env import VAR_DIR
from shequ.core.pii import encrypt
from shequ.core.services import audit_record

MANIFEST = "manifest.json"
FILES_ARCHIVE = "files.tar.gz"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
KEYS_FILE = "pii_keys.json"
SECRET_FILE = "secret_key"  # noqa: S105 - a file name
KEYS_ENV_FILE = "keys.env"
# Encrypted with the PII keys at backup time: restore decrypts it to prove the keys fit.
KEY_CHECK_PLAINTEXT = "shequ-backup-key-check"
# Tables that ``migrate`` itself fills (Django's bookkeeping, reference data from data
# migrations, SQLite's own): a freshly migrated database still counts as empty. A new data
# migration that seeds a table belongs here, or restoring into a migrated database is refused.
SCHEMA_TABLES = frozenset(
    {
        "django_migrations",
        "django_content_type",
        "auth_permission",
        "sqlite_sequence",
        "catalogue_search_fts_config",
        "catalogue_search_fts_data",
        "casework_holiday",
        "casework_holidayyear",
        "projects_action",
        "projects_projecttype",
    }
)


class BackupError(RuntimeError):
    """The backup or restore cannot go on; nothing has been written."""


@dataclass(frozen=True)
class KeySet:
    encryption_keys: list[str]
    blind_index_key: str
    secret_key: str


def file_roots() -> dict[str, Path]:
    """Every local folder of uploaded files, by a stable name used inside the archive (files
    in an object store are backed up by the store's own versioning and replication)."""
    return {
        "media": Path(settings.MEDIA_ROOT),
        "private": Path(settings.PRIVATE_MEDIA_ROOT),
    }


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env(config: Mapping[str, Any]) -> dict[str, str]:
    """libpq's environment for ``config``: the password never appears on a command line,
    where every local user could read it in the process list."""
    variables = {
        "PGHOST": config.get("HOST") or "",
        "PGPORT": str(config.get("PORT") or ""),
        "PGUSER": config.get("USER") or "",
        "PGPASSWORD": config.get("PASSWORD") or "",
        "PGDATABASE": config["NAME"],
    }
    return {**os.environ, **{key: value for key, value in variables.items() if value}}


def _run(command: list[str], config: Mapping[str, Any]) -> None:
    result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
        command, env=_pg_env(config), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _migration_state() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def _dump_database(folder: Path) -> Path:
    config = connection.settings_dict
    if connection.vendor == "postgresql":
        target = folder / PG_FILE
        _run(["pg_dump", "-Fc", "--no-owner", "-f", str(target)], config)
        return target
    if connection.vendor == "sqlite":
        target = folder / SQLITE_FILE
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            # The online backup API copies a consistent snapshot while others keep writing.
            connection.connection.backup(destination)
        finally:
            destination.close()
        return target
    raise BackupError(f"backups support PostgreSQL and SQLite, not {connection.vendor}")


def _archive_files(folder: Path, roots: Mapping[str, Path]) -> Path:
    target = folder / FILES_ARCHIVE
    with tarfile.open(target, "w:gz") as archive:
        for name, root in roots.items():
            if root.is_dir():
                archive.add(root, arcname=name)
    return target


def backup_create(destination: Path) -> Path:
    """A new backup set under ``destination``; returns its folder."""
    folder = Path(destination) / f"shequ-backup-{_stamp()}"
    folder.mkdir(parents=True, exist_ok=False)
    written = [_dump_database(folder), _archive_files(folder, file_roots())]
    manifest = {
        "created": datetime.now(UTC).isoformat(),
        "vendor": connection.vendor,
        "migrations": _migration_state(),
        "files": {path.name: _sha256(path) for path in written},
        "key_check": encrypt(KEY_CHECK_PLAINTEXT),
        "blind_index_check": _blind_check(settings.PII_BLIND_INDEX_KEY),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    audit_record(actor=None, verb="backup.create", changes={"folder": folder.name})
    return folder


def _blind_check(key: str) -> str:
    return hmac.new(key.encode(), KEY_CHECK_PLAINTEXT.encode(), hashlib.sha256).hexdigest()


def _write_secret(path: Path, text: str) -> None:
    # 0600 from the start: the keys are never readable by other local users, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def keys_export(destination: Path) -> Path:
    """The keys in effect, in their own folder: the files ``var/`` reads on the embedded
    default, and the same values as environment lines for production."""
    folder = Path(destination) / f"shequ-keys-{_stamp()}"
    folder.mkdir(parents=True, exist_ok=False)
    os.chmod(folder, 0o700)
    keys = KeySet(
        encryption_keys=list(settings.PII_ENCRYPTION_KEYS),
        blind_index_key=settings.PII_BLIND_INDEX_KEY,
        secret_key=settings.SECRET_KEY,
    )
    _write_secret(
        folder / KEYS_FILE,
        json.dumps(
            {"encryption_keys": keys.encryption_keys, "blind_index_key": keys.blind_index_key}
        ),
    )
    _write_secret(folder / SECRET_FILE, keys.secret_key)
    _write_secret(
        folder / KEYS_ENV_FILE,
        f"PII_ENCRYPTION_KEYS={','.join(keys.encryption_keys)}\n"
        f"PII_BLIND_INDEX_KEY={keys.blind_index_key}\n"
        f"SECRET_KEY={keys.secret_key}\n",
    )
    audit_record(actor=None, verb="backup.keys_export", changes={"folder": folder.name})
    return folder


def keys_read(folder: Path) -> KeySet:
    try:
        stored = json.loads((Path(folder) / KEYS_FILE).read_text())
        return KeySet(
            encryption_keys=[str(key) for key in stored["encryption_keys"]],
            blind_index_key=str(stored["blind_index_key"]),
            secret_key=(Path(folder) / SECRET_FILE).read_text().strip(),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{folder} is not a key set written by `backup --keys-to`") from error


def manifest_verify(folder: Path) -> dict[str, Any]:
    """The manifest, once every file it lists is present with the recorded sha256."""
    folder = Path(folder)
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
        files: dict[str, str] = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{folder} has no readable {MANIFEST}: not a backup set") from error
    for name, expected in files.items():
        path = folder / Path(name).name
        if not path.is_file():
            raise BackupError(f"{name} is missing from the backup set")
        if _sha256(path) != expected:
            raise BackupError(f"{name} does not match its sha256 in the manifest: damaged")
    return manifest


def _keys_fit(manifest: Mapping[str, Any], keys: KeySet) -> None:
    try:
        cipher = MultiFernet([Fernet(key.encode()) for key in keys.encryption_keys])
        opened = cipher.decrypt(str(manifest["key_check"]).encode()).decode()
    except (InvalidToken, ValueError, KeyError, TypeError) as error:
        raise BackupError(
            "the keys do not open this backup's personal data: wrong key set"
        ) from error
    blind = manifest.get("blind_index_check")
    if opened != KEY_CHECK_PLAINTEXT or (blind and blind != _blind_check(keys.blind_index_key)):
        raise BackupError("the keys do not match this backup's blind indexes: wrong key set")


def _configured_keys() -> KeySet:
    return KeySet(
        encryption_keys=list(settings.PII_ENCRYPTION_KEYS),
        blind_index_key=settings.PII_BLIND_INDEX_KEY,
        secret_key=settings.SECRET_KEY,
    )


def _rows_in_configured() -> list[str]:
    """Tables of the configured database that hold rows (bookkeeping tables aside)."""
    with connection.cursor() as cursor:
        full = []
        for table in connection.introspection.table_names(cursor):
            if table in SCHEMA_TABLES:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone():
                full.append(table)
        return full


def _rows_in(database: Mapping[str, Any], vendor: str) -> list[str]:
    """Tables of ``database`` that hold rows (Django's own bookkeeping tables aside)."""
    if vendor == "sqlite":
        if not Path(database["NAME"]).exists():
            return []
        with sqlite3.connect(database["NAME"]) as db:
            tables = [
                row[0]
                for row in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%'"
                )
            ]
            return [
                table
                for table in tables
                if table not in SCHEMA_TABLES
                and db.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()  # noqa: S608
            ]
    with psycopg.connect(**_pg_kwargs(database)) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        ]
        return [
            table
            for table in tables
            if table not in SCHEMA_TABLES
            and db.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()  # noqa: S608
        ]


def _pg_kwargs(database: Mapping[str, Any]) -> dict[str, Any]:
    values = {
        "dbname": database["NAME"],
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
    }
    return {key: value for key, value in values.items() if value}


def _restore_database(
    folder: Path, database: Mapping[str, Any], vendor: str, *, configured: bool
) -> None:
    if vendor == "postgresql":
        # One transaction: a failure half-way leaves the target as it was.
        _run(
            ["pg_restore", "--no-owner", "--clean", "--if-exists", "--single-transaction",
             "--exit-on-error", "-d", database["NAME"], str(folder / PG_FILE)],
            database,
        )  # fmt: skip
        return
    source = sqlite3.connect(folder / SQLITE_FILE)
    try:
        if configured:
            # Through Django's own connection: its NAME may be a URI (an in-memory database).
            connection.ensure_connection()
            source.backup(connection.connection)
        else:
            target = sqlite3.connect(database["NAME"])
            try:
                source.backup(target)
            finally:
                target.close()
    finally:
        source.close()


def _restore_files(folder: Path, roots: Mapping[str, Path]) -> None:
    with tarfile.open(folder / FILES_ARCHIVE, "r:gz") as archive:
        members = archive.getmembers()
        for member in members:
            root_name = member.name.split("/", 1)[0]
            if root_name not in roots:
                raise BackupError(f"the archive holds {member.name}, outside every file root")
        for name, root in roots.items():
            root.mkdir(parents=True, exist_ok=True)
            chosen = [m for m in members if m.name == name or m.name.startswith(f"{name}/")]
            for member in chosen:
                member.name = member.name[len(name) :].lstrip("/") or "."
            # The "data" filter refuses absolute paths, links out of the root and devices.
            archive.extractall(root, members=chosen, filter="data")


def _install_keys(keys: KeySet, var_dir: Path) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    _write_secret(
        var_dir / KEYS_FILE,
        json.dumps(
            {"encryption_keys": keys.encryption_keys, "blind_index_key": keys.blind_index_key}
        ),
    )
    _write_secret(var_dir / SECRET_FILE, keys.secret_key)


def restore(
    source: Path,
    *,
    keys_from: Path | None = None,
    force: bool = False,
    database: Mapping[str, Any] | None = None,
    roots: Mapping[str, Path] | None = None,
    var_dir: Path | None = None,
) -> dict[str, Any]:
    """Restore the backup set ``source`` (database, files; keys when ``keys_from`` is given)
    into the configured database and file roots, or the ones given. Returns the manifest."""
    folder = Path(source)
    manifest = manifest_verify(folder)
    keys = keys_read(keys_from) if keys_from else _configured_keys()
    _keys_fit(manifest, keys)
    target = dict(database or connection.settings_dict)
    vendor = manifest.get("vendor")
    target_vendor = "postgresql" if "postgresql" in str(target.get("ENGINE", "")) else "sqlite"
    if vendor != target_vendor:
        raise BackupError(f"this backup is from {vendor}; the target database is {target_vendor}")
    if not force:
        full = _rows_in_configured() if database is None else _rows_in(target, target_vendor)
        if full:
            raise BackupError(
                "the target database is not empty (rows in "
                f"{', '.join(sorted(full)[:5])}{'…' if len(full) > 5 else ''});"
                " restore into an empty database, or pass --force to overwrite it"
            )
    if database is None and target_vendor == "postgresql":
        # pg_restore drops and recreates tables: our own idle connection must not hold them.
        connection.close()
    _restore_database(folder, target, target_vendor, configured=database is None)
    _restore_files(folder, roots or file_roots())
    if keys_from:
        _install_keys(keys, Path(var_dir or VAR_DIR))
    if database is None:
        # Into the restored database: its own trail shows when it came back, and from what.
        audit_record(
            actor=None,
            verb="backup.restore",
            changes={"folder": folder.name, "created": manifest.get("created", "")},
        )
    return manifest
