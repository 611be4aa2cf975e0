"""Residents report problems from their phone, follow and rate them; the public list, map
and the units' monthly rates."""

from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.appeals import selectors
from shequ.appeals.exports import XLSX, bulletin_xlsx
from shequ.appeals.forms import IntakeForm, PeriodForm, RateForm
from shequ.appeals.models import Appeal, AppealPhoto, Satisfaction
from shequ.appeals.selectors import clusters as cluster_selectors
from shequ.appeals.selectors import rates as rate_selectors
from shequ.appeals.services.handling import appeal_rate
from shequ.appeals.services.intake import appeal_follow, appeal_submit, similar_check
from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.places.models import Division


def _int(value: str | None) -> int | None:
    number = digits_or_none(value or "")
    return int(number) if number and len(number) < 10 else None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def place_choices(community_code: str) -> dict[str, Any]:
    """The district, street and community selects of the intake, around ``community_code``."""
    district = community_code[:6] + "000000" if community_code else ""
    street = community_code[:9] + "000" if community_code else ""
    return {
        "districts": Division.objects.filter(level=Division.Level.DISTRICT, is_active=True),
        "streets": Division.objects.filter(parent_id=district, is_active=True) if district else [],
        "communities": Division.objects.filter(parent_id=street, is_active=True) if street else [],
        "district": district,
        "street": street,
        "community": community_code,
    }


def intake_context(request: HttpRequest, form: IntakeForm, community: str) -> dict[str, Any]:
    categories = list(selectors.category_list())
    chosen = request.POST.get("category") or ""
    if not chosen and request.GET.get("category"):
        preset = next((c for c in categories if c.code == request.GET["category"]), None)
        chosen = str(preset.pk) if preset else ""
    return {
        "form": form,
        "categories": categories,
        "chosen_category": chosen,
        "tile_url": settings.SHEQU_MAP_TILE_URL,
        **place_choices(community),
    }


@login_required
def new(request: HttpRequest) -> HttpResponse:
    """The phone page: category, description, photos, pin or "use my location", address.

    "Me too" works without scripts: the "check for similar" button (``action=check``) shows
    the open requests like it nearby and files nothing; "Send" shows them first too when there
    are any and the resident has not seen them yet (``file_anyway`` not set), each with a
    "我也遇到了" button that joins it instead (the follow view), and a "file anyway" button.
    With scripts the list appears as soon as the category and the pin are chosen.
    """
    resident = getattr(request.user, "resident", None)
    community = request.POST.get("community") or (resident.community_id if resident else "")
    form = IntakeForm(request.POST or None)
    status = 200
    similar: list[selectors.Similar] | None = None
    if request.method == "POST":
        checking = request.POST.get("action") == "check"
        try:
            if checking or request.POST.get("file_anyway") != "1":
                similar = similar_check(
                    category_id=request.POST.get("category"),
                    community_code=community,
                    longitude=request.POST.get("longitude"),
                    latitude=request.POST.get("latitude"),
                )
            if not checking and not similar:
                appeal = appeal_submit(
                    actor=cast(User, request.user),
                    category_id=request.POST.get("category"),
                    description=request.POST.get("description", ""),
                    community_code=community,
                    longitude=request.POST.get("longitude"),
                    latitude=request.POST.get("latitude"),
                    address=request.POST.get("address", ""),
                    photos=request.FILES.getlist("photos"),
                    is_private=request.POST.get("is_private") == "1",
                    ip=client_ip(request),
                )
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            if not checking and not similar:
                messages.success(request, _("Received as %(number)s.") % {"number": appeal.number})
                return redirect("appeals:detail", appeal_id=appeal.pk)
    context = intake_context(request, form, community)
    context.update(similar=similar, may_join=True)
    return render(request, "appeals/new.html", context, status=status)


def nearby(request: HttpRequest) -> HttpResponse:
    """ "Me too": open requests of the same category close by (a fragment for the form)."""
    category_id = _int(request.GET.get("category"))
    community = digits_or_none(request.GET.get("community") or "") or ""
    found: list[selectors.Similar] = []
    if category_id and len(community) == 12:
        found = selectors.similar_open(
            category_id=category_id,
            community_code=community,
            longitude=_float(request.GET.get("longitude")),
            latitude=_float(request.GET.get("latitude")),
        )
    join = request.GET.get("join") == "1" and request.user.is_authenticated
    return render(request, "appeals/_nearby.html", {"similar": found, "seen": True, "join": join})


def places(request: HttpRequest) -> JsonResponse:
    """Children of a district or street, for the intake's place selects."""
    parent = digits_or_none(request.GET.get("parent") or "") or ""
    rows = Division.objects.filter(parent_id=parent, is_active=True).values_list("code", "name")
    return JsonResponse({"children": [[c, n] for c, n in rows]})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.appeal_list_for_resident(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "appeals/mine.html", {"page": page})


def detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """A request's public page (no personal data) with its timeline; the reporter rates it."""
    appeal = selectors.appeal_get_public(appeal_id=appeal_id, user=request.user)
    return _detail(request, appeal, RateForm())


