from datetime import date
from decimal import Decimal

import pytest

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.uploads import MAX_IMAGE_SIDE
from shequ.people.models import User
from shequ.projects.models import (
    Follow,
    FollowerMessage,
    ProgressReport,
    Project,
    Status,
    StatusEvent,
)
from shequ.projects.services import (
    followers,
    lifecycle,
    planning,
    project_types,
    registration,
    reporting,
)
from tests import images
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_user
from tests.projects.conftest import JINJIANG_POINT, WUHOU_POINT, new_project


def test_district_officer_registers_a_project_with_its_first_status_event(
    district_officer: User,
) -> None:
    project = new_project(district_officer)
    assert project.status == Status.PLANNED
    assert project.district_id == "510107000000"
    assert project.planned_total == Decimal("3000000.50")
    assert (project.longitude, project.latitude) == (104.045, 30.63)
    assert list(project.status_events.values_list("status", "occurred_on")) == [
        (Status.PLANNED, date(2018, 1, 10))
    ]
    assert AuditEvent.objects.filter(verb="project.create", object_id=str(project.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"type_code": "no-such-type"}, "type_unknown"),
        ({"community_codes": ["510107005999"]}, "division_unknown"),
        ({"community_codes": [NIJIAQIAO, SHUIJINGFANG]}, "division_mixed"),
        ({"community_codes": []}, "division_missing"),
        ({"year": 1999}, "year_invalid"),
        ({"planned_start": date(2018, 5, 1), "planned_end": date(2018, 4, 1)}, "dates_inverted"),
        ({"planned_city": "-5"}, "money_invalid"),
        ({"planned_city": "lots"}, "money_invalid"),
        ({"location": {"type": "Point", "coordinates": [116.4, 39.9]}}, "location_outside"),
        ({"location": JINJIANG_POINT}, "location_outside"),
        ({"location": {"type": "Point", "coordinates": [30.63, 104.045]}}, "location_invalid"),
        ({"location": {"type": "Circle", "coordinates": [104.0, 30.6]}}, "location_invalid"),
        ({"location": {"type": "Point", "coordinates": "x"}}, "location_invalid"),
        (
            {
                "location": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [104.04, 30.62],
                            [104.05, 30.63],
                            [104.05, 30.62],
                            [104.04, 30.63],
                            [104.04, 30.62],
                        ]
                    ],
                }
            },
            "location_invalid",
        ),
        ({"registered_on": date(2999, 1, 1)}, "date_future"),
    ],
)
def test_bad_project_input_is_refused_and_nothing_is_written(
    district_officer: User, changes: dict, code: str
) -> None:
    arguments = {
        "actor": district_officer,
        "code": "BAD-1",
        "name": "坏项目",
        "type_code": "back-alley",
        "community_codes": [NIJIAQIAO],
        "year": 2018,
        "location": WUHOU_POINT,
        **changes,
    }
    with pytest.raises(DomainError) as caught:
        registration.project_create(**arguments)
    assert caught.value.code == code
    assert str(caught.value)
    assert not Project.objects.filter(code="BAD-1").exists()
    assert not StatusEvent.objects.exists()


def test_a_street_line_and_a_polygon_are_accepted(district_officer: User) -> None:
    line = {"type": "LineString", "coordinates": [[104.044, 30.63], [104.046, 30.631]]}
    project = new_project(district_officer, "LINE-1", type_code="back-alley", location=line)
    assert project.location["type"] == "LineString"
    polygon = {
        "type": "Polygon",
        "coordinates": [[[104.04, 30.62], [104.05, 30.62], [104.05, 30.63], [104.04, 30.62]]],
    }
    assert new_project(district_officer, "POLY-1", location=polygon).latitude is not None


def test_code_is_unique(district_officer: User, project: Project) -> None:
    with pytest.raises(DomainError) as caught:
        new_project(district_officer, project.code)
    assert caught.value.code == "code_taken"


def test_officer_cannot_register_in_another_district(jinjiang_officer: User) -> None:
    with pytest.raises(PermissionDenied):
        new_project(jinjiang_officer, "X-1", community=NIJIAQIAO)


def test_community_worker_cannot_register(worker: User) -> None:
    with pytest.raises(PermissionDenied):
        new_project(worker, "X-2")


def _walk(project: Project, officer: User, worker: User) -> None:
    lifecycle.project_transition(
        actor=officer, code=project.code, target=Status.APPROVED, on=date(2018, 2, 1)
    )
    lifecycle.project_transition(
        actor=worker, code=project.code, target=Status.UNDER_CONSTRUCTION, on=date(2018, 3, 1)
    )
    lifecycle.project_transition(
        actor=worker, code=project.code, target=Status.COMPLETED, on=date(2018, 9, 1)
    )
    lifecycle.project_transition(
        actor=officer, code=project.code, target=Status.ACCEPTED, on=date(2018, 10, 1)
    )


