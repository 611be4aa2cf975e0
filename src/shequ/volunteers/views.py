"""Volunteers on the phone: register from the verified account, teams, activities and
sign-up, scanning the leader's code on site, the hours, certificates and star levels."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error, perform
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.volunteers import selectors
from shequ.volunteers.forms import (
    ConfirmForm,
    DepositForm,
    GiveForm,
    LeaveForm,
    ObjectionForm,
    OfferForm,
    ProfileForm,
    RegisterForm,
    TimeRequestForm,
)
from shequ.volunteers.models import (
    AVAILABILITY,
    FIELDS,
    SKILLS,
    Activity,
    Membership,
    SignUp,
    Volunteer,
)
from shequ.volunteers.services import (
    activities,
    attendance,
    certificates,
    registration,
    stars,
    teams,
    timebank,
)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _profile(data: dict[str, object], *, with_guardian: bool) -> registration.Profile:
    def listed(name: str) -> list[str]:
        value = data.get(name) or []
        return [str(v) for v in value] if isinstance(value, list) else []

    return registration.Profile(
        skills=listed("skills"),
        fields=listed("service_fields"),
        availability=listed("availability"),
        service_areas=listed("service_areas"),
        guardian_name=str(data.get("guardian_name") or "") if with_guardian else "",
        guardian_relation=str(data.get("guardian_relation") or "") if with_guardian else "",
        guardian_consent=bool(data.get("guardian_consent")) if with_guardian else False,
        self_supporting=bool(data.get("self_supporting")) if with_guardian else False,
    )


def _labels(codes: list[str], names: dict[str, object]) -> list[object]:
    return [names[c] for c in codes if c in names]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The volunteer's page, or the invitation to register."""
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        return render(request, "volunteers/landing.html", {})
    totals = selectors.volunteer_totals(volunteer)
    return render(
        request,
        "volunteers/home.html",
        {
            "volunteer": volunteer,
            "totals": totals,
            "star": selectors.star_of(volunteer),
            "time_balance": selectors.time_balance_of(volunteer),
            "signups": selectors.signups_of(volunteer)[:20],
            "memberships": selectors.memberships_of(volunteer),
            "certificates": selectors.certificates_of(volunteer)[:10],
            "skills": _labels(volunteer.skills, SKILLS),
            "fields": _labels(volunteer.fields, FIELDS),
            "availability": _labels(volunteer.availability, AVAILABILITY),
            "areas": volunteer.service_areas.order_by("code"),
            "leads": selectors.teams_led_by(request.user).exists(),
            "leave_form": LeaveForm(),
        },
    )


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Register from the verified identity: only skills, times and areas are asked."""
    if selectors.volunteer_of(request.user) is not None:
        return redirect("volunteers:home")
    try:
        resident = registration.resident_for_registration(_user(request))
    except DomainError as error:
        return render(request, "volunteers/not_verified.html", {"problem": str(error)}, status=403)
    areas = selectors.service_area_choices(resident)
    age = selectors.age_on(resident.birth_date, timezone.localdate()) if resident.birth_date else 0
    form = RegisterForm(
        request.POST if request.method == "POST" else None,
        areas=areas,
        initial={"service_areas": [resident.community_id]},
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            volunteer = registration.volunteer_register(
                actor=_user(request),
                profile=_profile(form.cleaned_data, with_guardian=True),
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(
                request,
                _("Welcome! Your volunteer number is %(number)s.") % {"number": volunteer.number},
            )
            return redirect("volunteers:home")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "volunteers/register.html",
        {"form": form, "resident": resident, "age": age, "minor": age < 18},
        status=status,
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        return redirect("volunteers:register")
    areas = selectors.service_area_choices(volunteer.resident)
    initial = {
        "skills": volunteer.skills,
        "service_fields": volunteer.fields,
        "availability": volunteer.availability,
        "service_areas": list(volunteer.service_areas.values_list("pk", flat=True)),
    }
    form = ProfileForm(
        request.POST if request.method == "POST" else None, areas=areas, initial=initial
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            registration.volunteer_update(
                actor=_user(request),
                profile=_profile(form.cleaned_data, with_guardian=False),
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(request, _("Saved."))
            return redirect("volunteers:home")
    return render(request, "volunteers/profile.html", {"form": form}, status=status)


@login_required
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    try:
        registration.volunteer_leave(
            actor=_user(request), reason=request.POST.get("reason", ""), ip=client_ip(request)
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You have left. Your record and hours are kept."))
    return redirect("volunteers:home")


@login_required
@require_POST
def come_back(request: HttpRequest) -> HttpResponse:
    try:
        registration.volunteer_return(actor=_user(request), ip=client_ip(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Welcome back."))
    return redirect("volunteers:home")


# --- Teams --------------------------------------------------------------------------------


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    volunteer = selectors.volunteer_of(request.user)
    mine = {m.team_id: m for m in selectors.memberships_of(volunteer)} if volunteer else {}
    page = Paginator(selectors.team_list_public(), 30).get_page(request.GET.get("page"))
    rows = [(team, mine.get(team.pk)) for team in page]
    return render(
        request,
        "volunteers/team_list.html",
        {"page": page, "rows": rows, "volunteer": volunteer, "Status": Membership.Status},
    )


@login_required
@require_POST
def team_join(request: HttpRequest, team_id: int) -> HttpResponse:
    perform(
        request,
        lambda: teams.membership_request(
            actor=_user(request),
            team_id=team_id,
            note=request.POST.get("note", ""),
            ip=client_ip(request),
        ),
        done=_("Your request has been sent to the team's leader."),
    )
    return redirect("volunteers:teams")


@login_required
@require_POST
def team_leave(request: HttpRequest, team_id: int) -> HttpResponse:
    teams.membership_leave(actor=_user(request), team_id=team_id, ip=client_ip(request))
    messages.success(request, _("You have left the team."))
    return redirect("volunteers:home")


# --- Activities ---------------------------------------------------------------------------


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    """Activities recruiting now (招募), soonest deadline first."""
    page = Paginator(selectors.activity_list_open(), 20).get_page(request.GET.get("page"))
    return render(request, "volunteers/activity_list.html", {"page": page})


@login_required
def activity_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.activity_get_public(activity_id)
    volunteer = selectors.volunteer_of(request.user)
    mine: dict[int, SignUp] = {}
    if volunteer is not None:
        mine = {
            s.slot_id: s
            for s in SignUp.objects.filter(volunteer=volunteer, slot__activity=activity).exclude(
                status=SignUp.Status.WITHDRAWN
            )
        }
    slots = [(view, mine.get(view.slot.pk)) for view in selectors.slot_views(activity)]
    return render(
        request,
        "volunteers/activity_detail.html",
        {
            "activity": activity,
            "slots": slots,
            "volunteer": volunteer,
            "skills": _labels(activity.skills, SKILLS),
            "field": FIELDS.get(activity.field, ""),
            "open": activity.status == "published" and timezone.now() <= activity.signup_deadline,
        },
    )


@login_required
@require_POST
def signup(request: HttpRequest, slot_id: int) -> HttpResponse:
    activity_id = request.POST.get("activity", "")
    try:
        made = activities.signup_create(
            actor=_user(request), slot_id=slot_id, ip=client_ip(request)
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        activity_id = str(made.slot.activity_id)
        if made.status == SignUp.Status.WAITING:
            messages.info(request, _("The slot is full: you are on its waiting list."))
        else:
            messages.success(request, _("You are signed up."))
    if activity_id.isdigit():
        return redirect("volunteers:activity", activity_id=int(activity_id))
    return redirect("volunteers:activities")


@login_required
@require_POST
def withdraw(request: HttpRequest, signup_id: int) -> HttpResponse:
    done = perform(
        request,
        lambda: activities.signup_withdraw(
            actor=_user(request), signup_id=signup_id, ip=client_ip(request)
        ),
        done=_("You have withdrawn."),
    )
    if done is None:
        return redirect("volunteers:home")
    return redirect("volunteers:activity", activity_id=done.value.slot.activity_id)


# --- Check-in -----------------------------------------------------------------------------


def _check_answer(done: SignUp | None, problem: str) -> dict[str, object]:
    """What the check-in page shows after a scan, as its script reads it."""
    if done is None:
        return {"ok": False, "message": problem}
    if done.checked_out_at is None:
        message = _("Checked in. Scan the code again when you leave to check out.")
    else:
        message = _("Checked out. Thank you!")
        credit = getattr(done, "credit", None)
        if credit is not None:
            message += " " + _("%(hours)s hours added to your record.") % {"hours": credit.hours}
    return {
        "ok": True,
        "checked_out": done.checked_out_at is not None,
        "message": message,
        "hours_url": reverse("volunteers:hours"),
    }


@login_required
def check(request: HttpRequest, token: str) -> HttpResponse:
    """The page the leader's QR code opens: share the location, then check in or out."""
    reading = selectors.checkin_token_read(token)
    problem = ""
    status = 200
    done: SignUp | None = None
    if request.method == "POST":
        try:
            done = attendance.checkin_scan(
                actor=_user(request),
                token=token,
                latitude=request.POST.get("latitude"),
                longitude=request.POST.get("longitude"),
                ip=client_ip(request),
            )
        except DomainError as error:
            problem = str(error)
            status = 400
    elif reading is None:
        problem = _("This is not a check-in code of this platform.")
        status = 400
    elif not reading.fresh:
        problem = _("The code has expired; scan the code on the leader's phone again.")
        status = 400
    if request.method == "POST" and "application/json" in request.headers.get("Accept", ""):
        # The page's script asks for the answer alone: no page to render at the rush of scans
        # when an activity starts (without the script, the form posts and gets the page).
        return JsonResponse(_check_answer(done, problem), status=status)
    # A scan that went through names its activity already (read with the sign-up, in the
    # same query): a rush of scans saves a query and a fifth of each request's time.
    if done is not None:
        activity: Activity | None = done.slot.activity
    else:
        activity = selectors.activity_get_public(reading.activity_id) if reading else None
    return render(
        request,
        "volunteers/check.html",
        {"activity": activity, "problem": problem, "done": done, "token": token},
        status=status,
    )


