"""Backups: a set restores into an empty database with the same records and file bytes; a
damaged set, wrong keys and a database with rows are refused before anything is written."""

import json
import sqlite3
import uuid
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.conf import LazySettings
from django.core.management import CommandError, call_command
from django.db import connection

from shequ.core.backups import (
    FILES_ARCHIVE,
    KEYS_FILE,
    BackupError,
    restore,
)
from shequ.core.pii import decrypt
from shequ.people.models import Resident
from tests.factories import NIJIAQIAO, make_resident, valid_id_number

PHOTO = b"\xff\xd8\xff\xe0 a photo of the notice board \x00\x01\x02"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Settings of a new, empty database of the suite's vendor (dropped afterwards)."""
    config = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        yield {**config, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    name = f"shequ_restore_{uuid.uuid4().hex[:12]}"
    admin = {
        key: value
        for key, value in {
            "dbname": "postgres",
            "host": config.get("HOST") or None,
            "port": config.get("PORT") or None,
            "user": config.get("USER") or None,
            "password": config.get("PASSWORD") or None,
        }.items()
        if value
    }
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    yield {**config, "NAME": name}
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _query(database: dict[str, Any], sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    if connection.vendor == "sqlite":
        with sqlite3.connect(database["NAME"]) as db:
            return list(db.execute(sql.replace("%s", "?"), params))
    kwargs = {"dbname": database["NAME"], "host": database.get("HOST") or None}
    kwargs |= {"port": database.get("PORT") or None, "user": database.get("USER") or None}
    kwargs |= {"password": database.get("PASSWORD") or None}
    with psycopg.connect(**{k: v for k, v in kwargs.items() if v}) as db:
        return list(db.execute(sql, params))


def _tables(database: dict[str, Any]) -> int:
    if connection.vendor == "sqlite":
        if not Path(database["NAME"]).exists():
            return 0
        sql = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"
    return int(_query(database, sql, [])[0][0])


@pytest.fixture
def backed_up(
    chengdu: None, settings: LazySettings, tmp_path: Path
) -> tuple[Path, Path, Resident, str]:
    """Residents with sealed numbers and an uploaded photo, backed up; keys exported apart."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    (tmp_path / "media" / "notices").mkdir(parents=True)
    (tmp_path / "media" / "notices" / "board.jpg").write_bytes(PHOTO)
    id_number = valid_id_number()
    resident = make_resident(NIJIAQIAO, name="李四", id_number=id_number)
    make_resident(NIJIAQIAO, name="王五")
    out = StringIO()
    call_command(
        "backup", "--to", str(tmp_path / "backups"), "--keys-to", str(tmp_path / "keys"), stdout=out
    )
    (folder,) = (tmp_path / "backups").iterdir()
    (keys,) = (tmp_path / "keys").iterdir()
    return folder, keys, resident, id_number


def _restore_roots(tmp_path: Path) -> dict[str, Path]:
    return {"media": tmp_path / "media2", "private": tmp_path / "private2"}


def test_a_backup_restores_into_an_empty_database_with_the_same_records_and_files(
    backed_up: tuple[Path, Path, Resident, str], empty_database: dict[str, Any], tmp_path: Path
) -> None:
    folder, keys, resident, id_number = backed_up
    residents = Resident.objects.count()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["vendor"] == connection.vendor
    assert "people" in manifest["migrations"]
    assert not any(part in manifest["files"] for part in (KEYS_FILE, "secret_key"))
    assert not (folder / KEYS_FILE).exists()

    restore(
        folder,
        keys_from=keys,
        database=empty_database,
        roots=_restore_roots(tmp_path),
        var_dir=tmp_path / "var2",
    )

    assert _query(empty_database, "SELECT COUNT(*) FROM people_resident", [])[0][0] == residents
    ((name, token),) = _query(
        empty_database,
        "SELECT real_name, id_number FROM people_resident WHERE id = %s",
        [resident.pk],
    )
    assert name == "李四"
    assert decrypt(token) == id_number
    assert (tmp_path / "media2" / "notices" / "board.jpg").read_bytes() == PHOTO
    restored_keys = json.loads((tmp_path / "var2" / KEYS_FILE).read_text())
    assert restored_keys == json.loads((keys / KEYS_FILE).read_text())

    # Restoring again finds the rows it wrote and refuses to mix two databases.
    with pytest.raises(BackupError, match="not empty"):
        restore(folder, database=empty_database, roots=_restore_roots(tmp_path))


def test_a_damaged_set_is_refused_and_nothing_is_written(
    backed_up: tuple[Path, Path, Resident, str], empty_database: dict[str, Any], tmp_path: Path
) -> None:
    folder, keys, _, _ = backed_up
    archive = folder / FILES_ARCHIVE
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))

    with pytest.raises(BackupError, match="sha256"):
        restore(folder, keys_from=keys, database=empty_database, roots=_restore_roots(tmp_path))

    assert _tables(empty_database) == 0
    assert not (tmp_path / "media2").exists()


def test_wrong_keys_are_refused_and_nothing_is_written(
    backed_up: tuple[Path, Path, Resident, str], empty_database: dict[str, Any], tmp_path: Path
) -> None:
    folder, keys, _, _ = backed_up
    stored = json.loads((keys / KEYS_FILE).read_text())
    stored["encryption_keys"] = [Fernet.generate_key().decode()]
    (keys / KEYS_FILE).write_text(json.dumps(stored))

    with pytest.raises(BackupError, match="wrong key set"):
        restore(
            folder,
            keys_from=keys,
            database=empty_database,
            roots=_restore_roots(tmp_path),
            var_dir=tmp_path / "var2",
        )

    assert _tables(empty_database) == 0
    assert not (tmp_path / "media2").exists()
    assert not (tmp_path / "var2").exists()


def test_the_command_refuses_a_database_that_holds_rows(
    backed_up: tuple[Path, Path, Resident, str],
) -> None:
    folder, _, _, _ = backed_up
    before = Resident.objects.count()

    with pytest.raises(CommandError, match=r"not empty.*--force"):
        call_command("restore", "--from", str(folder))

    assert Resident.objects.count() == before


def test_the_command_needs_a_destination() -> None:
    with pytest.raises(CommandError, match="--to"):
        call_command("backup")
