"""From requests to a proposal or a project (issue 16, item 8): the community's worker links a
request and the requests like it to what answers them; the residents who asked are told; the
request's pages name the proposal or project, and the proposal's or project's page says how
many requests it came from and how many like them came in since."""

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from shequ.appeals.models import Appeal, AppealOutcome
from shequ.appeals.services.outcomes import appeals_link
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.notices.models import Message
from shequ.participation.models import Proposal
from shequ.people.models import User
from shequ.projects.models import Project
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, street_light
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_resident, make_staff, make_user
from tests.projects.conftest import new_project


@pytest.fixture(autouse=True)
def fixed_now():  # type: ignore[no-untyped-def]
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False) as traveller:
        yield traveller


def neighbours(n: int, prefix: str = "nb") -> list[User]:
    people = []
    for i in range(n):
        user = make_user(f"{prefix}{i}")
        make_resident(NIJIAQIAO, user=user)
        people.append(user)
    return people


def a_proposal(author: User, community: str = NIJIAQIAO) -> Proposal:
    return Proposal.objects.create(
        community_id=community,
        author=author,
        title="倪家桥路口加装路灯",
        description="路口太黑",
        category=Proposal.Category.SAFETY,
    )


def test_three_requests_become_a_proposal_and_its_page_counts_them(
    resident: User, worker: User, fixed_now: Any, client: Client
) -> None:
    first = street_light(resident)
    others = [street_light(u) for u in neighbours(2)]
    proposal = a_proposal(resident)

    made = appeals_link(
        actor=worker,
        appeal_id=first.pk,
        also=[a.pk for a in others],
        proposal_id=proposal.pk,
    )
    assert sorted(o.appeal_id for o in made) == sorted([first.pk, *[a.pk for a in others]])
    assert AuditEvent.objects.filter(verb="appeal.outcome_link").count() == 3
    # Each reporter is told, in Chinese, with the request's page.
    told = Message.objects.filter(title__contains="已促成一项居民议题")
    assert told.count() == 3
    assert set(told.values_list("url", flat=True)) == {
        f"/appeals/{a.pk}/" for a in [first, *others]
    }

    # A month later another lamp request comes in: the proposal's page counts it.
    fixed_now.shift(timedelta(days=30))
    street_light(neighbours(1, "later")[0])
    page = client.get(f"/participation/proposals/{proposal.pk}/").content.decode()
    assert 'data-testid="appeal-origin"' in page
    assert "来自 3 件群众诉求" in page
    assert "自 2026-09-30 以来同类诉求又有 1 件" in page
    # The request's public page names the proposal.
    public = client.get(f"/appeals/{first.pk}/").content.decode()
    assert 'data-testid="outcome-proposal"' in public
    assert "倪家桥路口加装路灯" in public


def test_linking_again_adds_only_the_new_ones_and_a_project_works_the_same(
    resident: User, worker: User, client: Client
) -> None:
    first = street_light(resident)
    second = street_light(neighbours(1)[0])
    proposal = a_proposal(resident)
    appeals_link(actor=worker, appeal_id=first.pk, proposal_id=proposal.pk)
    made = appeals_link(actor=worker, appeal_id=second.pk, also=[first.pk], proposal_id=proposal.pk)
    assert [o.appeal_id for o in made] == [second.pk]
    with pytest.raises(DomainError) as error:
        appeals_link(actor=worker, appeal_id=first.pk, also=[second.pk], proposal_id=proposal.pk)
    assert error.value.code == "already_linked"
    assert "已关联" in str(error.value)

    project = new_project(make_staff("officer", Role.DISTRICT_OFFICER, "510107000000"))
    appeals_link(actor=worker, appeal_id=first.pk, project_id=project.pk)
    page = client.get(f"/projects/{project.code}/").content.decode()
    assert "来自 1 件群众诉求" in page
    assert AppealOutcome.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"proposal_id": None}, "one_target"),
        ({"proposal_id": 1, "project_id": 1}, "one_target"),
        ({"proposal_id": 999999}, "proposal_not_found"),
        ({"proposal_id": None, "project_id": 999999}, "project_not_found"),
        ({"proposal_id": "other"}, "proposal_not_found"),
        ({"proposal_id": "hidden"}, "proposal_not_found"),
        ({"also": ["x"]}, "bad_request_id"),
        ({"also": [999999]}, "other_community"),
        ({"also": ["elsewhere"]}, "other_community"),
    ],
)
def test_bad_links_are_refused_and_change_nothing(
    resident: User, worker: User, change: dict[str, object], code: str
) -> None:
    appeal = street_light(resident)
    here = a_proposal(resident)
    other = a_proposal(make_user("far"), community=SHUIJINGFANG)
    hidden = a_proposal(resident)
    hidden.status = Proposal.Status.HIDDEN
    hidden.save()
    elsewhere = Appeal.objects.create(
        category=appeal.category,
        nature=appeal.nature,
        description="水井坊路灯",
        community_id=SHUIJINGFANG,
        deadline_at=appeal.deadline_at,
    )
    arguments: dict[str, object] = {"proposal_id": here.pk}
    arguments.update(change)
    named = {"other": other.pk, "hidden": hidden.pk}
    if arguments.get("proposal_id") in named:
        arguments["proposal_id"] = named[str(arguments["proposal_id"])]
    if arguments.get("also") == ["elsewhere"]:
        arguments["also"] = [elsewhere.pk]
    messages_before = Message.objects.count()
    with pytest.raises(DomainError) as error:
        appeals_link(actor=worker, appeal_id=appeal.pk, **arguments)  # type: ignore[arg-type]
    assert error.value.code == code
    assert not AppealOutcome.objects.exists()
    assert not AuditEvent.objects.filter(verb="appeal.outcome_link").exists()
    assert Message.objects.count() == messages_before


