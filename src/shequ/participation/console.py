"""Staff pages: moderate proposals, run councils, meetings and budgeting rounds of one's area.

Every form is a thin shell over a service: bad input comes back as the service's message on
the form, with status 400, and nothing changes. Outside the user's area pages are 404.
"""

from typing import Any, cast

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.digits import int_or_none
from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.forms import add_domain_error, submit
from shequ.participation import funding, selectors
from shequ.participation.forms import (
    AgendaForm,
    AnswerForm,
    CommunityPickForm,
    CouncilForm,
    CouncilLevelsForm,
    DebateCloseForm,
    DebateForm,
    MeetingForm,
    MemberEndForm,
    MemberForm,
    MergeForm,
)
from shequ.participation.models import CouncilMember, ItemVote, Round
from shequ.participation.permissions import can_organise
from shequ.participation.services import (
    answers,
    comments,
    councils,
    debates,
    meetings,
    proposals,
)
from shequ.people.models import User
from shequ.people.permissions import staff_required
from shequ.web.confirmations import confirmation_page, is_confirmed
from shequ.web.pickers import bind_pickers


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _refused(form: Any, error: DomainError) -> None:
    """Show a service's refusal on the form; outside the area it is a 404 page."""
    if error.status == 404:
        raise error
    add_domain_error(form, error)


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    heading: str,
    back: str,
    submit: str,
    context: dict[str, Any] | None = None,
    template: str = "participation/console/form.html",
) -> HttpResponse:
    data = {
        "form": form,
        "heading": heading,
        "back": back,
        "submit": submit,
        **(context or {}),
    }
    return render(request, template, data, status=400 if form.errors else 200)


def _proposal_options(community_code: str, *, exclude: int | None = None) -> list[Any]:
    return [("", "—")] + [
        (p.pk, f"#{p.pk} {p.title} · {p.get_status_display()}")
        for p in selectors.proposal_choices(community_code=community_code, exclude=exclude)[:200]
    ]


# ---------------------------------------------------------------- index and communities


def _community_pick_form(request: HttpRequest) -> CommunityPickForm:
    form = CommunityPickForm()
    bind_pickers(form, request.user)
    return form


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = Paginator(selectors.proposal_list_for(user=request.user, status=status), 30).get_page(
        request.GET.get("page")
    )
    communities, wide = selectors.communities_for(request.user)
    context = {
        "page": page,
        "status": status,
        "communities": communities,
        "wide": wide,
        "pick_form": _community_pick_form(request) if wide else None,
        "rounds": list(selectors.round_list_for(user=request.user)[:20]),
        "meetings": list(selectors.meeting_list_for(user=request.user)[:20]),
    }
    return render(request, "participation/console/index.html", context)


@staff_required
def community_pick(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()
    selectors.community_for_staff(code, user=request.user)
    return redirect("participation_console:community", code=code)


@staff_required
def community_page(request: HttpRequest, code: str) -> HttpResponse:
    """One community's desk: its councils, budgeting rounds and fund accounts."""
    community = selectors.community_for_staff(code, user=request.user)
    councils = list(selectors.council_list(community_code=code))
    context = {
        "community": community,
        "councils": councils,
        # Several lists on one page: each pages with its own parameter.
        "rounds": Paginator(Round.objects.filter(community_id=code).order_by("-id"), 30).get_page(
            request.GET.get("rounds_page")
        ),
        "debates": Paginator(selectors.debate_list_for(community_code=code), 30).get_page(
            request.GET.get("debates_page")
        ),
        "accounts": [
            {"track": funding.track_label(track), "year": year, "balance": balance}
            for _pk, track, year, balance in funding.fund_accounts(code)
        ],
        "can_organise": can_organise(request.user, code),
    }
    return render(request, "participation/console/community.html", context)


# ---------------------------------------------------------------- proposals


@staff_required
@require_POST
def proposal_hide(request: HttpRequest, proposal_id: int) -> HttpResponse:
    try:
        proposals.proposal_hide(
            actor=_actor(request),
            proposal_id=proposal_id,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("The proposal is hidden."))
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error))
    return redirect("participation_console:index")


