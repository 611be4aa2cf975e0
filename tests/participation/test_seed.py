from decimal import Decimal

from django.core.management import call_command

from shequ.funds.models import Commitment
from shequ.participation.models import Ballot, Meeting, Proposal, Round, RoundResult
from shequ.people.demo import NIJIAQIAO, ensure_demo_accounts, ensure_departments
from tests.factories import make_resident
from tests.participation.conftest import fund_community


def test_seed_runs_a_round_to_commitments_once(chengdu: None) -> None:
    ensure_demo_accounts(ensure_departments())
    for i in range(40):
        make_resident(NIJIAQIAO, name=f"居民{i}")
    fund_community(NIJIAQIAO, Decimal("800000"))
    call_command("seed_participation")
    done = Round.objects.get(phase=Round.Phase.IMPLEMENTATION)
    assert Round.objects.filter(phase=Round.Phase.VOTING).count() == 1
    # A title names the round; the page shows its phase (no "(投票中)" after the results).
    assert not Round.objects.filter(title__contains="投票中").exists()
    assert Ballot.objects.filter(round=done).count() == 40
    winners = RoundResult.objects.get(round=done, method=done.method).winners
    commitments = Commitment.objects.filter(community_id=NIJIAQIAO)
    assert commitments.count() == len(winners) > 0
    approval = done.council_approval_item
    assert approval is not None
    assert {c.approval_id for c in commitments} == {approval.approval_record_id}
    counts = (Proposal.objects.count(), Meeting.objects.count(), Ballot.objects.count())
    call_command("seed_participation")
    assert (Proposal.objects.count(), Meeting.objects.count(), Ballot.objects.count()) == counts


def test_seed_has_the_worker_verify_enough_voters_at_the_counter(chengdu: None) -> None:
    from shequ.core.models import AuditEvent

    ensure_demo_accounts(ensure_departments())
    for i in range(10):
        make_resident(NIJIAQIAO, name=f"已核验{i}")
        make_resident(NIJIAQIAO, name=f"未核验{i}", level=0)
    fund_community(NIJIAQIAO, Decimal("200000"))
    call_command("seed_participation")
    assert AuditEvent.objects.filter(verb="resident.verify_in_person").count() == 10
    done = Round.objects.get(phase=Round.Phase.IMPLEMENTATION)
    assert Ballot.objects.filter(round=done).count() == 20
    # A smaller fund: a smaller round, its budget held and the rest released in the ledger.
    assert done.budget == Decimal("120000")
    assert done.reservation_id is not None
    assert Commitment.objects.filter(reservation_id=done.reservation_id).exists()
