"""The demo seed allocates every community once and is idempotent."""

from decimal import Decimal

from django.core.management import call_command

from shequ.funds.models import AllocationLine, AllocationRun, Commitment, Payment, Posting, Track
from shequ.funds.services.ledger import ledger_reconcile
from shequ.people.demo import NIJIAQIAO, ensure_demo_accounts, ensure_departments
from shequ.places.models import Division
from tests.funds.conftest import fund


def test_seed_funds_allocates_all_communities_once(chengdu: None, settings: object) -> None:
    ensure_demo_accounts(ensure_departments())
    call_command("seed_funds", year=2026)
    communities = Division.objects.filter(level="community").count()
    assert AllocationLine.objects.filter(year=2026, track=Track.SECURITY).count() == communities
    assert AllocationRun.objects.count() == Division.objects.filter(level="district").count()
    assert Commitment.objects.filter(community_id=NIJIAQIAO).count() == 3
    assert fund(code=NIJIAQIAO, year=2026).balance > Decimal(0)
    postings = Posting.objects.count()
    call_command("seed_funds", year=2026)
    assert Posting.objects.count() == postings
    assert Payment.objects.count() == 2
    assert ledger_reconcile()[1] == []
