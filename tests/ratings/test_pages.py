"""The resident's pages, the entry points in other apps, the console and the public pages."""

from datetime import date, timedelta

import time_machine
from django.test import Client

from shequ.catalogue.models import Service
from shequ.core.scopes import Role
from shequ.ratings.models import FollowUp, Rating
from shequ.ratings.services import follow_up_answer, rating_submit
from tests.factories import SHUIJINGFANG, make_staff, make_user
from tests.ratings.conftest import (
    MONDAY_IN_TABLE,
    bill_for,
    booking_for,
    closed_case,
    submitted_case,
)


def test_resident_rates_a_closed_case_poorly_and_is_told_the_deadline(
    client: Client, resident, closed
) -> None:
    client.force_login(resident)
    listing = client.get("/ratings/").content.decode()
    assert "社区居住证明开具" in listing
    assert "待评价" in listing
    page = client.get(f"/ratings/rate/application/{closed.pk}/")
    assert page.status_code == 200
    assert "非常不满意" in page.content.decode()
    response = client.post(
        f"/ratings/rate/application/{closed.pk}/",
        {"level": "2", "reasons": ["many_trips", "unclear"], "comment": "跑了两趟"},
        follow=True,
    )
    rating = Rating.objects.get()
    assert response.redirect_chain[-1][0] == f"/ratings/{rating.pk}/"
    body = response.content.decode()
    assert "责任部门将在" in body
    assert "不满意" in body
    assert "待部门整改答复" in body


def test_a_level_outside_the_five_gets_a_chinese_error_and_nothing_is_saved(
    client: Client, resident, closed
) -> None:
    client.force_login(resident)
    response = client.post(f"/ratings/rate/application/{closed.pk}/", {"level": "9"})
    assert response.status_code == 400
    assert "请从“非常满意”到“非常不满意”五个等级中选择一个" in response.content.decode()
    assert not Rating.objects.exists()


def test_poor_rating_without_reason_is_refused_in_chinese(client: Client, resident, closed) -> None:
    client.force_login(resident)
    response = client.post(f"/ratings/rate/application/{closed.pk}/", {"level": "1"})
    assert response.status_code == 400
    assert "差评请至少选择一个原因" in response.content.decode()
    assert not Rating.objects.exists()


def test_a_case_not_closed_or_not_yours_cannot_be_rated(
    client: Client, resident, certificate
) -> None:
    open_case = submitted_case(resident, certificate)
    client.force_login(resident)
    response = client.get(f"/ratings/rate/application/{open_case.pk}/")
    assert response.status_code == 400
    assert "该办件尚未办结" in response.content.decode()
    response = client.post(f"/ratings/rate/application/{open_case.pk}/", {"level": "5"})
    assert response.status_code == 400
    assert not Rating.objects.exists()
    client.force_login(make_user("stranger"))
    assert client.get(f"/ratings/rate/application/{open_case.pk}/").status_code == 404


