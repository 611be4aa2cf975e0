"""Renumber stored levels for REGISTRY_MATCHED and sort existing ID checks into the two kinds.

Before: 0 registered, 1 ID checked, 2 in person, 3 authority. After: 0 registered,
1 ID checked (self-declared), 2 matched the community registry, 3 in person, 4 authority.
An account whose real-name check linked a registry record (the audit trail says so) had its
name and number matched against that record: it becomes REGISTRY_MATCHED. A record the check
created itself is marked self-declared, so it never counts as registry evidence later.
"""

from django.db import migrations, models

CHECK_VERB = "resident.check_id"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    resident_model = apps.get_model("people", "Resident")
    history_model = apps.get_model("people", "HistoricalResident")
    audit_model = apps.get_model("core", "AuditEvent")
    for model in (resident_model, history_model):
        model.objects.filter(verification_level__gte=2).update(
            verification_level=models.F("verification_level") + 1
        )
    checks = audit_model.objects.filter(verb=CHECK_VERB, object_type="people.resident")
    linked = {
        int(event.object_id)
        for event in checks.only("object_id", "changes")
        if event.object_id.isdigit() and (event.changes or {}).get("linked_registry_record")
    }
    created = {
        int(event.object_id)
        for event in checks.only("object_id", "changes")
        if event.object_id.isdigit() and not (event.changes or {}).get("linked_registry_record")
    }
    resident_model.objects.filter(pk__in=created - linked).update(self_declared=True)
    resident_model.objects.filter(pk__in=linked, verification_level=1).update(
        verification_level=2
    )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    for name in ("Resident", "HistoricalResident"):
        model = apps.get_model("people", name)
        model.objects.filter(verification_level=2).update(verification_level=1)
        model.objects.filter(verification_level__gte=3).update(
            verification_level=models.F("verification_level") - 1
        )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_registry_matched_level"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
