"""Residents discuss (threads one level deep, agreement, reports, moderation, numbers masked,
rate limits) and the community answers each proposal officially, telling its supporters."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.core.errors import DomainError, NotFound, PermissionDenied, RateLimited
from shequ.notices.models import Message
from shequ.participation.models import Answer, Comment, Proposal
from shequ.participation.services import answers, comments, proposals
from tests.factories import NIJIAQIAO
from tests.participation.conftest import Place


def propose(place: Place, title: str = "小区东门加装路灯") -> Proposal:
    return proposals.proposal_create(
        actor=place.residents[0],
        community_code=NIJIAQIAO,
        title=title,
        description="晚上东门太黑",
        category="safety",
    )


def say(
    place: Place, who: int, proposal: Proposal, body: str, parent: int | None = None
) -> Comment:
    return comments.comment_post(
        actor=place.residents[who], target="proposal", key=proposal.pk, body=body, parent_id=parent
    )


def test_threads_are_one_level_deep_and_roles_are_marked(place: Place, client: Client) -> None:
    proposal = propose(place)
    first = say(place, 4, proposal, "同意，晚上确实黑")
    reply = say(place, 1, proposal, "我也同意", parent=first.pk)
    staff = comments.comment_post(
        actor=place.worker,
        target="proposal",
        key=proposal.pk,
        body="社区正在评估",
        parent_id=first.pk,
    )
    assert (first.role, reply.role, staff.role) == ("resident", "council", "staff")
    with pytest.raises(DomainError) as error:
        say(place, 2, proposal, "回复的回复", parent=reply.pk)
    assert error.value.code == "reply_depth"
    # The author of the first comment is told about the replies.
    assert Message.objects.filter(user=place.residents[4], url__contains="#comments").count() == 2
    page = client.get(f"/participation/proposals/{proposal.pk}/").content.decode()
    assert page.count('data-testid="comment"') == 3
    assert 'data-testid="badge-council"' in page
    assert 'data-testid="badge-staff"' in page
    assert Proposal.objects.get(pk=proposal.pk).comments_count == 3


def test_numbers_are_masked_on_save(place: Place) -> None:
    proposal = propose(place)
    comment = say(place, 1, proposal, "联系我13812345678，身份证11010519491231002X")
    assert "13812345678" not in comment.body
    assert "138****5678" in comment.body
    assert "11010519491231002X" not in comment.body


@pytest.mark.parametrize(
    ("body", "code"), [("", "required"), ("   ", "required"), ("长" * 10000, "too_long")]
)
def test_empty_or_long_comments_are_refused(place: Place, body: str, code: str) -> None:
    proposal = propose(place)
    with pytest.raises(DomainError) as error:
        say(place, 1, proposal, body)
    assert error.value.code == code
    assert not Comment.objects.exists()


def test_who_may_comment(place: Place) -> None:
    proposal = propose(place)
    for user in (place.outsider, place.unverified):
        with pytest.raises(PermissionDenied):
            comments.comment_post(actor=user, target="proposal", key=proposal.pk, body="路过")
    with pytest.raises(NotFound):
        comments.comment_post(actor=place.residents[1], target="proposal", key=999999, body="x")
    answers.answer_create(
        actor=place.worker, proposal_id=proposal.pk, state="not_feasible", text="地下有管线"
    )
    with pytest.raises(DomainError) as error:
        say(place, 1, proposal, "太可惜了")
    assert error.value.code == "closed"
    assert not Comment.objects.exists()


def test_rate_limit(place: Place) -> None:
    proposal = propose(place)
    for i in range(comments.RATE_BURST):
        say(place, 1, proposal, f"第{i}条")
    with pytest.raises(RateLimited):
        say(place, 1, proposal, "又一条")
    assert Comment.objects.count() == comments.RATE_BURST


def test_agreement_reports_and_moderation(place: Place, client: Client) -> None:
    proposal = propose(place)
    comment = say(place, 1, proposal, "说的不对的话")
    comments.comment_vote(actor=place.residents[2], comment_id=comment.pk, value=1)
    comments.comment_vote(actor=place.residents[3], comment_id=comment.pk, value=-1)
    comments.comment_vote(actor=place.residents[3], comment_id=comment.pk, value=1)
    comment.refresh_from_db()
    assert (comment.up, comment.down) == (2, 0)
    with pytest.raises(DomainError) as error:
        comments.comment_report(actor=place.residents[1], comment_id=comment.pk, reason="我")
    assert error.value.code == "own_comment"
    comments.comment_report(actor=place.residents[2], comment_id=comment.pk, reason="人身攻击")
    with pytest.raises(DomainError) as error:
        comments.comment_report(actor=place.residents[2], comment_id=comment.pk, reason="再报")
    assert error.value.code == "already_reported"
    # The queue shows it to the community's worker only.
    client.force_login(place.other_worker)
    assert (
        'data-testid="queue-row"'
        not in client.get("/console/participation/comments/").content.decode()
    )
    with pytest.raises(NotFound):
        comments.comment_hide(actor=place.other_worker, comment_id=comment.pk, reason="x")
    client.force_login(place.worker)
    queue = client.get("/console/participation/comments/").content.decode()
    assert "人身攻击" in queue
    response = client.post(
        f"/console/participation/comments/{comment.pk}/moderate/",
        {"action": "hide", "reason": "含人身攻击"},
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.status, comment.hidden_reason) == ("hidden", "含人身攻击")
    assert Message.objects.filter(user=place.residents[1], body="含人身攻击").exists()
    page = Client().get(f"/participation/proposals/{proposal.pk}/").content.decode()
    assert "含人身攻击" in page
    assert "说的不对的话" not in page
    assert (
        'data-testid="queue-row"'
        not in client.get("/console/participation/comments/").content.decode()
    )


def test_round_projects_and_agenda_items_have_discussions(place: Place, client: Client) -> None:
    from tests.participation.conftest import open_meeting, voting_round

    budget_round = voting_round(place)
    project = budget_round.projects.first()
    assert project is not None
    client.force_login(place.residents[1])
    response = client.post(
        f"/participation/comments/round_project/{project.pk}/", {"body": "这个项目很好"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "这个项目很好" in page
    meeting_id = open_meeting(place, present=0)
    from shequ.participation.services import meetings

    item = meetings.agenda_add(
        actor=place.worker, meeting_id=meeting_id, kind="other", title="议程一"
    )
    client.post(f"/participation/comments/agenda_item/{item.pk}/", {"body": "支持议程"})
    assert (
        "支持议程" in client.get(f"/participation/discuss/agenda_item/{item.pk}/").content.decode()
    )


def test_a_page_of_comments_costs_the_same_queries(place: Place, client: Client) -> None:
    proposal = propose(place)
    url = f"/participation/proposals/{proposal.pk}/"
    say(place, 1, proposal, "一")
    client.force_login(place.residents[2])
    client.get(url)
    Comment.objects.bulk_create(
        Comment(
            community_id=NIJIAQIAO,
            target="proposal",
            target_key=str(proposal.pk),
            author=place.residents[3],
            author_label="李*",
            role="resident",
            body=f"评论{i}",
        )
        for i in range(30)
    )
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    Comment.objects.bulk_create(
        Comment(
            community_id=NIJIAQIAO,
            target="proposal",
            target_key=str(proposal.pk),
            author=place.residents[3],
            author_label="李*",
            role="resident",
            body=f"更多{i}",
        )
        for i in range(30)
    )
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_official_answers_follow_each_other_and_tell_supporters(
    place: Place, client: Client
) -> None:
    proposal = propose(place)
    proposals.proposal_support(actor=place.residents[1], proposal_id=proposal.pk)
    proposals.proposal_follow(actor=place.residents[2], proposal_id=proposal.pk)
    before = Message.objects.count()
    answers.answer_create(actor=place.worker, proposal_id=proposal.pk, state="evaluating")
    # author (follows), supporter, follower: three messages.
    assert Message.objects.count() - before == 3
    with pytest.raises(DomainError) as error:
        answers.answer_create(actor=place.worker, proposal_id=proposal.pk, state="implemented")
    assert error.value.code == "answer_not_allowed"
    with pytest.raises(DomainError) as error:
        answers.answer_create(actor=place.worker, proposal_id=proposal.pk, state="not_feasible")
    assert error.value.code == "required"
    with pytest.raises(NotFound):
        answers.answer_create(actor=place.other_worker, proposal_id=proposal.pk, state="accepted")
    assert Answer.objects.count() == 1
    answers.answer_create(
        actor=place.worker, proposal_id=proposal.pk, state="accepted", text="列入下次议事会"
    )
    proposal.refresh_from_db()
    assert (proposal.answer_state, proposal.status) == ("accepted", "on_agenda")
    page = client.get(f"/participation/proposals/{proposal.pk}/").content.decode()
    assert "列入下次议事会" in page
    assert 'data-testid="answer-state"' in page


def test_answer_merged_moves_the_supports(place: Place, client: Client) -> None:
    target = propose(place, "东门路灯")
    duplicate = propose(place, "东门装灯")
    proposals.proposal_support(actor=place.residents[1], proposal_id=duplicate.pk)
    client.force_login(place.worker)
    response = client.post(
        f"/console/participation/proposals/{duplicate.pk}/answer/",
        {"state": "merged", "merge_into_id": target.pk, "text": "重复"},
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    target.refresh_from_db()
    assert (duplicate.status, duplicate.answer_state, target.supports) == ("merged", "merged", 1)
    # A state that does not follow: refused on the form, nothing changed.
    response = client.post(
        f"/console/participation/proposals/{target.pk}/answer/", {"state": "implemented"}
    )
    assert response.status_code == 400
    assert Answer.objects.filter(proposal=target).count() == 0


def _threads(place: Place, proposal: Proposal, first: int, last: int) -> None:
    """Threads ``first`` … ``last - 1``, each with one reply, written straight to the table."""
    tops = Comment.objects.bulk_create(
        Comment(
            community_id=NIJIAQIAO,
            target="proposal",
            target_key=str(proposal.pk),
            author=place.residents[3],
            author_label="李*",
            role="resident",
            body=f"话题{i}号",
        )
        for i in range(first, last)
    )
    Comment.objects.bulk_create(
        Comment(
            community_id=NIJIAQIAO,
            target="proposal",
            target_key=str(proposal.pk),
            parent=top,
            author=place.residents[4],
            author_label="赵*",
            role="resident",
            body=f"回复{top.body}",
        )
        for top in tops
    )


def test_a_resident_pages_through_a_long_discussion(place: Place, client: Client) -> None:
    proposal = propose(place)
    _threads(place, proposal, 1, 46)
    client.force_login(place.residents[2])
    url = f"/participation/proposals/{proposal.pk}/"
    first = client.get(url).content.decode()
    # Page 1: the 20 oldest threads with their replies; the total counts every comment.
    assert first.count('data-testid="comment"') == 40
    assert "话题1号" in first
    assert "回复话题20号" in first
    assert "话题21号" not in first
    assert "讨论（90）" in first
    assert 'data-testid="comments-page">1 / 3<' in first
    assert 'data-testid="comments-previous"' not in first
    following = re.search(r'href="([^"]+)" rel="next" data-testid="comments-next">下一页', first)
    assert following is not None
    assert following.group(1) == "?comments=2#comments"
    second = client.get(url + "?comments=2").content.decode()
    assert second.count('data-testid="comment"') == 40
    assert "话题21号" in second
    assert "回复话题40号" in second
    assert "话题1号<" not in second
    assert 'href="?comments=1#comments" rel="prev" data-testid="comments-previous">上一页' in second
    # A page past the end shows the last page; nonsense shows the first.
    last = client.get(url + "?comments=99").content.decode()
    assert last.count('data-testid="comment"') == 10
    assert "话题45号" in last
    assert "话题1号<" in client.get(url + "?comments=abc").content.decode()


def test_the_query_count_does_not_grow_with_the_comments(place: Place, client: Client) -> None:
    proposal = propose(place)
    url = f"/participation/proposals/{proposal.pk}/"
    _threads(place, proposal, 1, 11)
    client.force_login(place.residents[2])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _threads(place, proposal, 11, 1001)  # 2,000 comments
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as later:
        client.get(url + "?comments=30")
    assert page.count('data-testid="comment"') == 40
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(later.captured_queries) == len(few.captured_queries)
