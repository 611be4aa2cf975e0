"""Public accountability pages (公开): the project list, the map, one project, following."""

from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shequ.appeals import selectors as appeal_selectors
from shequ.people.models import User
from shequ.projects import selectors
from shequ.projects.models import Photo, Status
from shequ.projects.services import followers

PAGE_SIZE = 30


def _filter_context(request: HttpRequest) -> dict[str, object]:
    return {
        "flt": selectors.ProjectFilter.from_params(request.GET),
        "districts": selectors.district_list().only("code", "short_name", "name_en"),
        "types": selectors.type_choices(),
        "statuses": Status.choices,
    }


def project_list(request: HttpRequest) -> HttpResponse:
    context = _filter_context(request)
    flt = cast(selectors.ProjectFilter, context["flt"])
    page = Paginator(selectors.project_public_list(flt), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "projects/list.html", {**context, "page": page})


def project_map(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/map.html",
        {**_filter_context(request), "tile_url": settings.SHEQU_MAP_TILE_URL},
    )


def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    project = selectors.project_get_public(code)
    photos = {phase: [] for phase in Photo.Phase.values}  # type: dict[str, list[Photo]]
    for photo in project.photos.all():
        photos[photo.phase].append(photo)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "events": list(project.status_events.all()),
            "reports": list(project.reports.all()),
            "milestones": list(project.milestones.all()),
            "milestone_progress": selectors.milestone_progress(project),
            "photos": [(Photo.Phase(k).label, v) for k, v in photos.items()],
            "following": selectors.is_following(request.user, project),
            "statuses": Status.choices,
            "origin": appeal_selectors.origin_of(project_id=project.pk),
        },
    )


@login_required
@require_POST
def project_follow(request: HttpRequest, code: str) -> HttpResponse:
    followers.project_follow(
        actor=cast(User, request.user), code=code, follow=request.POST.get("follow") != "0"
    )
    return redirect("projects:detail", code=code)


@login_required
def my_projects(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/mine.html",
        {
            "projects": selectors.followed_projects_for(request.user),
            "messages_list": selectors.follower_messages_for(request.user),
        },
    )
