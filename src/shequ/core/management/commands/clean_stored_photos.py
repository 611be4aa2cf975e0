"""Strip the metadata (GPS above all) from photos stored before uploads were cleaned, and
downscale them as new uploads are. Safe to run again: clean photos are left alone."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models

from shequ.core.uploads import stored_photo_clean


class Command(BaseCommand):
    help = "Re-encode stored photos without EXIF/GPS metadata, within the maximum size."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.get_fields() if isinstance(f, models.FileField)]
            for field in fields:
                rows = model._default_manager.exclude(**{field.name: ""}).exclude(
                    **{f"{field.name}__isnull": True}
                )
                cleaned = sum(
                    stored_photo_clean(getattr(row, field.name)) for row in rows.iterator()
                )
                if cleaned:
                    label = f"{model._meta.label}.{field.name}"
                    self.stdout.write(f"{label}: {cleaned} photo(s) cleaned")
                total += cleaned
        self.stdout.write(f"{total} photo(s) cleaned")
