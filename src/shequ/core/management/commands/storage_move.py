"""Move files stored before the public/private split, or before an object store was configured,
to where their field keeps them now. Safe to run again: files already in place are skipped.

1. Every file field's files are looked for in MEDIA_ROOT (where all uploads used to go) and
   copied to the field's store; the old copy is then removed, so casework papers no longer sit
   in the folder nginx and ``SERVE_MEDIA`` serve.
2. With an object store configured, everything under the local PRIVATE_MEDIA_ROOT (residents'
   survey photos, exports) is uploaded to the private bucket under the same name.
"""

from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage
from django.core.management.base import BaseCommand, CommandParser
from django.db import models

from shequ.core.storage import is_object_storage, private_storage


class Command(BaseCommand):
    help = "Move files from MEDIA_ROOT (and local private files) to their configured stores."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only say what would move")
        parser.add_argument(
            "--keep-local", action="store_true", help="leave the old local copies in place"
        )

    def handle(self, *args: Any, dry_run: bool, keep_local: bool, **options: Any) -> None:
        old = FileSystemStorage(location=settings.MEDIA_ROOT)
        moved = 0
        for model in apps.get_models():
            for field in model._meta.get_fields():
                if not isinstance(field, models.FileField):
                    continue
                names = (
                    model._default_manager.exclude(**{field.name: ""})
                    .exclude(**{f"{field.name}__isnull": True})
                    .values_list(field.name, flat=True)
                )
                count = 0
                for name in names.iterator():
                    if self._move(old, field.storage, name, dry_run=dry_run, keep=keep_local):
                        count += 1
                if count:
                    self.stdout.write(f"{model._meta.label}.{field.name}: {count} file(s)")
                moved += count
        target = private_storage()
        if is_object_storage(target):
            local = FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)
            root = Path(settings.PRIVATE_MEDIA_ROOT)
            count = 0
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                name = path.relative_to(root).as_posix()
                if self._move(local, target, name, dry_run=dry_run, keep=keep_local):
                    count += 1
            if count:
                self.stdout.write(f"{root}: {count} private file(s)")
            moved += count
        verb = "would move" if dry_run else "moved"
        self.stdout.write(f"{moved} file(s) {verb}")

    def _move(
        self, source: Storage, target: Storage, name: str, *, dry_run: bool, keep: bool
    ) -> bool:
        if _same_place(source, target, name) or not source.exists(name) or target.exists(name):
            return False
        if dry_run:
            return True
        with source.open(name, "rb") as handle:
            saved = target.save(name, File(handle))
        if saved != name:  # a store that would not take the name: leave the old copy, say so
            target.delete(saved)
            raise RuntimeError(f"{name} could not be stored under the same name")
        if not keep:
            source.delete(name)
        return True


def _same_place(source: Storage, target: Storage, name: str) -> bool:
    if not isinstance(target, FileSystemStorage) or not isinstance(source, FileSystemStorage):
        return False
    return Path(source.path(name)).resolve() == Path(target.path(name)).resolve()