def _detail(
    request: HttpRequest, appeal: Appeal, form: RateForm, status: int = 200
) -> HttpResponse:
    user = request.user
    is_reporter = user.is_authenticated and appeal.reporter_id == user.pk
    photos = list(appeal.photos.all())
    return render(
        request,
        "appeals/detail.html",
        {
            "appeal": appeal,
            "events": selectors.timeline(appeal=appeal),
            "outcomes": selectors.outcomes_of(appeal),
            "cluster": cluster_selectors.cluster_summary(appeal.cluster_id),
            "cluster_outcomes": cluster_selectors.cluster_outcomes(appeal.cluster_id),
            "problem_photos": [p for p in photos if p.kind == AppealPhoto.Kind.PROBLEM],
            "fix_photos": [p for p in photos if p.kind == AppealPhoto.Kind.FIX],
            "is_reporter": is_reporter,
            "may_rate": is_reporter and appeal.status == Appeal.Status.CLOSED,
            "may_follow": user.is_authenticated
            and not is_reporter
            and appeal.is_open
            and not selectors.is_follower(appeal=appeal, user=user),
            "ratings": list(appeal.ratings.all()),
            "form": form,
            "levels": Satisfaction.choices,
        },
        status=status,
    )


@login_required
@require_POST
def rate(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = selectors.appeal_get_public(appeal_id=appeal_id, user=request.user)
    form = RateForm(request.POST)
    try:
        appeal_rate(
            actor=cast(User, request.user),
            appeal_id=appeal.pk,
            level=request.POST.get("level", ""),
            fixed=request.POST.get("fixed") == "1",
            comment=request.POST.get("comment", ""),
            cause=request.POST.get("cause", ""),
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        add_domain_error(form, error)
        return _detail(request, appeal, form, status=400)
    messages.success(request, _("Thank you for your rating."))
    return redirect("appeals:detail", appeal_id=appeal.pk)


@login_required
@require_POST
def follow(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """Follow a request ("me too", also the "我也遇到了" button of the intake): once only."""
    user = cast(User, request.user)
    appeal = selectors.appeal_get_public(appeal_id=appeal_id, user=user)
    if appeal.reporter_id == user.pk:
        messages.info(request, _("This is your own request: you hear of every change."))
        return redirect("appeals:detail", appeal_id=appeal_id)
    if selectors.is_follower(appeal=appeal, user=user):
        messages.info(request, _("You already follow this request."))
        return redirect("appeals:detail", appeal_id=appeal_id)
    try:
        appeal_follow(actor=user, appeal_id=appeal_id, ip=client_ip(request))
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You follow this request and will hear of every change."))
    return redirect("appeals:detail", appeal_id=appeal_id)


def _filters(request: HttpRequest) -> selectors.PublicFilters:
    return selectors.PublicFilters(
        category_id=_int(request.GET.get("category")),
        status=request.GET.get("status", ""),
        district=request.GET.get("district", ""),
    )


def _filter_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "categories": selectors.category_list().filter(out_of_scope=False),
        "districts": Division.objects.filter(level=Division.Level.DISTRICT),
        "filters": _filters(request),
        "query": request.GET.urlencode(),
    }


def public_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.public_list(_filters(request)), 30).get_page(request.GET.get("page"))
    return render(request, "appeals/list.html", {"page": page, **_filter_context(request)})


def public_map(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "appeals/map.html",
        {**_filter_context(request), "tile_url": settings.SHEQU_MAP_TILE_URL},
    )


def map_points(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        selectors.map_points_json(_filters(request)), content_type="application/json"
    )


def rates(request: HttpRequest) -> HttpResponse:
    """The public statistics of every unit and district for a month or any period, with
    their 95 % intervals; ``?format=xlsx`` downloads the bulletin."""
    form = PeriodForm(request.GET)  # nothing asked: this month
    if not form.is_valid():
        return render(request, "appeals/rates.html", {"form": form}, status=400)
    since, until, period = form.bounds()
    units = rate_selectors.unit_rates(since=since, until=until)
    districts = rate_selectors.district_rates(since=since, until=until)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(bulletin_xlsx(period, units, districts), content_type=XLSX)
        name = period.replace(" — ", "_")
        response["Content-Disposition"] = f'attachment; filename="appeals-bulletin-{name}.xlsx"'
        return response
    previous = (since - timedelta(days=1)).strftime("%Y-%m")
    following = until.strftime("%Y-%m") if not form.cleaned_data.get("start") else None
    return render(
        request,
        "appeals/rates.html",
        {
            "form": form,
            "rows": units,
            "districts": districts,
            "period": period,
            "previous": previous,
            "following": following,
            "rank_minimum": rate_selectors.RANK_MINIMUM,
            "recurrence_units": cluster_selectors.unit_recurrence(since=since, until=until),
            "recurrence_districts": cluster_selectors.district_recurrence(since=since, until=until),
            "cluster_days": cluster_selectors.CLUSTER_DAYS,
            "cluster_metres": cluster_selectors.CLUSTER_METRES,
            "query": request.GET.urlencode(),
        },
    )
