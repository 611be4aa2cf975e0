"""Team leaders and area workers run teams and activities on the phone: join requests,
publishing activities with slots, the rotating check-in code, attendance by hand, no-shows."""

import io
from datetime import date, datetime, time
from typing import cast

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.permissions import WORKERS, has_role
from shequ.volunteers import selectors
from shequ.volunteers.forms import ActivityForm, AttendanceForm
from shequ.volunteers.models import Slot
from shequ.volunteers.services import activities, attendance, teams
from shequ.web.pickers import bind_pickers


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """What the user leads or works on: teams and activities."""
    led = selectors.teams_led_by(request.user)
    staff_teams = selectors.team_list_for_staff(user=request.user)
    managed = selectors.activity_list_to_manage(user=request.user)[:50]
    is_worker = has_role(request.user, *WORKERS)
    if not led.exists() and not is_worker and not managed:
        raise DjangoPermissionDenied
    return render(
        request,
        "volunteers/manage/index.html",
        {
            "led": led,
            "staff_teams": staff_teams[:50],
            "activities": managed,
            "is_worker": is_worker,
        },
    )


@login_required
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    found = selectors.team_get_to_manage(user=request.user, team_id=team_id)
    return render(
        request,
        "volunteers/manage/team.html",
        {
            "team": found,
            "members": selectors.team_members(found),
            "activities": found.activities.order_by("-created_at")[:30],
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, membership_id: int) -> HttpResponse:
    approve = request.POST.get("approve") == "1"
    try:
        done = teams.membership_decide(
            actor=_user(request),
            membership_id=membership_id,
            approve=approve,
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("volunteers:manage")
    messages.success(request, _("Approved.") if approve else _("Refused."))
    return redirect("volunteers:manage_team", team_id=done.team_id)


def _slot_inputs(data: dict[str, object]) -> list[activities.SlotIn]:
    day = data["day"]
    zone = timezone.get_current_timezone()

    def at(moment: object) -> datetime:
        return datetime.combine(cast(date, day), cast(time, moment), tzinfo=zone)

    slots = [activities.SlotIn(at(data["starts"]), at(data["ends"]), int(str(data["quota"])))]
    if data.get("starts2") and data.get("ends2"):
        slots.append(
            activities.SlotIn(
                at(data["starts2"]),
                at(data["ends2"]),
                int(str(data.get("quota2") or data["quota"])),
            )
        )
    return slots


@login_required
def activity_new(request: HttpRequest) -> HttpResponse:
    """Draft an activity: of a team (``?team=``, by its leader or worker) or of a community."""
    team_id_text = request.GET.get("team", "")
    team_obj = None
    if team_id_text.isdigit():
        team_obj = selectors.team_get_to_manage(user=request.user, team_id=int(team_id_text))
    elif not has_role(request.user, *WORKERS):
        raise DjangoPermissionDenied
    form = ActivityForm(request.POST if request.method == "POST" else None)
    if team_obj is not None:
        form.fields["community"].required = False
        # A leader publishes in the team's own area; the picker is for area workers.
        if not has_role(request.user, *WORKERS):
            del form.fields["community"]
    if "community" in form.fields:
        bind_pickers(form, request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        deadline = data["signup_deadline"]
        if timezone.is_naive(deadline):
            deadline = timezone.make_aware(deadline)
        try:
            made = activities.activity_create(
                actor=_user(request),
                team_id=team_obj.pk if team_obj else None,
                community_code=data.get("community") or "",
                data=activities.ActivityIn(
                    title=data["title"],
                    description=data["description"],
                    field=data["field"] or "",
                    place=data["place"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    geofence_m=data["geofence_m"],
                    signup_deadline=deadline,
                    slots=_slot_inputs(data),
                    min_age=data["min_age"],
                    max_age=data["max_age"],
                    skills=data["skills"],
                    min_level=data["min_level"],
                    training=data["training"],
                    risks=data["risks"],
                    insured=data["insured"],
                ),
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(request, _("Saved as a draft; publish it to recruit volunteers."))
            return redirect("volunteers:manage_activity", activity_id=made.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "volunteers/manage/activity_form.html",
        {"form": form, "team": team_obj},
        status=status,
    )


@login_required
def activity(request: HttpRequest, activity_id: int) -> HttpResponse:
    found = selectors.activity_get_to_manage(user=request.user, activity_id=activity_id)
    return render(
        request,
        "volunteers/manage/activity.html",
        {"activity": found, "slots": selectors.slot_views(found)},
    )


@login_required
@require_POST
def activity_publish(request: HttpRequest, activity_id: int) -> HttpResponse:
    try:
        activities.activity_publish(
            actor=_user(request), activity_id=activity_id, ip=client_ip(request)
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Published: volunteers can sign up now."))
    return redirect("volunteers:manage_activity", activity_id=activity_id)


@login_required
@require_POST
def activity_cancel(request: HttpRequest, activity_id: int) -> HttpResponse:
    try:
        activities.activity_cancel(
            actor=_user(request),
            activity_id=activity_id,
            reason=request.POST.get("reason", ""),
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Cancelled; the volunteers have been told."))
    return redirect("volunteers:manage_activity", activity_id=activity_id)


@login_required
@never_cache
def qr_page(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The leader's phone shows the rotating code (the picture reloads every 30 seconds)."""
    found = selectors.activity_get_to_manage(user=request.user, activity_id=activity_id)
    return render(
        request,
        "volunteers/manage/qr.html",
        {
            "activity": found,
            "seconds": settings.SHEQU_VOLUNTEER_QR_SECONDS,
            "image_url": reverse("volunteers:manage_qr_svg", args=[found.pk]),
        },
    )


def check_url(activity_id: int) -> str:
    """The address in the QR code right now."""
    token = selectors.checkin_token(activity_id)
    return f"{settings.SITE_URL}{reverse('volunteers:check', args=[token])}"


@login_required
@never_cache
def qr_svg(request: HttpRequest, activity_id: int) -> HttpResponse:
    found = selectors.activity_get_to_manage(user=request.user, activity_id=activity_id)
    buffer = io.BytesIO()
    url = check_url(found.pk)
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["X-Check-Url"] = url
    return response


def _slot_to_manage(request: HttpRequest, slot_id: int) -> Slot:
    slot = Slot.objects.select_related("activity", "activity__team").filter(pk=slot_id).first()
    if slot is None:
        raise NotFound("not_found", _("Not found."))
    selectors.activity_get_to_manage(user=request.user, activity_id=slot.activity_id)
    return slot


@login_required
def slot(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Who signed up, who came and when; hand check-in with a reason; no-shows."""
    found = _slot_to_manage(request, slot_id)
    return render(
        request,
        "volunteers/manage/slot.html",
        {
            "slot": found,
            "activity": found.activity,
            "rows": selectors.slot_attendance(found),
            "form": AttendanceForm(),
            "ended": timezone.now() >= found.ends_at,
        },
    )


@login_required
@require_POST
def mark(request: HttpRequest, slot_id: int, signup_id: int) -> HttpResponse:
    found = _slot_to_manage(request, slot_id)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the check-in time and a reason."))
        return redirect("volunteers:manage_slot", slot_id=found.pk)
    data = form.cleaned_data
    zone = timezone.get_current_timezone()

    def aware(moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        return timezone.make_aware(moment, zone) if timezone.is_naive(moment) else moment

    try:
        attendance.attendance_mark(
            actor=_user(request),
            signup_id=signup_id,
            checked_in_at=cast(datetime, aware(data["checked_in_at"])),
            checked_out_at=aware(data["checked_out_at"]),
            reason=data["reason"],
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Attendance recorded."))
    return redirect("volunteers:manage_slot", slot_id=found.pk)


@login_required
@require_POST
def no_shows(request: HttpRequest, slot_id: int) -> HttpResponse:
    found = _slot_to_manage(request, slot_id)
    try:
        count = attendance.slot_no_shows_record(
            actor=_user(request), slot_id=found.pk, ip=client_ip(request)
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(count)s no-shows recorded.") % {"count": count})
    return redirect("volunteers:manage_slot", slot_id=found.pk)
