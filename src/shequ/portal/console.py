"""Staff: the open datasets' snapshots (late, failed), freeze now; re-read the search index."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.people.permissions import staff_required
from shequ.portal import selectors, services
from shequ.portal.indexing import rebuild
from shequ.portal.permissions import can_publish_data


def _check(request: HttpRequest) -> None:
    if not can_publish_data(request.user):
        raise DjangoPermissionDenied


@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    _check(request)
    entries = selectors.open_data_catalogue()
    history = {e.dataset.code: selectors.snapshot_history(e.dataset.code, limit=5) for e in entries}
    return render(request, "portal/console/overview.html", {"entries": entries, "history": history})


@staff_required
@require_POST
def freeze(request: HttpRequest) -> HttpResponse:
    _check(request)
    results = services.snapshot_all(actor=request.user)
    failed = [code for code, status in results.items() if status != "complete"]
    if failed:
        messages.error(
            request,
            _("These datasets failed; their previous snapshots stay published: %(codes)s")
            % {"codes": ", ".join(failed)},
        )
    else:
        messages.success(request, _("Every dataset is frozen now."))
    return redirect("portal_console:overview")


@staff_required
@require_POST
def reindex(request: HttpRequest) -> HttpResponse:
    _check(request)
    counts = rebuild()
    messages.success(
        request, _("The search index was re-read: %(n)s items.") % {"n": sum(counts.values())}
    )
    return redirect("portal_console:overview")
