from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.scopes import Role
from shequ.participation.models import Proposal
from shequ.people.models import User
from shequ.planning.models import Assignment, Consultation, Plan, Suggestion, WorkLog
from shequ.planning.services import (
    assignments,
    attendance,
    consultations,
    plans,
    reports,
    suggestions,
    worklog,
)
from shequ.policies.models import Policy
from tests.factories import NIJIAQIAO, SHUIJINGFANG, WUHOU, make_staff, make_user
from tests.images import jpeg, png
from tests.planning.conftest import TERM, WHEN

pytestmark = pytest.mark.django_db


def test_a_planner_outside_their_street_is_refused(officer: User, planner: User) -> None:
    district = make_staff("plan-district", Role.DISTRICT_OFFICER, WUHOU)
    with pytest.raises(DomainError) as error:
        assignments.assignment_create(
            actor=make_staff("plan-jj", Role.DISTRICT_OFFICER, "510104000000"),
            planner_id=planner.pk,
            community_code=SHUIJINGFANG,
            term_start=TERM[0],
            term_end=TERM[1],
            hours_per_month=10,
        )
    assert error.value.code == "planner_out_of_scope"
    assert "水井坊" in str(error.value)
    assert not Assignment.objects.exists()
    # Inside the street, by a district officer covering it: fine.
    assignments.assignment_create(
        actor=district,
        planner_id=planner.pk,
        community_code=NIJIAQIAO,
        term_start=TERM[0],
        term_end=TERM[1],
        hours_per_month=10,
    )


def test_an_officer_cannot_assign_outside_their_area(planner: User, officer: User) -> None:
    with pytest.raises(NotFound):
        assignments.assignment_create(
            actor=officer,
            planner_id=planner.pk,
            community_code=SHUIJINGFANG,
            term_start=TERM[0],
            term_end=TERM[1],
            hours_per_month=10,
        )


@pytest.mark.parametrize(
    ("start", "end", "hours", "code"),
    [
        (date(2026, 5, 1), date(2026, 4, 30), 10, "bad_term"),
        (date(2026, 1, 1), date(2026, 12, 31), -4, "bad_hours"),
        (date(2026, 1, 1), date(2026, 12, 31), "ten", "not_a_number"),
    ],
)
def test_bad_assignment_terms_change_nothing(
    officer: User, planner: User, start: date, end: date, hours: object, code: str
) -> None:
    with pytest.raises(DomainError) as error:
        assignments.assignment_create(
            actor=officer,
            planner_id=planner.pk,
            community_code=NIJIAQIAO,
            term_start=start,
            term_end=end,
            hours_per_month=hours,
        )
    assert error.value.code == code
    assert not Assignment.objects.exists()


def test_a_user_without_the_planner_role_cannot_be_assigned(officer: User) -> None:
    with pytest.raises(DomainError) as error:
        assignments.assignment_create(
            actor=officer,
            planner_id=make_user("nobody").pk,
            community_code=NIJIAQIAO,
            term_start=TERM[0],
            term_end=TERM[1],
            hours_per_month=10,
        )
    assert error.value.code == "unknown_planner"


def test_an_unassigned_planner_cannot_schedule(planner: User) -> None:
    with pytest.raises(NotFound):
        consultations.consultation_schedule(
            actor=planner,
            community_code=NIJIAQIAO,
            title="t",
            topic="t",
            place="p",
            starts_at=WHEN,
        )


def test_suggestions_only_while_open_and_only_from_residents(
    consultation: Consultation, resident: User, planner: User
) -> None:
    with pytest.raises(DomainError) as error:
        suggestions.suggestion_submit(actor=resident, consultation_id=consultation.pk, text="路灯")
    assert error.value.code == "not_open"
    consultations.consultation_set_status(
        actor=planner, consultation_id=consultation.pk, status="open"
    )
    outsider = make_user("outsider")
    with pytest.raises(PermissionDenied):
        suggestions.suggestion_submit(actor=outsider, consultation_id=consultation.pk, text="x")
    suggestions.suggestion_submit(actor=resident, consultation_id=consultation.pk, text="路灯")
    consultations.consultation_set_status(
        actor=planner, consultation_id=consultation.pk, status="closed"
    )
    with pytest.raises(DomainError) as error:
        suggestions.suggestion_submit(actor=resident, consultation_id=consultation.pk, text="again")
    assert error.value.code == "not_open"
    assert Suggestion.objects.count() == 1


