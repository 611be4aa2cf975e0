"""manage.py restore --from DIR [--keys-from DIR2] [--force] — a backup set into an empty
database and the file roots; the keys too when given.

Refuses, before writing anything, a damaged set, keys that do not open it, and a database that
already holds rows (unless --force).
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shequ.core.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup set (from `manage.py backup --to`) into an empty database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--from", dest="source", type=Path, required=True)
        parser.add_argument("--keys-from", type=Path, help="a key folder from `backup --keys-to`")
        parser.add_argument(
            "--force", action="store_true", help="overwrite a database that holds rows"
        )

    def handle(
        self, *args: Any, source: Path, keys_from: Path | None, force: bool, **options: Any
    ) -> None:
        try:
            manifest = restore(source, keys_from=keys_from, force=force)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored the backup of {manifest['created']}")
        if keys_from is not None:
            self.stdout.write(
                "keys written to var/; in production set the variables in keys.env instead"
            )
