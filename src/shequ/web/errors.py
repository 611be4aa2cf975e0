"""Error pages in the visitor's language: a request that cannot be read (400, 413 when too
large) and a failed CSRF check (403). Under /api/ they answer as RFC 7807 problems."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from shequ.core.api import bad_request_problem, csrf_problem, is_api_request, problem_response


def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    """``handler400``: Django could not read the request (e.g. a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE or a multipart form without a boundary)."""
    fields = bad_request_problem(exception or Exception())
    if is_api_request(request):
        return problem_response(**fields)
    too_large = isinstance(exception, RequestDataTooBig)
    return render(
        request,
        "400.html",
        {
            "heading": _("Too much data") if too_large else _("The request could not be read"),
            "message": fields["title"],
        },
        status=fields["status"],
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form sent without (or with a stale) security token."""
    if is_api_request(request):
        return problem_response(**csrf_problem())
    return render(
        request,
        "403.html",
        {
            "message": _(
                "This form has expired or was not sent from this site. Go back, reload the "
                "page and send it again."
            )
        },
        status=403,
    )