def test_a_suggestion_photo_is_checked_and_downscaled(
    open_consultation: Consultation, resident: User
) -> None:
    wrong = SimpleUploadedFile("a.jpg", png(), content_type="image/jpeg")
    with pytest.raises(DomainError) as error:
        suggestions.suggestion_submit(
            actor=resident, consultation_id=open_consultation.pk, text="x", photo=wrong
        )
    assert error.value.code == "file_type_not_allowed"
    assert not Suggestion.objects.exists()
    big = SimpleUploadedFile("b.jpg", jpeg(4000, 3000, gps=True), content_type="image/jpeg")
    suggestion = suggestions.suggestion_submit(
        actor=resident, consultation_id=open_consultation.pk, text="x", photo=big
    )
    from PIL import Image

    with Image.open(suggestion.photo.open("rb")) as picture:
        assert max(picture.size) <= 2048


def test_a_suggestion_becomes_a_proposal_once(
    open_consultation: Consultation, resident: User, planner: User
) -> None:
    corner = SimpleUploadedFile("corner.jpg", jpeg(800, 600), content_type="image/jpeg")
    suggestion = suggestions.suggestion_submit(
        actor=resident, consultation_id=open_consultation.pk, text="街角做口袋公园", photo=corner
    )
    proposal = suggestions.suggestion_promote(
        actor=planner, suggestion_id=suggestion.pk, title="口袋公园", category="environment"
    )
    assert proposal.author == resident
    assert proposal.community_id == NIJIAQIAO
    assert proposal.photos.count() == 1
    suggestion.refresh_from_db()
    assert suggestion.proposal == proposal
    with pytest.raises(DomainError) as error:
        suggestions.suggestion_promote(actor=planner, suggestion_id=suggestion.pk, title="again")
    assert error.value.code == "already_proposed"
    assert Proposal.objects.count() == 1


def test_a_planner_of_another_community_cannot_promote(
    open_consultation: Consultation, resident: User
) -> None:
    suggestion = suggestions.suggestion_submit(
        actor=resident, consultation_id=open_consultation.pk, text="x"
    )
    other = make_staff("plan-other", Role.PLANNER, "510104017000")
    with pytest.raises(NotFound):
        suggestions.suggestion_promote(actor=other, suggestion_id=suggestion.pk, title="t")


def test_rating_needs_attendance_and_happens_once(
    open_consultation: Consultation, resident: User
) -> None:
    with pytest.raises(DomainError) as error:
        consultations.rating_submit(actor=resident, consultation_id=open_consultation.pk, stars=5)
    assert error.value.code == "not_attended"
    attendance.attendance_sign_in(actor=resident, consultation_id=open_consultation.pk)
    attendance.attendance_sign_in(actor=resident, consultation_id=open_consultation.pk)  # no-op
    with pytest.raises(DomainError) as error:
        consultations.rating_submit(actor=resident, consultation_id=open_consultation.pk, stars=6)
    assert error.value.code == "bad_stars"
    consultations.rating_submit(actor=resident, consultation_id=open_consultation.pk, stars=4)
    with pytest.raises(DomainError) as error:
        consultations.rating_submit(actor=resident, consultation_id=open_consultation.pk, stars=5)
    assert error.value.code == "already_rated"


def test_the_planner_ticks_a_resident(open_consultation: Consultation, planner: User) -> None:
    from shequ.people.models import Resident

    user = make_user("ticked")
    from tests.factories import make_resident

    person = make_resident(NIJIAQIAO, name="李四", user=user)
    ticked = attendance.attendance_tick(
        actor=planner, consultation_id=open_consultation.pk, resident_id=person.pk
    )
    assert ticked.how == "ticked"
    nobody = make_resident(NIJIAQIAO, name="赵五")
    with pytest.raises(DomainError) as error:
        attendance.attendance_tick(
            actor=planner, consultation_id=open_consultation.pk, resident_id=nobody.pk
        )
    assert error.value.code == "no_account"
    assert Resident.objects.count() == 2


@pytest.mark.parametrize("hours", ["-1", "0", "24.5", "abc"])
def test_work_log_hours_must_fit_a_day(assignment: Assignment, planner: User, hours: str) -> None:
    with pytest.raises(DomainError) as error:
        worklog.worklog_add(
            actor=planner, community_code=NIJIAQIAO, day=date(2026, 6, 1), hours=hours, work="走访"
        )
    assert error.value.code == "bad_hours"
    assert not WorkLog.objects.exists()


