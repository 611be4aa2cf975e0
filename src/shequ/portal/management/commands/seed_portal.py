from typing import Any

from django.core.management.base import BaseCommand

from shequ.portal.indexing import rebuild
from shequ.portal.models import DatasetSnapshot
from shequ.portal.services import snapshot_all


class Command(BaseCommand):
    help = "Index the demo content for the site-wide search and freeze the open datasets once."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rebuild()
        self.stdout.write(f"portal: {sum(counts.values())} searchable items")
        if not DatasetSnapshot.objects.filter(status=DatasetSnapshot.Status.COMPLETE).exists():
            snapshot_all()
            self.stdout.write("portal: open datasets frozen")
