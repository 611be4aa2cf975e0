"""Residents' pages: a community's proposals, budgeting rounds and council meetings."""

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.appeals import selectors as appeal_selectors
from shequ.core.digits import int_or_none
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.storage import stored_file_response
from shequ.participation import calendar, chain, selectors
from shequ.participation.forms import ProposalForm
from shequ.participation.models import ItemVote, Proposal, Round
from shequ.participation.permissions import verified_resident_of
from shequ.participation.services import (
    ballots,
    comments,
    meetings,
    proposals,
    registrations,
)
from shequ.people.models import User
from shequ.web.community_choice import choose_community


def home(request: HttpRequest) -> HttpResponse:
    """Go to one's own community; others choose one."""
    return choose_community(
        request, url_name="participation:community", title=_("My community, my say")
    )


def community(request: HttpRequest, code: str) -> HttpResponse:
    division = selectors.community_get(code)
    context = {
        "community": division,
        "debates": list(selectors.debate_list_public(community_code=code)[:5]),
        "proposals": list(selectors.proposal_list_public(community_code=code)[:30]),
        "rounds": list(selectors.round_list_public(community_code=code)[:10]),
        "meetings": list(selectors.meeting_list_public(community_code=code)[:10]),
    }
    return render(request, "participation/community.html", context)


def _query(request: HttpRequest) -> selectors.ProposalQuery:
    get = request.GET
    return selectors.ProposalQuery(
        text=get.get("q", "").strip()[:50],
        status=get.get("status", ""),
        category=get.get("category", ""),
        area=get.get("area", "").strip(),
        sort=get.get("sort", "supports"),
    )


def proposal_find(request: HttpRequest) -> HttpResponse:
    """Search and filter proposals (words, state, category, area), sorted; or see them on a
    map."""
    query = _query(request)
    found = selectors.proposal_search(query)
    page = selectors.proposal_page(found, request.GET.get("page"))
    areas = selectors.area_choices()
    if query.area and query.area not in dict(areas):
        areas.insert(0, (query.area, selectors.division_name(query.area) or query.area))
    context = {
        "page": page,
        "query": query,
        "statuses": [(s, Proposal.Status(s).label) for s in selectors.PUBLIC_STATUSES],
        "categories": Proposal.Category.choices,
        "areas": areas,
        "sorts": [
            ("supports", _("Most supported")),
            ("newest", _("Newest")),
            ("discussed", _("Most discussed")),
        ],
        "map": request.GET.get("view") == "map",
        "tile_url": settings.SHEQU_MAP_TILE_URL,
    }
    return render(request, "participation/find.html", context)


def proposal_points(request: HttpRequest) -> JsonResponse:
    """The matching proposals with a map point, for the map."""
    points = selectors.proposal_points(selectors.proposal_search(_query(request)))
    return JsonResponse({"points": points})


@login_required
def propose(request: HttpRequest, code: str) -> HttpResponse:
    division = selectors.community_get(code)
    form = ProposalForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposals.proposal_create(
                actor=cast(User, request.user), community_code=code, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your proposal is published."))
            return redirect("participation:proposal", proposal_id=proposal.pk)
    return render(
        request,
        "participation/propose.html",
        {"form": form, "community": division},
        status=400 if form.errors else 200,
    )


def proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    item = selectors.proposal_get_public(proposal_id)
    following = proposals.is_following(user=request.user, proposal_id=proposal_id)
    context = {
        "proposal": item,
        "photos": list(item.photos.all()),
        "author": selectors.author_label(item),
        "progress": selectors.support_progress(item),
        "may_support": selectors.may_support(item, request.user),
        "is_author": request.user.is_authenticated and item.author_id == request.user.pk,
        "answers": list(item.answers.all()),
        "chain": chain.proposal_chain(item),
        "origin": appeal_selectors.origin_of(proposal_id=item.pk),
        **comments_context(
            request, "proposal", item.pk, open_=item.status in ("open", "on_agenda")
        ),
        "following": following,
        # Follow: ID-checked residents of the community; unfollow: whoever follows.
        "may_follow": following
        or (
            item.status != Proposal.Status.MERGED
            and verified_resident_of(request.user, item.community_id) is not None
        ),
    }
    return render(request, "participation/proposal.html", context)


@login_required
@require_POST
def follow(request: HttpRequest, proposal_id: int) -> HttpResponse:
    want = request.POST.get("follow") != "0"
    try:
        now = proposals.proposal_follow(
            actor=cast(User, request.user), proposal_id=proposal_id, follow=want
        )
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("You follow this proposal: you get a message on every change.")
            if now
            else _("You no longer follow this proposal."),
        )
    return redirect("participation:proposal", proposal_id=proposal_id)


