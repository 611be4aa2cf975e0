"""Staff manage venues: open/close, generate slots, attendance with no-show marking."""

from collections.abc import Mapping
from datetime import date
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.bookings import selectors, services
from shequ.bookings.forms import CloseDayForm, VenueForm, venue_initial, weekday_names
from shequ.bookings.models import Venue
from shequ.core.digits import digits_or_none, int_or_none
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import form_status, submit
from shequ.people.models import User
from shequ.people.permissions import staff_required
from shequ.places.models import Division
from shequ.places.selectors import division_ancestors, division_children, division_list


@staff_required
def venue_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "bookings/console/venue_list.html",
        {
            "venues": selectors.venue_list_for(user=request.user),
            "can_create": request.user.has_perm("bookings.add_venue"),
        },
    )


def _children(raw: str) -> QuerySet[Division]:
    code = digits_or_none(raw)
    return division_children(code) if code is not None else Division.objects.none()


def _picker(chosen: Mapping[str, str]) -> dict[str, object]:
    """The district → street → community selects (the staff form's), keeping the choice."""
    return {
        "chosen": chosen,
        "districts": division_list(level=Division.Level.DISTRICT),
        "streets": _children(chosen["district"]),
        "communities": _children(chosen["street"]),
    }


def _chosen_from_post(request: HttpRequest) -> dict[str, str]:
    return {key: request.POST.get(key, "") for key in ("district", "street", "community")}


def _chosen_from_venue(venue: Venue | None) -> dict[str, str]:
    chosen = {"district": "", "street": "", "community": ""}
    if venue is None or venue.community is None:
        return chosen
    for division in [*division_ancestors(venue.community.code), venue.community]:
        if division.level in (
            Division.Level.DISTRICT,
            Division.Level.STREET,
            Division.Level.COMMUNITY,
        ):
            chosen[str(division.level)] = division.code
    return chosen


@staff_required
def venue_create(request: HttpRequest) -> HttpResponse:
    """Open a venue with its weekly opening hours (then generate its slots)."""
    user = cast(User, request.user)
    if not user.has_perm("bookings.add_venue"):
        raise DjangoPermissionDenied
    form = VenueForm(request.POST or None, initial=venue_initial(None))
    if done := submit(
        request, form, lambda _data: services.venue_create(actor=user, **form.service_fields())
    ):
        messages.success(
            request, _("%(name)s is set up. Now create its slots.") % {"name": done.value.name}
        )
        return redirect("bookings_console:venue", venue_id=done.value.pk)
    chosen = _chosen_from_post(request) if request.method == "POST" else _chosen_from_venue(None)
    return render(
        request,
        "bookings/console/venue_form.html",
        {"form": form, "picker": _picker(chosen), "venue": None},
        status=form_status(form),
    )


@staff_required
def venue_edit(request: HttpRequest, venue_id: int) -> HttpResponse:
    user = cast(User, request.user)
    venue = selectors.venue_get_for(user=user, venue_id=venue_id)
    form = VenueForm(request.POST or None, initial=venue_initial(venue))
    if done := submit(
        request,
        form,
        lambda _data: services.venue_update(actor=user, venue_id=venue.pk, **form.service_fields()),
    ):
        messages.success(request, _("%(name)s is saved.") % {"name": done.value.name})
        return redirect("bookings_console:venue", venue_id=done.value.pk)
    chosen = _chosen_from_post(request) if request.method == "POST" else _chosen_from_venue(venue)
    return render(
        request,
        "bookings/console/venue_form.html",
        {"form": form, "picker": _picker(chosen), "venue": venue},
        status=form_status(form),
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
            "weekdays": weekday_names(venue.open_weekdays),
            "closures": selectors.closure_list(venue=venue, from_day=timezone.localdate()),
            "close_form": CloseDayForm(),
            "week_choices": [(7 * n, n) for n in range(1, 5)],
        },
    )


@staff_required
@require_POST
def venue_close_day(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = selectors.venue_get_for(user=request.user, venue_id=venue_id)
    form = CloseDayForm(request.POST)
    if done := submit(
        request,
        form,
        lambda data: services.venue_close_day(
            actor=cast(User, request.user),
            venue_id=venue.pk,
            day=data["day"],
            reason=data["reason"],
        ),
    ):
        messages.success(
            request,
            _("Closed on %(day)s; %(n)s bookings were cancelled and their residents told.")
            % {"day": done.value.closure.day.isoformat(), "n": done.value.cancelled},
        )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("bookings_console:venue", venue_id=venue.pk)


@staff_required
@require_POST
def venue_reopen_day(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = selectors.venue_get_for(user=request.user, venue_id=venue_id)
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        messages.error(request, _("Enter a valid date."))
    else:
        services.venue_reopen_day(actor=cast(User, request.user), venue_id=venue.pk, day=day)
        messages.success(
            request,
            _("Open again on %(day)s. Create slots to let residents book it.")
            % {"day": day.isoformat()},
        )
    return redirect("bookings_console:venue", venue_id=venue.pk)


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
