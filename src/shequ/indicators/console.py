"""Staff pages: the cockpit, results and rankings, a unit's card, the records behind a
number, the tree editor, value entry and import, runs."""

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.indicators import background, cockpit, exports, selectors, topten
from shequ.indicators.forms import (
    FundsForm,
    ImportForm,
    RunForm,
    TopTenForm,
    ValueForm,
)
from shequ.indicators.method import CHOICES
from shequ.indicators.models import Run, TopTen, TreeVersion
from shequ.indicators.permissions import can_edit_tree, can_enter_values, can_view_indicators
from shequ.indicators.services import runs as run_services
from shequ.indicators.services import values as value_services
from shequ.people.models import User
from shequ.people.permissions import staff_required
from shequ.web.confirmations import confirmation_page
from shequ.web.pickers import bind_pickers

CHOICE_LABELS = {
    "weights": _("weights"),
    "normalisation": _("normalisation"),
    "imputation": _("imputation of missing data"),
    "aggregation": _("aggregation"),
}


def _viewer(request: HttpRequest) -> None:
    if not can_view_indicators(request.user):
        raise DjangoPermissionDenied


def _editor(request: HttpRequest) -> None:
    if not can_edit_tree(request.user):
        raise DjangoPermissionDenied


def _year(request: HttpRequest) -> int | None:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return None


def _run_for(request: HttpRequest) -> Run | None:
    run_id = request.GET.get("run", "")
    if run_id.isdigit():
        try:
            return selectors.run_get(int(run_id))
        except NotFound:
            raise Http404 from None
    return selectors.run_latest(year=_year(request))


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """The cockpit (驾驶舱): the reader's areas scored, targets met, alerts, to-dos."""
    _viewer(request)
    run = _run_for(request)
    context: dict[str, Any] = {
        "run": run,
        "version": selectors.version_current(),
        "may_edit": can_edit_tree(request.user),
        "may_enter": can_enter_values(request.user),
        "choice_labels": CHOICE_LABELS,
    }
    context.update(cockpit.cockpit_for(user=request.user, run=run))
    return render(request, "indicators/console/home.html", context)


@staff_required
def results(request: HttpRequest) -> HttpResponse:
    """A ranking table of one level with rank intervals (exportable)."""
    _viewer(request)
    run = _run_for(request)
    if run is None:
        messages.info(request, _("No evaluation has been run yet."))
        return redirect("indicators_console:home")
    level = request.GET.get("level", "community")
    if level not in ("community", "street", "district"):
        level = "community"
    within = request.GET.get("within", "")
    rows = selectors.results_for(user=request.user, run=run, level=level, within=within or None)
    file_format = request.GET.get("format", "")
    if file_format in ("csv", "xlsx"):
        return exports.results_download(run, list(rows), file_format)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "indicators/console/results.html",
        {
            "run": run,
            "level": level,
            "within": within,
            "page": page,
            "query": query.urlencode(),
            "dimensions": list(run.version.nodes.filter(parent__isnull=True)),
            "choice_labels": CHOICE_LABELS,
        },
    )


@staff_required
def unit(request: HttpRequest, code: str) -> HttpResponse:
    """One unit's card: score, dimensions, rank with interval, every value and 达标."""
    _viewer(request)
    run = _run_for(request)
    if run is None:
        raise Http404
    try:
        result = selectors.result_get_for(user=request.user, run=run, code=code)
    except NotFound:
        raise Http404 from None
    rows = selectors.values_of(run=run, code=code) if result.level == "community" else []
    if request.GET.get("format") in ("csv", "xlsx"):
        return exports.values_download(result, rows, request.GET["format"])
    dimensions = list(run.version.nodes.filter(parent__isnull=True))
    names = {i.code: i.name for i in run.version.indicators.all()}
    return render(
        request,
        "indicators/console/unit.html",
        {
            "run": run,
            "result": result,
            "rows": rows,
            "dimensions": [(d, result.dimension_scores.get(d.code)) for d in dimensions],
            "history": selectors.results_history_for(user=request.user, code=code),
            "strengths": [names.get(c, c) for c in result.strengths],
            "weaknesses": [names.get(c, c) for c in result.weaknesses],
            "moved_most_by": CHOICE_LABELS.get(result.moved_most_by, ""),
            "children": selectors.results_for(
                user=request.user,
                run=run,
                level="street" if result.level == "district" else "community",
                within=code,
            )
            if result.level != "community"
            else [],
        },
    )


@staff_required
def value_records(request: HttpRequest, value_id: int, part: str) -> HttpResponse:
    """The records behind one number: the rows its computation counted."""
    _viewer(request)
    try:
        value = selectors.value_get_for(user=request.user, value_id=value_id)
        page = selectors.value_records(value, part)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "indicators/console/records.html",
        {"value": value, "page": page, "shown": len(page.rows)},
    )


# --- values -----------------------------------------------------------------------------


