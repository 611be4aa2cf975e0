"""A day before a round's voting closes, every eligible resident who has not voted yet gets
one reminder; the hourly task sends it once per round."""

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine

from shequ.notices.models import Message
from shequ.participation.models import Round
from shequ.participation.services import ballots, rounds
from shequ.participation.tasks import participation_closing_reminders
from tests.participation.conftest import Place, make_place, voting_round

NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)  # 10:00 in Chengdu


def reminded(round_id: int) -> list[int]:
    return sorted(
        Message.objects.filter(
            url=f"/participation/rounds/{round_id}/", title__startswith="投票即将截止"
        ).values_list("user_id", flat=True)
    )


def test_reminder_goes_once_and_only_to_residents_who_have_not_voted(
    chengdu: None, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        place: Place = make_place()
        budget_round = voting_round(place)
        rounds.round_set_dates(
            actor=place.worker,
            round_id=budget_round.pk,
            voting_from=budget_round.voting_from,
            voting_until=NOW + timedelta(hours=30),
        )
        # More than a day before the close: nothing yet.
        assert rounds.round_closing_reminders_send() == 0
        ballots.ballot_cast(
            actor=place.residents[0],
            round_id=budget_round.pk,
            approvals=[budget_round.projects.first().pk],  # type: ignore[union-attr]
        )
        clock.shift(timedelta(hours=7))
        with django_capture_on_commit_callbacks(execute=True):
            participation_closing_reminders.enqueue()
        expected = sorted(u.pk for u in place.residents[1:])
        assert reminded(budget_round.pk) == expected
        message = Message.objects.filter(user=place.residents[1], title__startswith="投票即将截止")
        assert "2026-05-05 16:00" in message.get().body
        assert "您还没有投票" in message.get().body
        # Not the voter, the outsider of another community, the unverified resident.
        for user in (place.residents[0], place.outsider, place.unverified):
            assert user.pk not in reminded(budget_round.pk)
        # The next hourly runs send nothing more.
        clock.shift(timedelta(hours=1))
        assert rounds.round_closing_reminders_send() == 0
        with django_capture_on_commit_callbacks(execute=True):
            participation_closing_reminders.enqueue()
        assert reminded(budget_round.pk) == expected
        budget_round.refresh_from_db()
        assert budget_round.closing_reminded_at == NOW + timedelta(hours=7)


def test_rounds_not_voting_or_closed_get_no_reminder(chengdu: None) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        place = make_place()
        budget_round = voting_round(place)
        rounds.round_set_dates(
            actor=place.worker,
            round_id=budget_round.pk,
            voting_from=budget_round.voting_from,
            voting_until=NOW + timedelta(hours=10),
        )
        rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
        assert Round.objects.get(pk=budget_round.pk).phase == Round.Phase.RESULTS
        assert rounds.round_closing_reminders_send() == 0
        clock.shift(timedelta(hours=11))
        assert rounds.round_closing_reminders_send() == 0
        assert reminded(budget_round.pk) == []
