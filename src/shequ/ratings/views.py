"""Residents rate what they used (好差评) and follow the answer; public figures per department."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.ratings import selectors, services
from shequ.ratings.forms import AddendumForm, ConfirmForm, RatingForm
from shequ.ratings.models import LEVEL_REASONS, REASONS, FollowUp, Level, Rating


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """Things to rate, then the resident's ratings (the action of 政务服务好差评)."""
    return render(
        request,
        "ratings/mine.html",
        {
            "rateable": selectors.rateable_list_for(user=request.user),
            "ratings": selectors.rating_list_for_user(user=request.user)[:100],
        },
    )


def _reason_rows() -> list[dict[str, object]]:
    """Each reason with the levels it belongs to (the page shows only the chosen level's)."""
    return [
        {
            "code": code,
            "label": label,
            "levels": " ".join(str(lv) for lv, codes in LEVEL_REASONS.items() if code in codes),
        }
        for code, label in REASONS.items()
    ]


@login_required
def rate(request: HttpRequest, subject: str, subject_id: int) -> HttpResponse:
    """Rate one closed case, used booking or paid bill; a second tap shows the first rating."""
    existing = selectors.rating_for_subject(
        user=request.user, subject=subject, subject_id=subject_id
    )
    if existing is not None:
        messages.info(request, _("You have already rated this."))
        return redirect("ratings:detail", rating_id=existing.pk)
    form = RatingForm(request.POST or None)
    problem = ""
    described = None
    try:
        described = selectors.rateable_get(
            user=request.user, subject=subject, subject_id=subject_id
        )
    except NotFound:
        raise
    except DomainError as error:
        problem = str(error)
    status = 200 if not problem else 400
    if request.method == "POST" and described is not None:
        try:
            rating = services.rating_submit(
                actor=cast(User, request.user),
                subject=subject,
                subject_id=subject_id,
                level=request.POST.get("level"),
                reasons=request.POST.getlist("reasons"),
                comment=request.POST.get("comment", ""),
                ip=client_ip(request),
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
            status = 409 if error.code == "already_rated" else 400
        else:
            if rating.is_poor:
                messages.success(
                    request,
                    _("Thank you. The department will answer you by %(due)s.")
                    % {"due": rating.follow_up.due_date.isoformat()},
                )
            else:
                messages.success(request, _("Thank you for your rating."))
            return redirect("ratings:detail", rating_id=rating.pk)
    chosen_level = request.POST.get("level", "")
    return render(
        request,
        "ratings/rate.html",
        {
            "form": form,
            "described": described,
            "problem": problem,
            "levels": Level.choices,
            "reasons": _reason_rows(),
            "chosen_level": chosen_level,
            "chosen_reasons": request.POST.getlist("reasons"),
            "subject": subject,
            "subject_id": subject_id,
        },
        status=status,
    )


def _detail(
    request: HttpRequest,
    rating: Rating,
    *,
    addendum_form: AddendumForm | None = None,
    confirm_form: ConfirmForm | None = None,
    status: int = 200,
) -> HttpResponse:
    follow_up = getattr(rating, "follow_up", None)
    return render(
        request,
        "ratings/detail.html",
        {
            "rating": rating,
            "follow_up": follow_up,
            "entries": selectors.follow_up_entries(rating),
            "addendum_form": addendum_form or AddendumForm(),
            "confirm_form": confirm_form or ConfirmForm(),
            "may_confirm": follow_up is not None and follow_up.status == FollowUp.Status.ANSWERED,
        },
        status=status,
    )


@login_required
def detail(request: HttpRequest, rating_id: int) -> HttpResponse:
    return _detail(request, selectors.rating_get_for_user(user=request.user, rating_id=rating_id))


@login_required
@require_POST
def comment(request: HttpRequest, rating_id: int) -> HttpResponse:
    rating = selectors.rating_get_for_user(user=request.user, rating_id=rating_id)
    form = AddendumForm(request.POST)
    try:
        services.rating_add_comment(
            actor=cast(User, request.user),
            rating_id=rating.pk,
            text=request.POST.get("text", ""),
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        add_domain_error(form, error)
        return _detail(request, rating, addendum_form=form, status=400)
    messages.success(request, _("Your follow-up comment was added."))
    return redirect("ratings:detail", rating_id=rating.pk)


@login_required
@require_POST
def confirm(request: HttpRequest, rating_id: int) -> HttpResponse:
    """回访: the resident says whether the department's answer solved it."""
    rating = selectors.rating_get_for_user(user=request.user, rating_id=rating_id)
    form = ConfirmForm(request.POST)
    follow_up = getattr(rating, "follow_up", None)
    if follow_up is None:
        raise NotFound("follow_up_not_found", _("No such follow-up."))
    try:
        done = services.follow_up_confirm(
            actor=cast(User, request.user),
            follow_up_id=follow_up.pk,
            resolved=request.POST.get("resolved") == "yes",
            comment=request.POST.get("comment", ""),
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        add_domain_error(form, error)
        return _detail(request, rating, confirm_form=form, status=400)
    if done.status == FollowUp.Status.OPEN:
        messages.success(
            request,
            _("The department will answer again by %(due)s.") % {"due": done.due_date.isoformat()},
        )
    else:
        messages.success(request, _("Thank you for telling us."))
    return redirect("ratings:detail", rating_id=rating.pk)


def department_list(request: HttpRequest) -> HttpResponse:
    """Public: every department's number of ratings and satisfaction rate."""
    return render(request, "ratings/department_list.html", {"rows": selectors.department_table()})


def department_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Public: one department's figures, per service, and its newest ratings without names."""
    department = selectors.department_get(code=code)
    ratings = Rating.objects.filter(department=department)
    return render(
        request,
        "ratings/department_detail.html",
        {
            "department": department,
            "figures": selectors.figures_of(ratings),
            "services": selectors.service_table(ratings),
            "comments": selectors.public_comments(department_id=department.pk),
        },
    )
