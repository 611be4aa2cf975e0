"""Answers and notes saved before personal-number fields existed may hold a phone or ID number
typed as text (紧急联系人 李四 139…): keep them masked only, as new answers are.

One way only: the numbers in clear are not kept anywhere to restore.
"""

from typing import Any

from django.db import migrations

from shequ.core.pii import mask_numbers_in_text


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_numbers_in_text(value)
    if isinstance(value, dict):
        if "pii" in value and "token" in value:  # already sealed: ciphertext, left as it is
            return value
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def forwards(apps: Any, schema_editor: Any) -> None:
    Application = apps.get_model("casework", "Application")
    ApplicationEvent = apps.get_model("casework", "ApplicationEvent")
    for pk, data, reason in Application.objects.values_list("pk", "data", "reason").iterator():
        masked_data, masked_reason = _masked(data), mask_numbers_in_text(reason or "")
        if masked_data != data or masked_reason != (reason or ""):
            Application.objects.filter(pk=pk).update(data=masked_data, reason=masked_reason)
    for pk, note in ApplicationEvent.objects.exclude(note="").values_list("pk", "note").iterator():
        masked = mask_numbers_in_text(note)
        if masked != note:
            ApplicationEvent.objects.filter(pk=pk).update(note=masked)


class Migration(migrations.Migration):
    dependencies = [("casework", "0003_holiday_years")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
