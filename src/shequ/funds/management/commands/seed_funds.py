"""manage.py seed_funds — the demo year's allocation for every community, and a few council
decisions, commitments, payments and a donation in 倪家桥社区. Idempotent and fast."""

from datetime import timedelta
from io import BytesIO
from typing import Any

import numpy as np
import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shequ.funds.models import AllocationRun, ApprovalRecord, Donation, Track
from shequ.funds.services import allocation, decisions, donations, spending
from shequ.people.demo import NIJIAQIAO
from shequ.people.models import User
from shequ.places.models import Division

DEMO_SCORE_SEED = 2018
DEMO_COMMUNITY_SCORE = 86.5
FORMULA = {
    "base_urban": "150000",
    "base_rural": "100000",
    "per_household": "8",
    "per_resident": "3",
    "floor": "120000",
    "cap": "400000",
    "city_share": "50",
}
SPENDING = [
    ("楼道照明改造", "facilities", "成都市某照明工程有限公司", "48000", "48000", True),
    ("长者助餐服务", "services", "武侯区某社会工作服务中心", "36000", "12000", False),
    ("邻里节活动", "activities", "玉林某文化传播有限公司", "9800", "0", False),
]


def demo_receipt(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% demo receipt\n", content_type="application/pdf")


class Command(BaseCommand):
    help = "Allocate the demo year for all communities and record demo spending in 倪家桥社区."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=timezone.now().year)

    def handle(self, *args: Any, year: int, **options: Any) -> None:
        committee = User.objects.filter(username="committee").first()
        worker = User.objects.filter(username="worker").first()
        if committee is None or worker is None:
            raise CommandError("Run seed_demo first (the demo accounts are missing).")
        if not AllocationRun.objects.filter(year=year).exists():
            self._allocate(committee, year)
        if not ApprovalRecord.objects.filter(community_id=NIJIAQIAO).exists():
            resident = User.objects.filter(username="resident").first()
            if resident is None:
                raise CommandError("Run seed_demo first (the demo accounts are missing).")
            self._spend(worker, resident, year)
        if not Donation.objects.filter(community_id=NIJIAQIAO).exists():
            donations.donation_record(
                actor=worker,
                community_code=NIJIAQIAO,
                donor_name="王建国",
                name_public=False,
                amount="5000",
                purpose="助老",
                receipt=demo_receipt("donation.pdf"),
            )
        self.stdout.write(f"funds: {year} allocated; demo spending in 倪家桥社区")

    def _allocate(self, committee: User, year: int) -> None:
        for code in Division.objects.filter(level=Division.Level.DISTRICT).values_list(
            "code", flat=True
        ):
            allocation.formula_save(actor=committee, year=year, district_code=code, data=FORMULA)
        allocation.incentive_pool_save(
            actor=committee,
            year=year,
            amount="100000000",
            method="tiers",
            tiers=[[90, 3], [80, 2], [60, 1]],
        )
        # The same demo scores whatever the year, and the demo community earns an incentive
        # (its demo spending draws on it), so the demo never depends on the day it is loaded.
        rng = np.random.default_rng(DEMO_SCORE_SEED)
        codes = list(
            Division.objects.filter(level=Division.Level.COMMUNITY).values_list("code", flat=True)
        )
        scores = np.clip(rng.normal(78, 9, len(codes)), 40, 100)
        scores[[i for i, code in enumerate(codes) if code == NIJIAQIAO]] = DEMO_COMMUNITY_SCORE
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None  # noqa: S101
        sheet.append(["社区代码", "评分"])
        for code, score in zip(codes, scores, strict=True):
            sheet.append([code, round(float(score), 1)])
        buffer = BytesIO()
        book.save(buffer)
        buffer.seek(0)
        allocation.scores_import(actor=committee, year=year, file=buffer)
        allocation.allocation_post(actor=committee, year=year)

    def _spend(self, worker: User, resident: User, year: int) -> None:
        # Decisions count the members of the community's council register (the participation
        # demo's council, registered here when this seed runs first).
        from shequ.participation.management.commands.seed_participation import (
            ensure_demo_council,
        )

        _council, members = ensure_demo_council(worker, resident)
        # All but one of the members came; all but one of those present voted for.
        present = len(members) - 1 if len(members) > 2 else len(members)
        votes_for = present - 1 if present > 2 else present
        meeting = timezone.localdate() - timedelta(days=20)
        for index, (project, category, supplier, amount, paid, close) in enumerate(SPENDING):
            decision = decisions.approval_record_create(
                actor=worker,
                community_code=NIJIAQIAO,
                subject=project,
                amount=amount,
                meeting_date=meeting + timedelta(days=index),
                members_present=present,
                votes_for=votes_for,
                votes_against=present - votes_for,
                votes_abstain=0,
                minutes=demo_receipt(f"minutes-{index + 1}.pdf"),
            )
            # Demo history: these decisions were disclosed the day after their meetings, so
            # their seven-day objection windows have closed and they may be paid.
            disclosed = timezone.now() - timedelta(days=19 - index)
            ApprovalRecord.objects.filter(pk=decision.pk).update(
                objection_deadline=disclosed + timedelta(days=7)
            )
            commitment = spending.commitment_create(
                actor=worker,
                community_code=NIJIAQIAO,
                approval_id=decision.pk,
                track=Track.SECURITY if index != 2 else Track.INCENTIVE,
                year=year,
                project=project,
                category=category,
                supplier=supplier,
                amount=amount,
            )
            if paid != "0":
                spending.payment_create(
                    actor=worker,
                    commitment_id=commitment.pk,
                    amount=paid,
                    invoice_number=f"51{year}{index + 1:06d}",
                    receipt=demo_receipt(f"invoice-{index + 1}.pdf"),
                )
            if close:
                spending.commitment_close(actor=worker, commitment_id=commitment.pk)
