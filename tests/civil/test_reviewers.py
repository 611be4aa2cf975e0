"""Chosen reviewers and declared conflicts of interest: the call's officer assigns experts from
the pool per application and removes them before scoring; an expert declares before scoring,
and a declared conflict recuses them. Bad input is refused in Chinese and changes nothing."""

import pytest
from django.test import Client
from django.utils import translation

from shequ.civil.models import (
    Application,
    Call,
    ConflictDeclaration,
    Expert,
    Membership,
    Organisation,
    Review,
)
from shequ.civil.services import calls
from shequ.civil.services import reviews as reviews_service
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import User
from tests.civil.conftest import submit
from tests.factories import JINJIANG, make_staff, make_user


def chinese(error: DomainError) -> str:
    with translation.override("zh-hans"):
        return str(error)


@pytest.fixture
def application(call: Call, applicant: User, graded: Organisation) -> Application:
    return submit(call, applicant, graded)  # type: ignore[return-value]


@pytest.fixture
def experts(graded: Organisation) -> list[User]:
    users = [make_user(f"expert{i}") for i in range(4)]
    for i, user in enumerate(users):
        Expert.objects.create(user=user, display_name=f"专家{i}")
    # Expert 0 founded the applicant: the registry recuses them.
    Membership.objects.create(organisation=graded, user=users[0], role="founder")
    return users


@pytest.fixture
def reviewing(
    call: Call, application: Application, experts: list[User], district_officer: User
) -> Call:
    calls.review_start(actor=district_officer, call_id=call.pk)
    call.refresh_from_db()
    return call


def review_of(user: User) -> Review:
    return Review.objects.get(expert__user=user)


def expert(user: User) -> Expert:
    return Expert.objects.get(user=user)


def test_the_officer_removes_and_assigns_reviewers_and_only_they_review(
    reviewing: Call, application: Application, experts: list[User], district_officer: User
) -> None:
    # Every expert is suggested; the founder is recused by the registry with the reason.
    assert review_of(experts[0]).status == Review.Status.RECUSED
    reviews_service.review_unassign(actor=district_officer, review_id=review_of(experts[3]).pk)
    assert not Review.objects.filter(expert__user=experts[3]).exists()
    assert AuditEvent.objects.filter(verb="civil.review_unassign").count() == 1

    # The removed expert no longer sees it, cannot open it and cannot score it.
    client = Client()
    client.force_login(experts[3])
    assert "倪家桥长者食堂营造" not in client.get("/civil/reviews/").content.decode()
    with pytest.raises(Review.DoesNotExist):
        review_of(experts[3])

    # The officer picks them again from the console (a list of names, not a code).
    officer = Client()
    officer.force_login(district_officer)
    page = officer.get(f"/console/civil/applications/{application.pk}/").content.decode()
    assert "专家3" in page
    assert 'data-testid="assign-form"' in page
    assert "登记库显示与申报方有关联：发起人" in page  # the founder's recusal, with its reason
    response = officer.post(
        f"/console/civil/applications/{application.pk}/",
        {"action": "assign", "assign-expert": expert(experts[3]).pk},
    )
    assert response.status_code == 302
    assert review_of(experts[3]).status == Review.Status.ASSIGNED
    assert "倪家桥长者食堂营造" in client.get("/civil/reviews/").content.decode()


def test_an_unassigned_expert_is_refused(
    reviewing: Call, application: Application, experts: list[User], district_officer: User
) -> None:
    reviews_service.review_unassign(actor=district_officer, review_id=review_of(experts[2]).pk)
    outsider = make_user("outsider")
    Expert.objects.create(user=outsider, display_name="局外专家")
    someone_elses = review_of(experts[1])
    with pytest.raises(NotFound):
        reviews_service.conflict_declare(
            actor=outsider, review_id=someone_elses.pk, has_conflict=False
        )
    with pytest.raises(NotFound):
        calls.review_score(actor=outsider, review_id=someone_elses.pk, scores={})
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/civil/reviews/{someone_elses.pk}/").status_code == 404
    assert not ConflictDeclaration.objects.exists()