# --- Hours, certificates, stars -----------------------------------------------------------


@login_required
def hours(request: HttpRequest) -> HttpResponse:
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        return redirect("volunteers:register")
    page = Paginator(selectors.ledger_of(volunteer), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/hours.html",
        {"volunteer": volunteer, "totals": selectors.volunteer_totals(volunteer), "page": page},
    )


@login_required
@require_POST
def certificate(request: HttpRequest) -> HttpResponse:
    try:
        issued = certificates.certificate_issue(actor=_user(request), ip=client_ip(request))
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("volunteers:home")
    messages.success(
        request,
        _("Certificate %(number)s issued; it is also in My documents.")
        % {"number": issued.document.number},
    )
    return redirect(reverse("volunteers:home") + "#certificates")


def star_list(request: HttpRequest) -> HttpResponse:
    """The public announcement (公示) of new star levels, with objections."""
    page = Paginator(selectors.stars_announced(), 50).get_page(request.GET.get("page"))
    return render(request, "volunteers/stars.html", {"page": page, "form": ObjectionForm()})


@login_required
@require_POST
def star_object(request: HttpRequest, award_id: int) -> HttpResponse:
    perform(
        request,
        lambda: stars.star_object(
            actor=_user(request),
            award_id=award_id,
            text=request.POST.get("text", ""),
            ip=client_ip(request),
        ),
        done=_("Your objection has been recorded; the community will review it."),
    )
    return redirect("volunteers:stars")


