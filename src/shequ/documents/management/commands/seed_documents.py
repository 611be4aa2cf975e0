"""manage.py seed_documents — the demo services' result documents; ``--count N`` also fills
the table with N issued documents (no PDFs) for the verification benchmark. Idempotent."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shequ.documents.demo import seed_bulk_documents, seed_result_templates


class Command(BaseCommand):
    help = "Result documents for the demo services; optionally many issued documents."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=0, help="issued documents in total")

    def handle(self, *args: Any, count: int, **options: Any) -> None:
        templates = seed_result_templates()
        added = seed_bulk_documents(count) if count > 0 else 0
        self.stdout.write(f"documents: {templates} result templates, {added} documents added")
