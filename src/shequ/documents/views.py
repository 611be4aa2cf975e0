"""The public verification page (/verify/) and the resident's wallet (我的证照) with downloads."""

import time
from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from shequ.core.services import client_ip
from shequ.core.storage import stored_file_response
from shequ.documents import selectors
from shequ.people.models import User

RATE_WINDOW_SECONDS = 60


def _rate_limited(request: HttpRequest) -> bool:
    """One address may open ``SHEQU_VERIFY_RATE_PER_MINUTE`` verification pages a minute
    (numbers cannot be found by trying)."""
    window = int(time.time() // RATE_WINDOW_SECONDS)
    key = f"documents:verify-rate:{client_ip(request) or '-'}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS + 5)
        count = 1
    return count > settings.SHEQU_VERIFY_RATE_PER_MINUTE


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "documents/verify.html",
        {"error": _("Too many checks from your address. Please try again in a minute.")},
        status=429,
    )
    response["Retry-After"] = str(RATE_WINDOW_SECONDS)
    return response


def verify_form(request: HttpRequest) -> HttpResponse:
    """Enter a number (typed as printed, or with spaces and small letters)."""
    typed = request.GET.get("number", "")[:60].strip()
    if not typed:
        return render(request, "documents/verify.html", {})
    if _rate_limited(request):
        return _too_many(request)
    number = selectors.number_parse(typed)
    if number is None:
        return render(
            request,
            "documents/verify.html",
            {
                "typed": typed,
                "error": _(
                    "This is not a valid document number. Check it against the document "
                    "(it looks like CD-2026-XXXX-XXXX-X)."
                ),
            },
            status=400,
        )
    return redirect("documents_verify:verify", number=number)


def verify(request: HttpRequest, number: str) -> HttpResponse:
    if _rate_limited(request):
        return _too_many(request)
    canonical = selectors.number_parse(number[:60])
    if canonical is not None and canonical != number:
        return redirect("documents_verify:verify", number=canonical)
    found = selectors.document_verify(number=canonical) if canonical else None
    if found is None:
        return render(
            request,
            "documents/verify.html",
            {"typed": number[:60], "error": _("No document has this number.")},
            status=404,
        )
    response = render(request, "documents/verify.html", {"document": found})
    if not request.user.is_authenticated:
        patch_cache_control(response, public=True, max_age=60)
    patch_vary_headers(response, ["Cookie"])
    return response


@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    materials = [(m, selectors.material_label(m)) for m in selectors.materials_for(user=user)[:100]]
    return render(
        request,
        "documents/wallet.html",
        {"documents": selectors.documents_for_holder(user=user), "materials": materials},
    )


@login_required
def download(request: HttpRequest, document_id: int) -> HttpResponseBase:
    document = selectors.document_get_for_download(user=request.user, document_id=document_id)
    return stored_file_response(
        document.file.storage,
        document.file.name,
        content_type="application/pdf",
        filename=f"{document.number}.pdf",
    )
