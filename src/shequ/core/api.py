"""RFC 7807 problem responses for the API, in the caller's language, and the API's input rules.

Every request the API cannot take answers with a 4xx problem: unreadable or oversized bodies,
multipart forms without a boundary, NUL characters, numbers no database column can hold and
pages larger than ``MAX_PAGE``.
"""

from collections.abc import Mapping
from decimal import InvalidOperation
from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination
from ninja.parser import Parser

from shequ.core.errors import DomainError

PROBLEM_TYPE = "https://shequ.invalid/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

# The largest page a list endpoint returns, and the largest offset it accepts (any larger one
# is past the end of every list, and a 64-bit database integer must hold offset + limit).
MAX_PAGE = 100
MAX_OFFSET = 2**31 - 1
DEFAULT_PAGE = 50


def problem_body(
    *, status: int, code: str, title: str, detail: str = "", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": PROBLEM_TYPE + code, "title": title, "status": status}
    body["code"] = code
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body


def problem_response(*, status: int, code: str, title: str, **extra: Any) -> HttpResponse:
    """A problem outside a NinjaAPI view (middleware, Django's error handlers)."""
    body = problem_body(status=status, code=code, title=title, **extra)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


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
    body = problem_body(status=status, code=code, title=title, detail=detail, **extra)
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_CONTENT_TYPE
    return response


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


# --- Input rules ---------------------------------------------------------------------------


class Pagination(LimitOffsetPagination):
    """Limit/offset pages of at most ``MAX_PAGE`` items (the project's pagination class)."""

    class Input(Schema):
        limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_PAGE, **kwargs)


class NulCharacter(ValueError):
    """A NUL character in the input: no text column can store it, PostgreSQL refuses it."""

    def __init__(self, location: tuple[str | int, ...]) -> None:
        self.location = location
        super().__init__(location)

    def errors(self) -> list[dict[str, Any]]:
        return [
            {
                "type": "nul_character",
                "loc": list(self.location),
                "msg": _("The text contains a NUL character."),
            }
        ]


def nul_location(
    value: object, location: tuple[str | int, ...] = ()
) -> tuple[str | int, ...] | None:
    """Where in ``value`` (nested dicts and lists of str) a NUL character is, or None."""
    if isinstance(value, str):
        return location if "\x00" in value else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = nul_location(key, (*location, str(key))) or nul_location(
                item, (*location, str(key))
            )
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = nul_location(item, (*location, index))
            if found is not None:
                return found
    return None


class ApiParser(Parser):
    """JSON bodies and form fields, refusing NUL characters (query strings and paths are
    refused site-wide by ``core.middleware.NulCharacterMiddleware``)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        found = nul_location(data)
        if found is not None:
            raise NulCharacter(("body", *found))
        return data

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> Any:
        parsed = super().parse_querydict(data, list_fields, request)
        found = nul_location(parsed)
        if found is not None:
            raise ValidationError(NulCharacter(("form", *found)).errors())
        return parsed


# --- Problems ------------------------------------------------------------------------------


def invalid_input(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": 422, "code": "invalid_input", "title": _("The input is not valid.")} | {
        "errors": errors
    }


def bad_request_problem(exc: BaseException) -> dict[str, Any]:
    """The problem for a request Django or ninja could not read (also used by ``handler400``)."""
    if isinstance(exc, RequestDataTooBig):
        return {
            "status": 413,
            "code": "too_large",
            "title": _("The request is too large. Send less data at a time."),
        }
    if isinstance(exc, MultiPartParserError):
        return {
            "status": 400,
            "code": "bad_form",
            "title": _("The form data could not be read: send a valid multipart form."),
        }
    return {"status": 400, "code": "bad_request", "title": _("The request could not be read.")}


def _out_of_range() -> dict[str, Any]:
    return {
        "status": 422,
        "code": "out_of_range",
        "title": _("A value is too large or too small to be stored."),
    }


def http_error_problem(exc: HttpError) -> dict[str, Any]:
    """Problems for ninja's own refusals, whose messages are English only."""
    if isinstance(exc.__cause__, NulCharacter):
        return invalid_input(exc.__cause__.errors())
    if isinstance(exc.__cause__, RequestDataTooBig | MultiPartParserError):
        return bad_request_problem(exc.__cause__)
    if exc.status_code == 400:
        return {
            "status": 400,
            "code": "bad_request",
            "title": _("The request body could not be read: send valid JSON."),
        }
    if exc.status_code == 403 and "CSRF" in str(exc):
        return csrf_problem()
    return {"status": exc.status_code, "code": "http_error", "title": str(exc)}


