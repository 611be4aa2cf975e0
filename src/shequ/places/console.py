"""Staff pages for divisions: the tree of one's area with counts, and a division's page."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.forms import add_domain_error
from shequ.core.scopes import code_prefix
from shequ.core.services import client_ip
from shequ.people.permissions import can_edit_division, can_view_division, staff_required
from shequ.people.selectors import resident_counts_by_child
from shequ.places.forms import DivisionAttributesForm
from shequ.places.models import Division
from shequ.places.selectors import division_ancestors, division_children, division_get
from shequ.places.services import EDITABLE_FIELDS, division_update_attributes

CHILD_PREFIX = {"city": 6, "district": 9, "street": 12, "community": 12}


def children_with_counts(division: Division) -> list[dict[str, Any]]:
    """Each child with its number of residents, counted in one grouped query."""
    children = list(division_children(division.code))
    counts = resident_counts_by_child(division.code, CHILD_PREFIX[division.level])
    return [
        {"division": child, "residents": counts.get(code_prefix(child.code), 0)}
        for child in children
    ]


@staff_required
@require_http_methods(["GET", "POST"])
def division_detail(request: HttpRequest, code: str) -> HttpResponse:
    division = division_get(code)
    if not can_view_division(request.user, division):
        raise NotFound("division_not_found", _("No such division in your area."))
    may_edit = can_edit_division(request.user, division)
    # As text, so a count of 0 shows as "0" rather than an empty box that saves as blank.
    values = {f: getattr(division, f) for f in EDITABLE_FIELDS}
    initial = {f: "" if v is None else str(v) for f, v in values.items()}
    form = DivisionAttributesForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("forbidden", _("You may not edit this division."))
        if form.is_valid():
            try:
                division_update_attributes(
                    actor=request.user, code=code, data=form.cleaned_data, ip=client_ip(request)
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("console:division", code=code)
    return render(
        request,
        "places/console/division_detail.html",
        {
            "division": division,
            "ancestors": division_ancestors(code),
            "children": children_with_counts(division),
            "form": form,
            "may_edit": may_edit,
        },
    )
