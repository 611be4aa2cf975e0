"""Residents' page: the apps they authorised (已授权应用), revoke, and recent sign-ins."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.sso import services
from shequ.sso.models import DepartmentApp
from shequ.sso.selectors import consent_list_for, signin_list_for


@login_required
def authorised_apps(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    events = list(signin_list_for(user=user))
    app_ids = {int(event.object_id) for event in events if event.object_id.isdigit()}
    apps = DepartmentApp.objects.select_related("department").in_bulk(app_ids)
    signins = [
        (event, apps.get(int(event.object_id) if event.object_id.isdigit() else 0))
        for event in events
    ]
    return render(
        request,
        "sso/authorised_apps.html",
        {"consents": list(consent_list_for(user=user)), "signins": signins},
    )


@login_required
@require_POST
def consent_revoke(request: HttpRequest, consent_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    services.consent_revoke(actor=user, consent_id=consent_id, ip=client_ip(request))
    messages.success(request, _("The app's access has been withdrawn."))
    return redirect("sso:authorised_apps")
