"""Staff: ratings of their department or area (figures, filters, list), follow-ups to answer."""

from datetime import date
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.catalogue.models import Service
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.models import Department, User
from shequ.people.permissions import staff_required
from shequ.ratings import selectors, services
from shequ.ratings.forms import AnswerForm
from shequ.ratings.models import FollowUp, Level
from shequ.ratings.permissions import can_view_ratings, is_department_staff_of


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    """Counts per level, 满意率, per service, the list with filters, overdue follow-ups."""
    if not can_view_ratings(request.user):
        raise DjangoPermissionDenied
    filters = selectors.RatingFilters(
        level=_int(request.GET.get("level")),
        department_id=_int(request.GET.get("department")),
        service_id=_int(request.GET.get("service")),
        since=_day(request.GET.get("since")),
        until=_day(request.GET.get("until")),
        poor_only=request.GET.get("poor") == "1",
    )
    ratings = selectors.rating_list_for(user=request.user, filters=filters)
    scoped = selectors.rating_list_for(user=request.user)
    # The pickers list only departments and services that have ratings in the user's scope.
    department_ids = scoped.order_by().values("department_id").distinct()
    service_ids = scoped.order_by().values("service_id").distinct()
    page = Paginator(ratings, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ratings/console/overview.html",
        {
            "figures": selectors.figures_of(ratings),
            "services": selectors.service_table(ratings),
            "page": page,
            "filters": filters,
            "levels": Level.choices,
            "departments": Department.objects.filter(pk__in=department_ids).order_by("name"),
            "service_choices": Service.objects.filter(pk__in=service_ids).order_by("name"),
            "overdue": selectors.overdue_count_for(user=request.user),
            "query": query.urlencode(),
        },
    )


@staff_required
def follow_up_list(request: HttpRequest) -> HttpResponse:
    if not can_view_ratings(request.user):
        raise DjangoPermissionDenied
    status = request.GET.get("status", "")
    overdue_only = request.GET.get("overdue") == "1"
    queryset = selectors.follow_up_list_for(
        user=request.user, status=status, overdue_only=overdue_only
    )
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "ratings/console/follow_up_list.html",
        {
            "page": page,
            "status": status,
            "overdue_only": overdue_only,
            "statuses": FollowUp.Status.choices,
            "today": timezone.localdate(),
        },
    )


@staff_required
def follow_up_detail(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    """One follow-up: the rating (anonymous), the history, the answer form for its department."""
    follow_up = selectors.follow_up_get_for(user=request.user, follow_up_id=follow_up_id)
    may_answer = follow_up.status == FollowUp.Status.OPEN and is_department_staff_of(
        request.user, follow_up.department_id
    )
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            services.follow_up_answer(
                actor=cast(User, request.user),
                follow_up_id=follow_up.pk,
                text=request.POST.get("text", ""),
                ip=client_ip(request),
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(request, _("Your answer was sent to the resident."))
            return redirect("ratings_console:follow_up", follow_up_id=follow_up.pk)
    return render(
        request,
        "ratings/console/follow_up_detail.html",
        {
            "follow_up": follow_up,
            "rating": follow_up.rating,
            "entries": list(follow_up.entries.all()),
            "form": form,
            "may_answer": may_answer,
            "today": timezone.localdate(),
        },
        status=status,
    )
