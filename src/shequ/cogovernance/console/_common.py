"""Helpers shared by the co-governance console pages."""

from typing import Any, cast

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from shequ.cogovernance.permissions import can_edit, can_read, may_use_console
from shequ.cogovernance.services._common import not_found
from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError
from shequ.core.forms import add_domain_error
from shequ.people.models import User

PAGE = 50


def _console(request: HttpRequest) -> User:
    if not may_use_console(request.user):
        raise DjangoPermissionDenied
    return cast(User, request.user)


def _area(request: HttpRequest) -> str:
    code = digits_or_none(request.GET.get("area", "")) or ""
    return code if len(code) == 12 and can_read(request.user, code) else ""


def _form_page(
    request: HttpRequest,
    form: Any,
    title: str,
    *,
    back: str,
    multipart: bool = False,
    back_args: tuple[Any, ...] = (),
    intro: str = "",
) -> HttpResponse:
    return render(
        request,
        "cogovernance/console/form.html",
        {
            "form": form,
            "title": title,
            "back_url": reverse(back, args=back_args),
            "multipart": multipart,
            "intro": intro,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _editable(user: Any, division_code: str) -> None:
    """A record the user may read but not change is, for its edit page, not there."""
    if not can_edit(user, division_code):
        raise not_found()


def _run(form: Any, action: Any) -> Any:
    """The service's result, or None with its refusal on the form."""
    try:
        return action()
    except DomainError as error:
        if error.status == 404:
            raise
        add_domain_error(form, error)
        return None


def _posted(request: HttpRequest) -> Any:
    """The form data on a POST, even an empty one (``request.POST or None`` would leave the
    form unbound and say nothing), else None."""
    return request.POST if request.method == "POST" else None
