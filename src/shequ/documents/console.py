"""Staff: issue a completed case's result document (出具结果文书), revoke a document."""

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import client_ip
from shequ.documents.services import document_issue_for_application, document_revoke
from shequ.people.models import User
from shequ.people.permissions import staff_required


@staff_required
@require_POST
def issue(request: HttpRequest, application_id: int) -> HttpResponse:
    try:
        document = document_issue_for_application(
            actor=cast(User, request.user), application_id=application_id, ip=client_ip(request)
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Document %(number)s issued.") % {"number": document.number})
    return redirect("casework_console:detail", application_id=application_id)


@staff_required
@require_POST
def revoke(request: HttpRequest, document_id: int) -> HttpResponse:
    try:
        document_revoke(
            actor=cast(User, request.user),
            document_id=document_id,
            reason=request.POST.get("reason", ""),
            ip=client_ip(request),
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The document was revoked."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/console/"
    return redirect(back)
