"""The public fund page stays fast: a fixed number of queries, the latest items of each
section with a link to its full paginated list, and downloads that hold everything."""

from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.test import Client

from shequ.funds import selectors
from shequ.funds.models import Commitment, Track
from shequ.funds.services import donations, reservations, spending
from shequ.people.models import User
from tests.factories import NIJIAQIAO, make_resident, make_user
from tests.funds.conftest import YEAR, approve, receipt

PAGE = f"/funds/{NIJIAQIAO}/"


def spend(worker: User, n: int, *, paid: bool = True) -> list[Commitment]:
    """``n`` spending items under one council decision, each paid once with a receipt."""
    approval = approve(worker, amount=str(100 * n), window_closed=paid)
    items = []
    for i in range(n):
        item = spending.commitment_create(
            actor=worker,
            community_code=NIJIAQIAO,
            approval_id=approval.pk,
            track=Track.SECURITY,
            year=YEAR,
            project=f"项目{i:03d}",
            category="services",
            supplier="某社工机构",
            amount="100",
        )
        if paid:
            spending.payment_create(
                actor=worker,
                commitment_id=item.pk,
                amount="40",
                invoice_number=f"F{i:03d}",
                receipt=receipt(),
            )
        items.append(item)
    return items


def fill_every_section(worker: User, n: int) -> None:
    spend(worker, n)
    for i in range(n):
        approve(worker, subject=f"决议{i:03d}", amount="10")
        donations.donation_record(
            actor=worker,
            community_code=NIJIAQIAO,
            donor_name=f"李四海{i}",
            name_public=False,
            amount="10",
        )
        reservations.reservation_create(
            actor=worker,
            community_code=NIJIAQIAO,
            track=Track.SECURITY,
            year=YEAR,
            amount="10",
            purpose=f"预算轮次{i}",
        )


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    """Three items a section instead of fifty, so the tests stay small."""
    monkeypatch.setattr(selectors, "LATEST", 3)
    return 3


@pytest.mark.parametrize("n", [1, 7])
def test_public_page_runs_a_fixed_number_of_queries(
    client: Client,
    allocated: User,
    worker: User,
    small_pages: int,
    n: int,
    django_assert_num_queries: Any,
) -> None:
    """Community (with the section counts), balances, then one read per section, one for
    the payments of the spending items shown and one for the residents' requests behind the
    spending and decisions: nine, however long the ledger is."""
    fill_every_section(worker, n)
    with django_assert_num_queries(9):
        response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="spending-row"') == min(n, small_pages)
    assert page.count('data-testid="decision"') == min(n + 1, small_pages)


def test_the_page_shows_the_latest_items_and_links_to_the_full_list(
    client: Client, allocated: User, worker: User, small_pages: int
) -> None:
    spend(worker, 4)
    page = client.get(PAGE).content.decode()
    shown = [f"项目{i:03d}" for i in (3, 2, 1)]
    assert all(title in page for title in shown)
    assert "项目000" not in page
    assert f'href="/funds/{NIJIAQIAO}/spending/" data-testid="more-spending"' in page
    # One decision only: no link for a section that is shown whole.
    assert 'data-testid="more-decisions"' not in page
    # A community that never reserved money shows no reservations section.
    assert 'data-testid="reservations"' not in page


def test_the_full_list_is_paginated_newest_first_in_constant_queries(
    client: Client,
    allocated: User,
    worker: User,
    small_pages: int,
    django_assert_num_queries: Any,
) -> None:
    spend(worker, 7)
    client.get(f"{PAGE}spending/")
    with django_assert_num_queries(5):  # community, count, page, its payments, requests behind
        first = client.get(f"{PAGE}spending/").content.decode()
    assert [t for t in ("项目006", "项目005", "项目004", "项目003") if t in first] == [
        "项目006",
        "项目005",
        "项目004",
    ]
    assert first.index("项目006") < first.index("项目005") < first.index("项目004")
    assert "1 / 3" in first
    last = client.get(f"{PAGE}spending/?page=3").content.decode()
    assert last.count('data-testid="spending-row"') == 1
    assert "项目000" in last
    assert "F000" in last  # the receipt of the payment


