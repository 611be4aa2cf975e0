"""RFC 7807 problem responses for the API, in the caller's language."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from shequ.core.errors import DomainError

PROBLEM_TYPE = "https://shequ.invalid/problems/"


def problem(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    code: str,
    title: str,
    detail: str = "",
    **extra: Any,
) -> HttpResponse:
    body = {"type": PROBLEM_TYPE + code, "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


def install_problem_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        extra = {"field": exc.field} if exc.field else {}
        return problem(api, request, status=exc.status, code=exc.code, title=str(exc), **extra)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem(
            api,
            request,
            status=422,
            code="invalid_input",
            title=_("The input is not valid."),
            errors=exc.errors,
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(
            api, request, status=401, code="not_authenticated", title=_("Please log in first.")
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(api, request, status=exc.status_code, code="http_error", title=str(exc))
