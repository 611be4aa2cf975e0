"""Pages: the public disclosure, console pages scoped to the area, downloads, N+1 guards."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from shequ.core.models import AuditEvent
from shequ.funds.models import Commitment, Objection, Track
from shequ.funds.services import donations, spending
from shequ.people.models import User, VerificationLevel
from tests.factories import NIJIAQIAO, SHUIJINGFANG, WUHOU, make_resident, make_user
from tests.funds.conftest import FORMULA, YEAR, approve, council_register, fund, receipt


def _spend(worker: User, n: int = 1) -> None:
    for i in range(n):
        approval = approve(worker, window_closed=True)
        commitment = spending.commitment_create(
            actor=worker,
            community_code=NIJIAQIAO,
            approval_id=approval.pk,
            track=Track.SECURITY,
            year=YEAR,
            project=f"项目{i}",
            category="services",
            supplier="某社工机构",
            amount="1000",
        )
        spending.payment_create(
            actor=worker,
            commitment_id=commitment.pk,
            amount="500",
            invoice_number=f"F{i}",
            receipt=receipt(),
        )
    donations.donation_record(
        actor=worker, community_code=NIJIAQIAO, donor_name="李四海", name_public=False, amount="100"
    )


def test_public_page_shows_money_without_login_and_masks_donors(
    client: Client, allocated: User, worker: User, django_assert_max_num_queries: object
) -> None:
    _spend(worker, 3)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = client.get(f"/funds/{NIJIAQIAO}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "项目2" in page
    assert "F2" in page
    assert "李**" in page
    assert "李四海" not in page


def test_unknown_community_is_404(client: Client, chengdu: None) -> None:
    assert client.get("/funds/510107999999/").status_code == 404


def test_disclosure_downloads_as_excel_and_csv(
    client: Client, allocated: User, worker: User
) -> None:
    _spend(worker)
    csv_text = client.get(f"/funds/{NIJIAQIAO}/disclosure.csv").content.decode("utf-8-sig")
    assert "项目0" in csv_text
    assert "李**" in csv_text
    assert "李四海" not in csv_text
    book = openpyxl.load_workbook(
        BytesIO(client.get(f"/funds/{NIJIAQIAO}/disclosure.xlsx").content)
    )
    values = [c for row in book.active.iter_rows(values_only=True) for c in row]  # type: ignore[union-attr]
    assert "项目0" in values


def test_resident_objects_from_the_public_page(
    client: Client, allocated: User, worker: User
) -> None:
    approval = approve(worker)
    user = make_user("res_njq")
    make_resident(NIJIAQIAO, user=user, level=VerificationLevel.REGISTRY_MATCHED)
    client.force_login(user)
    response = client.post(
        f"/funds/decisions/{approval.pk}/object/", {"reason": "价格偏高请公开比价"}, follow=True
    )
    assert Objection.objects.filter(approval=approval, status="open").count() == 1
    assert response.status_code == 200


def test_worker_records_commits_pays_and_closes_in_the_console(
    client: Client, allocated: User, worker: User
) -> None:
    council_register(NIJIAQIAO, 9)
    client.force_login(worker)
    page = client.get("/console/funds/", follow=True)
    assert page.redirect_chain[-1][0] == f"/console/funds/community/{NIJIAQIAO}/"
    # Recorded eight days ago: the objection window has closed when the worker pays.
    with time_machine.travel(timezone.now() - timedelta(days=8), tick=False):
        client.post(
            f"/console/funds/community/{NIJIAQIAO}/decisions/",
            {
                "subject": "助老服务",
                "amount": "3000",
                "meeting_date": "2026-01-10",
                "members_present": 7,
                "votes_for": 6,
                "votes_against": 1,
                "votes_abstain": 0,
                "minutes": receipt("minutes.pdf"),
            },
        )
    approval = worker_approval = __import__(
        "shequ.funds.models", fromlist=["ApprovalRecord"]
    ).ApprovalRecord.objects.get()
    assert worker_approval.minutes
    client.post(
        f"/console/funds/community/{NIJIAQIAO}/commitments/",
        {
            "approval": approval.pk,
            "track": "security",
            "year": YEAR,
            "project": "助老餐",
            "category": "services",
            "supplier": "某社工机构",
            "amount": "3000",
        },
    )
    commitment = Commitment.objects.get()
    client.post(
        f"/console/funds/commitments/{commitment.pk}/pay/",
        {"amount": "2500", "invoice_number": "INV-1", "receipt": receipt()},
    )
    client.post(f"/console/funds/commitments/{commitment.pk}/close/")
    commitment.refresh_from_db()
    assert (commitment.paid, commitment.released, commitment.status) == (
        Decimal("2500"),
        Decimal("500"),
        "closed",
    )
    assert fund().balance == Decimal("117500.00")


def test_console_shows_a_bad_amount_as_an_error_and_writes_nothing(
    client: Client, allocated: User, worker: User
) -> None:
    client.force_login(worker)
    approval = approve(worker)
    response = client.post(
        f"/console/funds/community/{NIJIAQIAO}/commitments/",
        {
            "approval": approval.pk,
            "track": "security",
            "year": YEAR,
            "project": "x",
            "category": "services",
            "supplier": "y",
            "amount": "10.001",
        },
        follow=True,
    )
    assert (
        "two decimal places" in response.content.decode() or "两位小数" in response.content.decode()
    )
    assert not Commitment.objects.exists()


def test_worker_of_another_community_gets_404(client: Client, allocated: User) -> None:
    from shequ.core.scopes import Role
    from tests.factories import make_staff

    other = make_staff("worker_sjf1", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    client.force_login(other)
    assert client.get(f"/console/funds/community/{NIJIAQIAO}/").status_code == 404
    assert client.post(f"/console/funds/community/{NIJIAQIAO}/commitments/", {}).status_code in (
        302,
        404,
    )


def test_district_officer_previews_and_posts_from_the_console(
    client: Client, district_officer: User
) -> None:
    client.force_login(district_officer)
    client.post(f"/console/funds/formula/{YEAR}/{WUHOU}/", FORMULA)
    page = client.get(f"/console/funds/?year={YEAR}").content.decode()
    assert f"post-{WUHOU}" in page
    assert 'data-confirm-dialog="下达后，' in page

    # Without the confirmation nothing is posted: a page states the consequence instead.
    ask = client.post(f"/console/funds/allocations/{YEAR}/post/", {"district": WUHOU})
    assert ask.status_code == 200
    asked = ask.content.decode()
    assert 'data-testid="confirm-page"' in asked
    assert "已下达的分配不能撤回" in asked
    assert f'name="district" value="{WUHOU}"' in asked
    assert not AuditEvent.objects.filter(verb="funds.allocation_posted").exists()

    client.post(f"/console/funds/allocations/{YEAR}/post/", {"district": WUHOU, "confirm": "1"})
    assert fund().balance == Decimal("120000.00")
    again = client.post(
        f"/console/funds/allocations/{YEAR}/post/",
        {"district": WUHOU, "confirm": "1"},
        follow=True,
    )
    assert fund().balance == Decimal("120000.00")
    assert again.status_code == 200


def test_report_page_and_excel(client: Client, allocated: User, worker: User) -> None:
    _spend(worker)
    client.force_login(allocated)
    page = client.get(f"/console/funds/report/?year={YEAR}&division={WUHOU}")
    assert page.status_code == 200
    assert "玉林街道" in page.content.decode()
    xlsx = client.get(f"/console/funds/report/?year={YEAR}&division={WUHOU}&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        client.get(f"/console/funds/report/?year={YEAR}&division={SHUIJINGFANG}").status_code == 404
    )


@pytest.mark.parametrize("path", ["/console/funds/", f"/console/funds/community/{NIJIAQIAO}/"])
def test_residents_cannot_open_the_funds_console(client: Client, chengdu: None, path: str) -> None:
    client.force_login(make_user("plain"))
    assert client.get(path).status_code == 403


DECISION = {
    "subject": "街道代为登记的决议",
    "amount": "3000",
    "meeting_date": "2026-01-10",
    "members_present": 6,
    "votes_for": 5,
    "votes_against": 1,
    "votes_abstain": 0,
}


@pytest.mark.parametrize(
    ("who", "form_shown", "recorded"),
    [("street", True, True), ("auditor", False, False), ("other_street", None, False)],
)
def test_street_officer_records_a_decision_in_the_console_but_auditors_do_not(
    client: Client, allocated: User, street: User, who: str, form_shown: bool | None, recorded: bool
) -> None:
    from shequ.core.scopes import Role
    from shequ.funds.models import ApprovalRecord
    from tests.factories import WUHOU, make_staff

    actor = {
        "street": street,
        "auditor": make_staff("auditor_wh", Role.AUDITOR, WUHOU),
        "other_street": make_staff("street_jgy", Role.STREET_OFFICER, "510104017000"),
    }[who]
    council_register(NIJIAQIAO, 9)
    client.force_login(actor)
    page = client.get(f"/console/funds/community/{NIJIAQIAO}/")
    if form_shown is None:
        assert page.status_code == 404
    else:
        assert page.status_code == 200
        assert ('data-testid="decision-form"' in page.content.decode()) is form_shown
    response = client.post(f"/console/funds/community/{NIJIAQIAO}/decisions/", DECISION)
    assert response.status_code in (302, 404)
    assert ApprovalRecord.objects.filter(created_by=actor).exists() is recorded


def test_a_payment_inside_the_objection_window_waits_unless_urgent_and_is_disclosed(
    client: Client, allocated: User, worker: User
) -> None:
    approval = approve(worker)
    commitment = spending.commitment_create(
        actor=worker,
        community_code=NIJIAQIAO,
        approval_id=approval.pk,
        track=Track.SECURITY,
        year=YEAR,
        project="楼道漏电抢修",
        category="facilities",
        supplier="某电工班组",
        amount="1000",
    )
    client.force_login(worker)
    console = client.get(f"/console/funds/community/{NIJIAQIAO}/").content.decode()
    assert 'data-testid="payment-waits"' in console
    assert 'name="urgent_reason"' in console
    url = f"/console/funds/commitments/{commitment.pk}/pay/"
    refused = client.post(
        url, {"amount": "800", "invoice_number": "INV-9", "receipt": receipt()}, follow=True
    )
    assert "异议期结束" in refused.content.decode()
    assert not commitment.payments.exists()
    reason = "暴雨后楼道漏电，须立即抢修"
    client.post(
        url,
        {"amount": "800", "invoice_number": "INV-9", "receipt": receipt(), "urgent_reason": reason},
    )
    assert commitment.payments.get().urgent_reason == reason
    client.logout()
    page = client.get(f"/funds/{NIJIAQIAO}/").content.decode()
    assert 'data-testid="urgent-payment"' in page
    assert "异议期结束前支付" in page
    assert reason in page
    csv_text = client.get(f"/funds/{NIJIAQIAO}/disclosure.csv").content.decode("utf-8-sig")
    assert f"INV-9 · 异议期结束前支付：{reason}" in csv_text
