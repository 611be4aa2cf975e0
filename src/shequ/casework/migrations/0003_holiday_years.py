"""Years of the holiday table, and deadlines counted past its end taken back to it.

Each year already loaded (0002, from data/holidays_cn.csv) is marked entered. An open
application whose legal deadline was counted into a year the table lacks (weekdays only:
New Year's Day and the Spring Festival counted as working days) loses that date and is
flagged instead; its date is computed again when the missing year is entered.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def mark_years_and_flag_deadlines(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from shequ.casework.workdays import counted_past_table

    holiday = apps.get_model("casework", "Holiday")
    holiday_year = apps.get_model("casework", "HolidayYear")
    application = apps.get_model("casework", "Application")
    sources: dict[int, str] = {}
    for day, source in holiday.objects.order_by("day").values_list("day", "source"):
        sources.setdefault(day.year, source)
    for year, source in sources.items():
        holiday_year.objects.get_or_create(year=year, defaults={"source": source})
    years = set(sources)
    for item in application.objects.filter(
        status__in=("accepted", "resubmitted"), due_date__isnull=False
    ):
        split = counted_past_table(item.due_date, years)
        if split is None:
            continue
        item.deadline_pending_from, item.deadline_pending_days = split
        item.due_date = None
        item.save(update_fields=["due_date", "deadline_pending_from", "deadline_pending_days"])


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0002_holidays'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='application',
            name='deadline_pending_days',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='application',
            name='deadline_pending_from',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name='HolidayYear',
            fields=[
                ('year', models.PositiveSmallIntegerField(primary_key=True, serialize=False, verbose_name='year')),
                ('source', models.CharField(max_length=80, verbose_name='notice')),
                ('entered_at', models.DateTimeField(auto_now=True, verbose_name='entered')),
                ('entered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'holiday year',
                'verbose_name_plural': 'holiday years',
                'ordering': ['year'],
            },
        ),
        migrations.RunPython(mark_years_and_flag_deadlines, migrations.RunPython.noop),
    ]
