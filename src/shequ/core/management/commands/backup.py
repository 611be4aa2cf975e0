"""manage.py backup --to DIR [--keys-to DIR2] — a backup set, and the keys apart.

See ``shequ.core.backups`` and docs/deploy.md ("Backups"). Keep the keys on another medium:
without them the sealed ID numbers and phones cannot be read; without the backup they are
useless.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shequ.core.backups import BackupError, backup_create, keys_export


class Command(BaseCommand):
    help = "Back up the database and uploaded files (--to) and, separately, the keys (--keys-to)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--to", type=Path, help="folder for the database and files set")
        parser.add_argument("--keys-to", type=Path, help="folder for the keys (another medium)")

    def handle(self, *args: Any, to: Path | None, keys_to: Path | None, **options: Any) -> None:
        if to is None and keys_to is None:
            raise CommandError("say where: --to DIR (database and files), --keys-to DIR (keys)")
        try:
            if to is not None:
                self.stdout.write(f"backup set: {backup_create(to)}")
            if keys_to is not None:
                self.stdout.write(
                    f"keys (keep them apart from the backups): {keys_export(keys_to)}"
                )
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
