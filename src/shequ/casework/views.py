"""Residents apply online, follow progress (办理进度), answer requests, withdraw."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.casework import selectors
from shequ.casework.forms import application_form_class, form_conditions
from shequ.casework.models import ApplicationDocument, Status
from shequ.casework.services.applications import (
    application_resubmit,
    application_submit,
    application_withdraw,
)
from shequ.casework.services.definitions import current_form
from shequ.catalogue.selectors import service_get
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.pii import unseal
from shequ.core.services import client_ip
from shequ.core.storage import stored_file_response
from shequ.documents.reuse import reuse_choices
from shequ.documents.services import reused_files
from shequ.people.models import User


@login_required
def my_list(request: HttpRequest) -> HttpResponse:
    page = selectors.application_page_for_applicant(
        user=request.user, number=request.GET.get("page")
    )
    return render(request, "casework/my_list.html", {"page": page})


@login_required
def apply(request: HttpRequest, service_id: int) -> HttpResponse:
    service = service_get(service_id=service_id)
    definition = current_form(service)
    if definition is None:
        # Not applied for online: its page says how to do it in person (window, hours, …).
        return redirect("catalogue:service", service_id=service.pk)
    resident = getattr(request.user, "resident", None)
    form_class = application_form_class(definition, resident=resident)
    form = form_class(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        form.is_valid()
        try:
            # 材料复用: materials picked from the wallet count as uploads (a new upload wins).
            files = reused_files(
                actor=cast(User, request.user), definition=definition, data=request.POST
            )
            for name in request.FILES:
                upload = request.FILES.get(name)
                if upload is not None:
                    files[name] = upload
            application = application_submit(
                actor=cast(User, request.user),
                service_id=service.pk,
                data=request.POST,
                files=files,
                ip=client_ip(request),
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(
                request,
                _("Application %(ref)s submitted.") % {"ref": application.reference},
            )
            return redirect("casework:detail", application_id=application.pk)
    return render(
        request,
        "casework/apply.html",
        {
            "service": service,
            "form": form,
            "definition": definition,
            "conditions": form_conditions(definition),
            "reuse": reuse_choices(user=request.user, definition=definition, data=request.POST),
        },
        status=status,
    )


@login_required
def place_options(request: HttpRequest) -> HttpResponse:
    """<option>s of a district's streets or a street's communities, for an address field's
    place picker (htmx sends the changed select, named ``<field>__district`` / ``__street``)."""
    from shequ.places.selectors import division_children

    code = next(
        (
            value
            for key in request.GET
            if key.endswith(("__district", "__street"))
            and (value := str(request.GET.get(key, ""))).isascii()
            and value.isdigit()
        ),
        "",
    )
    children = division_children(code[:12]) if code else None
    return render(request, "people/_division_options.html", {"children": children})


@login_required
def detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_get_for_applicant(
        user=request.user, application_id=application_id
    )
    resubmit_form = None
    if application.status == Status.MORE_INFO:
        # A personal number on file is never put back into the page: blank keeps it.
        initial = {
            k: (v["text"] if isinstance(v, dict) and "text" in v else v)
            for k, v in application.data.items()
            if unseal(v) is None
        }
        resubmit_form = application_form_class(
            application.form,
            kept=application.data,
            only=application.requested,
            resident=application.resident,
        )(initial=initial)
    return render(
        request,
        "casework/detail.html",
        {
            "application": application,
            "resubmit_form": resubmit_form,
            "requested": selectors.requested_labels(application),
        },
    )


@login_required
@require_POST
def resubmit(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_get_for_applicant(
        user=request.user, application_id=application_id
    )
    form = application_form_class(
        application.form, kept=application.data, only=application.requested
    )(request.POST, request.FILES)
    form.is_valid()
    try:
        application_resubmit(
            actor=cast(User, request.user),
            application_id=application.pk,
            data=request.POST,
            files=request.FILES,
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        add_domain_error(form, error)
        return render(
            request,
            "casework/detail.html",
            {
                "application": application,
                "resubmit_form": form,
                "requested": selectors.requested_labels(application),
            },
            status=400,
        )
    messages.success(request, _("Your answer has been sent."))
    return redirect("casework:detail", application_id=application.pk)


@login_required
@require_POST
def withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    try:
        application_withdraw(
            actor=cast(User, request.user), application_id=application_id, ip=client_ip(request)
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The application was withdrawn."))
    return redirect("casework:detail", application_id=application_id)


@login_required
def document(request: HttpRequest, document_id: int) -> HttpResponseBase:
    """An uploaded document, for its applicant or the staff working the case."""
    found = ApplicationDocument.objects.filter(pk=document_id).first()
    if found is None:
        raise NotFound("document_not_found", _("No such document."))
    if found.application.applicant_id != request.user.pk:
        selectors.application_get_for_staff(user=request.user, application_id=found.application_id)
    return stored_file_response(
        found.file.storage, found.file.name, content_type=found.content_type
    )