def test_only_the_communitys_staff_link_its_requests(resident: User, client: Client) -> None:
    appeal = street_light(resident)
    proposal = a_proposal(resident)
    outsider = make_staff("sjf_worker", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    with pytest.raises(NotFound):
        appeals_link(actor=outsider, appeal_id=appeal.pk, proposal_id=proposal.pk)
    with pytest.raises(NotFound):
        appeals_link(actor=resident, appeal_id=appeal.pk, proposal_id=proposal.pk)
    client.force_login(resident)
    response = client.post(
        f"/api/v1/appeals/{appeal.pk}/outcomes",
        json.dumps({"proposal_id": proposal.pk}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not AppealOutcome.objects.exists()


def test_console_page_links_with_the_requests_like_it_ticked(
    resident: User, worker: User, client: Client
) -> None:
    appeal = street_light(resident)
    like = street_light(neighbours(1)[0])
    client.force_login(worker)
    detail = client.get(f"/console/appeals/{appeal.pk}/").content.decode()
    assert 'data-testid="link-outcome"' in detail
    url = f"/console/appeals/{appeal.pk}/outcome/"
    # Nothing to link to yet: the page says where proposals and projects come from.
    empty = client.get(url).content.decode()
    assert 'data-testid="no-targets"' in empty
    proposal = a_proposal(resident)
    form = client.get(url).content.decode()
    assert f'value="proposal:{proposal.pk}"' in form
    assert f'value="{like.pk}" id="id_also_0" checked' in form
    response = client.post(url, {"target": "", "also": [str(like.pk)]})
    assert response.status_code == 400
    assert not AppealOutcome.objects.exists()
    response = client.post(url, {"target": f"proposal:{proposal.pk}", "also": [str(like.pk)]})
    assert response.status_code == 302
    assert sorted(AppealOutcome.objects.values_list("appeal_id", flat=True)) == sorted(
        [appeal.pk, like.pk]
    )
    detail = client.get(f"/console/appeals/{appeal.pk}/").content.decode()
    assert 'data-testid="outcome-proposal"' in detail


def test_api_links_and_lists_the_outcomes(resident: User, worker: User, client: Client) -> None:
    appeal = street_light(resident)
    project: Project = new_project(make_staff("officer", Role.DISTRICT_OFFICER, "510107000000"))
    client.force_login(worker)
    response = client.post(
        f"/api/v1/appeals/{appeal.pk}/outcomes",
        json.dumps({"project_id": project.pk}),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json() == [
        {
            "appeal_id": appeal.pk,
            "number": appeal.number,
            "proposal_id": None,
            "project_id": project.pk,
            "commitment_id": None,
            "created_at": response.json()[0]["created_at"],
        }
    ]
    response = client.post(
        f"/api/v1/appeals/{appeal.pk}/outcomes",
        json.dumps({"project_id": project.pk}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "already_linked"
    client.logout()
    listed = client.get(f"/api/v1/appeals/public/{appeal.pk}/outcomes").json()
    assert [o["project_id"] for o in listed] == [project.pk]
