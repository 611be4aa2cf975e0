"""Staff pages of the story archive: the review queue, publishing, exhibiting, QR labels."""

from typing import cast

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.permissions import staff_required
from shequ.stories import selectors, services
from shequ.stories.forms import ExhibitForm, ReviewForm
from shequ.stories.models import Item
from shequ.stories.permissions import can_review, may_use_console


def _console(request: HttpRequest) -> User:
    if not may_use_console(request.user):
        raise DjangoPermissionDenied
    return cast(User, request.user)


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    status = request.GET.get("status", Item.Status.SUBMITTED)
    if status not in Item.Status.values:
        status = Item.Status.SUBMITTED
    items = Paginator(selectors.review_queue_for(user, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "stories/console/queue.html",
        {"items": items, "status": status, "statuses": Item.Status.choices},
    )


def _detail(
    request: HttpRequest,
    item_id: int,
    *,
    review: ReviewForm | None = None,
    exhibit: ExhibitForm | None = None,
    status: int = 200,
) -> HttpResponse:
    item = selectors.item_get_for(request.user, item_id=item_id)
    return render(
        request,
        "stories/console/item.html",
        {
            "item": item,
            "may_review": can_review(request.user, item.community_id),
            "review": review or ReviewForm(),
            "exhibit": exhibit or ExhibitForm(initial={"location": item.exhibit_location}),
        },
        status=status,
    )


@staff_required
def item(request: HttpRequest, item_id: int) -> HttpResponse:
    _console(request)
    return _detail(request, item_id)


@staff_required
@require_POST
def review(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _console(request)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.item_review(
                actor=user,
                item_id=item_id,
                publish=request.POST.get("decision") == "publish",
                note=form.cleaned_data["note"],
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Decision saved."))
            return redirect("stories_console:item", item_id)
    return _detail(request, item_id, review=form, status=400)


@staff_required
@require_POST
def exhibit(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _console(request)
    form = ExhibitForm(request.POST)
    if form.is_valid():
        try:
            services.item_exhibit(
                actor=user,
                item_id=item_id,
                location=form.cleaned_data["location"],
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("stories_console:label", item_id)
    return _detail(request, item_id, exhibit=form, status=400)


def _qr(url: str) -> SafeString:
    svg = segno.make(url, error="m").svg_inline(scale=5, svgclass="story-qr", border=2)
    return mark_safe(svg)  # noqa: S308 - segno's own markup of a QR matrix


@staff_required
def label(request: HttpRequest, item_id: int) -> HttpResponse:
    """A printable label: title, era, place and a QR code that opens the story."""
    _console(request)
    item = selectors.item_get_for(request.user, item_id=item_id)
    url = request.build_absolute_uri(reverse("stories:label", args=[item.label_code]))
    return render(request, "stories/console/label.html", {"item": item, "qr": _qr(url), "url": url})