@pytest.mark.parametrize("section", ["decisions", "reservations", "allocations", "donations"])
def test_every_section_has_its_full_list(
    client: Client,
    allocated: User,
    worker: User,
    small_pages: int,
    section: str,
    django_assert_max_num_queries: Any,
) -> None:
    fill_every_section(worker, 4)
    assert f'data-testid="more-{section}"' in client.get(PAGE).content.decode() or (
        section == "allocations"  # one line a track and year: never more than fit
    )
    with django_assert_max_num_queries(4):
        response = client.get(f"{PAGE}{section}/?page=1")
    assert response.status_code == 200
    assert "李四海" not in response.content.decode()  # donors stay masked in full lists too


def test_a_resident_can_object_from_the_full_list_of_decisions(
    client: Client, allocated: User, worker: User, small_pages: int
) -> None:
    for i in range(4):
        approve(worker, subject=f"决议{i}")
    user = make_user("res_list")
    make_resident(NIJIAQIAO, user=user)
    client.force_login(user)
    oldest = client.get(f"{PAGE}decisions/?page=2").content.decode()
    assert "决议0" in oldest
    assert 'name="reason"' in oldest


@pytest.mark.parametrize(
    "path", [f"{PAGE}payments/", "/funds/510107999999/spending/", f"{PAGE}spending/?page=x"]
)
def test_unknown_lists_are_404_and_bad_pages_fall_back(
    client: Client, allocated: User, path: str
) -> None:
    expected = 200 if path.endswith("page=x") else 404
    assert client.get(path).status_code == expected


def test_downloads_hold_every_item_not_only_the_latest(
    client: Client, allocated: User, worker: User, small_pages: int
) -> None:
    fill_every_section(worker, 5)
    csv_text = client.get(f"{PAGE}disclosure.csv").content.decode("utf-8-sig")
    assert all(f"项目{i:03d}" in csv_text for i in range(5))
    assert all(f"预算轮次{i}" in csv_text for i in range(5))
    assert "李**" in csv_text
    assert "李四海" not in csv_text
    book = openpyxl.load_workbook(BytesIO(client.get(f"{PAGE}disclosure.xlsx").content))
    values = [c for row in book.active.iter_rows(values_only=True) for c in row]  # type: ignore[union-attr]
    assert sum(1 for v in values if isinstance(v, str) and v.startswith("决议")) == 5


def test_console_lists_open_items_first_in_pages_with_constant_queries(
    client: Client, allocated: User, worker: User, small_pages: int
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    items = spend(worker, 2, paid=False)
    client.force_login(worker)
    url = f"/console/funds/community/{NIJIAQIAO}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    more = spend(worker, 5, paid=False)
    spending.commitment_close(actor=worker, commitment_id=more[-1].pk)  # the newest, closed
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(few)
    assert page.count('data-testid="commitment"') == small_pages
    first_card = page.split('data-testid="commitment"')[1]
    assert "项目003" in first_card  # the newest open item; the newest of all is closed
    assert "1 / 3" in page
    assert len(items) == 2


def test_only_decisions_with_money_left_are_offered_for_a_commitment(
    client: Client, allocated: User, worker: User
) -> None:
    spend(worker, 2, paid=False)  # its decision is fully committed
    roomy = approve(worker, subject="还有余额的决议", amount="1000")
    client.force_login(worker)
    page = client.get(f"/console/funds/community/{NIJIAQIAO}/").content.decode()
    choices = page.split('name="approval"')[1].split("</select>")[0]
    assert choices.count("<option") == 1
    assert f'value="{roomy.pk}"' in choices