def test_the_life_cycle_is_recorded_as_dated_events(
    project: Project, district_officer: User, worker: User
) -> None:
    _walk(project, district_officer, worker)
    project.refresh_from_db()
    assert project.status == Status.ACCEPTED
    assert project.progress == 100
    events = list(project.status_events.values_list("status", "occurred_on", "superseded_on"))
    assert events[2] == (Status.UNDER_CONSTRUCTION, date(2018, 3, 1), date(2018, 9, 1))
    assert events[-1] == (Status.ACCEPTED, date(2018, 10, 1), None)
    assert AuditEvent.objects.filter(verb="project.transition").count() == 4


@pytest.mark.parametrize("target", [Status.UNDER_CONSTRUCTION, Status.ACCEPTED, Status.PLANNED])
def test_a_transition_out_of_order_is_refused(
    project: Project, district_officer: User, target: str
) -> None:
    with pytest.raises(DomainError) as caught:
        lifecycle.project_transition(actor=district_officer, code=project.code, target=target)
    assert caught.value.code == "transition_invalid"
    assert StatusEvent.objects.filter(project=project).count() == 1


def test_a_worker_may_not_approve(project: Project, worker: User) -> None:
    with pytest.raises(PermissionDenied):
        lifecycle.project_transition(actor=worker, code=project.code, target=Status.APPROVED)


def test_outside_the_area_the_project_does_not_exist(
    project: Project, jinjiang_officer: User
) -> None:
    with pytest.raises(NotFound):
        lifecycle.project_transition(
            actor=jinjiang_officer, code=project.code, target=Status.APPROVED
        )


def test_dates_may_not_go_backwards_or_into_the_future(
    project: Project, district_officer: User
) -> None:
    with pytest.raises(DomainError) as caught:
        lifecycle.project_transition(
            actor=district_officer, code=project.code, target=Status.APPROVED, on=date(2017, 12, 31)
        )
    assert caught.value.code == "date_before_previous"
    with pytest.raises(DomainError) as caught:
        lifecycle.project_transition(
            actor=district_officer, code=project.code, target=Status.APPROVED, on=date(2999, 1, 1)
        )
    assert caught.value.code == "date_future"


def test_rework_after_failed_acceptance_needs_a_reason_and_counts_once(
    project: Project, district_officer: User, worker: User
) -> None:
    lifecycle.project_transition(
        actor=district_officer, code=project.code, target=Status.APPROVED, on=date(2018, 2, 1)
    )
    lifecycle.project_transition(
        actor=worker, code=project.code, target=Status.UNDER_CONSTRUCTION, on=date(2018, 3, 1)
    )
    lifecycle.project_transition(
        actor=worker, code=project.code, target=Status.COMPLETED, on=date(2018, 5, 1)
    )
    with pytest.raises(DomainError) as caught:
        lifecycle.project_transition(
            actor=district_officer,
            code=project.code,
            target=Status.UNDER_CONSTRUCTION,
            on=date(2018, 6, 1),
        )
    assert caught.value.code == "reason_required"
    lifecycle.project_transition(
        actor=district_officer,
        code=project.code,
        target=Status.UNDER_CONSTRUCTION,
        on=date(2018, 6, 1),
        note="验收不合格，整改",
    )
    firsts = StatusEvent.objects.filter(project=project, status=Status.UNDER_CONSTRUCTION)
    assert sorted(firsts.values_list("is_first", flat=True)) == [False, True]


def test_progress_report_updates_the_month_instead_of_duplicating(
    project: Project, worker: User
) -> None:
    reporting.progress_report_submit(
        actor=worker, code=project.code, month=date(2018, 5, 3), progress=30, actual_city="100.00"
    )
    reporting.progress_report_submit(
        actor=worker, code=project.code, month=date(2018, 5, 20), progress=35, actual_city="150.00"
    )
    assert ProgressReport.objects.filter(project=project).count() == 1
    project.refresh_from_db()
    assert (project.progress, project.actual_city) == (35, Decimal("150.00"))


@pytest.mark.parametrize("value", [101, -1, "abc", 33.5, None])
def test_progress_outside_0_to_100_is_refused(
    project: Project, worker: User, value: object
) -> None:
    with pytest.raises(DomainError) as caught:
        reporting.progress_report_submit(
            actor=worker, code=project.code, month=date(2018, 5, 1), progress=value
        )
    assert caught.value.code == "progress_invalid"
    assert not ProgressReport.objects.exists()


