from decimal import Decimal

import pytest

from shequ.catalogue.models import Service
from shequ.catalogue.services import service_update
from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from tests.factories import NIJIAQIAO, make_staff


def test_department_staff_edit_their_own_service_audited(catalogue: None) -> None:
    staff = make_staff("gjj", Role.DEPARTMENT_STAFF, "gongjijin")
    service = Service.objects.get(code="gongjijin-tiqu")
    service_update(actor=staff, service_id=service.pk, fee="1.50", time_limit_days=2)
    service.refresh_from_db()
    assert (service.fee, service.time_limit_days) == (Decimal("1.50"), 2)
    event = AuditEvent.objects.get(verb="service.update")
    assert event.changes["time_limit_days"] == [3, 2]


@pytest.mark.parametrize(
    ("username", "role", "scope"),
    [
        ("mz", Role.DEPARTMENT_STAFF, "minzheng"),
        ("wk", Role.COMMUNITY_WORKER, NIJIAQIAO),
    ],
)
def test_others_may_not_edit_a_department_service(catalogue: None, username, role, scope) -> None:
    actor = make_staff(username, role, scope)
    service = Service.objects.get(code="gongjijin-tiqu")
    with pytest.raises(PermissionDenied):
        service_update(actor=actor, service_id=service.pk, name="改名")
    service.refresh_from_db()
    assert service.name == "住房公积金提取（租房）"


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"name": ""}, "required", "name"),
        ({"summary": "<img src=x onerror=alert(1)>"}, "markup_not_allowed", "summary"),
        ({"fee": "-1"}, "fee_out_of_range", "fee"),
        ({"fee": "abc"}, "bad_fee", "fee"),
        ({"time_limit_days": 999}, "bad_time_limit", "time_limit_days"),
        ({"kind": "party"}, "bad_choice", "kind"),
    ],
)
def test_bad_service_input_changes_nothing(catalogue: None, fields, code, field) -> None:
    staff = make_staff("gjj2", Role.DEPARTMENT_STAFF, "gongjijin")
    service = Service.objects.get(code="gongjijin-tiqu")
    with pytest.raises(DomainError) as caught:
        service_update(actor=staff, service_id=service.pk, **{"summary": "新说明", **fields})
    assert (caught.value.code, caught.value.field) == (code, field)
    service.refresh_from_db()
    assert service.name == "住房公积金提取（租房）"
    assert not AuditEvent.objects.filter(verb="service.update").exists()
