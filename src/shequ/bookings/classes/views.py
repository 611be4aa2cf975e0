"""Residents: what is on in their community this week, a class, sign up / withdraw, their
classes. Seeing what is on needs no account; signing up needs the resident's community."""

from datetime import date, datetime, time, timedelta
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.bookings.classes import selectors, services
from shequ.bookings.forms import weekday_names
from shequ.bookings.models import Enrolment
from shequ.core.forms import perform
from shequ.people.models import User
from shequ.places.models import Division
from shequ.places.selectors import division_get
from shequ.volunteers.selectors import activity_slots_between
from shequ.web.community_choice import choose_community


def whats_on_start(request: HttpRequest) -> HttpResponse:
    """This week in one's own community, or in one picked from the lists."""
    return choose_community(
        request, url_name="bookings:whats_on", title=_("What's on in the community this week")
    )


def whats_on(request: HttpRequest, code: str) -> HttpResponse:
    community = division_get(code)
    if community.level != Division.Level.COMMUNITY:
        return redirect("bookings:whats_on_start")
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    monday = selectors.week_start(day)
    zone = timezone.get_current_timezone()
    start = datetime.combine(monday, time.min, tzinfo=zone)
    sessions = list(selectors.sessions_in_week(community_code=code, monday=monday))
    activities = list(
        activity_slots_between(community_code=code, start=start, end=start + timedelta(days=7))
    )
    days = []
    for offset in range(7):
        the_day = monday + timedelta(days=offset)
        days.append(
            {
                "day": the_day,
                "sessions": [
                    s for s in sessions if timezone.localtime(s.starts_at).date() == the_day
                ],
                "activities": [
                    a for a in activities if timezone.localtime(a.starts_at).date() == the_day
                ],
            }
        )
    return render(
        request,
        "bookings/classes/whats_on.html",
        {
            "community": community,
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "days": days,
            "empty": not sessions and not activities,
            "previous_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "is_own": selectors.community_of(request.user) == code,
            "classes": selectors.class_list_public(community_code=code),
        },
    )


def class_detail(request: HttpRequest, class_id: int) -> HttpResponse:
    centre_class = selectors.class_get_public(class_id=class_id)
    now = timezone.now()
    return render(
        request,
        "bookings/classes/class_detail.html",
        {
            "centre_class": centre_class,
            "weekday": weekday_names(str(centre_class.weekday)),
            "sessions": selectors.upcoming_sessions(centre_class),
            "place": selectors.place_of(user=request.user, centre_class=centre_class),
            "waiting": selectors.waiting_count(centre_class),
            "is_member": selectors.community_of(request.user) == centre_class.community_id,
            "signup_open": centre_class.signup_opens <= now <= centre_class.signup_closes,
            "signup_not_yet": now < centre_class.signup_opens,
        },
    )


@login_required
@require_POST
def enrol(request: HttpRequest, class_id: int) -> HttpResponse:
    def done(enrolment: Enrolment) -> str:
        if enrolment.status == Enrolment.Status.ENROLLED:
            return _("You are signed up. See you there.")
        return _("You are on the waiting list; we will message you when a place comes free.")

    perform(
        request,
        lambda: services.enrolment_make(
            actor=cast(User, request.user), class_id=class_id, wait=request.POST.get("wait") == "1"
        ),
        done=done,
    )
    return redirect("bookings:class", class_id=class_id)


@login_required
@require_POST
def withdraw(request: HttpRequest, class_id: int) -> HttpResponse:
    perform(
        request,
        lambda: services.enrolment_withdraw(actor=cast(User, request.user), class_id=class_id),
        done=_("You have left the class."),
    )
    return redirect("bookings:class", class_id=class_id)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "bookings/classes/mine.html",
        {"enrolments": selectors.enrolment_list_for_user(user=request.user)},
    )