def test_progress_going_backwards_needs_a_reason(project: Project, worker: User) -> None:
    reporting.progress_report_submit(
        actor=worker, code=project.code, month=date(2018, 5, 1), progress=50
    )
    with pytest.raises(DomainError) as caught:
        reporting.progress_report_submit(
            actor=worker, code=project.code, month=date(2018, 6, 1), progress=40
        )
    assert caught.value.code == "progress_backwards"
    assert "50%" in str(caught.value)
    reporting.progress_report_submit(
        actor=worker, code=project.code, month=date(2018, 6, 1), progress=40, note="返工"
    )
    assert ProgressReport.objects.filter(project=project).count() == 2


def test_followers_get_a_message_on_progress(project: Project, worker: User) -> None:
    resident = make_user("follower")
    followers.project_follow(actor=resident, code=project.code)
    followers.project_follow(actor=resident, code=project.code)
    assert Follow.objects.filter(user=resident).count() == 1
    reporting.progress_report_submit(
        actor=worker, code=project.code, month=date(2018, 5, 1), progress=20
    )
    message = FollowerMessage.objects.get(user=resident)
    assert "20%" in message.text


def test_milestone_weights_add_up_to_at_most_100(
    project: Project, district_officer: User, worker: User
) -> None:
    first = reporting.milestone_add(
        actor=district_officer, code=project.code, name="拆除", weight=60
    )
    with pytest.raises(DomainError) as caught:
        reporting.milestone_add(actor=district_officer, code=project.code, name="建设", weight=50)
    assert caught.value.code == "weight_invalid"
    reporting.milestone_complete(actor=worker, milestone_id=first.pk, done_on=date(2018, 4, 1))
    first.refresh_from_db()
    assert first.done_on == date(2018, 4, 1)


class _Upload:
    """A minimal uploaded file."""

    def __init__(self, data: bytes, name: str = "a.jpg") -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.file = SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a" + b"0" * 100, "photo_type"),
        (b"<script>alert(1)</script>", "photo_type"),
        (b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), "photo_too_large"),
    ],
)
def test_bad_photos_are_refused(
    project: Project, worker: User, data: bytes, code: str, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(DomainError) as caught:
        reporting.photo_add(
            actor=worker, code=project.code, phase="before", upload=_Upload(data).file
        )
    assert caught.value.code == code
    assert not project.photos.exists()


def test_a_jpeg_photo_is_stored_by_phase(
    project: Project, worker: User, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    photo = reporting.photo_add(
        actor=worker,
        code=project.code,
        phase="during",
        upload=_Upload(images.jpeg()).file,
    )
    assert photo.image.name.endswith(".jpg")
    assert photo.phase == "during"


def test_a_site_photo_is_stored_without_gps_and_downscaled(
    project: Project, worker: User, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    taken = images.jpeg(4000, 3000, gps=True)
    photo = reporting.photo_add(
        actor=worker, code=project.code, phase="during", upload=_Upload(taken).file
    )
    stored = images.metadata_of(photo.image.read())
    assert (stored["exif"], stored["gps"], stored["metadata"]) == ({}, {}, [])
    assert stored["size"] == (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE * 3 // 4)


def test_only_the_committee_edits_the_taxonomy(committee: User, district_officer: User) -> None:
    with pytest.raises(PermissionDenied):
        project_types.project_type_save(
            actor=district_officer, code="x", name="X", action_code="old-city"
        )
    saved = project_types.project_type_save(
        actor=committee,
        code="elevators",
        name="老旧小区加装电梯",
        action_code="old-city",
        unit="部",
    )
    assert saved.action.code == "old-city"
    assert saved.report_label == "老旧小区加装电梯"
    with pytest.raises(DomainError) as caught:
        project_types.project_type_save(
            actor=committee, code="elevators", name="电梯", action_code="nope"
        )
    assert caught.value.code == "action_unknown"


def test_plan_target_set_updates_the_same_cell(district_officer: User) -> None:
    planning.plan_target_set(
        actor=district_officer,
        type_code="back-alley",
        district_code="510107000000",
        year=2018,
        count=10,
        investment="5000000",
    )
    target = planning.plan_target_set(
        actor=district_officer,
        type_code="back-alley",
        district_code="510107000000",
        year=2018,
        count=12,
        investment="6000000",
    )
    assert (target.count, target.investment) == (12, Decimal("6000000.00"))
    with pytest.raises(PermissionDenied):
        planning.plan_target_set(
            actor=district_officer,
            type_code="back-alley",
            district_code="510104000000",
            year=2018,
            count=1,
            investment=0,
        )
