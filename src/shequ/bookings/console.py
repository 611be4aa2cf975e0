"""Staff manage venues: open/close, generate slots, attendance with no-show marking."""

from datetime import date
from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.bookings import selectors, services
from shequ.core.digits import int_or_none
from shequ.core.errors import DomainError, NotFound
from shequ.people.models import User
from shequ.people.permissions import staff_required


@staff_required
def venue_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "bookings/console/venue_list.html",
        {"venues": selectors.venue_list_for(user=request.user)},
    )


@staff_required
def venue_detail(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = selectors.venue_get_for(user=request.user, venue_id=venue_id)
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    return render(
        request,
        "bookings/console/venue_detail.html",
        {
            "venue": venue,
            "day": day,
            "bookings": selectors.slot_bookings_for(venue=venue, day=day),
            "now": timezone.now(),
        },
    )


@staff_required
@require_POST
def venue_action(request: HttpRequest, venue_id: int) -> HttpResponse:
    actor = cast(User, request.user)
    action = request.POST.get("action", "")
    try:
        if action in ("open", "close"):
            services.venue_set_open(actor=actor, venue_id=venue_id, is_open=action == "open")
        elif action == "generate":
            days = request.POST.get("days", "")
            generated = services.slots_generate(
                actor=actor,
                venue_id=venue_id,
                first_day=timezone.localdate(),
                days=int_or_none(days) or 0,
            )
            messages.success(request, _("%(n)s slots created.") % {"n": generated.created})
            if generated.uncovered_from is not None:
                messages.warning(
                    request,
                    _(
                        "No slots from %(day)s on: the holiday table has no %(year)s yet. "
                        "Ask the committee to enter the State Council's holiday notice."
                    )
                    % {
                        "day": generated.uncovered_from.isoformat(),
                        "year": generated.uncovered_from.year,
                    },
                )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("bookings_console:venue", venue_id=venue_id)


@staff_required
@require_POST
def no_show(request: HttpRequest, booking_id: int) -> HttpResponse:
    try:
        booking = services.booking_mark_no_show(
            actor=cast(User, request.user), booking_id=booking_id
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("bookings_console:venues")
    return redirect("bookings_console:venue", venue_id=booking.slot.venue_id)
