"""Log lines that can be traced to a request: a request id and the user's numeric id, as JSON.

Every record logged while a request is served carries ``request_id`` (the caller's
``X-Request-ID`` when it is well-formed, otherwise a new one; echoed in the response) and
``user_id`` (the primary key only: never a name, phone or ID number). ``JsonFormatter``
writes one JSON object per line for log collectors; ``LOG_FORMAT=text`` keeps plain lines.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import LazyObject, empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# Visible characters proxies and tracers use (UUIDs, hex, base64url); anything else (spaces,
# newlines, quotes, very long values) could forge or break log lines, so it is replaced.
_WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=-]{8,128}")

# The request being served by this thread (or task): a context variable, so gthread workers'
# concurrent requests each see their own.
_current_request: ContextVar[HttpRequest | None] = ContextVar("shequ_request", default=None)
_current_request_id: ContextVar[str | None] = ContextVar("shequ_request_id", default=None)

# Where the request keeps its id, for log records that carry the request itself.
_META_KEY = "shequ.request_id"

access_logger = logging.getLogger("shequ.request")


def request_id_for(header_value: str | None) -> str:
    """The caller's request id when it is well-formed, otherwise a new one."""
    if header_value and _WELL_FORMED_REQUEST_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


def user_id_of(request: HttpRequest | None) -> int | None:
    """The signed-in user's primary key, if the request already knows who it is.

    The user is read only when something in the request already loaded it: a log line must
    not cost a session or user query (list pages' query counts are tested)."""
    if request is None:
        return None
    user: Any = request.__dict__.get("user")
    if isinstance(user, LazyObject):
        user = vars(user).get("_wrapped", empty)
        if user is empty:
            return None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    pk = getattr(user, "pk", None)
    return pk if isinstance(pk, int) else None


def logged_path(request: HttpRequest) -> str:
    """The path as logs show it: a matched address as its pattern, since values in a path
    can be secrets (a password-reset token); never the query string, which the caller fills
    with anything."""
    match = getattr(request, "resolver_match", None)
    return f"/{match.route}" if match is not None else request.path


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``user_id`` to every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a response's error status after the middleware has returned, with the
        # request attached to the record: it is asked first.
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            record.request_id = request.META.get(_META_KEY)
            record.user_id = user_id_of(request)
            self._hide_path_values(record, request)
        else:
            record.request_id = _current_request_id.get()
            record.user_id = user_id_of(_current_request.get())
        return True

    @staticmethod
    def _hide_path_values(record: logging.LogRecord, request: HttpRequest) -> None:
        """Django's "Not Found: <path>" lines name the path as typed: a matched one is
        replaced by its pattern (Django escapes the path first, so both forms are looked for)."""
        if not isinstance(record.args, tuple):
            return
        raw = {request.path, request.path.encode("unicode_escape").decode("ascii")}
        shown = logged_path(request)
        record.args = tuple(
            shown if isinstance(arg, str) and arg in raw else arg for arg in record.args
        )


class JsonFormatter(_LibraryJsonFormatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request id,
    user id, the record's extra fields and a traceback if any.

    Django's request loggers attach the request object itself: it is left out, since its
    text holds the query string."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", ["levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault(
            "reserved_attrs",
            [*RESERVED_ATTRS, "taskName", "request", "server_time", "color_message"],
        )
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)


class RequestContextMiddleware:
    """First in the chain: names the request (``X-Request-ID`` in and out), makes it known
    to log records, and writes one access line when the response leaves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER))
        request.META[_META_KEY] = request_id
        request_token = _current_request.set(request)
        id_token = _current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            self._log(request, response, time.perf_counter() - started)
            return response
        finally:
            _current_request_id.reset(id_token)
            _current_request.reset(request_token)

    @staticmethod
    def _log(request: HttpRequest, response: HttpResponse, seconds: float) -> None:
        match = getattr(request, "resolver_match", None)
        path = logged_path(request)
        access_logger.log(
            # Unmatched successes are static files: only worth a line when debugging.
            logging.INFO if match is not None or response.status_code >= 400 else logging.DEBUG,
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "route": match.view_name if match is not None else None,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
