"""The console runs everything a community worker does, with the services' refusals shown on
the form (400, nothing changed) and other communities out of reach."""

import html
import re
from datetime import date, timedelta
from decimal import Decimal
from html import escape

import pytest
import segno
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.funds.models import Account, Commitment
from shequ.participation.models import (
    AgendaItem,
    Council,
    CouncilMember,
    ItemVote,
    Meeting,
    PaperEntry,
    Proposal,
    Round,
    RoundProject,
)
from shequ.participation.services import ballots, councils, meetings, proposals, rounds
from tests.factories import (
    NIJIAQIAO,
    SHUIJINGFANG,
    YULIN,
    make_resident,
    make_staff,
    valid_id_number,
)
from tests.participation.conftest import (
    Place,
    council_decides,
    fund_community,
    open_meeting,
    voting_round,
)

C = "/console/participation"


def said(msgid: str, **params: object) -> str:
    """A message as the zh-hans page shows it (HTML-escaped)."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return escape(text % params if params else text)


def worker_client(client: Client, place: Place) -> Client:
    client.force_login(place.worker)
    return client


def test_index_links_the_workers_community_and_merging(place: Place, client: Client) -> None:
    proposals.proposal_create(
        actor=place.residents[0],
        community_code=NIJIAQIAO,
        title="加装电梯",
        description="d",
        category="facilities",
    )
    page = worker_client(client, place).get(f"{C}/").content.decode()
    assert page.count('data-testid="community-row"') == 1
    assert f"{C}/c/{NIJIAQIAO}/" in page
    assert 'data-testid="merge-link"' in page
    desk = client.get(f"{C}/c/{NIJIAQIAO}/").content.decode()
    assert 'data-testid="council-row"' in desk
    assert f"{C}/c/{NIJIAQIAO}/rounds/new/" in desk


def test_a_street_officer_lists_the_streets_communities(place: Place, client: Client) -> None:
    street = make_staff("st_console", Role.STREET_OFFICER, YULIN)
    client.force_login(street)
    page = client.get(f"{C}/").content.decode()
    assert page.count('data-testid="community-row"') > 1
    assert f"{C}/c/{NIJIAQIAO}/" in page
    assert f"{C}/c/{SHUIJINGFANG}/" not in page
    response = client.post(
        f"{C}/c/{NIJIAQIAO}/councils/new/",
        {
            "name": "倪家桥居民大会",
            "kind": "assembly",
            "support_threshold": 20,
            "quorum_num": 1,
            "quorum_den": 2,
        },
    )
    assembly = Council.objects.get(name="倪家桥居民大会")
    assert response.status_code == 302
    assert (assembly.kind, assembly.community_id, assembly.quorum_num) == ("assembly", NIJIAQIAO, 1)


def test_council_with_a_bad_quorum_is_refused_on_the_form(place: Place, client: Client) -> None:
    before = Council.objects.count()
    response = worker_client(client, place).post(
        f"{C}/c/{NIJIAQIAO}/councils/new/",
        {"name": "新议事会", "kind": "council", "support_threshold": 5, "quorum_num": 4,
         "quorum_den": 3},
    )  # fmt: skip
    assert response.status_code == 400
    assert said("The quorum must be a fraction up to 1.") in response.content.decode()
    assert Council.objects.count() == before


def test_members_are_picked_by_name_and_their_terms_ended(place: Place, client: Client) -> None:
    id_number = valid_id_number(region="510107")
    newcomer = make_resident(NIJIAQIAO, name="王新成员", id_number=id_number)
    outsider = make_resident(SHUIJINGFANG, name="水井坊居民", id_number=valid_id_number("510104"))
    unchecked = make_resident(NIJIAQIAO, name="未认证居民", level=0)
    url = f"{C}/councils/{place.council.pk}/"
    today = timezone.localdate()
    worker_client(client, place)
    before = CouncilMember.objects.count()

    # The form offers no ID number to type: the member is picked by name.
    page = client.get(url).content.decode()
    assert 'data-testid="person-picker-resident_id"' in page
    assert 'name="id_number"' not in page

    # Refused: a (forged) resident of another community; a resident whose ID was never
    # checked; a term that ends before it starts.
    for data, message in (
        ({"resident_id": outsider.pk, "term_start": today,
          "term_end": today + timedelta(days=900)},
         said("Choose a resident of your area from the search results.")),
        ({"resident_id": unchecked.pk, "term_start": today,
          "term_end": today + timedelta(days=900)},
         said("Members must be ID-checked residents of the community.")),
        ({"resident_id": newcomer.pk, "term_start": today,
          "term_end": today - timedelta(days=1)},
         said("The term must end after it starts.")),
    ):  # fmt: skip
        response = client.post(url, {"action": "add_member", **data})
        assert response.status_code == 400
        assert message in response.content.decode()
    assert CouncilMember.objects.count() == before
    assert id_number not in response.content.decode()
    assert "王新成员" in response.content.decode()  # the picked person stays on the form

    response = client.post(
        url,
        {
            "action": "add_member",
            "resident_id": newcomer.pk,
            "term_start": today.isoformat(),
            "term_end": date(today.year + 3, 1, 1).isoformat(),
        },
    )
    assert response.status_code == 302
    member = CouncilMember.objects.get(resident=newcomer)
    page = client.get(url).content.decode()
    assert "王新成员" in page
    assert re.search(r"data-testid=\"in-office\">[^<0-9]*4[^<0-9]*<", page)

    # Ending the term: a last day after the term's end is refused; yesterday ends it.
    response = client.post(
        url,
        {"action": "end_member", "member": member.pk, "last_day": "2099-01-01"},
    )
    assert response.status_code == 400
    assert 'data-testid="end-error"' in response.content.decode()
    member.refresh_from_db()
    assert member.term_end == date(today.year + 3, 1, 1)
    yesterday = today - timedelta(days=1)
    response = client.post(
        url,
        {
            "action": "end_member",
            "member": place.members[2].pk,
            "last_day": yesterday.isoformat(),
            "reason": "搬离社区",
        },
    )
    assert response.status_code == 302
    assert len(councils.members_in_office(place.council, today)) == 3  # 3 + 1 new − 1 ended
    assert AuditEvent.objects.filter(verb="participation.member_end").count() == 1


def test_meetings_are_scheduled_and_agenda_items_added(place: Place, client: Client) -> None:
    worker_client(client, place)
    url = f"{C}/councils/{place.council.pk}/"
    response = client.post(url, {"action": "schedule", "title": "", "starts_at": ""})
    assert response.status_code == 400
    assert not Meeting.objects.exists()
    response = client.post(
        url,
        {
            "action": "schedule",
            "title": "四月议事会",
            "starts_at": "2026-04-10T19:00",
            "location": "社区活动室",
        },
    )
    meeting = Meeting.objects.get(title="四月议事会")
    assert response["Location"] == f"{C}/meetings/{meeting.pk}/"
    assert timezone.localtime(meeting.starts_at).hour == 19

    mine = proposals.proposal_create(
        actor=place.residents[0],
        community_code=NIJIAQIAO,
        title="楼道灯",
        description="d",
        category="safety",
    )
    theirs = proposals.proposal_create(
        actor=place.outsider,
        community_code=SHUIJINGFANG,
        title="别处的议题",
        description="d",
        category="other",
    )
    page_url = f"{C}/meetings/{meeting.pk}/"
    for data, message in (
        ({"kind": "spending", "title": "买座椅", "amount": ""}, said("This field is required.")),
        ({"kind": "proposal", "proposal_id": theirs.pk}, said("No such proposal.")),
        ({"kind": "spending", "title": "买座椅", "amount": "-5"}, said("Enter an amount in yuan.")),
    ):
        response = client.post(page_url, {"action": "agenda", **data})
        assert response.status_code == 400, data
        assert message in response.content.decode()
    assert not AgendaItem.objects.exists()

    assert f'value="{mine.pk}"' in client.get(page_url).content.decode()
    client.post(page_url, {"action": "agenda", "kind": "proposal", "proposal_id": mine.pk})
    client.post(
        page_url,
        {
            "action": "agenda",
            "kind": "spending",
            "title": "买座椅",
            "amount": "3000",
            "secret": "on",
        },
    )
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position"))
    assert [(i.kind, i.title, i.secret) for i in items] == [
        ("proposal", "楼道灯", False),
        ("spending", "买座椅", True),
    ]
    assert items[1].amount == Decimal("3000.00")


def test_meeting_page_shows_the_sign_in_address_as_a_qr_code(place: Place, client: Client) -> None:
    meeting = meetings.meeting_schedule(
        actor=place.worker, council_id=place.council.pk, title="扫码签到", starts_at=timezone.now()
    )
    page = worker_client(client, place).get(f"{C}/meetings/{meeting.pk}/").content.decode()
    url = f"http://testserver/participation/meetings/{meeting.pk}/sign-in/{meeting.checkin_token}/"
    assert f'data-testid="sign-in-url">{url}<' in page
    block = re.search(r'data-testid="sign-in-qr"[^>]*>(<svg.*?</svg>)', page, re.S)
    assert block is not None
    drawn = re.search(r' d="([^"]+)"', block.group(1))
    assert drawn is not None
    # The drawn modules are exactly the QR code of that address (and not of another one).
    expected = segno.make(url, error="m").svg_inline(scale=5, border=2)
    assert f'd="{drawn.group(1)}"' in expected
    other = segno.make(url.replace(meeting.checkin_token, "x"), error="m").svg_inline(scale=5)
    assert f'd="{drawn.group(1)}"' not in other


def test_a_round_draws_on_a_fund_account_of_its_own_community(place: Place, client: Client) -> None:
    fund_community(NIJIAQIAO, Decimal("300000"))
    fund_community(SHUIJINGFANG, Decimal("300000"))
    year = timezone.localdate().year
    own = Account.objects.get(kind="fund", division_id=NIJIAQIAO, year=year)
    other = Account.objects.get(kind="fund", division_id=SHUIJINGFANG, year=year)
    worker_client(client, place)
    url = f"{C}/c/{NIJIAQIAO}/rounds/new/"
    form = client.get(url).content.decode()
    accounts = form.split('name="fund_account_id"')[1].split("</select>")[0]
    assert f'value="{own.pk}"' in accounts
    assert f'value="{other.pk}"' not in accounts
    good = {
        "title": "2027年微更新",
        "fund_account_id": own.pk,
        "budget": "80000",
        "rule": "k_approval",
        "max_choices": 2,
        "method": "greedy",
        "collect_until": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "review_until": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "voting_from": "",
        "voting_until": "",
    }
    for change, message in (
        ({"fund_account_id": other.pk}, said("Choose one of the community's fund accounts.")),
        ({"budget": "80000.50"}, said("Use whole yuan.")),
        (
            {"review_until": (timezone.localdate() + timedelta(days=5)).isoformat()},
            said("The phase dates must follow each other in order."),
        ),
        ({"max_choices": 0}, said("k must be between 1 and 50.")),
    ):
        response = client.post(url, {**good, **change})
        assert response.status_code == 400, change
        assert message in response.content.decode()
    assert not Round.objects.exists()
    response = client.post(url, good)
    budget_round = Round.objects.get()
    assert response["Location"] == f"{C}/rounds/{budget_round.pk}/"
    assert (budget_round.fund_track, budget_round.fund_year) == (own.track, own.year)
    assert (budget_round.rule, budget_round.max_choices, budget_round.method) == (
        "k_approval",
        2,
        "greedy",
    )
    assert budget_round.review_until == timezone.localdate() + timedelta(days=20)


def test_rules_change_until_voting_opens_then_the_service_refuses(
    place: Place, client: Client
) -> None:
    fund_community(NIJIAQIAO, Decimal("500000"))
    draft = rounds.round_create(
        actor=place.worker, community_code=NIJIAQIAO, title="草稿", budget="50000"
    )
    worker_client(client, place)
    page = client.get(f"{C}/rounds/{draft.pk}/rules/").content.decode()
    assert 'data-testid="rules-open"' in page
    response = client.post(
        f"{C}/rounds/{draft.pk}/rules/",
        {"rule": "k_approval", "max_choices": 2, "method": "greedy", "budget": "60000"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.rule, draft.max_choices, draft.method, draft.budget) == (
        "k_approval",
        2,
        "greedy",
        Decimal("60000.00"),
    )

    budget_round = voting_round(place)
    url = f"{C}/rounds/{budget_round.pk}/rules/"
    page = client.get(url).content.decode()
    assert 'data-testid="rules-frozen"' in page
    response = client.post(url, {"rule": "k_approval", "max_choices": 1, "method": "greedy"})
    assert response.status_code == 400
    assert said("Voting has opened: the ballot rules and projects can no longer change.") in (
        response.content.decode()
    )
    budget_round.refresh_from_db()
    assert (budget_round.rule, budget_round.method) == ("approval_budget", "equal_shares")
    # Projects and dates are frozen too.
    response = client.post(
        f"{C}/rounds/{budget_round.pk}/projects/new/", {"cost": "1000", "title": "晚来的"}
    )
    assert response.status_code == 400
    response = client.post(f"{C}/rounds/{budget_round.pk}/dates/", {"collect_until": "2030-01-01"})
    assert response.status_code == 400
    assert budget_round.projects.count() == 3


def test_projects_are_added_and_reviewed(place: Place, client: Client) -> None:
    fund_community(NIJIAQIAO, Decimal("500000"))
    budget_round = rounds.round_create(
        actor=place.worker, community_code=NIJIAQIAO, title="微更新", budget="50000"
    )
    proposal = proposals.proposal_create(
        actor=place.residents[0],
        community_code=NIJIAQIAO,
        title="小区加装充电桩",
        description="d",
        category="facilities",
    )
    worker_client(client, place)
    url = f"{C}/rounds/{budget_round.pk}/projects/new/"
    response = client.post(url, {"title": "太贵的", "cost": "90000"})
    assert response.status_code == 400
    assert said("The project costs more than the whole budget.") in response.content.decode()
    assert not RoundProject.objects.exists()
    response = client.post(url, {"proposal_id": proposal.pk, "cost": "20000", "is_works": "on"})
    assert response.status_code == 302
    project = RoundProject.objects.get()
    assert (project.title, project.proposal_id, project.is_works) == (
        "小区加装充电桩",
        proposal.pk,
        True,
    )

    review = f"{C}/projects/{project.pk}/review/"
    response = client.post(review, {"feasible": "0", "note": ""})
    assert response.status_code == 400
    assert said("This field is required.") in response.content.decode()
    project.refresh_from_db()
    assert project.review == "pending"
    response = client.post(review, {"feasible": "0", "note": "地下管线无法改动"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.review, project.review_note) == ("infeasible", "地下管线无法改动")
    response = client.post(review, {"feasible": "1", "cost": "18000", "note": ""})
    project.refresh_from_db()
    assert (project.review, project.cost) == ("feasible", Decimal("18000.00"))
    page = client.get(f"{C}/rounds/{budget_round.pk}/").content.decode()
    assert 'data-testid="project-row"' in page


def test_duplicates_merge_only_within_the_community(place: Place, client: Client) -> None:
    first, second = (
        proposals.proposal_create(
            actor=place.residents[i],
            community_code=NIJIAQIAO,
            title=title,
            description="d",
            category="facilities",
        )
        for i, title in ((0, "加装电梯"), (1, "装电梯"))
    )
    elsewhere = proposals.proposal_create(
        actor=place.outsider,
        community_code=SHUIJINGFANG,
        title="水井坊电梯",
        description="d",
        category="facilities",
    )
    proposals.proposal_support(actor=place.residents[2], proposal_id=second.pk)
    worker_client(client, place)
    url = f"{C}/proposals/{second.pk}/merge/"
    page = client.get(url).content.decode()
    assert f'value="{first.pk}"' in page
    assert f'value="{elsewhere.pk}"' not in page
    for target, message in (
        (elsewhere.pk, said("Merge only into a visible proposal of the same community.")),
        (second.pk, said("A proposal cannot be merged into itself.")),
    ):
        response = client.post(url, {"into_id": target, "reason": "重复"})
        assert response.status_code == 400
        assert message in response.content.decode()
    second.refresh_from_db()
    assert second.status == Proposal.Status.OPEN
    response = client.post(url, {"into_id": first.pk, "reason": "重复"})
    assert response.status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.status, second.merged_into_id, first.supports) == ("merged", first.pk, 1)


def test_council_decision_is_attached_and_the_winners_committed(
    place: Place, client: Client
) -> None:
    budget_round = voting_round(place)
    a, b, _c = budget_round.projects.order_by("id")
    RoundProject.objects.filter(pk=a.pk).update(is_works=True)
    for user, choice in zip(place.residents, [[a.pk], [a.pk], [b.pk], [b.pk]], strict=False):
        ballots.ballot_cast(actor=user, round_id=budget_round.pk, approvals=choice)
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    winners = rounds.round_winners(budget_round)
    total = sum(p.cost for p in winners)
    too_little = council_decides(place, title="结果（金额不足）", amount=total - 1)
    enough = council_decides(place, title="参与式预算结果", amount=total)
    worker_client(client, place)
    url = f"{C}/rounds/{budget_round.pk}/decision/"
    page = client.get(url).content.decode()
    assert f'value="{enough.pk}"' in page
    assert 'data-testid="commit"' not in page
    response = client.post(url, {"action": "attach", "item_id": too_little.pk})
    assert response.status_code == 400
    assert (
        said(
            "The decision approves less than the winning projects cost (%(total)s yuan).",
            total=total,
        )
        in response.content.decode()
    )
    budget_round.refresh_from_db()
    assert budget_round.council_approval_item_id is None
    assert client.post(url, {"action": "attach", "item_id": enough.pk}).status_code == 302
    assert 'data-testid="commit"' in client.get(url).content.decode()
    response = client.post(url, {"action": "commit"})
    assert response.status_code == 302
    budget_round.refresh_from_db()
    assert budget_round.phase == Round.Phase.IMPLEMENTATION
    assert sorted(Commitment.objects.values_list("project", flat=True)) == sorted(
        p.title for p in winners
    )
    page = client.get(f"{C}/rounds/{budget_round.pk}/").content.decode()
    assert page.count('data-testid="committed-winner"') == len(winners)
    # The winning construction works is flagged for the five-major-actions register.
    assert page.count('data-testid="works-flag"') == 1
    link = re.search(r'data-testid="register-works" href="([^"]+)"', page)
    assert link is not None
    # The district officer who registers works finds the winner's facts already filled in.
    client.force_login(make_staff("wuhou_works", Role.DISTRICT_OFFICER, "510107000000"))
    form = client.get(html.unescape(link.group(1))).content.decode()
    assert f'value="{html.escape(a.title)}"' in form
    assert f'value="{NIJIAQIAO}"' in form
    assert f'value="{budget_round.fund_year}"' in form
    assert budget_round.title in html.unescape(form)


def test_commit_without_a_decision_is_refused_on_the_page(place: Place, client: Client) -> None:
    budget_round = voting_round(place)
    a, _b, _c = budget_round.projects.order_by("id")
    ballots.ballot_cast(actor=place.residents[0], round_id=budget_round.pk, approvals=[a.pk])
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    response = worker_client(client, place).post(
        f"{C}/rounds/{budget_round.pk}/decision/", {"action": "commit"}
    )
    assert response.status_code == 400
    assert said("The council must approve the results before they are committed.") in (
        response.content.decode()
    )
    budget_round.refresh_from_db()
    assert budget_round.phase == Round.Phase.RESULTS
    assert not Commitment.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "c/{code}/",
        "c/{code}/councils/new/",
        "c/{code}/rounds/new/",
        "councils/{council}/",
        "rounds/{round}/rules/",
        "rounds/{round}/dates/",
        "rounds/{round}/projects/new/",
        "rounds/{round}/decision/",
        "projects/{project}/review/",
        "proposals/{proposal}/merge/",
        "meetings/{meeting}/",
    ],
)
def test_a_worker_of_another_community_gets_404(place: Place, client: Client, path: str) -> None:
    fund_community(NIJIAQIAO, Decimal("100000"))
    budget_round = rounds.round_create(
        actor=place.worker, community_code=NIJIAQIAO, title="t", budget="1000"
    )
    project = rounds.project_add(
        actor=place.worker, round_id=budget_round.pk, title="p", cost="500"
    )
    proposal = proposals.proposal_create(
        actor=place.residents[0], community_code=NIJIAQIAO, title="x", description="d",
        category="other",
    )  # fmt: skip
    meeting = meetings.meeting_schedule(
        actor=place.worker, council_id=place.council.pk, title="m", starts_at=timezone.now()
    )
    url = f"{C}/" + path.format(
        code=NIJIAQIAO,
        council=place.council.pk,
        round=budget_round.pk,
        project=project.pk,
        proposal=proposal.pk,
        meeting=meeting.pk,
    )
    client.force_login(place.other_worker)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "agenda", "name": "x", "title": "x"}).status_code == 404
    client.force_login(place.residents[0])
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_an_auditor_reads_a_community_but_cannot_create(place: Place, client: Client) -> None:
    auditor = make_staff("aud_part", Role.AUDITOR, NIJIAQIAO)
    client.force_login(auditor)
    page = client.get(f"{C}/c/{NIJIAQIAO}/")
    assert page.status_code == 200
    assert 'data-testid="new-council"' not in page.content.decode()
    before = Council.objects.count()
    response = client.post(
        f"{C}/c/{NIJIAQIAO}/councils/new/",
        {"name": "x", "kind": "council", "support_threshold": 3, "quorum_num": 2,
         "quorum_den": 3},
    )  # fmt: skip
    assert response.status_code == 404
    assert Council.objects.count() == before


def test_votes_are_recorded_by_show_of_hands_or_by_the_member_alone(
    place: Place, client: Client
) -> None:
    """Staff record an open vote for a member present; a secret vote only the member casts, on
    the meeting page; anyone not signed in to the session is refused and nothing counts."""
    meeting_id = meetings.meeting_schedule(
        actor=place.worker,
        council_id=place.council.pk,
        title="六月议事会",
        starts_at=timezone.now(),
    ).pk
    meetings.meeting_open(actor=place.worker, meeting_id=meeting_id)
    for member in place.members[:2]:
        meetings.attendance_sign_in(actor=place.worker, meeting_id=meeting_id, member_id=member.pk)
    open_item = meetings.agenda_add(
        actor=place.worker, meeting_id=meeting_id, kind="other", title="公约修订"
    )
    secret = meetings.agenda_add(
        actor=place.worker, meeting_id=meeting_id, kind="other", title="评选", secret=True
    )
    for item in (open_item, secret):
        meetings.item_open_vote(actor=place.worker, item_id=item.pk)
    page_url = f"{C}/meetings/{meeting_id}/"
    worker_client(client, place)
    hands = client.get(page_url).content.decode()
    assert hands.count('data-testid="hand-row"') == 2  # the open item only, members present

    vote = {"action": "vote", "item": open_item.pk, "member": place.members[0].pk}
    response = client.post(page_url, {**vote, "choice": "for"})
    assert response.status_code == 302
    for data, message in (
        ({**vote, "item": secret.pk, "choice": "for"}, "In a secret vote members vote themselves."),
        ({**vote, "member": place.members[2].pk, "choice": "for"}, MEMBER_NOT_IN),
        ({**vote, "choice": "maybe"}, "Vote for, against or abstain."),
    ):
        response = client.post(page_url, data)
        assert response.status_code == 400, data
        assert said(message) in response.content.decode()
    assert list(ItemVote.objects.values_list("item_id", "choice", "member_id")) == [
        (open_item.pk, "for", place.members[0].pk)
    ]

    # The member votes on her own phone; in the secret vote nobody's name is stored.
    public = f"/participation/meetings/{meeting_id}/"
    client.force_login(place.residents[1])
    assert client.get(public).content.decode().count('data-testid="my-vote"') == 2
    response = client.post(f"{public}items/{secret.pk}/vote/", {"choice": "against"})
    assert response.status_code == 302
    secret_vote = ItemVote.objects.get(item=secret)
    assert (secret_vote.choice, secret_vote.member_id) == ("against", None)
    assert 'aria-pressed="true"' in client.get(public).content.decode()

    # Not signed in to the session, or another meeting's item: refused, nothing recorded.
    client.force_login(place.residents[2])
    assert 'data-testid="my-vote"' not in client.get(public).content.decode()
    response = client.post(f"{public}items/{secret.pk}/vote/", {"choice": "for"}, follow=True)
    assert said(MEMBER_NOT_IN) in response.content.decode()
    other = meetings.meeting_schedule(
        actor=place.worker,
        council_id=place.council.pk,
        title="七月议事会",
        starts_at=timezone.now(),
    )
    response = client.post(f"/participation/meetings/{other.pk}/items/{secret.pk}/vote/", {})
    assert response.status_code == 404
    assert ItemVote.objects.count() == 2


MEMBER_NOT_IN = "Only members signed in to the meeting may vote."


def test_a_paper_ballot_names_its_voter_by_the_picked_resident(
    place: Place, client: Client
) -> None:
    budget_round = voting_round(place)
    project = budget_round.projects.order_by("id").first()
    assert project is not None
    url = f"/console/participation/rounds/{budget_round.pk}/"
    client.force_login(place.worker)
    page = client.get(url).content.decode()
    assert 'data-testid="person-picker-resident_id"' in page
    assert 'name="id_number"' not in page
    outsider = place.outsider.resident
    with translation.override("zh-hans"):
        forged = client.post(
            url,
            {"sheet": "007", "resident_id": outsider.pk, "approvals": [project.pk]},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert forged.status_code == 400
    assert said("Choose a resident of your area from the search results.") in (
        forged.content.decode()
    )
    assert not PaperEntry.objects.exists()
    voter = place.residents[4].resident
    done = client.post(url, {"sheet": "007", "resident_id": voter.pk, "approvals": [project.pk]})
    assert done.status_code == 302
    assert PaperEntry.objects.get().resident == voter


def test_advancing_a_round_needs_a_confirmation_that_states_the_consequence(
    place: Place, client: Client
) -> None:
    budget_round = voting_round(place)
    worker_client(client, place)
    url = f"{C}/rounds/{budget_round.pk}/"
    page = client.get(url).content.decode()
    assert "data-confirm-dialog=" in page
    assert escape("停止接受投票") in page

    # Posted without the confirmation: a page asks, and the round stays where it was.
    ask = client.post(url, {"action": "advance"})
    assert ask.status_code == 200
    asked = ask.content.decode()
    assert 'data-testid="confirm-page"' in asked
    assert "本轮将从“投票中”进入“结果”。" in asked
    assert "此操作无法撤销。" in asked
    assert '<input type="hidden" name="action" value="advance">' in asked
    budget_round.refresh_from_db()
    assert budget_round.phase == Round.Phase.VOTING

    client.post(url, {"action": "advance", "confirm": "1"})
    budget_round.refresh_from_db()
    assert budget_round.phase == Round.Phase.RESULTS


def test_closing_a_vote_or_the_session_needs_a_confirmation(place: Place, client: Client) -> None:
    meeting_id = open_meeting(place, present=3)
    item = meetings.agenda_add(
        actor=place.worker, meeting_id=meeting_id, kind="spending", title="加装扶手", amount="8000"
    )
    meetings.item_open_vote(actor=place.worker, item_id=item.pk)
    worker_client(client, place)
    url = f"{C}/meetings/{meeting_id}/"

    ask = client.post(url, {"action": "close_vote", "item": item.pk})
    assert "结束表决将统计成员表决并记录结果" in ask.content.decode()
    item.refresh_from_db()
    assert item.status == "voting"
    client.post(url, {"action": "close_vote", "item": item.pk, "confirm": "1"})
    item.refresh_from_db()
    assert item.status != "voting"

    # The session's form carries the minutes file, so its check box is the confirmation.
    refused = client.post(url, {"action": "close", "minutes_text": "会议纪要"})
    assert refused.status_code == 400
    assert "请勾选确认" in refused.content.decode()
    assert Meeting.objects.get(pk=meeting_id).status == "open"
    client.post(url, {"action": "close", "minutes_text": "会议纪要", "confirm": "1"})
    assert Meeting.objects.get(pk=meeting_id).status != "open"
