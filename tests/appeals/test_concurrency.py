"""Two officers of the unit sign for the same request at once, on PostgreSQL (row locks are
meaningless on SQLite): one wins, the other is told who signed."""

import threading

import pytest
from django.db import connections

from shequ.appeals.demo import seed_appeals
from shequ.appeals.models import Appeal, AppealEvent
from shequ.appeals.services.handling import appeal_sign
from shequ.core.errors import DomainError
from shequ.core.scopes import Role
from shequ.places.services import divisions_load
from tests.appeals.conftest import street_light
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user

pytestmark = pytest.mark.postgres


@pytest.mark.postgres("row-level locking under real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_sign_at_once_one_wins_the_other_is_told() -> None:
    divisions_load()
    seed_appeals()
    reporter = make_user("racer_reporter")
    make_resident(NIJIAQIAO, user=reporter)
    appeal = street_light(reporter)
    officers = [make_staff(f"njq_{i}", Role.COMMUNITY_WORKER, NIJIAQIAO) for i in range(2)]
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(officers))

    def attempt(user: object) -> None:
        try:
            barrier.wait()
            appeal_sign(actor=user, appeal_id=appeal.pk)  # type: ignore[arg-type]
            result = "ok"
        except DomainError as error:
            result = error.code
        except Exception as error:
            result = f"error:{type(error).__name__}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(u,)) for u in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_signed", "ok"]
    assert Appeal.objects.get().status == Appeal.Status.IN_PROGRESS
    assert AppealEvent.objects.filter(kind="signed").count() == 1
