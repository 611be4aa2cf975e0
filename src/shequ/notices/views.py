"""Residents' inbox, message preferences and their community's notice board."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError
from shequ.notices import selectors, services
from shequ.notices.models import Category
from shequ.people.models import User


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    queryset = selectors.message_list_for(user=request.user, unread_only=unread_only)
    page = Paginator(queryset, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/inbox.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread": selectors.unread_count_for(user=request.user),
        },
    )


@login_required
def message_open(request: HttpRequest, message_id: int) -> HttpResponse:
    """Reading a message marks it read; a message with a link goes on to it."""
    message = services.message_mark_read(actor=cast(User, request.user), message_id=message_id)
    return render(request, "notices/message.html", {"message": message})


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.message_mark_all_read(actor=cast(User, request.user))
    messages.success(request, _("%(n)s messages marked read.") % {"n": count})
    return redirect("notices:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    user = cast(User, request.user)
    if request.method == "POST":
        for category in Category.values:
            try:
                services.preference_set(
                    actor=user,
                    category=category,
                    sms=request.POST.get(f"{category}-sms") == "on",
                    email=request.POST.get(f"{category}-email") == "on",
                )
            except DomainError as error:
                errors[category] = str(error)
        if not errors:
            messages.success(request, _("Your message preferences are saved."))
            return redirect("notices:preferences")
    return render(
        request,
        "notices/preferences.html",
        {"rows": selectors.preference_table_for(user=user), "errors": errors},
        status=400 if errors else 200,
    )


@login_required
def community_notices(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.community_notice_list_for(user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "notices/community_list.html", {"page": page})


@login_required
def community_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = selectors.community_notice_get_for(user=request.user, notice_id=notice_id)
    return render(request, "notices/community_detail.html", {"notice": notice})
