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


@pytest.mark.postgres("two intakes at the same moment need real concurrency")
@pytest.mark.django_db(transaction=True)
def test_two_reports_of_one_problem_at_once_share_one_cluster() -> None:
    divisions_load()
    seed_appeals()
    first = make_user("early_bird")
    make_resident(NIJIAQIAO, user=first)
    street_light(first)
    people = []
    for i in range(2):
        user = make_user(f"racer_{i}")
        make_resident(NIJIAQIAO, user=user)
        people.append(user)
    barrier = threading.Barrier(len(people))
    errors: list[str] = []

    def attempt(user: object) -> None:
        try:
            barrier.wait()
            street_light(user)  # type: ignore[arg-type]
        except Exception as error:
            errors.append(type(error).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    clusters = set(Appeal.objects.values_list("cluster_id", flat=True))
    assert len(clusters) == 1
    assert None not in clusters