# --- Time bank (时间银行) -------------------------------------------------------------------


def _time_volunteer(request: HttpRequest) -> Volunteer | None:
    return selectors.volunteer_of(request.user)


def _time_page(
    request: HttpRequest,
    volunteer: Volunteer,
    *,
    deposit_form: DepositForm | None = None,
    give_form: GiveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "volunteers/time_bank.html",
        {
            "volunteer": volunteer,
            "balance": selectors.time_balance_of(volunteer),
            "entries": selectors.time_entries_of(volunteer)[:50],
            "deposit_form": deposit_form or DepositForm(prefix="deposit"),
            "give_form": give_form or GiveForm(prefix="give"),
            "offers": selectors.time_offers_nearby(volunteer)[:20],
            "my_requests": selectors.time_requests_of(volunteer)[:20],
            "to_confirm": selectors.time_requests_to(volunteer)[:20],
            "confirm_form": ConfirmForm(),
        },
        status=status,
    )


@login_required
def time_bank(request: HttpRequest) -> HttpResponse:
    """The volunteer's time bank: credits, history, save hours, give, offers, requests."""
    volunteer = _time_volunteer(request)
    if volunteer is None:
        return redirect("volunteers:register")
    return _time_page(request, volunteer)


@login_required
@require_POST
def time_deposit(request: HttpRequest) -> HttpResponse:
    volunteer = _time_volunteer(request)
    if volunteer is None:
        return redirect("volunteers:register")
    form = DepositForm(request.POST, prefix="deposit")
    if form.is_valid():
        try:
            entry = timebank.time_deposit(
                actor=_user(request), amount=form.cleaned_data["amount"], ip=client_ip(request)
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(amount)s hours saved as time credits; your service hours are unchanged.")
                % {"amount": entry.amount},
            )
            return redirect("volunteers:time_bank")
    return _time_page(request, volunteer, deposit_form=form, status=400)


