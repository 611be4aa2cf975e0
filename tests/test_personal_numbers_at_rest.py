"""No ID number or mobile number is stored in clear anywhere in the database.

The demo data is loaded (every seeder of ``manage.py bootstrap``, small sizes), then people use
the forms the way they do — a resident answers every demo application form with numbers in
the personal-number fields *and* in free text, a department officer asks for more
information with a phone number in the note, the resident resubmits, proposes an improvement
and objects to a funds decision with numbers in the text — and every text and JSON column of
every table is scanned (``tests/pii_scan.py``).
"""

from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from shequ.casework.models import Application, FormDefinition
from shequ.casework.services.definitions import current_form
from shequ.catalogue.models import Service
from shequ.funds.models import ApprovalRecord
from shequ.funds.services import objections as fund_objections
from shequ.people.demo import NIJIAQIAO
from shequ.people.models import Resident, User
from shequ.web.management.commands.bootstrap import DEMO_COMMANDS
from tests import images
from tests.factories import valid_id_number
from tests.pii_scan import numbers_in, scan_database

PHONE = "13912345678"
OTHER_PHONE = "13800001111"
ID_NUMBER = valid_id_number(region="510107", sequence=11)
SMALL = {"seed_surveys": {"responses": 40}}


def _answers(form: FormDefinition) -> dict[str, Any]:
    """Answers to every field of a form, with numbers wherever a person could type them."""
    answers: dict[str, Any] = {}
    for spec in form.fields:
        kind, name = spec["type"], spec["name"]
        limit = int(spec.get("max_length", 500))
        if kind == "text":
            answers[name] = f"李四 {PHONE}"[:limit]
        elif kind == "textarea":
            answers[name] = f"紧急联系人 李四 {PHONE}，身份证{ID_NUMBER}"[:limit]
        elif kind == "phone":
            answers[name] = PHONE
        elif kind == "id_number":
            answers[name] = ID_NUMBER
        elif kind in ("integer", "decimal"):
            answers[name] = str(spec.get("min", 1))
        elif kind == "date":
            answers[name] = "2020-01-01"
        elif kind == "choice":
            answers[name] = spec["choices"][0]
        elif kind == "boolean":
            answers[name] = "on"
    for spec in form.documents:
        name = spec["name"]
        if "png" in spec["types"]:
            answers[name] = SimpleUploadedFile(f"{name}.png", images.png(), "image/png")
        else:
            answers[name] = SimpleUploadedFile(f"{name}.pdf", b"%PDF-1.4\n%\n", "application/pdf")
    return answers


@pytest.fixture
def demo(chengdu: None, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    quiet = StringIO()
    call_command("seed_demo", residents=200, no_progress=True, stdout=quiet)
    for command in DEMO_COMMANDS:
        call_command(command, stdout=quiet, **SMALL.get(command, {}))


def test_the_scanner_finds_numbers_in_clear_and_ignores_ciphertext_and_tokens() -> None:
    assert list(numbers_in(f"紧急联系人 李四 {PHONE}")) == [("mobile", PHONE)]
    assert list(numbers_in(f"身份证{ID_NUMBER.lower()}")) == [("id_number", ID_NUMBER)]
    assert list(numbers_in(f"订单 2{PHONE}；编号{ID_NUMBER[:17]}0{ID_NUMBER[17:]}")) == []
    assert list(numbers_in(f"gAAAAAB{PHONE}Zx9_kLmN0pQrStUvWxYz")) == []
    assert list(numbers_in("139****5678")) == []


def test_no_personal_number_is_stored_in_clear_after_demo_data_and_forms(
    demo: None, client: Client
) -> None:
    resident = User.objects.get(username="resident")
    officer = User.objects.get(username="department")  # 成都市民政局
    # Old enough for every demo service (the 老年人优待证 is from 60, the 高龄津贴 from 80).
    Resident.objects.filter(user=resident).update(birth_date=date(1940, 5, 1))
    client.force_login(resident)
    # a resident answers every demo application form
    services = Service.objects.filter(forms__isnull=False).distinct().order_by("code")
    assert services.count() >= 5
    for service in services:
        form = current_form(service)
        assert form is not None
        response = client.post(f"/casework/apply/{service.pk}/", _answers(form))
        assert response.status_code == 302, (service.code, response.content.decode()[-2000:])
    # the department asks for more information, with a phone number in the note
    asked = Application.objects.get(service__code="laonianren-youdaizheng")  # 民政局's
    client.force_login(officer)
    personal = [s["name"] for s in asked.form.fields if s["type"] in ("phone", "id_number")]
    for action, note in (("accept", ""), ("request_info", f"请致电 {OTHER_PHONE} 补充材料")):
        response = client.post(
            f"/console/casework/{asked.pk}/act/",
            {"action": action, "note": note, "requested": personal},
        )
        assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == "more_info"
    # the resident resubmits, leaving the numbers on file blank, adding one in free text
    client.force_login(resident)
    answers = {
        name: ("" if name in personal else value)
        for name, value in _answers(asked.form).items()
        if not hasattr(value, "read")  # the documents are on file already
    }
    response = client.post(f"/casework/{asked.pk}/resubmit/", answers)
    assert response.status_code == 302, response.content.decode()[-2000:]
    # proposes an improvement for the community, with a phone number in the text
    response = client.post(
        f"/participation/c/{NIJIAQIAO}/propose/",
        {
            "title": f"楼道灯坏了 {PHONE}",
            "description": f"请物业联系 {OTHER_PHONE}，或我 {PHONE}，身份证 {ID_NUMBER}",
            "category": "facilities",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    # and objects to a disclosed funds decision of the community, with numbers in the reason
    decision = (
        ApprovalRecord.objects.filter(community_id=NIJIAQIAO, objection_deadline__gt=timezone.now())
        .order_by("pk")
        .first()
    )
    assert decision is not None
    fund_objections.objection_raise(
        actor=resident, approval_id=decision.pk, reason=f"价格偏高，请回电 {PHONE}"
    )

    findings = scan_database()

    assert [str(f) for f in findings] == []
