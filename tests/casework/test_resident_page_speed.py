"""A signed-in resident's pages cost the same few queries however much they hold (issue 14:
the benchmarked resident page is "My applications")."""

from typing import Any

from django.test import Client
from pytest_django import DjangoAssertNumQueries

from shequ.casework.services.applications import application_submit
from shequ.notices.models import Category, Message
from shequ.notices.services import message_send
from tests.casework.conftest import pdf, png, residence_answers

# The session, the user, their staff roles (none: the console link stays hidden), the unread
# messages badge, the page's count and its rows (service and department joined in).
RESIDENT_PAGE_QUERIES = 6


def _unread(user: Any) -> int:
    count = Message.objects.filter(user=user, read_at=None).count()
    assert count >= 3
    return count


def _apply(applicant: Any, service: Any) -> None:
    application_submit(
        actor=applicant,
        service_id=service.pk,
        data=residence_answers(),
        files={"photo": png(), "proof": pdf()},
    )


def test_my_applications_cost_the_same_queries_for_one_or_many(
    client: Client,
    applicant: Any,
    residence_permit: Any,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    _apply(applicant, residence_permit)
    client.force_login(applicant)
    client.get("/casework/")
    with django_assert_max_num_queries(RESIDENT_PAGE_QUERIES):
        first = client.get("/casework/").content.decode()
    assert first.count('data-testid="application-row"') == 1

    for n in range(4):
        _apply(applicant, residence_permit)
        message_send(user_id=applicant.pk, category=Category.APPLICATION, title=f"进度 {n}")
    with django_assert_max_num_queries(RESIDENT_PAGE_QUERIES):
        page = client.get("/casework/").content.decode()
    # Every application is listed with its service and department, and the badge counts.
    assert page.count('data-testid="application-row"') == 5
    assert page.count("居住证办理") == 5
    assert f'data-testid="unread-badge">{_unread(applicant)}<' in page


def test_the_residents_home_page_is_as_cheap(
    client: Client,
    applicant: Any,
    residence_permit: Any,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for n in range(3):
        _apply(applicant, residence_permit)
        message_send(user_id=applicant.pk, category=Category.APPLICATION, title=f"进度 {n}")
    client.force_login(applicant)
    client.get("/")
    # The session, the user, the resident with their community, the staff roles, the badge.
    with django_assert_max_num_queries(6):
        page = client.get("/").content.decode()
    assert "李四" in page
    assert f'data-testid="unread-badge">{_unread(applicant)}<' in page
