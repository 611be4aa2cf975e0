"""Real threads on PostgreSQL: residents vote at the last minute, some twice at once from two
devices, while staff close the round. No ballot is lost or doubled."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from shequ.core.errors import DomainError
from shequ.core.scopes import Role
from shequ.participation.models import Ballot, RoundVoter
from shequ.participation.services import ballots, rounds
from shequ.people.models import VerificationLevel
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user
from tests.participation.conftest import fund_community

VOTERS = 30


@pytest.mark.postgres("needs PostgreSQL row locks and real concurrency")
def test_concurrent_ballots_are_neither_lost_nor_doubled(
    transactional_db: None, chengdu: None
) -> None:
    worker = make_staff("pw_conc", Role.COMMUNITY_WORKER, NIJIAQIAO)
    users = []
    for i in range(VOTERS):
        user = make_user(f"conc{i}")
        make_resident(
            NIJIAQIAO, user=user, name=f"并发{i}", level=VerificationLevel.REGISTRY_MATCHED
        )
        users.append(user)
    fund_community(NIJIAQIAO, Decimal("500000"))
    budget_round = rounds.round_create(
        actor=worker, community_code=NIJIAQIAO, title="并发", budget="100000"
    )
    ids = []
    for title, cost in (("甲", 50000), ("乙", 40000), ("丙", 30000)):
        project = rounds.project_add(actor=worker, round_id=budget_round.pk, title=title, cost=cost)
        rounds.project_review(actor=worker, project_id=project.pk, feasible=True)
        ids.append(project.pk)
    for _ in range(3):
        rounds.round_advance(actor=worker, round_id=budget_round.pk)
    # Every voter submits twice at the same moment (double tap, two devices).
    jobs = [(u, [ids[i % 3]]) for i, u in enumerate(users)] * 2
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def vote(user: object, approvals: list[int]) -> None:
        try:
            barrier.wait()
            ballots.ballot_cast(actor=user, round_id=budget_round.pk, approvals=approvals)  # type: ignore[arg-type]
            result = "ok"
        except DomainError as error:
            result = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=vote, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == len(jobs)
    assert RoundVoter.objects.filter(round=budget_round).count() == VOTERS
    assert Ballot.objects.filter(round=budget_round).count() == VOTERS
    rounds.round_advance(actor=worker, round_id=budget_round.pk)
    counted = rounds.round_inputs(budget_round)[1]
    assert sorted(p for b in counted for p in b) == sorted(ids[i % 3] for i in range(VOTERS))
