"""The holiday table ends: deadlines past it are flagged, never guessed; the committee enters
the next year (console or command); the console warns 60 days ahead.

The 2027 days entered here are test data (the real notice is not in the project yet)."""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from shequ.casework.models import Application, Holiday, HolidayYear
from shequ.casework.services.applications import application_act, application_submit
from shequ.casework.services.holidays import (
    HolidayDay,
    HolidayPeriod,
    InvalidHolidays,
    holiday_days_from_periods,
    holiday_year_enter,
)
from shequ.casework.workdays import (
    HolidayTableMissing,
    counted_past_table,
    working_day_add,
    working_days_between,
)
from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from tests.casework.conftest import pdf, png, residence_answers
from tests.factories import CITY, NIJIAQIAO, make_staff

CHENGDU = ZoneInfo("Asia/Shanghai")
# A Tuesday two weeks before the table (2024–2026) runs out.
MID_DECEMBER = datetime(2026, 12, 15, 10, 0, tzinfo=CHENGDU)
TEST_NOTICE = "测试用通知（非真实安排）"
# Test-only 2027 days: New Year 1–3 January off, Saturday 9 January worked for it.
NEW_YEAR_2027 = {
    "periods-0-name": "元旦",
    "periods-0-first_off": "2027-01-01",
    "periods-0-last_off": "2027-01-03",
    "periods-0-work_1": "2027-01-09",
}


@pytest.fixture
def committee(chengdu: None) -> Any:
    return make_staff("committee-h", Role.CITY_COMMITTEE, CITY)


def _accepted(applicant: Any, police: Any, service: Any) -> Application:
    application = application_submit(
        actor=applicant,
        service_id=service.pk,
        data=residence_answers(),
        files={"photo": png(), "proof": pdf()},
    )
    return application_act(actor=police, application_id=application.pk, action="accept")


def _periods(extra: dict[str, str] | None = None, rows: int = 8) -> dict[str, str]:
    return {
        "periods-TOTAL_FORMS": str(rows),
        "periods-INITIAL_FORMS": "0",
        "periods-MIN_NUM_FORMS": "0",
        "periods-MAX_NUM_FORMS": "12",
        **(extra or {}),
    }


def test_working_days_past_the_holiday_table_are_refused_not_guessed(db: None) -> None:
    assert working_day_add(date(2026, 12, 1), 10) == date(2026, 12, 15)
    with pytest.raises(HolidayTableMissing) as refused:
        working_day_add(date(2026, 12, 20), 15)  # would count 1 January as a working day
    assert refused.value.year == 2027
    assert "2027" in str(refused.value)
    with pytest.raises(HolidayTableMissing):
        working_days_between(date(2026, 12, 30), date(2027, 1, 5))