def test_work_log_totals_per_day_and_month(assignment: Assignment, planner: User) -> None:
    from shequ.planning import selectors

    day = date(2026, 6, 1)
    worklog.worklog_add(actor=planner, community_code=NIJIAQIAO, day=day, hours="20", work="a")
    with pytest.raises(DomainError) as error:
        worklog.worklog_add(actor=planner, community_code=NIJIAQIAO, day=day, hours="5", work="b")
    assert error.value.code == "bad_hours"
    worklog.worklog_add(
        actor=planner, community_code=NIJIAQIAO, day=date(2026, 6, 2), hours="3.5", work="c"
    )
    months = selectors.worklog_months(planner)
    assert months[0]["hours"] == Decimal("23.5")
    assert months[0]["committed"] == 16
    with pytest.raises(DomainError) as error:
        worklog.worklog_add(
            actor=planner, community_code=NIJIAQIAO, day=date(2025, 6, 2), hours="1", work="d"
        )
    assert error.value.code == "not_assigned"


def test_plan_versions_accept_only_what_the_name_says(
    assignment: Assignment, planner: User
) -> None:
    plan = plans.plan_create(
        actor=planner, community_code=NIJIAQIAO, title="倪家桥社区规划", on=date(2026, 6, 1)
    )
    fake = SimpleUploadedFile("plan.pdf", b"PK\x03\x04 not a pdf", content_type="application/pdf")
    with pytest.raises(DomainError) as error:
        plans.plan_version_add(actor=planner, plan_id=plan.pk, upload=fake, on=date(2026, 6, 1))
    assert error.value.code == "file_type_not_allowed"
    real = SimpleUploadedFile("plan.pdf", b"%PDF-1.7 plan", content_type="application/pdf")
    first = plans.plan_version_add(
        actor=planner, plan_id=plan.pk, upload=real, notes="初稿", on=date(2026, 6, 1)
    )
    docx = SimpleUploadedFile("plan.docx", b"PK\x03\x04 word", content_type="application/zip")
    second = plans.plan_version_add(
        actor=planner, plan_id=plan.pk, upload=docx, on=date(2026, 6, 1)
    )
    assert (first.number, second.number) == (1, 2)
    assert Plan.objects.get().versions.count() == 2


def _policy() -> Policy:
    return Policy.objects.create(
        title="关于深入推进城乡社区发展治理建设高品质和谐宜居生活社区的意见",
        issuer="中共成都市委",
        kind="opinion",
        level="city",
        division_id="510100000000",
        issued_on=date(2017, 9, 1),
        effective_on=date(2017, 9, 1),
        is_published=True,
    )


def test_an_expert_report_needs_policies_and_a_true_file(expert: User, planner: User) -> None:
    policy = _policy()
    fields = {
        "title": "评估报告",
        "summary": "摘要",
        "findings": "发现",
        "recommendations": "建议",
    }
    with pytest.raises(PermissionDenied):
        reports.report_publish(actor=planner, policy_ids=[policy.pk], **fields)
    with pytest.raises(DomainError) as error:
        reports.report_publish(actor=expert, policy_ids=[], **fields)
    assert error.value.code == "policies_needed"
    fake = SimpleUploadedFile("r.docx", b"%PDF-1.4", content_type="application/pdf")
    with pytest.raises(DomainError) as error:
        reports.report_publish(actor=expert, policy_ids=[policy.pk], upload=fake, **fields)
    assert error.value.code == "file_type_not_allowed"
    report = reports.report_publish(actor=expert, policy_ids=[policy.pk], **fields)
    assert list(policy.evaluation_reports.all()) == [report]


@pytest.mark.parametrize(
    ("division", "ok"),
    [("510107005000", True), ("510107000000", True), (NIJIAQIAO, False), ("510100000000", False)],
)
def test_the_planner_role_is_held_over_a_district_or_a_street(
    chengdu: None, division: str, ok: bool
) -> None:
    from shequ.people.services.staff import staff_role_grant

    admin = make_staff("plan-admin", Role.SYSTEM_ADMIN)
    user = make_user("new-planner")
    if ok:
        staff_role_grant(actor=admin, user=user, role=Role.PLANNER, division_code=division)
        return
    with pytest.raises(DomainError) as error:
        staff_role_grant(actor=admin, user=user, role=Role.PLANNER, division_code=division)
    assert error.value.code == "wrong_division_level"
