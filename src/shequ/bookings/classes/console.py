"""Staff run their community's classes: create and change them with a room picker, publish,
cancel, see who signed up and who waits, and mark attendance per session."""

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.bookings.classes import selectors, services
from shequ.bookings.classes.forms import CancelForm, ClassForm, class_initial
from shequ.bookings.forms import weekday_names
from shequ.core.digits import int_or_none
from shequ.core.forms import form_status, perform, submit
from shequ.people.models import User
from shequ.people.permissions import staff_required


def _may_run_classes(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not user.has_perm("bookings.change_venue"):
        raise DjangoPermissionDenied
    return user


@staff_required
def class_list(request: HttpRequest) -> HttpResponse:
    user = _may_run_classes(request)
    return render(
        request,
        "bookings/classes/console/class_list.html",
        {
            "classes": selectors.class_list_for(user=user)[:200],
            "has_rooms": selectors.room_list_for(user=user).exists(),
        },
    )


@staff_required
def class_create(request: HttpRequest) -> HttpResponse:
    user = _may_run_classes(request)
    form = ClassForm(
        request.POST or None, initial=class_initial(None), rooms=selectors.room_list_for(user=user)
    )
    if done := submit(
        request, form, lambda _data: services.class_create(actor=user, data=form.class_in())
    ):
        messages.success(
            request,
            _("%(name)s is saved as a draft with its sessions; publish it for residents.")
            % {"name": done.value.name},
        )
        return redirect("bookings_console:class", class_id=done.value.pk)
    return render(
        request,
        "bookings/classes/console/class_form.html",
        {"form": form, "centre_class": None},
        status=form_status(form),
    )


@staff_required
def class_edit(request: HttpRequest, class_id: int) -> HttpResponse:
    user = _may_run_classes(request)
    centre_class = selectors.class_get_for(user=user, class_id=class_id)
    form = ClassForm(
        request.POST or None,
        initial=class_initial(centre_class),
        rooms=selectors.room_list_for(user=user),
    )
    if done := submit(
        request,
        form,
        lambda _data: services.class_update(
            actor=user, class_id=centre_class.pk, data=form.class_in()
        ),
    ):
        messages.success(request, _("%(name)s is saved.") % {"name": done.value.name})
        return redirect("bookings_console:class", class_id=done.value.pk)
    return render(
        request,
        "bookings/classes/console/class_form.html",
        {"form": form, "centre_class": centre_class},
        status=form_status(form),
    )


@staff_required
def class_detail(request: HttpRequest, class_id: int) -> HttpResponse:
    user = _may_run_classes(request)
    centre_class = selectors.class_get_for(user=user, class_id=class_id)
    counts = selectors.attendance_counts(centre_class)
    sessions = [(s, counts.get(s.pk)) for s in centre_class.sessions.order_by("starts_at")]
    return render(
        request,
        "bookings/classes/console/class_detail.html",
        {
            "centre_class": centre_class,
            "weekday": weekday_names(str(centre_class.weekday)),
            "enrolments": selectors.class_enrolments(centre_class),
            "sessions": sessions,
            "now": timezone.now(),
            "cancel_form": CancelForm(),
        },
    )


@staff_required
@require_POST
def class_action(request: HttpRequest, class_id: int) -> HttpResponse:
    user = _may_run_classes(request)
    centre_class = selectors.class_get_for(user=user, class_id=class_id)
    action = request.POST.get("action", "")
    if action == "publish":
        perform(
            request,
            lambda: services.class_publish(actor=user, class_id=centre_class.pk),
            done=_("Published: residents of the community can sign up now."),
        )
    elif action == "cancel":
        perform(
            request,
            lambda: services.class_cancel(
                actor=user, class_id=centre_class.pk, reason=request.POST.get("reason", "")
            ),
            done=_("The class is cancelled and everyone signed up is told."),
        )
    return redirect("bookings_console:class", class_id=centre_class.pk)


@staff_required
def session_attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    user = _may_run_classes(request)
    session = selectors.session_get_for(user=user, session_id=session_id)
    if request.method == "POST":
        present = [
            n for n in (int_or_none(v) for v in request.POST.getlist("present")) if n is not None
        ]
        if perform(
            request,
            lambda: services.attendance_mark(actor=user, session_id=session.pk, present=present),
            done=lambda n: _("Attendance saved: %(n)s present.") % {"n": n},
        ):
            return redirect("bookings_console:class", class_id=session.centre_class_id)
    return render(
        request,
        "bookings/classes/console/attendance.html",
        {
            "session": session,
            "centre_class": session.centre_class,
            "rows": selectors.session_attendance(session),
            "started": session.starts_at <= timezone.now(),
        },
    )
