"""Staff pages: publish a notice to one's community and see the notices of one's area."""

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.notices import selectors, services
from shequ.notices.forms import CommunityNoticeForm
from shequ.notices.permissions import can_publish_notices
from shequ.people.models import User
from shequ.people.permissions import staff_required
from shequ.web.pickers import bind_pickers


@staff_required
def notice_list(request: HttpRequest) -> HttpResponse:
    if not can_publish_notices(request.user):
        raise DjangoPermissionDenied
    form = CommunityNoticeForm(request.POST or None)
    bind_pickers(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.community_notice_publish(
                actor=cast(User, request.user),
                community_code=form.cleaned_data["community"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                ip=client_ip(request),
            )
        except NotFound as error:
            form.add_error("community", str(error))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Notice published to %(n)s residents.") % {"n": notice.recipients},
            )
            return redirect("notices_console:list")
    page = Paginator(selectors.community_notice_list_for(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notices/console/notice_list.html",
        {"form": form, "page": page},
        status=400 if form.errors else 200,
    )