def test_scoring_needs_a_declaration_and_a_conflict_recuses(
    reviewing: Call, application: Application, experts: list[User], district_officer: User
) -> None:
    criteria = list(reviewing.criteria.all())
    review = review_of(experts[1])
    with pytest.raises(DomainError) as caught:
        calls.review_score(actor=experts[1], review_id=review.pk, scores={criteria[0].pk: 8})
    assert caught.value.code == "declaration_required"
    assert "利益冲突" in chinese(caught.value)
    review.refresh_from_db()
    assert review.status == Review.Status.ASSIGNED
    assert review.total is None

    # Through the page: the declaration form comes first, then the scores.
    client = Client()
    client.force_login(experts[1])
    page = client.get(f"/civil/reviews/{review.pk}/").content.decode()
    assert 'data-testid="declare-form"' in page
    assert 'data-testid="score-form"' not in page
    client.post(f"/civil/reviews/{review.pk}/", {"action": "declare", "coi-conflict": "no"})
    page = client.get(f"/civil/reviews/{review.pk}/").content.decode()
    assert 'data-testid="score-form"' in page
    response = client.post(
        f"/civil/reviews/{review.pk}/", {f"c{c.pk}": "8" for c in criteria} | {"comment": "好"}
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == Review.Status.SCORED

    # Expert 2 declares a conflict: recused, cannot score; the officer sees why.
    conflicted = review_of(experts[2])
    reviews_service.conflict_declare(
        actor=experts[2], review_id=conflicted.pk, has_conflict=True, reason="曾为该机构提供培训"
    )
    conflicted.refresh_from_db()
    assert conflicted.status == Review.Status.RECUSED
    with pytest.raises(DomainError) as caught:
        calls.review_score(actor=experts[2], review_id=conflicted.pk, scores={criteria[0].pk: 5})
    assert caught.value.code == "recused"
    with pytest.raises(DomainError) as caught:
        reviews_service.review_unassign(actor=district_officer, review_id=conflicted.pk)
    assert caught.value.code == "review_started"
    officer = Client()
    officer.force_login(district_officer)
    page = officer.get(f"/console/civil/applications/{application.pk}/").content.decode()
    assert "曾为该机构提供培训" in page
    # Another expert is assigned in their place.
    newcomer = make_user("newcomer")
    Expert.objects.create(user=newcomer, display_name="新专家")
    reviews_service.review_assign(
        actor=district_officer, application_id=application.pk, expert_id=expert(newcomer).pk
    )
    assert review_of(newcomer).status == Review.Status.ASSIGNED


def test_bad_assignments_are_refused_in_chinese_and_change_nothing(
    reviewing: Call, application: Application, experts: list[User], district_officer: User
) -> None:
    non_expert = make_user("plain_user")
    before = Review.objects.count()
    cases = [
        (-1, "not_an_expert"),  # not in the pool
        (expert(experts[1]).pk, "already_assigned"),  # assigned twice
    ]
    for expert_id, code in cases:
        with pytest.raises(DomainError) as caught:
            reviews_service.review_assign(
                actor=district_officer, application_id=application.pk, expert_id=expert_id
            )
        assert caught.value.code == code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese(caught.value))
    # The founder removed and assigned again: still recused by the registry.
    Review.objects.filter(expert__user=experts[0]).delete()
    with pytest.raises(DomainError) as caught:
        reviews_service.review_assign(
            actor=district_officer, application_id=application.pk, expert_id=expert(experts[0]).pk
        )
    assert caught.value.code == "recused"
    assert Review.objects.count() == before - 1
    assert not Expert.objects.filter(user=non_expert).exists()

    # The console refuses a non-expert's id with a form error and assigns nobody.
    officer = Client()
    officer.force_login(district_officer)
    response = officer.post(
        f"/console/civil/applications/{application.pk}/",
        {"action": "assign", "assign-expert": non_expert.pk},
    )
    assert response.status_code == 400
    assert Review.objects.count() == before - 1

    # An officer of another district cannot assign or remove.
    other = make_staff("jinjiang_officer", Role.DISTRICT_OFFICER, JINJIANG)
    with pytest.raises(NotFound):
        reviews_service.review_assign(
            actor=other, application_id=application.pk, expert_id=expert(experts[3]).pk
        )
    with pytest.raises(NotFound):
        reviews_service.review_unassign(actor=other, review_id=review_of(experts[1]).pk)
    client = Client()
    client.force_login(other)
    assert client.get(f"/console/civil/applications/{application.pk}/").status_code == 404
    assert Review.objects.count() == before - 1
    assert not AuditEvent.objects.filter(verb="civil.review_assign").exists()


def test_bad_declarations_are_refused_in_chinese_and_change_nothing(
    reviewing: Call, experts: list[User]
) -> None:
    review = review_of(experts[1])
    with pytest.raises(DomainError) as caught:
        reviews_service.conflict_declare(
            actor=experts[1], review_id=review.pk, has_conflict=True, reason="  "
        )
    assert caught.value.code == "reason_required"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese(caught.value))
    assert not ConflictDeclaration.objects.exists()
    reviews_service.conflict_declare(actor=experts[1], review_id=review.pk, has_conflict=False)
    with pytest.raises(DomainError) as caught:
        reviews_service.conflict_declare(
            actor=experts[1], review_id=review.pk, has_conflict=True, reason="改变主意"
        )
    assert caught.value.code == "already_declared"
    assert "已" in chinese(caught.value)
    review.refresh_from_db()
    assert review.status == Review.Status.ASSIGNED
    assert ConflictDeclaration.objects.get().has_conflict is False
    # The registry-recused expert cannot declare their way back in.
    with pytest.raises(DomainError) as caught:
        reviews_service.conflict_declare(
            actor=experts[0], review_id=review_of(experts[0]).pk, has_conflict=False
        )
    assert caught.value.code == "recused"
    assert ConflictDeclaration.objects.count() == 1
