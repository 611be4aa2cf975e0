"""Copy each request's community onto its events and ratings, so the statistics per
community and district of a period read them without joining every request."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_community(apps: Any, schema_editor: Any) -> None:
    appeal = apps.get_model("appeals", "Appeal")
    community = Subquery(appeal.objects.filter(pk=OuterRef("appeal_id")).values("community_id"))
    for name in ("AppealEvent", "AppealRating"):
        apps.get_model("appeals", name).objects.update(community_id=community)


def nullable(model: str) -> migrations.AddField:
    return migrations.AddField(
        model_name=model,
        name="community",
        field=models.ForeignKey(
            db_index=False,
            editable=False,
            null=True,
            on_delete=django.db.models.deletion.PROTECT,
            related_name="+",
            to="places.division",
        ),
    )


def required(model: str) -> migrations.AlterField:
    return migrations.AlterField(
        model_name=model,
        name="community",
        field=models.ForeignKey(
            db_index=False,
            editable=False,
            on_delete=django.db.models.deletion.PROTECT,
            related_name="+",
            to="places.division",
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0012_event_responded_working_days"),
        ("places", "0001_initial"),
    ]

    operations = [
        nullable("appealevent"),
        nullable("appealrating"),
        migrations.RunPython(copy_community, migrations.RunPython.noop, elidable=True),
        required("appealevent"),
        required("appealrating"),
    ]
