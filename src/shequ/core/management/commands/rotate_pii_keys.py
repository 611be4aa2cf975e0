"""manage.py rotate_pii_keys — re-encrypt personal data under the newest key.

Put the new key first in PII_ENCRYPTION_KEYS (keep the old ones after it), run this, then
drop the old keys. Blind indexes use their own key and do not change.
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from tqdm import tqdm

from shequ.core.pii import rotate, rotate_sealed
from shequ.core.services import audit_record

# (app, model, JSON field) holding sealed numbers (answers to application forms)
SEALED_JSON = [("casework", "Application", "data")]
# (table, primary key, encrypted columns)
ENCRYPTED = [
    ("people_resident", "id", ("id_number", "phone")),
    ("people_user", "id", ("phone",)),
    ("people_historicalresident", "history_id", ("id_number", "phone")),
    ("sso_signingkey", "id", ("private_key",)),
]


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the newest PII key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        total = 0
        for table, pk, columns in ENCRYPTED:
            cols = ", ".join(columns)
            sets = ", ".join(f"{c} = %s" for c in columns)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed names
                count = cursor.fetchone()[0]
            last = 0
            with tqdm(total=count, desc=table) as bar:
                while True:
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.execute(
                            f"SELECT {pk}, {cols} FROM {table} WHERE {pk} > %s "  # noqa: S608
                            f"ORDER BY {pk} LIMIT %s",
                            [last, batch],
                        )
                        rows = cursor.fetchall()
                        if not rows:
                            break
                        updates = [
                            [*(rotate(v) if v else v for v in row[1:]), row[0]] for row in rows
                        ]
                        cursor.executemany(
                            f"UPDATE {table} SET {sets} WHERE {pk} = %s",  # noqa: S608
                            updates,
                        )
                    last = rows[-1][0]
                    total += len(rows)
                    bar.update(len(rows))
        for app_label, model_name, field in SEALED_JSON:
            model = apps.get_model(app_label, model_name)
            for pk, value in model.objects.values_list("pk", field).order_by("pk").iterator():
                rotated, found = rotate_sealed(value)
                if found:
                    model.objects.filter(pk=pk).update(**{field: rotated})
                    total += 1
        audit_record(actor=None, verb="pii.rotate_keys", changes={"rows": total})
        self.stdout.write(f"re-encrypted {total} rows")