def test_a_second_tap_on_rate_shows_the_first_rating(client: Client, resident, closed) -> None:
    rating = rating_submit(actor=resident, subject="application", subject_id=closed.pk, level=5)
    client.force_login(resident)
    response = client.post(f"/ratings/rate/application/{closed.pk}/", {"level": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/ratings/{rating.pk}/"
    assert Rating.objects.get().level == 5


def test_closed_case_page_has_a_rate_button_open_one_has_not(
    client: Client, resident, certificate, closed
) -> None:
    open_case = submitted_case(resident, certificate)
    client.force_login(resident)
    closed_page = client.get(f"/casework/{closed.pk}/").content.decode()
    assert f"/ratings/rate/application/{closed.pk}/" in closed_page
    open_page = client.get(f"/casework/{open_case.pk}/").content.decode()
    assert "/ratings/rate/" not in open_page


def test_catalogue_rating_service_leads_to_the_residents_list_and_services_show_figures(
    client: Client, resident, closed, certificate
) -> None:
    rating_submit(actor=resident, subject="application", subject_id=closed.pk, level=4)
    haocha = Service.objects.get(code="haocha-ping")
    page = client.get(f"/catalogue/services/{haocha.pk}/").content.decode()
    assert 'href="/ratings/"' in page
    page = client.get(f"/catalogue/services/{certificate.pk}/").content.decode()
    assert "满意率 100%（1 条评价）" in page


def test_public_department_page_shows_figures_without_names(
    client: Client, resident, closed
) -> None:
    rating_submit(
        actor=resident,
        subject="application",
        subject_id=closed.pk,
        level=1,
        reasons=["rude_staff"],
        comment="态度不好",
    )
    listing = client.get("/ratings/departments/").content.decode()
    assert "/ratings/departments/shezhi/" in listing
    page = client.get("/ratings/departments/shezhi/").content.decode()
    assert "满意率 0%（1 条评价）" in page
    assert "态度不好" in page
    assert "匿名" in page
    assert "王五" not in page
    assert "rater" not in page


@time_machine.travel(MONDAY_IN_TABLE, tick=False)
def test_department_staff_see_follow_up_with_deadline_and_answer(
    client: Client, resident, certificate, shezhi_staff
) -> None:
    application = closed_case(resident, certificate, shezhi_staff)
    rating = rating_submit(
        actor=resident,
        subject="application",
        subject_id=application.pk,
        level=2,
        reasons=["too_slow"],
    )
    follow_up = rating.follow_up
    client.force_login(shezhi_staff)
    listing = client.get("/console/ratings/follow-ups/").content.decode()
    assert "2026-03-09" in listing  # five working days after Monday 2 March
    overview = client.get("/console/ratings/").content.decode()
    assert "满意率 0%（1 条评价）" in overview
    empty = client.post(f"/console/ratings/follow-ups/{follow_up.pk}/", {"text": " "})
    assert empty.status_code == 400
    assert "这个字段是必填项" in empty.content.decode() or "必填" in empty.content.decode()
    assert FollowUp.objects.get().status == FollowUp.Status.OPEN
    done = client.post(
        f"/console/ratings/follow-ups/{follow_up.pk}/", {"text": "已增加窗口人手"}, follow=True
    )
    assert "答复已发送给群众" in done.content.decode()
    client.force_login(resident)
    page = client.get(f"/ratings/{rating.pk}/").content.decode()
    assert "已增加窗口人手" in page
    assert "这个答复解决您的问题了吗" in page
    response = client.post(f"/ratings/{rating.pk}/confirm/", {"resolved": "no"})
    assert response.status_code == 400
    assert "请说明还有哪些问题没有解决" in response.content.decode()
    client.post(f"/ratings/{rating.pk}/confirm/", {"resolved": "yes"})
    assert FollowUp.objects.get().status == FollowUp.Status.RESOLVED


def test_overdue_follow_ups_are_flagged(
    client: Client, resident, certificate, shezhi_staff
) -> None:
    with time_machine.travel(MONDAY_IN_TABLE, tick=False):
        application = closed_case(resident, certificate, shezhi_staff)
        rating_submit(
            actor=resident,
            subject="application",
            subject_id=application.pk,
            level=1,
            reasons=["not_done"],
        )
    client.force_login(shezhi_staff)
    with time_machine.travel(date(2026, 3, 20), tick=False):
        overview = client.get("/console/ratings/").content.decode()
        assert "1 件整改逾期" in overview
        listing = client.get("/console/ratings/follow-ups/?overdue=1").content.decode()
        assert 'data-testid="overdue"' in listing


def test_ratings_are_scoped_to_department_and_area(
    client: Client, resident, closed, other_staff
) -> None:
    rating_submit(
        actor=resident,
        subject="application",
        subject_id=closed.pk,
        level=2,
        reasons=["other"],
        comment="倪家桥的评价",
    )
    worker_here = make_staff("worker_here", Role.COMMUNITY_WORKER, closed.community_id)
    worker_there = make_staff("worker_there", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    for user, sees in ((worker_here, True), (worker_there, False), (other_staff, False)):
        client.force_login(user)
        page = client.get("/console/ratings/").content.decode()
        assert ("倪家桥的评价" in page) is sees, user.username
        follow_ups = client.get("/console/ratings/follow-ups/").content.decode()
        assert ('data-testid="follow-up-row"' in follow_ups) is sees
    # area staff read, but only the department answers
    client.force_login(worker_here)
    follow_up = FollowUp.objects.get()
    page = client.get(f"/console/ratings/follow-ups/{follow_up.pk}/").content.decode()
    assert "发送答复" not in page
    client.force_login(other_staff)
    assert client.get(f"/console/ratings/follow-ups/{follow_up.pk}/").status_code == 404
    client.force_login(resident)
    assert client.get("/console/ratings/").status_code == 403


def test_console_list_query_count_does_not_grow(
    client: Client, resident, certificate, shezhi_staff, django_assert_max_num_queries
) -> None:
    for _ in range(2):
        case = closed_case(resident, certificate, shezhi_staff)
        rating_submit(
            actor=resident,
            subject="application",
            subject_id=case.pk,
            level=1,
            reasons=["other"],
            comment="慢",
        )
    client.force_login(shezhi_staff)
    with django_assert_max_num_queries(20) as few:
        client.get("/console/ratings/")
    for _ in range(3):
        case = closed_case(resident, certificate, shezhi_staff)
        rating_submit(actor=resident, subject="application", subject_id=case.pk, level=5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/console/ratings/")
    with django_assert_max_num_queries(20) as listed:
        client.get("/console/ratings/follow-ups/")
    follow_up_answer(actor=shezhi_staff, follow_up_id=FollowUp.objects.first().pk, text="已处理")
    with django_assert_max_num_queries(len(listed.captured_queries)):
        client.get("/console/ratings/follow-ups/")


def test_used_booking_and_paid_bill_pages_have_a_rate_button(client: Client, resident) -> None:
    used = booking_for(resident, ends_in=timedelta(hours=-1))
    upcoming = booking_for(resident, ends_in=timedelta(days=1))
    paid, unpaid = bill_for(resident), bill_for(resident, status="unpaid")
    client.force_login(resident)
    mine = client.get("/bookings/mine/").content.decode()
    assert f"/ratings/rate/booking/{used.pk}/" in mine
    assert f"/ratings/rate/booking/{upcoming.pk}/" not in mine
    assert (
        f"/ratings/rate/bill/{paid.pk}/"
        in client.get(f"/payments/bills/{paid.pk}/").content.decode()
    )
    assert "/ratings/rate/" not in client.get(f"/payments/bills/{unpaid.pk}/").content.decode()
    listing = client.get("/ratings/").content.decode()
    assert f"/ratings/rate/booking/{used.pk}/" in listing
    assert f"/ratings/rate/bill/{paid.pk}/" in listing
