"""志愿服务 on a phone: a verified resident registers from their account, asks to join a
team (the leader approves), signs up for a Saturday activity, checks in and out with the
leader's rotating code on site, sees the hours, issues a certificate that the public
verification page confirms, and reaches a star level after the announcement (公示)."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.test import override_settings
from playwright.sync_api import Page, expect

from shequ.core.scopes import Role
from shequ.volunteers import selectors
from shequ.volunteers.models import Membership
from shequ.volunteers.services import activities, ledger, stars, teams
from tests.e2e.steps import log_in
from tests.factories import make_staff
from tests.volunteers.conftest import FRIDAY, PLACE, SATURDAY_9, activity_data, resident_user

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"  # tests.factories.make_user's


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@override_settings(SHEQU_VOLUNTEER_ANNOUNCE_DAYS=1)
def test_a_resident_volunteers_on_saturday_and_gets_a_verified_certificate(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    page.set_default_timeout(30_000)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": float(PLACE[0]), "longitude": float(PLACE[1])})
    with time_machine.travel(FRIDAY, tick=True) as traveller:
        worker = make_staff("worker", Role.COMMUNITY_WORKER, "510107005004")
        team = teams.team_create(
            actor=worker, name="倪家桥志愿服务队", kind="community", division_code="510107005004"
        )
        activity = activities.activity_create(actor=worker, team_id=team.pk, data=activity_data())
        activities.activity_publish(actor=worker, activity_id=activity.pk)
        resident = resident_user("alice")

        # Register from the verified account: the identity is shown, not typed.
        log_in(page, "alice", PASSWORD)
        page.goto("/volunteers/")
        page.get_by_test_id("register-volunteer").click()
        expect(page.get_by_test_id("identity-name")).to_have_text(resident.resident.real_name)
        no_sideways_scroll(page)
        page.get_by_label("急救", exact=True).check()
        page.get_by_label("周末上午").check()
        page.get_by_role("button", name="注册").click()
        expect(page.get_by_test_id("volunteer-number")).to_have_text(re.compile(r"^ZY2026\d{7}$"))

        # Join the team; the worker (who runs the team's area) approves.
        page.get_by_test_id("nav-teams").click()
        page.get_by_test_id("join-team").click()
        expect(page.get_by_test_id("team-state")).to_have_text("等待队长审核")
        membership = Membership.objects.get(volunteer__user=resident)
        teams.membership_decide(actor=worker, membership_id=membership.pk, approve=True)

        # Sign up for the Saturday activity.
        page.get_by_test_id("nav-activities").click()
        page.get_by_test_id("activity-row").first.click()
        expect(page.get_by_test_id("activity-title")).to_have_text("周六敬老院探访")
        page.get_by_test_id("sign-up").click()
        expect(page.get_by_test_id("my-slot-status")).to_have_text("已报名")
        no_sideways_scroll(page)

        # Saturday on site: scan the leader's code (its address opens on the phone).
        traveller.move_to(SATURDAY_9 + timedelta(minutes=5))
        page.goto(f"/volunteers/check/{selectors.checkin_token(activity.pk)}/")
        page.get_by_test_id("check-button").click()
        expect(page.get_by_test_id("check-result")).to_contain_text("已签到")
        traveller.move_to(SATURDAY_9 + timedelta(hours=2, minutes=10))
        page.goto(f"/volunteers/check/{selectors.checkin_token(activity.pk)}/")
        page.get_by_test_id("check-button").click()
        expect(page.get_by_test_id("check-result")).to_contain_text("2.0 小时")
        page.get_by_role("link", name="我的时长").click()
        expect(page.get_by_test_id("hours-total")).to_have_text("2.0")

        # A certificate whose number the public page verifies.
        page.goto("/volunteers/")
        page.get_by_test_id("issue-certificate").click()
        certificate = page.get_by_test_id("certificate").first
        number = re.search(r"CD-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]", certificate.inner_text())
        assert number is not None
        page.context.clear_cookies()
        page.goto(f"/verify/{number.group(0)}/")
        expect(page.locator("main")).to_contain_text("志愿服务记录证明")

        # 98 honour hours more, the star level announced, then awarded.
        ledger.hours_honour_add(
            actor=worker,
            volunteer_id=resident.volunteer.pk,
            hours="24",
            served_on=date(2026, 12, 1),
            content="长期助老服务",
            reason="年度核定",
        )
        for _ in range(3):
            ledger.hours_honour_add(
                actor=worker,
                volunteer_id=resident.volunteer.pk,
                hours="24",
                served_on=date(2026, 11, 1),
                content="长期助老服务",
                reason="年度核定",
            )
        ledger.hours_honour_add(
            actor=worker,
            volunteer_id=resident.volunteer.pk,
            hours="2",
            served_on=date(2026, 11, 1),
            content="长期助老服务",
            reason="年度核定",
        )
        stars.star_levels_compute(actor=worker)
        page.goto("/volunteers/stars/")
        expect(page.get_by_test_id("star-row")).to_contain_text(resident.volunteer.number)
        traveller.move_to(SATURDAY_9 + timedelta(days=1))
        stars.star_levels_compute(actor=worker)
        log_in(page, "alice", PASSWORD)
        page.goto("/volunteers/")
        expect(page.get_by_test_id("star-level")).to_contain_text("1星级志愿者")
        no_sideways_scroll(page)


def test_a_worker_places_a_new_activity_on_the_map_instead_of_typing_coordinates(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": float(PLACE[0]), "longitude": float(PLACE[1])})
    make_staff("mapper", Role.COMMUNITY_WORKER, "510107005004")
    log_in(page, "mapper", PASSWORD)
    page.goto("/volunteers/manage/activities/new/")
    latitude, longitude = page.locator("#id_latitude"), page.locator("#id_longitude")
    expect(latitude).to_have_value("")
    expect(page.get_by_test_id("locate-map")).to_have_attribute("data-ready", "1")
    no_sideways_scroll(page)

    # A tap on the map fills both fields with a point inside Chengdu.
    page.get_by_test_id("locate-map").click()
    expect(latitude).not_to_have_value("")
    assert 30.0 < float(latitude.input_value()) < 31.5
    assert 102.9 < float(longitude.input_value()) < 105.0

    # On site, the phone's own location does it.
    page.locator("#locate-here").click()
    expect(latitude).to_have_value(f"{PLACE[0]:.6f}")
    expect(longitude).to_have_value(f"{PLACE[1]:.6f}")