def photo(request: HttpRequest, photo_id: int) -> HttpResponseBase:
    """A proposal's photo (public while the proposal is not hidden)."""
    found = selectors.photo_get_public(photo_id)
    return stored_file_response(
        found.file.storage, found.file.name, content_type=found.content_type, public=True
    )


@login_required
@require_POST
def support(request: HttpRequest, proposal_id: int) -> HttpResponse:
    try:
        proposals.proposal_support(actor=cast(User, request.user), proposal_id=proposal_id)
        messages.success(request, _("Thank you for your support."))
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error))
    return redirect("participation:proposal", proposal_id=proposal_id)


def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    budget_round = selectors.round_get(round_id)
    projects = {p.pk: p for p in budget_round.projects.all()}
    results = []
    if budget_round.phase in (Round.Phase.RESULTS, Round.Phase.IMPLEMENTATION):
        for result in budget_round.results.all():
            steps = [
                dict(s, title=projects[s["project"]].title if s["project"] else "")
                for s in result.steps
            ]
            results.append(
                {
                    "result": result,
                    "steps": steps,
                    "winners": [projects[p] for p in result.winners if p in projects],
                }
            )
    mine: list[int] = []
    has_ballot = False
    error = ""
    if request.user.is_authenticated:
        mine = ballots.my_ballot(user=cast(User, request.user), budget_round=budget_round)
        has_ballot = bool(mine)
        if request.method == "POST":
            chosen = request.POST.getlist("approvals")
            try:
                ballots.ballot_cast(
                    actor=cast(User, request.user), round_id=round_id, approvals=chosen
                )
                messages.success(
                    request, _("Your ballot is recorded. You can change it until voting closes.")
                )
                return redirect("participation:round", round_id=round_id)
            except DomainError as refused:
                if refused.status == 404:
                    raise
                error = str(refused)
                # Show the refused choices again, so the voter corrects them, not redoes them.
                mine = [n for n in map(int_or_none, chosen) if n is not None]
    context = {
        "round": budget_round,
        # The ballot form shows only while the ballot service would take a ballot.
        "voting": selectors.voting_status(budget_round),
        "projects": selectors.ballot_projects(budget_round),
        "rule_text": selectors.ballot_rule_text(budget_round),
        "voters": selectors.voters_so_far(budget_round),
        "results": results,
        "mine": mine,
        "has_ballot": has_ballot,
        "error": error,
    }
    return render(request, "participation/round.html", context, status=400 if error else 200)


def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The agenda and decisions; a member signed in to the session votes here (secret or
    open), and may change the vote until the item closes."""
    meeting = selectors.meeting_get(meeting_id)
    mine = meetings.my_item_votes(user=request.user, meeting=meeting)
    context = {
        "meeting": meeting,
        "seats": selectors.meeting_seats(meeting, user=request.user),
        "may_register": verified_resident_of(request.user, meeting.community_id) is not None,
        "items": [(item, (mine or {}).get(item.pk, "")) for item in meeting.items.all()],
        "may_vote": mine is not None,
        "choices": ItemVote.Choice.choices,
    }
    return render(request, "participation/meeting.html", context)


@login_required
@require_POST
def meeting_register(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Register for a public meeting (or its waiting list), or cancel."""
    try:
        if request.POST.get("cancel"):
            registrations.unregister(actor=cast(User, request.user), meeting_id=meeting_id)
            messages.success(request, _("Your registration is cancelled."))
        else:
            done = registrations.register(actor=cast(User, request.user), meeting_id=meeting_id)
            messages.success(
                request,
                _("You are registered. Add the meeting to your calendar.")
                if done.status == "registered"
                else _("The seats are taken: you are on the waiting list."),
            )
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error))
    return redirect("participation:meeting", meeting_id=meeting_id)