def csrf_problem() -> dict[str, Any]:
    return {
        "status": 403,
        "code": "csrf_failed",
        "title": _(
            "The security check failed (CSRF): reload the page and try again; API callers "
            "send the csrftoken cookie's value in the X-CSRFToken header."
        ),
    }


def install_problem_handlers(api: NinjaAPI) -> None:
    def answer(request: HttpRequest, fields: dict[str, Any]) -> HttpResponse:
        return problem(api, request, **fields)

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        extra = {"field": exc.field} if exc.field else {}
        return problem(api, request, status=exc.status, code=exc.code, title=str(exc), **extra)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return answer(request, invalid_input(exc.errors))

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(
            api, request, status=401, code="not_authenticated", title=_("Please log in first.")
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return answer(request, http_error_problem(exc))

    def unreadable(request: HttpRequest, exc: Any) -> HttpResponse:
        return answer(request, bad_request_problem(exc))

    for readable_error in (
        SuspiciousOperation,  # incl. RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
        MultiPartParserError,
        BadRequest,
        UnreadablePostError,
    ):
        api.add_exception_handler(readable_error, unreadable)

    def out_of_range(request: HttpRequest, exc: Any) -> HttpResponse:
        return answer(request, _out_of_range())

    # A number past what a database column holds: SQLite raises OverflowError, PostgreSQL a
    # DataError, a decimal with too many digits InvalidOperation.
    for range_error in (OverflowError, DataError, InvalidOperation):
        api.add_exception_handler(range_error, out_of_range)


# --- The problems in the OpenAPI document ---------------------------------------------------

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 7807 problem, its title in the caller's language.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "Stable, for programs."},
        "detail": {"type": "string"},
        "field": {"type": "string", "description": "The input the problem is about."},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status", "code"],
}

PROBLEM_DESCRIPTIONS = {
    "400": "The request could not be read, or the action was refused (the title says why).",
    "401": "Not signed in, or the bearer token is unknown, expired or revoked.",
    "403": "Signed in, but not allowed here (or the CSRF check failed, or the bearer token "
    "lacks the scope).",
    "404": "No such thing, or not within the caller's area (the two look the same).",
    "413": "The request body is too large.",
    "422": "An input is missing, malformed or out of range (``errors`` lists them).",
    "429": "Too many calls by this account or app: wait for the seconds in Retry-After.",
}


def problem_responses(operation: dict[str, Any]) -> dict[str, Any]:
    """The problems an operation can answer with, beside the responses it declares."""
    codes = ["400", "422"]
    if operation.get("security"):
        codes += ["401", "403", "429"]
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        codes.append("404")
    if "requestBody" in operation:
        codes.append("413")
    reference = {"$ref": "#/components/schemas/Problem"}
    # ninja keys the declared responses by int: a str key of the same code would be written
    # twice into the JSON document (a duplicated key that Swagger UI refuses).
    declared = {str(code) for code in operation.get("responses", {})}
    return {
        code: {
            "description": PROBLEM_DESCRIPTIONS[code],
            "content": {PROBLEM_CONTENT_TYPE: {"schema": reference}},
        }
        for code in sorted(codes)
        if code not in declared
    }


class ProblemDocumentedAPI(NinjaAPI):
    """The API whose OpenAPI document names the problems each operation may answer, so a
    client generated from it handles them (ninja documents only the declared responses)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"].update(problem_responses(operation))
        return schema
