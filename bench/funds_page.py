"""The public fund page (公示) of a busy community: ~260 spending items with payments and
receipts, council decisions with objections, donations. Measures the page's queries and time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_fundsp_bench \
        .venv/bin/python bench/funds_page.py [--quick] [--items 260]

A throw-away test database (``test_<name>``) is created and dropped. Prints
``BENCH <metric> <value> <unit>`` lines, and where the time goes (selectors vs rendering).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--items", type=int, default=260)
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="shequ-bench-media-")
    old = setup_databases(verbosity=0, interactive=False)
    try:
        run(args.items, 10 if args.quick else 30)
    finally:
        connections.close_all()
        teardown_databases(old, verbosity=0)


def run(items: int, repeats: int) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from shequ.core.scopes import Role
    from shequ.funds import selectors
    from shequ.funds.models import ApprovalRecord
    from shequ.funds.services import allocation, decisions, donations, spending
    from shequ.participation.models import Council, CouncilMember
    from shequ.people.models import Resident, StaffRole, User
    from shequ.places.services import divisions_load

    code, wuhou, yulin = "510107005004", "510107000000", "510107005000"
    divisions_load()
    officer = User.objects.create(username="bench_fin")
    StaffRole.objects.create(user=officer, role=Role.DISTRICT_OFFICER, division_id=wuhou)
    worker = User.objects.create(username="bench_worker")
    StaffRole.objects.create(user=worker, role=Role.COMMUNITY_WORKER, division_id=code)
    street = User.objects.create(username="bench_street")
    StaffRole.objects.create(user=street, role=Role.STREET_OFFICER, division_id=yulin)
    year = timezone.localdate().year
    formula = {
        "base_urban": "90000000",
        "base_rural": "90000000",
        "per_household": "0",
        "per_resident": "0",
        "floor": "0",
        "cap": "90000000",
        "city_share": "50",
    }
    allocation.formula_save(actor=officer, year=year, district_code=wuhou, data=formula)
    allocation.allocation_post(actor=officer, year=year, district_code=wuhou)

    def pdf(name: str) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, b"%PDF-1.4 bench", content_type="application/pdf")

    started = time.perf_counter()
    meeting = timezone.localdate() - timedelta(days=30)
    # The council register the decisions count their members from: fifteen in office.
    council = Council.objects.create(community_id=code, name="居民议事会")
    for n in range(15):
        CouncilMember.objects.create(
            council=council,
            resident=Resident.objects.create(
                real_name=f"成员{n}", community_id=code, verification_level=2
            ),
            term_start=meeting - timedelta(days=365),
            term_end=meeting + timedelta(days=365),
        )
    categories = ["services", "activities", "facilities", "emergency"]
    for i in range(items):
        decision = decisions.approval_record_create(
            actor=worker,
            community_code=code,
            subject=f"支出事项{i:03d}",
            amount="20000",
            meeting_date=meeting,
            members_present=12,
            votes_for=10,
            votes_against=1,
            votes_abstain=1,
            minutes=pdf("minutes.pdf") if i % 4 == 0 else None,
        )
        # Disclosed at the meeting a month ago: the objection window has closed.
        ApprovalRecord.objects.filter(pk=decision.pk).update(
            objection_deadline=timezone.now() - timedelta(days=20)
        )
        commitment = spending.commitment_create(
            actor=worker,
            community_code=code,
            approval_id=decision.pk,
            track="security",
            year=year,
            project=f"项目{i:03d}",
            category=categories[i % 4],
            supplier=f"供应商{i % 17}",
            amount="20000",
        )
        for n in range(1 + i % 2):
            spending.payment_create(
                actor=worker,
                commitment_id=commitment.pk,
                amount="5000",
                invoice_number=f"INV{i:03d}{n}",
                receipt=pdf("invoice.pdf"),
            )
        if i % 5 == 0:
            spending.commitment_close(actor=worker, commitment_id=commitment.pk)
    for i in range(items // 8):
        donations.donation_record(
            actor=worker,
            community_code=code,
            donor_name=f"捐赠人{i}",
            name_public=i % 3 == 0,
            amount="1000",
            purpose="助老",
        )
    # Objections on a tenth of the decisions (raised by a verified resident of the community).
    from shequ.funds.models import Objection

    resident_user = User.objects.create(username="bench_resident")
    Objection.objects.bulk_create(
        Objection(
            approval=record,
            community_id=code,
            resident_user=resident_user,
            reason="请公开比价",
        )
        for record in ApprovalRecord.objects.filter(community_id=code)[:: max(1, items // 26)]
    )
    bench("page_setup_seconds", time.perf_counter() - started, "s")
    bench("page_spending_items", items, "items")

    client = Client()
    path = f"/funds/{code}/"
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    bench("public_fund_page_queries", len(queries), "queries")
    for query in queries.captured_queries:
        print(f"#  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:150]}", flush=True)
    bench("public_fund_page_bytes", len(response.content), "bytes")
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append(time.perf_counter() - began)
    bench("public_fund_page_median", statistics.median(times) * 1000, "ms")

    # Where the time goes: the reads alone (the selector); the rest is rendering and HTTP.
    reads = []
    for _ in range(repeats):
        began = time.perf_counter()
        selectors.community_disclosure(code)
        reads.append(time.perf_counter() - began)
    bench("public_fund_page_reads_median", statistics.median(reads) * 1000, "ms")
    bench(
        "public_fund_page_render_and_http_median",
        (statistics.median(times) - statistics.median(reads)) * 1000,
        "ms",
    )

    full = f"/funds/{code}/spending/"
    if client.get(full).status_code == 200:
        times = []
        for page in range(1, repeats + 1):
            began = time.perf_counter()
            assert client.get(f"{full}?page={1 + page % 3}").status_code == 200
            times.append(time.perf_counter() - began)
        bench("spending_list_page_median", statistics.median(times) * 1000, "ms")


if __name__ == "__main__":
    main()