@staff_required
def proposal_merge(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Merge a duplicate into another proposal of the same community (pick the target)."""
    proposal = selectors.proposal_get_for(proposal_id, user=request.user)
    form = MergeForm(
        request.POST or None,
        choices={"into_id": _proposal_options(proposal.community_id, exclude=proposal.pk)},
    )
    if done := submit(
        request,
        form,
        lambda data: proposals.proposal_merge(
            actor=_actor(request), proposal_id=proposal_id, **data
        ),
    ):
        messages.success(request, _("Merged into “%(title)s”.") % {"title": done.value.title})
        return redirect("participation_console:index")
    return _form_page(
        request,
        form,
        heading=_("Merge a duplicate proposal"),
        back=reverse("participation_console:index"),
        submit=_("Merge"),
        context={"subject": proposal},
    )


# ---------------------------------------------------------------- councils and meetings


@staff_required
def council_create(request: HttpRequest, code: str) -> HttpResponse:
    community = selectors.community_for_staff(code, user=request.user)
    form = CouncilForm(request.POST or None)
    if done := submit(
        request,
        form,
        lambda data: councils.council_create(actor=_actor(request), community_code=code, **data),
    ):
        messages.success(request, _("The council is set up. Now add its members."))
        return redirect("participation_console:council", council_id=done.value.pk)
    return _form_page(
        request,
        form,
        heading=_("New council or residents' assembly"),
        back=reverse("participation_console:community", args=[code]),
        submit=_("Create"),
        context={"subject": community},
    )


@staff_required
def council_page(request: HttpRequest, council_id: int) -> HttpResponse:
    """Members with their terms (add, end a term) and the council's meetings (schedule)."""
    council = selectors.council_get(council_id, user=request.user)
    actor = _actor(request)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    member_form = MemberForm(request.POST if action == "add_member" else None)
    bind_pickers(member_form, request.user, community=council.community_id)
    meeting_form = MeetingForm(request.POST if action == "schedule" else None)
    end_form = MemberEndForm(request.POST if action == "end_member" else None)
    levels_form = CouncilLevelsForm(
        request.POST if action == "levels" else None,
        initial={
            "support_level": council.support_level,
            "object_level": council.object_level,
            "comment_level": council.comment_level,
        },
    )
    end_member = (int_or_none(request.POST.get("member")) or 0) if action == "end_member" else 0
    if action == "add_member" and member_form.is_valid():
        try:
            councils.member_add(actor=actor, council_id=council.pk, **member_form.cleaned_data)
        except DomainError as error:
            _refused(member_form, error)
        else:
            messages.success(request, _("The member is recorded."))
            return redirect("participation_console:council", council_id=council.pk)
    elif action == "end_member" and end_form.is_valid():
        try:
            councils.member_end(actor=actor, member_id=end_member, **end_form.cleaned_data)
        except DomainError as error:
            _refused(end_form, error)
        else:
            messages.success(request, _("The member's term is ended."))
            return redirect("participation_console:council", council_id=council.pk)
    elif action == "levels" and levels_form.is_valid():
        try:
            councils.council_set_levels(
                actor=actor, council_id=council.pk, **levels_form.cleaned_data
            )
        except DomainError as error:
            _refused(levels_form, error)
        else:
            messages.success(request, _("The verification levels are saved."))
            return redirect("participation_console:council", council_id=council.pk)
    elif action == "schedule" and meeting_form.is_valid():
        try:
            meeting = meetings.meeting_schedule(
                actor=actor, council_id=council.pk, **meeting_form.cleaned_data
            )
        except DomainError as error:
            _refused(meeting_form, error)
        else:
            messages.success(request, _("The meeting is scheduled."))
            return redirect("participation_console:meeting", meeting_id=meeting.pk)
    today = timezone.localdate()
    members = [(m, m.term_start <= today <= m.term_end) for m in selectors.member_list(council)]
    failed = any(f.errors for f in (member_form, meeting_form, end_form, levels_form))
    context = {
        "council": council,
        "members": members,
        "in_office": sum(1 for _m, current in members if current),
        "meetings": Paginator(council.meetings.order_by("-starts_at", "-pk"), 30).get_page(
            request.GET.get("meetings_page")
        ),
        "member_form": member_form,
        "meeting_form": meeting_form,
        "end_form": end_form,
        "levels_form": levels_form,
        "end_member": end_member,
        "today": today,
        "can_organise": can_organise(request.user, council.community_id),
    }
    return render(
        request, "participation/console/council.html", context, status=400 if failed else 200
    )


def sign_in_qr(url: str) -> SafeString:
    """The sign-in address as an inline SVG QR code (segno; no text of ours goes into it)."""
    svg = segno.make(url, error="m").svg_inline(scale=5, svgclass="sign-in-qr", border=2)
    return mark_safe(svg)  # noqa: S308 - segno's own markup of a QR matrix


def close_vote_consequence() -> str:
    return _(
        "Closing the vote counts the members' votes and records the result; no more votes "
        "are accepted and the result cannot be changed."
    )


def close_meeting_consequence() -> str:
    return _(
        "Please tick the box to confirm: closing the session ends sign-in and voting for good "
        "and files the minutes."
    )


@staff_required
def meeting_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.meeting_get(meeting_id, user=request.user, staff=True)
    actor = _actor(request)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    agenda_form = AgendaForm(
        request.POST if action == "agenda" else None,
        choices={"proposal_id": _proposal_options(meeting.community_id)},
    )
    failed = False
    if action == "agenda":
        if agenda_form.is_valid():
            try:
                meetings.agenda_add(actor=actor, meeting_id=meeting_id, **agenda_form.cleaned_data)
            except DomainError as error:
                _refused(agenda_form, error)
            else:
                messages.success(request, _("Added to the agenda."))
                return redirect("participation_console:meeting", meeting_id=meeting_id)
        failed = True
    elif action:
        # Posted ids that are not ASCII digits name nothing: 0 is then "not found".
        item_id = int_or_none(request.POST.get("item")) or 0
        member_id = int_or_none(request.POST.get("member")) or 0
        if action == "close_vote" and (
            ask := confirmation_page(
                request,
                title=_("Close the vote?"),
                consequence=close_vote_consequence(),
                confirm_label=_("Close the vote"),
                cancel_url=reverse("participation_console:meeting", args=[meeting_id]),
            )
        ):
            return ask
        try:
            if action == "close" and not is_confirmed(request):
                # The form carries the minutes file, so it is confirmed by its own check box.
                raise DomainError("confirm_required", close_meeting_consequence())
            if action == "open":
                meetings.meeting_open(actor=actor, meeting_id=meeting_id)
            elif action == "close":
                meetings.meeting_close(
                    actor=actor,
                    meeting_id=meeting_id,
                    minutes_text=request.POST.get("minutes_text", ""),
                    minutes=request.FILES.get("minutes"),
                )
            elif action == "sign_in":
                meetings.attendance_sign_in(actor=actor, meeting_id=meeting_id, member_id=member_id)
            elif action == "open_vote":
                meetings.item_open_vote(actor=actor, item_id=item_id)
            elif action == "close_vote":
                meetings.item_close_vote(actor=actor, item_id=item_id)
            elif action == "vote":
                meetings.item_vote(
                    actor=actor,
                    item_id=item_id,
                    choice=request.POST.get("choice", ""),
                    member_id=member_id,
                )
        except DomainError as error:
            if error.status == 404:
                raise
            messages.error(request, str(error))
            failed = True
        else:
            messages.success(
                request, _("The member's vote is recorded.") if action == "vote" else _("Done.")
            )
            return redirect("participation_console:meeting", meeting_id=meeting_id)
    present, total, quorate = meetings.quorum_of(meeting)
    signed = set(meeting.attendance.values_list("member_id", flat=True))
    today = timezone.localdate()
    members = CouncilMember.objects.filter(
        council_id=meeting.council_id, term_start__lte=today, term_end__gte=today
    ).select_related("resident")
    sign_in_url = request.build_absolute_uri(
        f"/participation/meetings/{meeting.pk}/sign-in/{meeting.checkin_token}/"
    )
    context = {
        "meeting": meeting,
        "seats": selectors.meeting_seats(meeting, user=None),
        "present": present,
        "close_vote_consequence": close_vote_consequence(),
        "total": total,
        "quorate": quorate,
        "members": [(m, m.pk in signed) for m in members],
        "agenda": selectors.agenda_rows(meeting, [m for m in members if m.pk in signed]),
        "choices": ItemVote.Choice.choices,
        "agenda_form": agenda_form,
        "sign_in_url": sign_in_url,
        "sign_in_qr": sign_in_qr(sign_in_url),
    }
    return render(
        request, "participation/console/meeting.html", context, status=400 if failed else 200
    )


# ---------------------------------------------------------------- comment moderation


@staff_required
def comment_queue(request: HttpRequest) -> HttpResponse:
    """Reported comments of one's area, most reported first, with the reports' reasons."""
    page = Paginator(selectors.comment_queue(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    reasons = selectors.comment_reports([c.pk for c in rows])
    context = {
        "page": page,
        "rows": [
            (c, reasons.get(c.pk, []), comments.target_get(c.target, c.target_key)) for c in rows
        ],
    }
    return render(request, "participation/console/comments.html", context)


@staff_required
@require_POST
def comment_moderate(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Hide a comment with a reason (the author is told), or keep it."""
    try:
        if request.POST.get("action") == "keep":
            comments.comment_keep(actor=_actor(request), comment_id=comment_id)
            messages.success(request, _("The comment stays; its reports are closed."))
        else:
            comments.comment_hide(
                actor=_actor(request),
                comment_id=comment_id,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("The comment is hidden and its author told why."))
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error))
    return redirect("participation_console:comments")


@staff_required
def proposal_answer(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Answer a proposal officially; supporters and followers get a message."""
    proposal = selectors.proposal_get_for(proposal_id, user=request.user)
    form = AnswerForm(
        request.POST or None,
        states=answers.next_states(proposal),
        choices={"merge_into_id": _proposal_options(proposal.community_id, exclude=proposal.pk)},
    )
    if submit(
        request,
        form,
        lambda data: answers.answer_create(actor=_actor(request), proposal_id=proposal_id, **data),
    ):
        messages.success(request, _("The answer is published and its supporters are told."))
        return redirect("participation_console:index")
    return _form_page(
        request,
        form,
        heading=_("Answer the proposal officially"),
        back=reverse("participation_console:index"),
        submit=_("Publish the answer"),
        context={"subject": proposal},
    )


# ---------------------------------------------------------------- debates


@staff_required
def debate_open(request: HttpRequest, code: str) -> HttpResponse:
    """Open a debate of the community, in its name or its council's, for a period."""
    community = selectors.community_for_staff(code, user=request.user)
    form = DebateForm(
        request.POST or None,
        choices={
            "council_id": [("", "—")]
            + [(c.pk, c.name) for c in selectors.council_list(community_code=code)]
        },
    )
    if done := submit(
        request,
        form,
        lambda data: debates.debate_open(actor=_actor(request), community_code=code, **data),
    ):
        messages.success(request, _("The debate is open; residents can add arguments."))
        return redirect("participation_console:debate", debate_id=done.value.pk)
    return _form_page(
        request,
        form,
        heading=_("Open a debate"),
        back=reverse("participation_console:community", args=[code]),
        submit=_("Open the debate"),
        context={"subject": community},
    )


@staff_required
def debate_edit(request: HttpRequest, debate_id: int) -> HttpResponse:
    """Correct an open debate: question (until argued), description, period, name."""
    debate = selectors.debate_get_for(debate_id, user=request.user)
    if not can_organise(request.user, debate.community_id):
        raise PermissionDenied(
            "not_organiser", _("Only the community's own workers may correct its debates.")
        )
    form = DebateForm(
        request.POST or None,
        initial={
            "title": debate.title,
            "description": debate.description,
            "council_id": debate.council_id or "",
            "opens_at": timezone.localtime(debate.opens_at),
            "closes_at": timezone.localtime(debate.closes_at),
        },
        choices={
            "council_id": [("", "—")]
            + [(c.pk, c.name) for c in selectors.council_list(community_code=debate.community_id)]
        },
    )
    if done := submit(
        request,
        form,
        lambda data: debates.debate_edit(actor=_actor(request), debate_id=debate.pk, **data),
    ):
        messages.success(request, _("The debate is corrected; residents see the change now."))
        return redirect("participation_console:debate", debate_id=done.value.pk)
    return _form_page(
        request,
        form,
        heading=_("Correct the debate"),
        back=reverse("participation_console:debate", args=[debate.pk]),
        submit=_("Save"),
        context={"subject": debate.community},
    )


@staff_required
def debate_page(request: HttpRequest, debate_id: int) -> HttpResponse:
    """A debate's arguments counted for and against; close it with a summary."""
    debate = selectors.debate_get_for(debate_id, user=request.user)
    form = DebateCloseForm(request.POST or None)
    if done := submit(
        request,
        form,
        lambda data: debates.debate_close(actor=_actor(request), debate_id=debate.pk, **data),
    ):
        messages.success(request, _("The debate is closed; everyone who argued is told."))
        return redirect("participation_console:debate", debate_id=done.value.pk)
    context = {
        "debate": debate,
        "form": form,
        "can_organise": can_organise(request.user, debate.community_id),
    }
    return render(
        request, "participation/console/debate.html", context, status=400 if form.errors else 200
    )
