"""Real threads on PostgreSQL: residents double-tap "submit" on several phones at once, through
the same invitation and through different ones. Exactly one response per invitation is kept,
none is lost and none is doubled."""

import threading
from typing import Any

import pytest
from django.db import connection

from shequ.core.errors import DomainError
from shequ.people.models import User
from shequ.surveys.models import Answer, Response, Survey
from shequ.surveys.services.responses import response_save_by_invitation
from shequ.surveys.services.sampling import sampling_plan_draw, sampling_plan_set
from tests.factories import NIJIAQIAO, YULIN_NORTH
from tests.surveys.conftest import GOOD_ANSWERS, make_adult

PER_COMMUNITY = 6
SUBMITTERS_PER_INVITATION = 4


@pytest.mark.postgres("needs PostgreSQL row locks and real concurrency")
def test_concurrent_submissions_keep_exactly_one_response_per_invitation(
    transactional_db: None, committee: User, open_survey: Survey
) -> None:
    for _ in range(PER_COMMUNITY):
        make_adult(NIJIAQIAO)
        make_adult(YULIN_NORTH, sex="M")
    sampling_plan_set(
        actor=committee,
        survey_id=open_survey.pk,
        target_n=2 * PER_COMMUNITY,
        stratum_level="community",
        min_per_stratum=1,
        seed=11,
    )
    pairs = sampling_plan_draw(actor=committee, survey_id=open_survey.pk)
    assert len(pairs) == 2 * PER_COMMUNITY
    # Every invitation: several full submissions and one partial save, all at the same moment.
    jobs: list[tuple[int, str, bool]] = []
    for invitation_id, token in pairs:
        jobs += [(invitation_id, token, True)] * SUBMITTERS_PER_INVITATION
        jobs.append((invitation_id, token, False))
    barrier = threading.Barrier(len(jobs))
    outcomes: list[tuple[int, bool, str]] = []
    lock = threading.Lock()

    def submit(invitation_id: int, token: str, final: bool) -> None:
        answers: dict[str, Any] = GOOD_ANSWERS if final else {"years_here": 3}
        try:
            barrier.wait()
            response_save_by_invitation(token=token, answers=answers, submit=final)
            result = "ok"
        except DomainError as error:
            result = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append((invitation_id, final, result))

    threads = [threading.Thread(target=submit, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcomes) == len(jobs)
    assert {result for _i, _f, result in outcomes} <= {"ok", "already_submitted"}
    for invitation_id, _token in pairs:
        accepted = [r for i, final, r in outcomes if i == invitation_id and final and r == "ok"]
        assert len(accepted) == 1, f"invitation {invitation_id}: {len(accepted)} submissions kept"
    responses = Response.objects.filter(survey=open_survey)
    assert responses.count() == len(pairs)
    assert responses.filter(status=Response.Status.COMPLETE).count() == len(pairs)
    assert set(responses.values_list("invitation_id", flat=True)) == {pk for pk, _t in pairs}
    # The kept answers are the full ones, stored once (no rows from the racing partial save).
    single = Answer.objects.filter(response=responses.first()).count()
    assert single > 1
    assert Answer.objects.filter(response__survey=open_survey).count() == single * len(pairs)
    assert all(score is not None for score in responses.values_list("score", flat=True))
