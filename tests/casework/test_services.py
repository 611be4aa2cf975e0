from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shequ.casework.models import Application, ApplicationDocument, Status
from shequ.casework.selectors import application_queue_for
from shequ.casework.services.applications import (
    application_act,
    application_bulk_act,
    application_resubmit,
    application_submit,
    application_withdraw,
)
from shequ.casework.services.deadlines import applications_escalate_overdue
from shequ.casework.services.definitions import form_definition_publish
from shequ.catalogue.models import Service
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.core.uploads import MAX_IMAGE_SIDE, MAX_PHOTO_UPLOAD_KB
from shequ.notices.models import Message
from shequ.people.models import VerificationLevel
from tests import images
from tests.casework.conftest import pdf, png, residence_answers
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_resident, make_staff, make_user

# A Monday inside the holiday table: legal deadlines can be counted from it.
MONDAY_IN_TABLE = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def submit(user, service, **overrides):
    files = overrides.pop("files", {"photo": png(), "proof": pdf()})
    return application_submit(
        actor=user, service_id=service.pk, data={**residence_answers(), **overrides}, files=files
    )


def test_submit_routes_to_department_and_community(applicant, residence_permit) -> None:
    application = submit(applicant, residence_permit)
    assert application.status == Status.SUBMITTED
    assert application.department.code == "gongan"
    assert application.community_id == NIJIAQIAO
    assert application.reference.startswith("SQ")
    assert ApplicationDocument.objects.filter(application=application).count() == 2
    assert Message.objects.filter(user=applicant, category="application").count() == 1


@time_machine.travel(MONDAY_IN_TABLE, tick=False)
def test_full_path_to_completion_with_deadline_and_messages(
    applicant, police, residence_permit
) -> None:
    application = submit(applicant, residence_permit)
    accepted = application_act(actor=police, application_id=application.pk, action="accept")
    assert accepted.due_date is not None
    assert accepted.due_date > timezone.localdate()
    application_act(
        actor=police,
        application_id=application.pk,
        action="request_info",
        note="请补充工作单位",
        requested=["employer"],
    )
    application_resubmit(
        actor=applicant,
        application_id=application.pk,
        data={**residence_answers(), "employer": "某公司"},
        files={},
    )
    application_act(actor=police, application_id=application.pk, action="approve")
    done = application_act(actor=police, application_id=application.pk, action="complete")
    assert done.status == Status.COMPLETED
    steps = list(done.events.values_list("to_status", flat=True))
    assert steps == ["submitted", "accepted", "more_info", "resubmitted", "approved", "completed"]
    titles = list(Message.objects.filter(user=applicant).values_list("title", flat=True))
    assert any("受理" in t for t in titles)
    assert AuditEvent.objects.filter(verb__startswith="application.").count() == 6


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"address": ""}, "required", "address"),
        ({"since": "2024-13-40"}, "not_date", "since"),
        (
            {"since": (timezone.localdate() + timedelta(days=30)).isoformat()},
            "date_out_of_range",
            "since",
        ),
        ({"basis": "关系户"}, "bad_choice", "basis"),
        ({"address": "<script>alert(1)</script>"}, "markup_not_allowed", "address"),
        ({"files": {"photo": png()}}, "document_required", "proof"),
        (
            # Past what a phone takes (a smaller one over the slot's limit is downscaled).
            {"files": {"photo": png(size=MAX_PHOTO_UPLOAD_KB * 1024), "proof": pdf()}},
            "file_too_large",
            "photo",
        ),
        ({"files": {"photo": pdf("photo.pdf"), "proof": pdf()}}, "file_type_not_allowed", "photo"),
        (
            {"files": {"photo": png("evil.png.exe"), "proof": pdf()}},
            "file_type_not_allowed",
            "photo",
        ),
    ],
)
def test_bad_input_is_refused_per_field_and_nothing_is_written(
    applicant, residence_permit, overrides, code, field
) -> None:
    with pytest.raises(DomainError) as caught:
        submit(applicant, residence_permit, **overrides)
    codes = {(e.code, e.field) for e in caught.value.errors}
    assert (code, field) in codes
    assert Application.objects.count() == 0
    assert ApplicationDocument.objects.count() == 0