@login_required
@require_POST
def time_give(request: HttpRequest) -> HttpResponse:
    volunteer = _time_volunteer(request)
    if volunteer is None:
        return redirect("volunteers:register")
    form = GiveForm(request.POST, prefix="give")
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = timebank.time_transfer(
                actor=_user(request),
                to_number=data["number"],
                to_name=data["name"],
                amount=data["amount"],
                ip=client_ip(request),
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(amount)s credits given to %(number)s.")
                % {"amount": -entry.amount, "number": entry.content},
            )
            return redirect("volunteers:time_bank")
    return _time_page(request, volunteer, give_form=form, status=400)


@login_required
def time_offers(request: HttpRequest) -> HttpResponse:
    """Services offered nearby, the volunteer's own offers and the form to offer one."""
    volunteer = _time_volunteer(request)
    if volunteer is None:
        return redirect("volunteers:register")
    form = OfferForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                timebank.offer_create(
                    actor=_user(request),
                    service=data["service"],
                    title=data["title"],
                    description=data["description"],
                    hours=data["hours"],
                    ip=client_ip(request),
                )
            except NotFound:
                raise
            except DomainError as error:
                add_domain_error(form, error)
                status = 400
            else:
                messages.success(request, _("Your offer is listed in the time bank."))
                return redirect("volunteers:time_offers")
        else:
            status = 400
    return render(
        request,
        "volunteers/time_offers.html",
        {
            "form": form,
            "offers": Paginator(selectors.time_offers_nearby(volunteer), 30).get_page(
                request.GET.get("page")
            ),
            "mine": selectors.time_offers_of(volunteer)[:50],
            "request_form": TimeRequestForm(),
        },
        status=status,
    )


@login_required
@require_POST
def time_offer_request(request: HttpRequest, offer_id: int) -> HttpResponse:
    asked = perform(
        request,
        lambda: timebank.request_create(
            actor=_user(request),
            offer_id=offer_id,
            note=request.POST.get("note", ""),
            ip=client_ip(request),
        ),
        done=_("Asked; the provider confirms once the service is done."),
    )
    return redirect("volunteers:time_bank" if asked else "volunteers:time_offers")


@login_required
@require_POST
def time_offer_close(request: HttpRequest, offer_id: int) -> HttpResponse:
    perform(
        request,
        lambda: timebank.offer_close(
            actor=_user(request), offer_id=offer_id, ip=client_ip(request)
        ),
        done=_("The offer is no longer listed."),
    )
    return redirect("volunteers:time_offers")


@login_required
@require_POST
def time_request_confirm(request: HttpRequest, request_id: int) -> HttpResponse:
    perform(
        request,
        lambda: timebank.request_confirm(
            actor=_user(request),
            request_id=request_id,
            hours=request.POST.get("hours", ""),
            ip=client_ip(request),
        ),
        done=lambda confirmed: (
            _("Confirmed: %(hours)s credits are now yours.") % {"hours": confirmed.hours}
        ),
    )
    return redirect("volunteers:time_bank")


@login_required
@require_POST
def time_request_cancel(request: HttpRequest, request_id: int) -> HttpResponse:
    perform(
        request,
        lambda: timebank.request_cancel(
            actor=_user(request), request_id=request_id, ip=client_ip(request)
        ),
        done=_("The request is cancelled."),
    )
    return redirect("volunteers:time_bank")
