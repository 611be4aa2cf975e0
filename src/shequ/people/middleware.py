"""Staff sessions: the second factor before any staff work, and an idle timeout.

The request's user stays lazy (a page that never asks who is looking costs no query): when it
is first read, an idle staff session ends, and the user is told which second-factor device this
session passed, so ``areas_of`` can hold back the staff roles of one that has not.
"""

from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY

from shequ.core.api import is_api_request, problem_response
from shequ.people.permissions import SECOND_FACTOR_ATTR, TWO_FACTOR_URL, two_factor_pending
from shequ.people.selectors import two_factor_session_valid

# Epoch seconds of a staff session's last request; present only in staff sessions.
STAFF_SEEN_KEY = "shequ.staff_seen_at"
# Set by the password step of a staff login ("enrol" or "verify"), removed once the second
# factor is passed: until then the API refuses the session outright.
TWO_FACTOR_STEP_KEY = "shequ.two_factor_step"
# The last-seen time is written at most this often, not on every request.
SEEN_RESOLUTION_SECONDS = 60
CONSOLE_PREFIX = "/console/"
ADMIN_PREFIX = "/django-admin/"
# A department app's sign-in: a token issued here acts with the staff member's roles, so it is
# issued only after the second factor.
AUTHORIZE_PREFIX = "/o/authorize"


def staff_session_start(request: HttpRequest, *, step: str) -> None:
    """Mark the session as a staff one after the password step (``step``: enrol or verify)."""
    request.session[TWO_FACTOR_STEP_KEY] = step
    request.session[STAFF_SEEN_KEY] = int(timezone.now().timestamp())


def staff_session_verified(request: HttpRequest, device_persistent_id: str) -> None:
    """The second factor passed: a new session key (no fixation) that names the device."""
    request.session.cycle_key()
    request.session[DEVICE_ID_SESSION_KEY] = device_persistent_id
    request.session.pop(TWO_FACTOR_STEP_KEY, None)
    request.session[STAFF_SEEN_KEY] = int(timezone.now().timestamp())


def _request_user(request: HttpRequest) -> object:
    user = auth.get_user(request)
    if not user.is_authenticated:
        return user
    session = request.session
    seen = session.get(STAFF_SEEN_KEY)
    if isinstance(seen, int):
        now = int(timezone.now().timestamp())
        idle_minutes = settings.SHEQU_STAFF_IDLE_MINUTES
        if now - seen > idle_minutes * 60:
            session.flush()
            messages.info(
                request,
                _("You were logged out after %(minutes)d minutes without activity.")
                % {"minutes": idle_minutes},
                fail_silently=True,
            )
            return AnonymousUser()
        if now - seen >= SEEN_RESOLUTION_SECONDS:
            session[STAFF_SEEN_KEY] = now
    setattr(user, SECOND_FACTOR_ATTR, str(session.get(DEVICE_ID_SESSION_KEY, "")))
    return user


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user = SimpleLazyObject(partial(_request_user, request))  # type: ignore[assignment]
        path = request.path_info
        if path.startswith((CONSOLE_PREFIX, ADMIN_PREFIX, AUTHORIZE_PREFIX)):
            user = request.user
            if user.is_authenticated and (
                two_factor_pending(user)
                or (
                    path.startswith(ADMIN_PREFIX)
                    and (user.is_staff or user.is_superuser)
                    and not two_factor_session_valid(
                        user,
                        str(request.session.get(DEVICE_ID_SESSION_KEY, "")),
                    )
                )
            ):
                return redirect_to_login(request.get_full_path(), TWO_FACTOR_URL)
        elif (
            is_api_request(request)
            and settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.session.get(TWO_FACTOR_STEP_KEY)
        ):
            return problem_response(
                status=403,
                code="two_factor_required",
                title=_("Finish the two-factor sign-in on the log-in page first."),
            )
        return self.get_response(request)
