"""The follow-up questionnaire's one-tap answer page (回访: 问题是否仍已解决？), for the
request's reporter only."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.appeals.forms import FollowupForm
from shequ.appeals.selectors.clusters import followup_get
from shequ.appeals.services.followups import followup_answer
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.models import User


@login_required
def followup(request: HttpRequest, followup_id: int) -> HttpResponse:
    """Yes or no, with an optional comment; answered once ("no" files a recurrence)."""
    user = cast(User, request.user)
    item = followup_get(followup_id=followup_id, user=user)
    form = FollowupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            done = followup_answer(
                actor=user,
                followup_id=item.pk,
                still_fixed=request.POST.get("still_fixed", ""),
                comment=request.POST.get("comment", ""),
                ip=client_ip(request),
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status
            item = followup_get(followup_id=followup_id, user=user)
        else:
            if done.recurrence is not None:
                messages.success(
                    request,
                    _("Thank you. The problem is filed again as %(number)s and sent to the unit.")
                    % {"number": done.recurrence.number},
                )
                return redirect("appeals:detail", appeal_id=done.recurrence.pk)
            messages.success(request, _("Thank you: glad it is still fixed."))
            return redirect("appeals:detail", appeal_id=done.appeal_id)
    return render(
        request,
        "appeals/followup.html",
        {"followup": item, "appeal": item.appeal, "form": form},
        status=status,
    )
