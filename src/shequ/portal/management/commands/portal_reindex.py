from typing import Any

from django.core.management.base import BaseCommand

from shequ.portal.indexing import rebuild


class Command(BaseCommand):
    help = "Re-read every searchable kind into the site-wide search index."

    def handle(self, *args: Any, **options: Any) -> None:
        for kind, count in rebuild().items():
            self.stdout.write(f"{kind}: {count}")
