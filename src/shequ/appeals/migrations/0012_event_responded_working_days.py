"""Store on each 派单 whether the unit answered in time, and on each 办结 its working days, so
the month's statistics read the events alone; existing events are filled in from the
requests and the holiday table, as the statistics computed them before."""

from collections import defaultdict
from typing import Any

from django.db import migrations, models
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

CHUNK = 5000


def fill_responded(event: Any) -> None:
    answers = event.objects.filter(
        appeal_id=OuterRef("appeal_id"),
        unit_id=OuterRef("unit_id"),
        kind__in=["signed", "returned"],
        pk__gt=OuterRef("pk"),
    )
    dispatches = event.objects.filter(kind="dispatched")
    dispatches.filter(Exists(answers.filter(at__lte=F("appeal__deadline_at")))).update(
        responded=True
    )
    dispatches.filter(responded__isnull=True).filter(Exists(answers)).update(responded=False)


def fill_working_days(event: Any, holiday: Any) -> None:
    from shequ.appeals.deadlines import working_day_ordinals

    local = timezone.get_current_timezone()
    closes = event.objects.filter(kind="closed", working_days__isnull=True).order_by("pk")
    after = 0
    while rows := list(
        closes.filter(pk__gt=after).values_list("pk", "appeal__created_at", "at")[:CHUNK]
    ):
        after = rows[-1][0]
        spans = [(pk, s.astimezone(local).date(), e.astimezone(local).date()) for pk, s, e in rows]
        first = min(min(s, e) for _, s, e in spans)
        last = max(max(s, e) for _, s, e in spans)
        exceptions = dict(
            holiday.objects.filter(day__gt=first, day__lte=last).values_list("day", "kind")
        )
        ordinals = working_day_ordinals(first, last, exceptions)
        by_days: dict[int, list[int]] = defaultdict(list)
        for pk, start, end in spans:
            by_days[max(ordinals[end] - ordinals[start], 0)].append(pk)
        for days, pks in by_days.items():
            event.objects.filter(pk__in=pks).update(working_days=days)


def backfill(apps: Any, schema_editor: Any) -> None:
    event = apps.get_model("appeals", "AppealEvent")
    fill_responded(event)
    fill_working_days(event, apps.get_model("casework", "Holiday"))


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0011_rates_indexes"),
        ("casework", "0002_holidays"),
    ]

    operations = [
        migrations.AddField(
            model_name="appealevent",
            name="responded",
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="appealevent",
            name="working_days",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