def test_a_deadline_past_the_table_is_flagged_on_the_case_not_computed(
    client: Client, applicant: Any, police: Any, residence_permit: Any
) -> None:
    # given an application accepted two weeks before the table ends (15 working days)
    with time_machine.travel(MID_DECEMBER, tick=False):
        application = _accepted(applicant, police, residence_permit)
        # then it has no date, and the case says why
        assert application.due_date is None
        assert application.deadline_pending
        assert (application.deadline_pending_from, application.deadline_pending_days) == (
            date(2026, 12, 15),
            15,
        )
        client.force_login(police)
        page = client.get(
            f"/console/casework/{application.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
        assert 'data-testid="deadline-pending"' in page
        assert "节假日表" in page
        queue = client.get("/console/casework/?due=pending").content.decode()
        assert application.reference in queue
        assert 'data-testid="deadline-pending"' in queue
        api = client.get("/api/v1/casework/queue?due=pending").json()
        assert [(i["id"], i["due_date"], i["deadline_pending"]) for i in api["items"]] == [
            (application.pk, None, True)
        ]
        client.force_login(applicant)
        mine = client.get(f"/casework/{application.pk}/").content.decode()
        assert 'data-testid="deadline-pending"' in mine


def test_the_committee_enters_a_year_on_the_console_and_waiting_deadlines_get_their_date(
    client: Client, applicant: Any, police: Any, residence_permit: Any, committee: Any
) -> None:
    with time_machine.travel(MID_DECEMBER, tick=False):
        application = _accepted(applicant, police, residence_permit)
        # given the holiday page, with date pickers for each holiday of the notice
        client.force_login(committee)
        page = client.get("/console/casework/holidays/")
        html = page.content.decode()
        assert page.status_code == 200
        assert 'type="date"' in html
        assert 'name="periods-1-first_off"' in html
        assert 'data-testid="pending-count"' in html
        # when a make-up working day on a weekday is entered, it is refused and nothing is kept
        bad = client.post(
            "/console/casework/holidays/",
            {
                "year": "2027",
                "source": TEST_NOTICE,
                **_periods(NEW_YEAR_2027),
                "periods-0-work_1": "2027-01-08",
            },
        )
        assert bad.status_code == 400
        assert "2027-01-08" in bad.content.decode()
        assert not HolidayYear.objects.filter(year=2027).exists()
        # when the year is entered
        done = client.post(
            "/console/casework/holidays/",
            {"year": "2027", "source": TEST_NOTICE, **_periods(NEW_YEAR_2027)},
        )
        assert done.status_code == 302
    # then its days are in the table, audited, and the waiting deadline is computed with them
    assert list(Holiday.objects.filter(day__year=2027).values_list("day", "kind", "source")) == [
        (date(2027, 1, 1), "off", TEST_NOTICE),
        (date(2027, 1, 2), "off", TEST_NOTICE),
        (date(2027, 1, 3), "off", TEST_NOTICE),
        (date(2027, 1, 9), "work", TEST_NOTICE),
    ]
    assert AuditEvent.objects.filter(verb="holiday_year.enter", object_id="2027").exists()
    application.refresh_from_db()
    assert application.due_date == date(2027, 1, 6)  # 1 January is not a working day
    assert not application.deadline_pending
    assert AuditEvent.objects.filter(
        verb="application.deadline_computed", object_id=str(application.pk)
    ).exists()


def test_only_the_committee_keeps_the_holiday_table(
    client: Client, police: Any, committee: Any
) -> None:
    client.force_login(police)
    assert client.get("/console/casework/holidays/").status_code == 403
    worker = make_staff("worker-h", Role.COMMUNITY_WORKER, NIJIAQIAO)
    client.force_login(worker)
    assert client.get("/console/casework/holidays/").status_code == 403
    with pytest.raises(PermissionDenied):
        holiday_year_enter(
            actor=police,
            year=2027,
            source=TEST_NOTICE,
            days=[HolidayDay(date(2027, 1, 1), "off", "元旦")],
        )
    client.force_login(committee)
    assert 'href="/console/casework/holidays/"' in client.get("/console/casework/").content.decode()


def test_entering_a_year_refuses_wrong_days_and_a_second_entry_without_replace(
    committee: Any,
) -> None:
    def enter(year: int, *days: HolidayDay, replace: bool = False) -> Any:
        return holiday_year_enter(
            actor=committee, year=year, source=TEST_NOTICE, days=list(days), replace=replace
        )

    with pytest.raises(InvalidHolidays) as wrong:
        enter(
            2027,
            HolidayDay(date(2026, 12, 31), "off", "元旦"),
            HolidayDay(date(2027, 1, 4), "work", "元旦调休上班"),
        )
    codes = {e.code for e in wrong.value.errors}
    assert codes == {"holiday_day_outside_year", "holiday_work_day_weekday"}
    with pytest.raises(DomainError) as twice:
        enter(2026, HolidayDay(date(2026, 1, 1), "off", "元旦"))
    assert twice.value.code == "holiday_year_exists"
    assert Holiday.objects.filter(day__year=2026).count() == 39  # the notice's days, untouched


def test_the_console_warns_from_60_days_before_the_table_runs_out(
    client: Client, police: Any, committee: Any
) -> None:
    worker = make_staff("worker-w", Role.COMMUNITY_WORKER, NIJIAQIAO)
    with time_machine.travel(datetime(2026, 10, 31, 9, 0, tzinfo=CHENGDU), tick=False):
        client.force_login(committee)
        assert "holiday-table-warning" not in client.get("/console/casework/").content.decode()
    with time_machine.travel(datetime(2026, 11, 1, 9, 0, tzinfo=CHENGDU), tick=False):
        page = client.get("/console/").content.decode()
        assert 'data-testid="holiday-table-warning"' in page
        assert "节假日表截至 2026-12-31，还剩 60 天" in page
        assert 'href="/console/casework/holidays/"' in page
        client.force_login(police)  # counts deadlines: warned, without the link to enter
        page = client.get("/console/casework/").content.decode()
        assert 'data-testid="holiday-table-warning"' in page
        assert "录入节假日</a>" not in page
        client.force_login(worker)
        assert "holiday-table-warning" not in client.get("/console/").content.decode()
    with time_machine.travel(datetime(2027, 1, 4, 9, 0, tzinfo=CHENGDU), tick=False):
        client.force_login(committee)
        page = client.get("/console/").content.decode()
        assert "节假日表已于 2026-12-31 截止" in page


def test_the_command_enters_a_year_from_the_notice(committee: Any) -> None:
    with pytest.raises(CommandError, match="2027-01-08"):
        call_command(
            "enter_holidays",
            "2027",
            source=TEST_NOTICE,
            holiday=["元旦:2027-01-01..2027-01-03+2027-01-08"],
        )
    call_command(
        "enter_holidays",
        "2027",
        source=TEST_NOTICE,
        holiday=["元旦:2027-01-01..2027-01-03+2027-01-09", "春节:2027-02-08..2027-02-10"],
        by=committee.username,
    )
    assert Holiday.objects.filter(day__year=2027, kind="off").count() == 6
    assert HolidayYear.objects.get(year=2027).entered_by == committee
    assert working_day_add(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_a_deadline_counted_past_the_table_before_the_fix_is_counted_again_from_its_end(
    db: None,
) -> None:
    # 15 working days from 2026-12-15 were counted as ending 2027-01-05 (1 January worked)
    years = {2024, 2025, 2026}
    assert counted_past_table(date(2026, 12, 30), years) is None
    assert counted_past_table(date(2027, 1, 5), years) == (date(2026, 12, 31), 3)
    holiday_year_enter(
        actor=None,
        year=2027,
        source=TEST_NOTICE,
        days=holiday_days_from_periods([HolidayPeriod("元旦", date(2027, 1, 1), date(2027, 1, 3))]),
    )
    assert working_day_add(date(2026, 12, 31), 3) == working_day_add(date(2026, 12, 15), 15)