def test_integer_and_decimal_fields_are_typed(applicant, forms) -> None:
    service = Service.objects.get(code="gongjijin-tiqu")
    with pytest.raises(DomainError) as caught:
        application_submit(
            actor=applicant,
            service_id=service.pk,
            data={"amount": "abc", "months": "1.5", "no_house": ""},
            files={},
        )
    assert {e.code for e in caught.value.errors} == {"not_number", "not_integer", "required"}
    application = application_submit(
        actor=applicant,
        service_id=service.pk,
        data={"amount": "1500.50", "months": "6", "no_house": "on"},
        files={},
    )
    assert application.data == {"amount": "1500.50", "months": 6, "no_house": True}


def test_unverified_user_cannot_apply(forms, residence_permit) -> None:
    user = make_user("newbie")
    make_resident(NIJIAQIAO, user=user, level=VerificationLevel.REGISTERED)
    with pytest.raises(DomainError) as caught:
        submit(user, residence_permit)
    assert caught.value.code == "verification_required"


def test_withdrawn_application_cannot_be_approved(applicant, police, residence_permit) -> None:
    application = submit(applicant, residence_permit)
    application_withdraw(actor=applicant, application_id=application.pk)
    with pytest.raises(DomainError) as caught:
        application_act(actor=police, application_id=application.pk, action="approve")
    assert caught.value.code == "invalid_transition"
    assert Application.objects.get(pk=application.pk).status == Status.WITHDRAWN


def test_reject_needs_a_reason(applicant, police, residence_permit) -> None:
    application = submit(applicant, residence_permit)
    with pytest.raises(DomainError) as caught:
        application_act(actor=police, application_id=application.pk, action="reject")
    assert (caught.value.code, caught.value.field) == ("required", "note")
    rejected = application_act(
        actor=police, application_id=application.pk, action="reject", note="材料不符"
    )
    assert rejected.reason == "材料不符"


def test_resident_cannot_read_or_withdraw_anothers_application(applicant, residence_permit) -> None:
    application = submit(applicant, residence_permit)
    other = make_user("nosy")
    make_resident(NIJIAQIAO, user=other)
    with pytest.raises(NotFound):
        application_withdraw(actor=other, application_id=application.pk)
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED


def test_other_department_cannot_act(applicant, residence_permit) -> None:
    application = submit(applicant, residence_permit)
    civil = make_staff("civil", Role.DEPARTMENT_STAFF, "minzheng")
    with pytest.raises(NotFound):
        application_act(actor=civil, application_id=application.pk, action="accept")
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED


def test_community_worker_may_accept_but_not_approve(applicant, residence_permit) -> None:
    application = submit(applicant, residence_permit)
    worker = make_staff("wk", Role.COMMUNITY_WORKER, NIJIAQIAO)
    application_act(actor=worker, application_id=application.pk, action="accept")
    with pytest.raises(PermissionDenied):
        application_act(actor=worker, application_id=application.pk, action="approve")
    far_worker = make_staff("wk2", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    assert not application_queue_for(user=far_worker).filter(pk=application.pk).exists()


def test_overdue_cases_are_escalated_once_to_supervisors(
    applicant, police, residence_permit
) -> None:
    application = submit(applicant, residence_permit)
    application_act(actor=police, application_id=application.pk, action="accept")
    Application.objects.filter(pk=application.pk).update(due_date=date(2025, 1, 2))
    assert applications_escalate_overdue() == 1
    assert applications_escalate_overdue() == 0
    supervisor = make_staff("sup", Role.DEPARTMENT_STAFF, "zhengwu")
    assert list(application_queue_for(user=supervisor, escalated=True)) == [application]
    assert not application_queue_for(user=supervisor).filter(pk=application.pk).exists()


def test_bulk_accept_reports_refusals_separately(applicant, police, residence_permit) -> None:
    first = submit(applicant, residence_permit)
    second = submit(applicant, residence_permit)
    application_withdraw(actor=applicant, application_id=second.pk)
    outcome = application_bulk_act(
        actor=police, application_ids=[first.pk, second.pk], action="accept"
    )
    assert outcome.done == [first.pk]
    assert list(outcome.refused) == [second.pk]


def test_form_versions_are_kept_for_old_applications(applicant, police, residence_permit) -> None:
    application = submit(applicant, residence_permit)
    v2 = form_definition_publish(
        actor=police,
        service_id=residence_permit.pk,
        fields=[{"name": "address", "label": "地址", "type": "text", "required": True}],
        documents=[],
    )
    assert v2.version == 2
    assert Application.objects.get(pk=application.pk).form.version == 1


@pytest.mark.parametrize(
    "fields",
    [
        [{"name": "1bad", "label": "x", "type": "text"}],
        [{"name": "a", "label": "x", "type": "colour"}],
        [{"name": "a", "label": "", "type": "text"}],
        [{"name": "a", "label": "x", "type": "choice"}],
    ],
)
def test_bad_form_definitions_are_refused(police, residence_permit, fields) -> None:
    with pytest.raises(DomainError):
        form_definition_publish(
            actor=police, service_id=residence_permit.pk, fields=fields, documents=[]
        )


def test_other_department_cannot_publish_forms(residence_permit, forms) -> None:
    civil = make_staff("civil2", Role.DEPARTMENT_STAFF, "minzheng")
    with pytest.raises(PermissionDenied):
        form_definition_publish(
            actor=civil, service_id=residence_permit.pk, fields=[], documents=[]
        )


@time_machine.travel(MONDAY_IN_TABLE, tick=False)
def test_legal_clock_stops_while_more_information_is_awaited(
    applicant, police, residence_permit
) -> None:
    application = submit(applicant, residence_permit)
    application_act(actor=police, application_id=application.pk, action="accept")
    paused = application_act(
        actor=police,
        application_id=application.pk,
        action="request_info",
        note="补充材料",
        requested=["address"],
    )
    assert paused.due_date is None
    assert paused.days_left_when_paused is not None
    days_left = paused.days_left_when_paused
    resumed = application_resubmit(
        actor=applicant, application_id=application.pk, data=residence_answers(), files={}
    )
    from shequ.casework.workdays import working_day_add

    assert resumed.due_date == working_day_add(timezone.localdate(), days_left)
    assert resumed.days_left_when_paused is None


def test_escalation_tells_department_staff_and_supervisors(
    applicant, police, residence_permit
) -> None:
    supervisor = make_staff("sup2", Role.DEPARTMENT_STAFF, "zhengwu")
    bystander = make_staff("bystander", Role.DEPARTMENT_STAFF, "minzheng")
    application = submit(applicant, residence_permit)
    application_act(actor=police, application_id=application.pk, action="accept")
    Application.objects.filter(pk=application.pk).update(due_date=date(2025, 1, 2))
    applications_escalate_overdue()
    assert Message.objects.filter(user=police, category="system").count() == 1
    assert Message.objects.filter(user=supervisor, category="system").count() == 1
    assert not Message.objects.filter(user=bystander).exists()


def test_a_photo_attachment_is_stored_without_gps_and_downscaled(
    applicant, residence_permit
) -> None:
    # given a phone photo (3000×2250, with the GPS position in its EXIF) for the photo slot
    photo = SimpleUploadedFile("IMG_0001.jpg", images.jpeg(3000, 2250, gps=True), "image/jpeg")
    # when the resident applies with it
    application = submit(applicant, residence_permit, files={"photo": photo, "proof": pdf()})
    # then the stored document has no EXIF and fits within the maximum side
    document = application.documents.get(slot="photo")
    stored = images.metadata_of(document.file.read())
    assert (stored["exif"], stored["gps"], stored["metadata"]) == ({}, {}, [])
    assert max(stored["size"]) <= MAX_IMAGE_SIDE
    assert document.size == document.file.size
