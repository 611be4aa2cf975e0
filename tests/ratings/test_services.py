"""Rating a used service (好差评), and the follow-up (整改, 回访) of a poor rating."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import translation

from shequ.casework.models import Application
from shequ.catalogue.models import Service
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.notices.models import Message
from shequ.people.models import User
from shequ.ratings.models import FollowUp, FollowUpEntry, Level, Rating
from shequ.ratings.services import (
    follow_up_answer,
    follow_up_confirm,
    follow_up_due,
    rating_add_comment,
    rating_submit,
)
from tests.factories import make_user
from tests.ratings.conftest import (
    BEFORE_NATIONAL_DAY,
    MONDAY_IN_TABLE,
    bill_for,
    booking_for,
    closed_case,
    submitted_case,
)


def rate(user: User, application: Application, level: object = Level.SATISFIED, **kw: object):
    return rating_submit(
        actor=user, subject="application", subject_id=application.pk, level=level, **kw
    )


def test_good_rating_of_a_closed_case_opens_no_follow_up(resident, closed) -> None:
    rating = rate(resident, closed, Level.VERY_SATISFIED, reasons=["quick", "kind_staff"])
    assert rating.department.code == "shezhi"
    assert rating.service.code == "shequ-zhengming"
    assert rating.community_id == closed.community_id
    assert rating.reasons == ["quick", "kind_staff"]
    assert not FollowUp.objects.exists()
    assert AuditEvent.objects.filter(verb="rating.submit", object_id=str(rating.pk)).exists()


@time_machine.travel(BEFORE_NATIONAL_DAY, tick=False)
def test_poor_rating_opens_a_follow_up_due_in_five_working_days(
    resident, certificate, shezhi_staff
) -> None:
    application = closed_case(resident, certificate, shezhi_staff)
    rating = rate(resident, application, Level.DISSATISFIED, reasons=["many_trips"])
    follow_up = rating.follow_up
    assert follow_up.status == FollowUp.Status.OPEN
    assert follow_up.department.code == "shezhi"
    # 1–7 October are holidays, Saturday 10 October is worked: the fifth working day is the 13th.
    assert follow_up.due_date == date(2026, 10, 13)
    # the department's staff are told in their inbox
    assert Message.objects.filter(user=shezhi_staff, url__contains="/console/ratings/").exists()


@pytest.mark.django_db
def test_deadline_past_the_holiday_table_counts_weekdays() -> None:
    # Friday 1 January 2100: no State Council notice entered for that year
    assert follow_up_due(date(2100, 1, 1)) == date(2100, 1, 8)


@pytest.mark.django_db
def test_deadline_uses_the_table_when_it_covers_the_days(catalogue) -> None:
    assert follow_up_due(date(2026, 9, 30)) == date(2026, 10, 13)


def test_rating_someone_elses_case_is_refused_and_changes_nothing(resident, closed) -> None:
    stranger = make_user("stranger")
    with pytest.raises(NotFound) as caught:
        rate(stranger, closed)
    with translation.override("zh-hans"):
        assert "没有" in str(caught.value)
    assert not Rating.objects.exists()


def test_rating_a_case_not_closed_is_refused(resident, certificate) -> None:
    application = submitted_case(resident, certificate)
    with pytest.raises(DomainError) as caught:
        rate(resident, application)
    assert caught.value.code == "not_closed"
    with translation.override("zh-hans"):
        assert "办结" in str(caught.value)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("level", [0, 6, -1, "abc", None, "3.5"])
def test_a_level_outside_the_five_is_refused(resident, closed, level) -> None:
    with pytest.raises(DomainError) as caught:
        rate(resident, closed, level)
    assert caught.value.code == "bad_level"
    with translation.override("zh-hans"):
        assert "五个等级" in str(caught.value)
    assert not Rating.objects.exists()


def test_rating_twice_is_refused_and_the_first_stays(resident, closed) -> None:
    first = rate(resident, closed, Level.SATISFIED)
    with pytest.raises(DomainError) as caught:
        rate(resident, closed, Level.VERY_DISSATISFIED, reasons=["too_slow"])
    assert caught.value.code == "already_rated"
    with translation.override("zh-hans"):
        assert "已经评价" in str(caught.value)
    assert list(Rating.objects.values_list("pk", "level")) == [(first.pk, Level.SATISFIED)]
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize(
    ("level", "reasons", "comment", "code"),
    [
        (Level.DISSATISFIED, [], "", "reason_required"),
        (Level.VERY_DISSATISFIED, ["quick"], "", "bad_reason"),
        (Level.VERY_SATISFIED, ["too_slow"], "", "bad_reason"),
        (Level.SATISFIED, ["no_such_reason"], "", "bad_reason"),
        (Level.DISSATISFIED, ["other"], "", "comment_required"),
        (Level.SATISFIED, [], "<script>x</script>", "markup_not_allowed"),
        (Level.SATISFIED, [], "长" * 501, "too_long"),
    ],
)
def test_bad_reasons_or_comment_are_refused(
    resident, closed, level, reasons, comment, code
) -> None:
    with pytest.raises(DomainError) as caught:
        rate(resident, closed, level, reasons=reasons, comment=comment)
    assert caught.value.code == code
    assert not Rating.objects.exists()
    assert not FollowUp.objects.exists()


def test_a_used_booking_can_be_rated_a_future_one_cannot(resident) -> None:
    future = booking_for(resident, ends_in=timedelta(days=2))
    with pytest.raises(DomainError) as caught:
        rating_submit(actor=resident, subject="booking", subject_id=future.pk, level=4)
    assert caught.value.code == "not_used"
    used = booking_for(resident, ends_in=timedelta(hours=-2))
    rating = rating_submit(actor=resident, subject="booking", subject_id=used.pk, level=4)
    assert rating.department.code == "zhengwu"
    assert rating.booking_id == used.pk


def test_a_paid_bill_can_be_rated_an_unpaid_one_cannot(resident) -> None:
    unpaid = bill_for(resident, status="unpaid")
    with pytest.raises(DomainError) as caught:
        rating_submit(actor=resident, subject="bill", subject_id=unpaid.pk, level=5)
    assert caught.value.code == "not_paid"
    paid = bill_for(resident)
    rating = rating_submit(actor=resident, subject="bill", subject_id=paid.pk, level=5)
    assert rating.department.code == "shuiwu"


def test_an_unknown_kind_of_subject_is_refused(resident, closed) -> None:
    with pytest.raises(DomainError) as caught:
        rating_submit(actor=resident, subject="survey", subject_id=closed.pk, level=5)
    assert caught.value.code == "bad_subject"


def test_one_follow_up_comment_may_be_added_once(resident, closed) -> None:
    rating = rate(resident, closed, Level.FAIRLY_SATISFIED, reasons=["waited"])
    rating_add_comment(actor=resident, rating_id=rating.pk, text="后来窗口增加了人手，好多了")
    with pytest.raises(DomainError) as caught:
        rating_add_comment(actor=resident, rating_id=rating.pk, text="再补充")
    assert caught.value.code == "comment_exists"
    rating.refresh_from_db()
    assert rating.addendum == "后来窗口增加了人手，好多了"
    assert rating.level == Level.FAIRLY_SATISFIED
    with pytest.raises(NotFound):
        rating_add_comment(actor=make_user("nosy"), rating_id=rating.pk, text="x")


@time_machine.travel(MONDAY_IN_TABLE, tick=False)
def test_answer_then_resolved(resident, certificate, shezhi_staff, other_staff) -> None:
    application = closed_case(resident, certificate, shezhi_staff)
    rating = rate(resident, application, Level.VERY_DISSATISFIED, reasons=["rude_staff"])
    follow_up = rating.follow_up
    # staff of another department may not answer; nothing changes
    with pytest.raises(NotFound):
        follow_up_answer(actor=other_staff, follow_up_id=follow_up.pk, text="已处理")
    # the resident cannot confirm before there is an answer
    with pytest.raises(DomainError):
        follow_up_confirm(actor=resident, follow_up_id=follow_up.pk, resolved=True)
    follow_up_answer(
        actor=shezhi_staff, follow_up_id=follow_up.pk, text="已对窗口人员批评教育并整改。"
    )
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.ANSWERED
    assert Message.objects.filter(user=resident, url=f"/ratings/{rating.pk}/").exists()
    # answering twice is refused
    with pytest.raises(DomainError) as caught:
        follow_up_answer(actor=shezhi_staff, follow_up_id=follow_up.pk, text="again")
    assert caught.value.code == "not_open"
    # another resident may not confirm it
    with pytest.raises(NotFound):
        follow_up_confirm(actor=make_user("other"), follow_up_id=follow_up.pk, resolved=True)
    follow_up_confirm(actor=resident, follow_up_id=follow_up.pk, resolved=True)
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.RESOLVED
    kinds = list(follow_up.entries.values_list("kind", flat=True))
    assert kinds == [FollowUpEntry.Kind.ANSWER, FollowUpEntry.Kind.RESOLVED]
    verbs = set(
        AuditEvent.objects.filter(verb__startswith="rating.").values_list("verb", flat=True)
    )
    assert verbs == {
        "rating.submit",
        "rating.follow_up_open",
        "rating.follow_up_answer",
        "rating.follow_up_confirm",
    }


@time_machine.travel(MONDAY_IN_TABLE, tick=False)
def test_not_resolved_reopens_once_then_closes_unresolved(
    resident, certificate, shezhi_staff
) -> None:
    application = closed_case(resident, certificate, shezhi_staff)
    follow_up = rate(resident, application, Level.DISSATISFIED, reasons=["not_done"]).follow_up
    follow_up_answer(actor=shezhi_staff, follow_up_id=follow_up.pk, text="已联系社区")
    # "not resolved" needs a word on what is still wrong
    with pytest.raises(DomainError) as caught:
        follow_up_confirm(actor=resident, follow_up_id=follow_up.pk, resolved=False)
    assert caught.value.code == "comment_required"
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.ANSWERED
    with time_machine.travel(date(2026, 3, 4)):
        follow_up_confirm(
            actor=resident, follow_up_id=follow_up.pk, resolved=False, comment="证明还没开"
        )
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.OPEN
    assert follow_up.round == 2
    assert follow_up.due_date == date(2026, 3, 11)
    follow_up_answer(actor=shezhi_staff, follow_up_id=follow_up.pk, text="已开具并邮寄")
    follow_up_confirm(actor=resident, follow_up_id=follow_up.pk, resolved=False, comment="没收到")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.UNRESOLVED


def test_concurrent_second_rating_hits_the_database_guard(resident, closed) -> None:
    # A rating row made behind the service's back (as a racing request would) is respected.
    Rating.objects.create(
        user=resident,
        subject="application",
        application=closed,
        title="x",
        department=closed.department,
        level=5,
    )
    with pytest.raises(DomainError) as caught:
        rate(resident, closed)
    assert caught.value.code == "already_rated"
    assert Rating.objects.count() == 1


def test_service_fixture_is_the_community_certificate(certificate: Service) -> None:
    assert certificate.department.code == "shezhi"
