"""Demo application forms for the services residents use most (idempotent: a service with a
form keeps it)."""

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from shequ.casework.models import FormDefinition
from shequ.casework.services.definitions import form_definition_publish
from shequ.catalogue.models import Service

DATA = Path(__file__).resolve().parent / "data" / "demo_forms.json"


def demo_forms() -> dict[str, dict[str, Any]]:
    """The demo forms by service code (``data/demo_forms.json``; provenance in its README)."""
    return dict(json.loads(DATA.read_text(encoding="utf-8"))["forms"])


@transaction.atomic
def seed_casework() -> int:
    """Publish version 1 of each demo form whose service has none; returns how many."""
    created = 0
    for code, spec in demo_forms().items():
        service = Service.objects.filter(code=code).first()
        if service is None or FormDefinition.objects.filter(service=service).exists():
            continue
        form_definition_publish(
            actor=None,
            service_id=service.pk,
            fields=spec["fields"],
            documents=spec["documents"],
            eligibility=spec.get("eligibility"),
        )
        created += 1
    return created
