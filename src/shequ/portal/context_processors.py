"""Whether the page is shown in large text (适老化): the session's choice, else the device's."""

from typing import Any

from django.http import HttpRequest

from shequ.portal.services import LARGE_TEXT_COOKIE, LARGE_TEXT_SESSION


def display(request: HttpRequest) -> dict[str, Any]:
    session = getattr(request, "session", None)
    chosen = session.get(LARGE_TEXT_SESSION) if session is not None else None
    if chosen is None:
        chosen = request.COOKIES.get(LARGE_TEXT_COOKIE) == "1"
    return {"large_text": bool(chosen)}
