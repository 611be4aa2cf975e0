"""Residents' phone pages: the consultations of my community, one consultation with
sign-in, a suggestion form and a rating; the public page of an evaluation report; files."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.core.errors import DomainError
from shequ.core.forms import add_domain_error, perform
from shequ.core.services import client_ip
from shequ.core.storage import stored_file_response
from shequ.people.models import User
from shequ.planning import selectors
from shequ.planning.forms import RatingForm, SuggestionForm
from shequ.planning.services import attendance, consultations, suggestions

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@login_required
def my_consultations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "planning/consultations.html",
        {"consultations": selectors.consultations_for_resident(request.user)[:50]},
    )


def _page(
    request: HttpRequest,
    consultation_id: int,
    *,
    suggestion: SuggestionForm | None = None,
    rating: RatingForm | None = None,
    status: int = 200,
    from_qr: bool = False,
) -> HttpResponse:
    context = selectors.consultation_for_resident(request.user, consultation_id=consultation_id)
    context["from_qr"] = from_qr
    context["suggestion_form"] = suggestion or SuggestionForm()
    context["rating_form"] = rating or RatingForm()
    return render(request, "planning/consultation.html", context, status=status)


@login_required
def consultation(request: HttpRequest, consultation_id: int) -> HttpResponse:
    return _page(request, consultation_id)


@login_required
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """GET (the link of the QR code in the room): the consultation page with its sign-in
    button, after logging in if needed; POST: sign in."""
    if request.method != "POST":
        return _page(request, consultation_id, from_qr=True)
    selectors.consultation_for_resident(request.user, consultation_id=consultation_id)
    perform(
        request,
        lambda: attendance.attendance_sign_in(
            actor=cast(User, request.user), consultation_id=consultation_id
        ),
        done=_("You are signed in."),
    )
    return redirect("planning:consultation", consultation_id)


@login_required
@require_POST
def suggest(request: HttpRequest, consultation_id: int) -> HttpResponse:
    selectors.consultation_for_resident(request.user, consultation_id=consultation_id)
    form = SuggestionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            suggestions.suggestion_submit(
                actor=cast(User, request.user),
                consultation_id=consultation_id,
                text=form.cleaned_data["text"],
                photo=form.cleaned_data["photo"],
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Thank you: the planner has your suggestion."))
            return redirect("planning:consultation", consultation_id)
    return _page(request, consultation_id, suggestion=form, status=400)


@login_required
@require_POST
def rate(request: HttpRequest, consultation_id: int) -> HttpResponse:
    selectors.consultation_for_resident(request.user, consultation_id=consultation_id)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            consultations.rating_submit(
                actor=cast(User, request.user),
                consultation_id=consultation_id,
                stars=form.cleaned_data["stars"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect("planning:consultation", consultation_id)
    return _page(request, consultation_id, rating=form, status=400)


def report(request: HttpRequest, report_id: int) -> HttpResponse:
    return render(
        request, "planning/report.html", {"report": selectors.report_get(report_id=report_id)}
    )


def media(request: HttpRequest, kind: str, pk: int) -> HttpResponseBase:
    """A stored photo or document, after the reader's right to it is checked."""
    field = selectors.media_for(request.user, kind=kind, pk=pk)
    extension = field.name.rsplit(".", 1)[-1].lower()
    return stored_file_response(
        field.storage,
        field.name,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
        filename=f"{kind}-{pk}.{extension}",
        as_attachment=extension == "docx",
    )