def meeting_calendar(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The meeting as an .ics file for one's calendar."""
    meeting = selectors.meeting_get(meeting_id)
    body = calendar.meeting_ics(
        meeting,
        url=request.build_absolute_uri(f"/participation/meetings/{meeting.pk}/"),
        agenda=[item.title for item in meeting.items.all()],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@login_required
@require_POST
def item_vote(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    """A member signed in to the meeting votes on an item that is open for voting."""
    meeting = selectors.meeting_get(meeting_id)
    if not any(item.pk == item_id for item in meeting.items.all()):
        raise NotFound("item_not_found", _("No such agenda item."))
    try:
        meetings.item_vote(
            actor=cast(User, request.user), item_id=item_id, choice=request.POST.get("choice", "")
        )
        messages.success(
            request, _("Your vote is recorded; you may change it until the vote closes.")
        )
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error))
    return redirect("participation:meeting", meeting_id=meeting_id)


@login_required
def meeting_sign_in(request: HttpRequest, meeting_id: int, token: str) -> HttpResponse:
    """The address behind the QR code on the screen: a member confirms and is signed in."""
    meeting = selectors.meeting_get(meeting_id)
    if request.method == "POST":
        try:
            meetings.attendance_sign_in(
                actor=cast(User, request.user), meeting_id=meeting_id, token=token
            )
            messages.success(request, _("You are signed in."))
        except DomainError as error:
            messages.error(request, str(error))
        return redirect("participation:meeting", meeting_id=meeting_id)
    return render(request, "participation/sign_in.html", {"meeting": meeting, "token": token})


# ---------------------------------------------------------------- comments


def comments_context(request: HttpRequest, target: str, key: object, *, open_: bool = True) -> dict:
    """What the comments partial needs: the threads, the reader's votes, whether they may
    write (and if not, why)."""
    page = selectors.comment_page(target, key, number=request.GET.get("comments"))
    threads = page.threads
    ids = [t.comment.pk for t in threads] + [r.pk for t in threads for r in t.replies]
    found = comments.target_get(target, key)
    votes = selectors.my_comment_votes(request.user, ids)
    for thread in threads:
        for row in [thread.comment, *thread.replies]:
            row.my_vote = votes.get(row.pk, 0)
            row.mine = row.author_id == request.user.pk
    return {
        "comment_target": target,
        "comment_key": str(key),
        "threads": threads,
        "comment_count": page.total,
        "comment_page": page,
        "may_comment": open_ and comments.commenter(request.user, found.community_code) is not None,
        "comments_open": open_,
        "comment_max": comments.MAX_LENGTH,
    }


def discussion(request: HttpRequest, target: str, key: str) -> HttpResponse:
    """The discussion of a budgeting project, an agenda item or a project."""
    found = comments.target_get(target, key)
    if target == "proposal":
        return redirect(found.url)
    context = {"target": found, **comments_context(request, target, key, open_=found.open)}
    return render(request, "participation/discussion.html", context)


def _back(request: HttpRequest, target: str, key: str) -> HttpResponse:
    return redirect(comments.target_get(target, key).url)


@login_required
@require_POST
def comment_post(request: HttpRequest, target: str, key: str) -> HttpResponse:
    parent = int_or_none(request.POST.get("parent", ""))
    try:
        comments.comment_post(
            actor=cast(User, request.user),
            target=target,
            key=key,
            body=request.POST.get("body", ""),
            parent_id=parent,
            stance=request.POST.get("stance", ""),
        )
        messages.success(
            request,
            _("Your argument is published.")
            if target == "debate" and parent is None
            else _("Your comment is published."),
        )
    except DomainError as error:
        if error.status == 404 and error.code == "comment_target_not_found":
            raise
        messages.error(request, str(error))
    return _back(request, target, key)


@login_required
@require_POST
def comment_vote(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = selectors.comment_get_public(comment_id)
    value = int_or_none(request.POST.get("value", "")) or 0
    try:
        comments.comment_vote(actor=cast(User, request.user), comment_id=comment_id, value=value)
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error))
    return _back(request, comment.target, comment.target_key)


@login_required
@require_POST
def comment_report(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = selectors.comment_get_public(comment_id)
    try:
        comments.comment_report(
            actor=cast(User, request.user),
            comment_id=comment_id,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Thank you: the community's moderators will look at it."))
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error))
    return _back(request, comment.target, comment.target_key)


# ---------------------------------------------------------------- debates


def debate_list(request: HttpRequest, code: str) -> HttpResponse:
    """A community's debates, open ones first."""
    division = selectors.community_get(code)
    page = Paginator(selectors.debate_list_public(community_code=code), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "participation/debates.html", {"community": division, "page": page})


def debate_detail(request: HttpRequest, debate_id: int) -> HttpResponse:
    """The question, the arguments for and against (each with its replies), the summary once
    closed; ID-checked residents of the community add arguments while it is open."""
    debate = selectors.debate_get_public(debate_id)
    context = comments_context(
        request, "debate", debate.pk, open_=selectors.debate_accepts_arguments(debate)
    )
    threads = context["threads"]
    context.update(
        {
            "debate": debate,
            "threads_for": [t for t in threads if t.comment.stance == "for"],
            "threads_against": [t for t in threads if t.comment.stance == "against"],
        }
    )
    return render(request, "participation/debate.html", context)