@staff_required
def entry(request: HttpRequest) -> HttpResponse:
    """Enter a value of an entered indicator, or import many from Excel; the list of
    entered values of the reader's area."""
    if not can_enter_values(request.user):
        raise DjangoPermissionDenied
    version = selectors.version_current()
    if version is None:
        messages.info(request, _("No indicator tree is published yet."))
        return redirect("indicators_console:tree")
    year = _year(request) or timezone.localdate().year
    form = ValueForm(request.POST or None, initial={"year": year})
    cast(forms.ModelChoiceField, form.fields["indicator"]).queryset = selectors.entered_indicators(
        version
    )
    bind_pickers(form, request.user)
    import_form = ImportForm(initial={"year": year})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            value_services.value_enter(
                actor=request.user,
                indicator_id=form.cleaned_data["indicator"].pk,
                division_code=form.cleaned_data["community"],
                year=form.cleaned_data["year"],
                raw=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(request, _("Value saved."))
            return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    elif request.method == "POST":
        status = 400
    values = selectors.entered_values_for(user=request.user, version=version, year=year)
    return render(
        request,
        "indicators/console/entry.html",
        {
            "form": form,
            "import_form": import_form,
            "version": version,
            "year": year,
            "page": Paginator(values, 50).get_page(request.GET.get("page")),
            "indicators": selectors.entered_indicators(version),
        },
        status=status,
    )


@staff_required
@require_POST
def entry_import(request: HttpRequest) -> HttpResponse:
    if not can_enter_values(request.user):
        raise DjangoPermissionDenied
    version = selectors.version_current()
    form = ImportForm(request.POST, request.FILES)
    if version is None or not form.is_valid():
        messages.error(request, _("Choose a year and an Excel file."))
        return redirect("indicators_console:entry")
    try:
        result = value_services.values_import(
            actor=request.user,
            version_id=version.pk,
            year=form.cleaned_data["year"],
            raw=form.cleaned_data["file"].read(),
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("indicators_console:entry")
    if result.errors:
        return render(
            request,
            "indicators/console/import_errors.html",
            {"result": result, "year": form.cleaned_data["year"]},
            status=400,
        )
    messages.success(request, _("%(n)s values imported.") % {"n": result.saved})
    return redirect(f"/console/indicators/entry/?year={form.cleaned_data['year']}")


@staff_required
def entry_template(request: HttpRequest) -> HttpResponse:
    """An Excel file with the columns and the entered indicators, to fill in."""
    if not can_enter_values(request.user):
        raise DjangoPermissionDenied
    version = selectors.version_current()
    if version is None:
        raise Http404
    return exports.entry_template(version)


# --- runs -------------------------------------------------------------------------------


@staff_required
def runs(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    form = RunForm(request.POST or None, initial={"year": timezone.localdate().year})
    version = selectors.version_current()
    status = 200
    if request.method == "POST":
        _editor(request)
        if version is None:
            messages.error(request, _("No indicator tree is published yet."))
        elif form.is_valid():
            try:
                run = background.run_start(
                    actor=request.user, version_id=version.pk, year=form.cleaned_data["year"]
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = 400
            else:
                messages.success(
                    request,
                    _("Evaluation %(id)s queued; the page shows it when it is done.")
                    % {"id": run.pk},
                )
                return redirect("indicators_console:runs")
        else:
            status = 400
    return render(
        request,
        "indicators/console/runs.html",
        {
            "form": form,
            "version": version,
            "page": Paginator(selectors.run_list(), 30).get_page(request.GET.get("page")),
            "periods": selectors.periods(),
            "may_edit": can_edit_tree(request.user),
            "choice_labels": CHOICE_LABELS,
            "choices": CHOICES,
        },
        status=status,
    )


@staff_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """One evaluation run: what it covers, whether the public sees it, publish or withdraw."""
    _viewer(request)
    run = selectors.run_get(run_id)
    public = selectors.run_published()
    return render(
        request,
        "indicators/console/run_detail.html",
        {
            "run": run,
            "is_public": run.published_at is not None,
            "public_run": public,
            "may_publish": can_edit_tree(request.user),
            "choice_labels": CHOICE_LABELS,
            "choices": CHOICES,
        },
    )


def _refreeze_scores(request: HttpRequest) -> None:
    """The public dashboards read frozen snapshots: freeze the scores now, not tonight."""
    from shequ.portal.services import snapshot_take

    snapshot = snapshot_take(dataset="indicator-scores", actor=request.user)
    if snapshot.status != snapshot.Status.COMPLETE:
        messages.warning(
            request,
            _("The scores' dataset could not be frozen now; the nightly snapshot will retry."),
        )


def _run_visibility(
    request: HttpRequest,
    run_id: int,
    *,
    change: Callable[..., Any],
    title: str,
    consequence: str,
    confirm_label: str,
    done: str,
) -> HttpResponse:
    """Publish a run's scores to the public, or withdraw them: confirmed first, then the
    scores' dataset refrozen so the dashboards follow at once."""
    _editor(request)
    asked = confirmation_page(
        request,
        title=title,
        consequence=consequence,
        confirm_label=confirm_label,
        cancel_url=f"/console/indicators/runs/{run_id}/",
    )
    if asked is not None:
        return asked
    try:
        change(actor=request.user, run_id=run_id)
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        messages.error(request, str(error))
    else:
        _refreeze_scores(request)
        messages.success(request, done)
    return redirect("indicators_console:run_detail", run_id=run_id)


@staff_required
@require_POST
def run_publish(request: HttpRequest, run_id: int) -> HttpResponse:
    return _run_visibility(
        request,
        run_id,
        change=run_services.run_publish,
        title=_("Publish the scores of evaluation %(id)s?") % {"id": run_id},
        consequence=_(
            "Anyone can then see every community's, street's and district's score and rank "
            "interval of this run on the public dashboards and download them as open data; "
            "it replaces the run published before."
        ),
        confirm_label=_("Publish to the public"),
        done=_("The scores are published on the public dashboards."),
    )


@staff_required
@require_POST
def run_withdraw(request: HttpRequest, run_id: int) -> HttpResponse:
    return _run_visibility(
        request,
        run_id,
        change=run_services.run_withdraw,
        title=_("Withdraw the scores of evaluation %(id)s from the public?") % {"id": run_id},
        consequence=_(
            "The public dashboards stop showing this run's scores from the new snapshot on; "
            "the snapshots already published stay in the open-data history."
        ),
        confirm_label=_("Withdraw from the public"),
        done=_("The scores are no longer on the public dashboards."),
    )


@staff_required
@require_POST
def period_close(request: HttpRequest) -> HttpResponse:
    _editor(request)
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, _("Choose a year."))
        return redirect("indicators_console:runs")
    asked = confirmation_page(
        request,
        title=_("Close the period %(year)s?") % {"year": year},
        consequence=_("Its values and results will no longer change."),
        confirm_label=_("Close the period"),
        cancel_url="/console/indicators/runs/",
    )
    if asked is not None:
        return asked
    try:
        value_services.period_close(actor=cast(User, request.user), year=year)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Period %(year)s closed.") % {"year": year})
    return redirect("indicators_console:runs")


__all__ = ["TreeVersion"]


# --- 市民口碑十佳 and the incentive fund ---------------------------------------------------


@staff_required
def top_ten(request: HttpRequest) -> HttpResponse:
    """The year's top-ten selections; pick candidates from the newest run; share the
    incentive fund by the run's scores."""
    _editor(request)
    run = selectors.run_latest()
    form = TopTenForm(request.POST or None)
    funds_form = FundsForm(initial={"fund_year": run.year + 1 if run else None})
    status = 200
    if request.method == "POST" and run is not None and form.is_valid():
        try:
            selection = topten.top_ten_select(
                actor=request.user,
                run_id=run.pk,
                candidates=form.cleaned_data["candidates"],
                winners=form.cleaned_data["winners"],
                platform_weight=form.cleaned_data["platform_weight"],
                vote_weight=form.cleaned_data["vote_weight"],
            )
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(request, _("Candidates picked; residents can vote now."))
            return redirect("indicators_console:top_ten_detail", selection_id=selection.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "indicators/console/top_ten.html",
        {
            "run": run,
            "form": form,
            "funds_form": funds_form,
            "selections": TopTen.objects.select_related("run").order_by("-year"),
        },
        status=status,
    )


@staff_required
def top_ten_detail(request: HttpRequest, selection_id: int) -> HttpResponse:
    _editor(request)
    selection = TopTen.objects.filter(pk=selection_id).first()
    if selection is None:
        raise Http404
    if request.method == "POST":
        asked = confirmation_page(
            request,
            title=_("Close the vote and decide?"),
            consequence=_("Residents can no longer vote; the combined scores place the winners."),
            confirm_label=_("Decide"),
            cancel_url=request.path,
        )
        if asked is not None:
            return asked
        try:
            topten.top_ten_decide(actor=request.user, selection_id=selection.pk)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The top ten are decided."))
        return redirect("indicators_console:top_ten_detail", selection_id=selection.pk)
    return render(
        request,
        "indicators/console/top_ten_detail.html",
        {
            "selection": selection,
            "candidates": selection.candidates.select_related("division"),
            "ballots": selection.ballots.count(),
        },
    )


@staff_required
@require_POST
def scores_to_funds(request: HttpRequest) -> HttpResponse:
    _editor(request)
    run = selectors.run_latest()
    form = FundsForm(request.POST)
    if run is None or not form.is_valid():
        messages.error(request, _("Choose the fund year."))
        return redirect("indicators_console:top_ten")
    asked = confirmation_page(
        request,
        title=_("Share the incentive fund by these scores?"),
        consequence=_("The evaluation scores of the fund year are replaced by this run's scores."),
        confirm_label=_("Use these scores"),
        cancel_url="/console/indicators/top-ten/",
    )
    if asked is not None:
        return asked
    try:
        saved = topten.run_scores_to_funds(
            actor=request.user, run_id=run.pk, fund_year=form.cleaned_data["fund_year"]
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(n)s community scores sent to the %(year)s incentive fund.")
            % {"n": saved, "year": form.cleaned_data["fund_year"]},
        )
    return redirect("indicators_console:top_ten")
