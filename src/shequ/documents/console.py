"""Staff: issue a completed case's result document (出具结果文书), revoke a document."""

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.catalogue.selectors import service_get_for
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.documents.forms import ResultTemplateForm
from shequ.documents.models import ResultTemplate
from shequ.documents.services import (
    document_issue_for_application,
    document_revoke,
    result_template_remove,
    result_template_set,
)
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


@staff_required
def result_template(request: HttpRequest, service_id: int) -> HttpResponse:
    """Whether a service's completed cases issue a result document, and what it certifies."""
    user = cast(User, request.user)
    service = service_get_for(user=user, service_id=service_id)
    current = ResultTemplate.objects.filter(service=service).first()
    initial = (
        {"kind": current.kind, "title": current.title, "statement": current.statement}
        if current is not None
        else {"statement": _("has completed the service {service} on the platform.")}
    )
    form = ResultTemplateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                result_template_remove(actor=user, service_id=service.pk)
                messages.success(
                    request, _("Completed cases of this service issue no document now.")
                )
                return redirect("documents_console:result_template", service_id=service.pk)
            if form.is_valid():
                result_template_set(actor=user, service_id=service.pk, **form.cleaned_data)
                messages.success(request, _("Saved: completed cases can issue this document."))
                return redirect("documents_console:result_template", service_id=service.pk)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            add_domain_error(form, error)
    return render(
        request,
        "documents/console/result_template.html",
        {"service": service, "form": form, "current": current},
        status=400 if form.errors else 200,
    )
