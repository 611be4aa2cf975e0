"""Residents' pages: the 市民口碑十佳 vote."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.core.errors import DomainError
from shequ.indicators import topten
from shequ.indicators.models import TopTen, TopTenBallot
from shequ.people.models import User


def top_ten_list(request: HttpRequest) -> HttpResponse:
    """Open votes and decided results (public)."""
    return render(
        request,
        "indicators/top_ten_list.html",
        {"selections": TopTen.objects.order_by("-year")},
    )


@login_required
def top_ten_vote(request: HttpRequest, selection_id: int) -> HttpResponse:
    selection = TopTen.objects.filter(pk=selection_id).first()
    if selection is None:
        raise Http404
    user = cast(User, request.user)
    voted = TopTenBallot.objects.filter(selection=selection, user=user).exists()
    error = ""
    status = 200
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("candidates") if v.isdigit()]
        try:
            topten.top_ten_vote(actor=user, selection_id=selection.pk, candidate_ids=ids)
        except DomainError as problem:
            error = str(problem)
            status = 400
        else:
            messages.success(request, _("Thank you, your vote is counted."))
            return redirect("indicators:top_ten_vote", selection_id=selection.pk)
    return render(
        request,
        "indicators/top_ten_vote.html",
        {
            "selection": selection,
            "candidates": selection.candidates.select_related("division__parent__parent"),
            "voted": voted,
            "error": error,
        },
        status=status,
    )
