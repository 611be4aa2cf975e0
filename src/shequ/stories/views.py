"""Public and resident pages of the story archive (phone first)."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.places.models import Division
from shequ.stories import selectors, services
from shequ.stories.forms import DonationForm


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request, "stories/index.html", {"communities": selectors.communities_with_stories()}
    )


def community_gallery(request: HttpRequest, code: str) -> HttpResponse:
    community = Division.objects.filter(pk=code, level=Division.Level.COMMUNITY).first()
    if community is None:
        raise Http404
    page = Paginator(
        selectors.gallery(community_code=code, user=request.user), selectors.GALLERY_PAGE
    ).get_page(request.GET.get("page"))
    return render(request, "stories/gallery.html", {"community": community, "page": page})


def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = selectors.item_page(item_id=item_id, user=request.user)
    return render(request, "stories/item.html", {"item": item})


def label(request: HttpRequest, code: str) -> HttpResponse:
    """Where a QR label in the service centre leads."""
    item = selectors.item_by_label(code=code)
    return redirect("stories:item", item.pk)


def media(request: HttpRequest, item_id: int, which: str) -> FileResponse:
    item = selectors.media_item(item_id=item_id, user=request.user)
    field = {"thumb": item.thumbnail, "photo": item.photo, "audio": item.audio}.get(which)
    if not field:
        raise Http404
    content_type = {"audio": "audio/mpeg", "thumb": "image/jpeg"}.get(
        which, "image/png" if field.name.endswith(".png") else "image/jpeg"
    )
    response = FileResponse(field.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def donate(request: HttpRequest) -> HttpResponse:
    form = DonationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        photo, audio = data.pop("photo"), data.pop("audio")
        try:
            services.item_submit(
                actor=cast(User, request.user),
                data=data,
                photo=photo,
                audio=audio,
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Thank you! A community worker will look at it before it is shown."),
            )
            return redirect("stories:mine")
    return render(
        request, "stories/donate.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "stories/mine.html", {"items": selectors.my_items(user=request.user)})


@login_required
@require_POST
def withdraw(request: HttpRequest, item_id: int) -> HttpResponse:
    services.item_withdraw_consent(
        actor=cast(User, request.user), item_id=item_id, ip=client_ip(request)
    )
    messages.success(request, _("Consent withdrawn: the item is no longer shown anywhere."))
    return redirect("stories:mine")
