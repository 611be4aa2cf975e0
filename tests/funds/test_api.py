"""API under /api/v1/funds/: public disclosure, scoped lists, RFC 7807 refusals."""

import pytest
from django.test import Client

from shequ.core.scopes import Role
from shequ.funds.models import Posting, Track
from shequ.funds.services import donations, reservations, spending
from shequ.people.models import User
from tests.factories import NIJIAQIAO, SHUIJINGFANG, WUHOU, make_staff
from tests.funds.conftest import FORMULA, YEAR, approve, council_register, receipt

API = "/api/v1/funds"


def test_disclosure_is_public(client: Client, allocated: User, worker: User) -> None:
    donations.donation_record(
        actor=worker, community_code=NIJIAQIAO, donor_name="赵六", name_public=False, amount="50"
    )
    body = client.get(f"{API}/communities/{NIJIAQIAO}/disclosure").json()
    assert body["community_code"] == NIJIAQIAO
    assert {b["track"] for b in body["balances"]} >= {"security", "donation"}
    assert body["donations"][0]["donor"] == "赵*"


def test_district_officer_configures_previews_and_posts(
    client: Client, district_officer: User
) -> None:
    client.force_login(district_officer)
    put = client.put(
        f"{API}/allocations/{YEAR}/formulas/{WUHOU}", FORMULA, content_type="application/json"
    )
    assert put.status_code == 200
    preview = client.get(f"{API}/allocations/{YEAR}/preview").json()
    assert [r["district_code"] for r in preview] == [WUHOU]
    assert not preview[0]["posted"]
    posted = client.post(
        f"{API}/allocations/{YEAR}/post", {"district": WUHOU}, content_type="application/json"
    )
    assert posted.status_code == 201
    assert posted.json()[0]["posted"]
    again = client.post(
        f"{API}/allocations/{YEAR}/post", {"district": WUHOU}, content_type="application/json"
    )
    assert again.status_code == 400
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["code"] == "year_posted"


def test_commitment_and_payment_through_the_api(
    client: Client, allocated: User, worker: User
) -> None:
    council_register(NIJIAQIAO, 9)
    client.force_login(worker)
    decision = client.post(
        f"{API}/decisions",
        {
            "community_code": NIJIAQIAO,
            "subject": "儿童之家",
            "amount": "2000",
            "meeting_date": "2026-02-01",
            "members_total": 9,
            "members_present": 8,
            "votes_for": 7,
            "votes_against": 0,
            "votes_abstain": 1,
        },
        content_type="application/json",
    )
    assert decision.status_code == 201
    payload = {
        "community_code": NIJIAQIAO,
        "approval_id": decision.json()["id"],
        "track": Track.SECURITY,
        "year": YEAR,
        "project": "儿童之家",
        "category": "activities",
        "supplier": "某机构",
        "amount": "2000",
    }
    created = client.post(f"{API}/commitments", payload, content_type="application/json")
    assert created.status_code == 201
    cid = created.json()["id"]
    # The decision was just disclosed: payment waits for the objection window to close ...
    paid = client.post(
        f"{API}/commitments/{cid}/payments",
        {"amount": "1500", "invoice_number": "X1", "receipt": receipt()},
    )
    assert (paid.status_code, paid.json()["code"]) == (400, "objection_window_open")
    # ... unless it is urgent and says why.
    urgent = "供应商停工前须付款"
    paid = client.post(
        f"{API}/commitments/{cid}/payments",
        {
            "amount": "2000.01",
            "invoice_number": "X1",
            "receipt": receipt(),
            "urgent_reason": urgent,
        },
    )
    assert paid.json()["code"] == "over_commitment"
    paid = client.post(
        f"{API}/commitments/{cid}/payments",
        {"amount": "1500", "invoice_number": "X1", "receipt": receipt(), "urgent_reason": urgent},
    )
    assert paid.status_code == 201
    assert paid.json()["urgent_reason"] == urgent
    disclosed = client.get(f"{API}/communities/{NIJIAQIAO}/disclosure").json()
    assert disclosed["commitments"][0]["payments"][0]["urgent_reason"] == urgent
    closed = client.post(f"{API}/commitments/{cid}/close")
    assert closed.json()["status"] == "closed"
    assert closed.json()["released"] == "500.00"


def test_no_approval_means_problem_and_no_posting(
    client: Client, allocated: User, worker: User
) -> None:
    client.force_login(worker)
    before = Posting.objects.count()
    response = client.post(
        f"{API}/commitments",
        {
            "community_code": NIJIAQIAO,
            "track": "security",
            "year": YEAR,
            "project": "x",
            "category": "services",
            "supplier": "y",
            "amount": "10",
        },
        content_type="application/json",
    )
    assert response.json()["code"] == "approval_required"
    assert Posting.objects.count() == before


@pytest.mark.parametrize("endpoint", ["accounts", "transactions", "commitments", "reservations"])
def test_lists_are_scoped_to_the_area(
    client: Client,
    allocated: User,
    worker: User,
    endpoint: str,
    django_assert_max_num_queries: object,
) -> None:
    approval = approve(worker)
    spending.commitment_create(
        actor=worker,
        community_code=NIJIAQIAO,
        approval_id=approval.pk,
        track="security",
        year=YEAR,
        project="p",
        category="services",
        supplier="s",
        amount="10",
    )
    reservations.reservation_create(
        actor=worker,
        community_code=NIJIAQIAO,
        track="security",
        year=YEAR,
        amount="100",
        purpose="预算轮次",
    )
    outsider = make_staff("worker_sjf2", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    client.force_login(outsider)
    assert client.get(f"{API}/{endpoint}").json()["count"] == 0
    client.force_login(worker)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        items = client.get(f"{API}/{endpoint}").json()["items"]
    assert items
    assert all((i.get("community_code") or i.get("division_code")) == NIJIAQIAO for i in items)


def test_a_round_budget_is_reserved_drawn_and_released_through_the_api(
    client: Client, allocated: User, worker: User
) -> None:
    client.force_login(worker)
    reserved = client.post(
        f"{API}/reservations",
        {
            "community_code": NIJIAQIAO,
            "track": "security",
            "year": YEAR,
            "amount": "100000",
            "purpose": "参与式预算",
        },
        content_type="application/json",
    )
    assert reserved.status_code == 201
    rid = reserved.json()["id"]
    over = client.post(
        f"{API}/reservations",
        {
            "community_code": NIJIAQIAO,
            "track": "security",
            "year": YEAR,
            "amount": "20000.01",
            "purpose": "第二轮",
        },
        content_type="application/json",
    )
    assert (over.status_code, over.json()["code"]) == (400, "insufficient_funds")
    approval = approve(worker, amount="70000")
    created = client.post(
        f"{API}/commitments",
        {
            "community_code": NIJIAQIAO,
            "approval_id": approval.pk,
            "track": "security",
            "year": YEAR,
            "project": "口袋公园",
            "category": "facilities",
            "supplier": "待采购",
            "amount": "70000",
            "reservation_id": rid,
        },
        content_type="application/json",
    )
    assert created.json()["reservation_id"] == rid
    released = client.post(f"{API}/reservations/{rid}/release", {}, content_type="application/json")
    assert (released.json()["status"], released.json()["released"]) == ("released", "30000.00")
    balances = client.get(f"{API}/communities/{NIJIAQIAO}/disclosure").json()["balances"]
    security = next(b for b in balances if b["track"] == "security")
    assert (security["available"], security["reserved"], security["committed"]) == (
        "50000.00",
        "0.00",
        "70000.00",
    )
