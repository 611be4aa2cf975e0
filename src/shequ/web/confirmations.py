"""Confirmation before an irreversible step (确认后执行).

A form for such a step carries ``data-confirm-dialog``: web/shequ.js opens a ``<dialog>`` that
states the consequence and, once the person agrees, submits the form with ``confirm=1``. The
server never relies on the script: a POST without ``confirm=1`` changes nothing and answers
with a page stating the same consequence, whose button posts the same fields again with
``confirm=1`` (so the step also works, and is also confirmed, without JavaScript).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

CONFIRM_FIELD = "confirm"


def is_confirmed(request: HttpRequest) -> bool:
    """Whether this POST carries the person's confirmation."""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "1"


def confirmation_page(
    request: HttpRequest,
    *,
    title: str,
    consequence: str,
    confirm_label: str,
    cancel_url: str,
) -> HttpResponse | None:
    """None when the POST is confirmed; otherwise the page that asks for it (nothing done).

    The page posts the same fields back to the same address (file uploads cannot be carried
    over, so a step with a file is confirmed in the browser before it is sent).
    """
    if is_confirmed(request):
        return None
    referer = request.META.get("HTTP_REFERER", "")
    back = (
        referer
        if referer
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else cancel_url
    )
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", CONFIRM_FIELD)
        for value in values
    ]
    return render(
        request,
        "console/confirm.html",
        {
            "title": title,
            "consequence": consequence,
            "confirm_label": confirm_label,
            "fields": fields,
            "action": request.get_full_path(),
            "cancel_url": back,
        },
        status=200,
    )
