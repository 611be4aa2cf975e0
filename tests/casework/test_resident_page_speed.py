"""A signed-in resident's pages cost the same few queries however much they hold (issue 14:
the benchmarked resident page is "My applications")."""

from typing import Any

from django.test import Client
from pytest_django import DjangoAssertNumQueries

from shequ.casework.models import Application
from shequ.casework.services.applications import application_submit
from shequ.notices.models import Category, Message
from shequ.notices.services import message_send
from tests.casework.conftest import pdf, png, residence_answers

# The session; the user, read with whether they hold a staff role (none: the console link stays
# hidden) and their unread messages (the badge); the page's rows with their service and
# department joined in, one more than the page holds telling that no count is needed.
RESIDENT_PAGE_QUERIES = 3


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
    # The session, the user (with the staff-role and badge answers), the resident, their
    # community.
    with django_assert_max_num_queries(4):
        page = client.get("/").content.decode()
    assert "李四" in page
    assert f'data-testid="unread-badge">{_unread(applicant)}<' in page


def test_a_long_list_of_applications_pages_on(
    client: Client, applicant: Any, residence_permit: Any
) -> None:
    """Past the first page the list is counted and paged as usual, newest first."""
    for _ in range(22):
        _apply(applicant, residence_permit)
    client.force_login(applicant)
    first = client.get("/casework/").content.decode()
    second = client.get("/casework/", {"page": "2"}).content.decode()
    assert first.count('data-testid="application-row"') == 20
    assert second.count('data-testid="application-row"') == 2
    references = list(
        Application.objects.filter(applicant=applicant)
        .order_by("-submitted_at", "-id")
        .values_list("reference", flat=True)
    )
    assert references[0] in first
    assert references[0] not in second
    assert references[-1] in second
    assert references[-1] not in first
