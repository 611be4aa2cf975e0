"""Load the public-holiday table (data/holidays_cn.csv, see data/README.md)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def load(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from shequ.casework.workdays import holiday_rows

    holiday = apps.get_model("casework", "Holiday")
    existing = set(holiday.objects.values_list("day", flat=True))
    holiday.objects.bulk_create(
        [holiday(**row) for row in holiday_rows() if row["day"] not in existing]
    )


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
