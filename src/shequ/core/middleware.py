"""Pages: a NotFound or PermissionDenied raised by a service becomes a 404 or 403 page; a NUL
character in the address is refused."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from shequ.core.api import (
    PROBLEM_CONTENT_TYPE,
    NulCharacter,
    invalid_input,
    is_api_request,
    problem_response,
)
from shequ.core.errors import NotFound, PermissionDenied


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            return render(request, "404.html", {"message": str(exception)}, status=404)
        if isinstance(exception, PermissionDenied):
            return render(request, "403.html", {"message": str(exception)}, status=403)
        return None


class NulCharacterMiddleware:
    """Refuses a path or query string holding a NUL character before any view sees it: no
    text column can store one and PostgreSQL refuses it in a query. A page answers 400, the
    API a 422 problem naming the parameter."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        location = self._nul_location(request)
        if location is None:
            return self.get_response(request)
        if is_api_request(request):
            return problem_response(**invalid_input(NulCharacter(location).errors()))
        return render(
            request,
            "400.html",
            {"message": _("The address contains a character that is not allowed.")},
            status=400,
        )

    @staticmethod
    def _nul_location(request: HttpRequest) -> tuple[str, ...] | None:
        if "\x00" in request.path_info:
            return ("path",)
        if "%00" not in request.META.get("QUERY_STRING", "") and "\x00" not in request.META.get(
            "QUERY_STRING", ""
        ):
            return None
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return ("query", name)
        return None


class ApiProblemMiddleware:
    """Under /api/, an error answered outside the API's own handlers (an address no route
    matches, a method a route does not take, an empty 404) becomes an RFC 7807 problem in the
    caller's language, like every other refusal of the API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api_request(request)
            or response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
        ):
            return response
        problem = problem_response(**_status_problem(request, response.status_code))
        if response.has_header("Allow"):
            problem["Allow"] = response["Allow"]
        return problem


def _status_problem(request: HttpRequest, status: int) -> dict[str, Any]:
    if status == 404:
        return {"status": 404, "code": "not_found", "title": _("There is nothing at this address.")}
    if status == 405:
        return {
            "status": 405,
            "code": "method_not_allowed",
            "title": _("This address does not take %(method)s requests.")
            % {"method": request.method},
        }
    if status < 500:
        return {"status": status, "code": "bad_request", "title": _("The request was refused.")}
    return {
        "status": status,
        "code": "server_error",
        "title": _("Something went wrong on our side. Please try again later."),
    }
