"""Staff pages: moderate proposals, run budgeting rounds and council meetings of one's area."""

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError
from shequ.participation import selectors, services
from shequ.participation.forms import PaperBallotForm
from shequ.participation.models import AgendaItem, CouncilMember
from shequ.people.models import User
from shequ.people.permissions import staff_required


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = Paginator(selectors.proposal_list_for(user=request.user, status=status), 30).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "status": status,
        "rounds": list(selectors.round_list_for(user=request.user)[:20]),
        "meetings": list(selectors.meeting_list_for(user=request.user)[:20]),
    }
    return render(request, "participation/console/index.html", context)


@staff_required
@require_POST
def proposal_hide(request: HttpRequest, proposal_id: int) -> HttpResponse:
    try:
        services.proposal_hide(
            actor=cast(User, request.user),
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
def round_page(request: HttpRequest, round_id: int) -> HttpResponse:
    budget_round = selectors.round_get(round_id, user=request.user, staff=True)
    form = PaperBallotForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "advance":
                services.round_advance(actor=cast(User, request.user), round_id=round_id)
                messages.success(request, _("The round moved to its next phase."))
                return redirect("participation_console:round", round_id=round_id)
            if form.is_valid():
                ballot = services.paper_ballot_enter(
                    actor=cast(User, request.user),
                    round_id=round_id,
                    approvals=request.POST.getlist("approvals"),
                    **form.cleaned_data,
                )
                messages.success(
                    request,
                    _("Both entries agree: the paper ballot counts.")
                    if ballot
                    else _("First entry saved: a second person must enter the same sheet."),
                )
                return redirect("participation_console:round", round_id=round_id)
        except DomainError as error:
            if error.status == 404:
                raise
            messages.error(request, str(error))
            status = 400
    context = {
        "round": budget_round,
        "projects": list(budget_round.projects.all()),
        "form": form,
        "voters": budget_round.voters.count(),
    }
    return render(request, "participation/console/round.html", context, status=status)


@staff_required
def meeting_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.meeting_get(meeting_id, user=request.user, staff=True)
    actor = cast(User, request.user)
    if request.method == "POST":
        action = request.POST.get("action", "")
        item_id = int(request.POST.get("item") or 0)
        try:
            if action == "open":
                services.meeting_open(actor=actor, meeting_id=meeting_id)
            elif action == "close":
                services.meeting_close(
                    actor=actor,
                    meeting_id=meeting_id,
                    minutes_text=request.POST.get("minutes_text", ""),
                    minutes=request.FILES.get("minutes"),
                )
            elif action == "sign_in":
                services.attendance_sign_in(
                    actor=actor, meeting_id=meeting_id, member_id=int(request.POST["member"])
                )
            elif action == "open_vote":
                services.item_open_vote(actor=actor, item_id=item_id)
            elif action == "close_vote":
                services.item_close_vote(actor=actor, item_id=item_id)
            elif action == "agenda":
                services.agenda_add(
                    actor=actor,
                    meeting_id=meeting_id,
                    kind=request.POST.get("kind", ""),
                    title=request.POST.get("title", ""),
                    amount=request.POST.get("amount") or None,
                    secret=request.POST.get("secret") == "on",
                )
            messages.success(request, _("Done."))
        except DomainError as error:
            if error.status == 404:
                raise
            messages.error(request, str(error))
        return redirect("participation_console:meeting", meeting_id=meeting_id)
    present, total, quorate = services.quorum_of(meeting)
    signed = set(meeting.attendance.values_list("member_id", flat=True))
    members = CouncilMember.objects.filter(council_id=meeting.council_id).select_related("resident")
    context = {
        "meeting": meeting,
        "present": present,
        "total": total,
        "quorate": quorate,
        "members": [(m, m.pk in signed) for m in members],
        "kinds": AgendaItem.Kind.choices,
        "sign_in_url": request.build_absolute_uri(
            f"/participation/meetings/{meeting.pk}/sign-in/{meeting.checkin_token}/"
        ),
    }
    return render(request, "participation/console/meeting.html", context)
