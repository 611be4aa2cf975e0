"""Helpers shared by the co-governance console pages."""

from typing import Any, cast

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.cogovernance.permissions import can_read, may_use_console
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
    request: HttpRequest, form: Any, title: str, *, back: str, multipart: bool = False
) -> HttpResponse:
    return render(
        request,
        "cogovernance/console/form.html",
        {"form": form, "title": title, "back": back, "multipart": multipart},
        status=400 if form.is_bound and form.errors else 200,
    )


def _run(form: Any, action: Any) -> Any:
    """The service's result, or None with its refusal on the form."""
    try:
        return action()
    except DomainError as error:
        if error.status == 404:
            raise
        add_domain_error(form, error)
        return None
