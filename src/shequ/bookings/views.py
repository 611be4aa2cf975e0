"""Residents book service-hall times and community rooms, cancel, export to a calendar."""

from datetime import date, timedelta
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.bookings import selectors, services
from shequ.bookings.ics import bookings_to_ical
from shequ.bookings.models import Booking
from shequ.core.digits import int_or_none
from shequ.core.errors import DomainError, NotFound
from shequ.people.models import User


@login_required
def venue_list(request: HttpRequest) -> HttpResponse:
    service_id = int_or_none(request.GET.get("service", ""))
    venues = selectors.venue_list_for_resident(user=request.user, service_id=service_id)
    return render(request, "bookings/venue_list.html", {"venues": venues, "service_id": service_id})


@login_required
def venue_detail(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = selectors.venue_get_for_resident(user=request.user, venue_id=venue_id)
    try:
        first_day = date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        first_day = timezone.localdate()
    slots = list(selectors.slot_list(venue=venue, first_day=first_day, days=7))
    return render(
        request,
        "bookings/venue_detail.html",
        {
            "venue": venue,
            "slots": slots,
            "first_day": first_day,
            "next_week": first_day + timedelta(days=7),
        },
    )


@login_required
@require_POST
def book(request: HttpRequest, slot_id: int) -> HttpResponse:
    try:
        booking = services.booking_make(
            actor=cast(User, request.user), slot_id=slot_id, wait=request.POST.get("wait") == "1"
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(request.POST.get("next") or "bookings:venue_list")
    if booking.status == Booking.Status.CONFIRMED:
        messages.success(request, _("Booked. See you there."))
    else:
        messages.info(request, _("You are on the waiting list; we will message you."))
    return redirect("bookings:mine")


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    bookings = selectors.booking_list_for_user(user=request.user)[:100]
    return render(request, "bookings/mine.html", {"bookings": bookings})


@login_required
@require_POST
def cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    try:
        services.booking_cancel(actor=cast(User, request.user), booking_id=booking_id)
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The booking is cancelled."))
    return redirect("bookings:mine")


@login_required
def ical(request: HttpRequest) -> HttpResponse:
    """All of the user's bookings as an .ics file for a phone's calendar."""
    bookings = selectors.booking_list_for_user(user=request.user)[:500]
    response = HttpResponse(
        bookings_to_ical(bookings, host=request.get_host().split(":")[0]),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="bookings.ics"'
    return response
