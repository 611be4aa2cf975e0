"""Staff pages: build or import, sample, quota board, results, interviews, exports."""

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.models import TaskRecord
from shequ.core.services import client_ip
from shequ.core.storage import private_storage, storage_reads, stored_file_response
from shequ.people.models import User
from shequ.people.permissions import staff_required
from shequ.surveys import selectors, tasks
from shequ.surveys.definition import ChoiceDef, ItemDef, ListDef, QuestionDef, definition_of
from shequ.surveys.exports import results_workbook
from shequ.surveys.forms import (
    PlanForm,
    QuestionAddForm,
    QuestionEditForm,
    SectionForm,
    SettingsForm,
    SurveyCreateForm,
    XLSFormImportForm,
    answers_from_post,
    entries_changed,
    is_entry_action,
    parse_lines,
    unparse_lines,
)
from shequ.surveys.models import (
    Invitation,
    Question,
    Response,
    SamplingPlan,
    Section,
    Survey,
    SurveyVersion,
)
from shequ.surveys.permissions import can_create_survey, can_interview, can_manage_survey
from shequ.surveys.rendering import questionnaire
from shequ.surveys.services.answers import AnswersInvalid, response_answers
from shequ.surveys.services.photos import photo_storage
from shequ.surveys.services.questionnaire import (
    survey_import_xlsform,
    survey_question_add,
    survey_question_delete,
    survey_question_move,
    survey_question_update,
    survey_section_delete,
    survey_section_move,
    survey_section_save,
)
from shequ.surveys.services.responses import response_save_by_interviewer
from shequ.surveys.services.sampling import sampling_plan_set
from shequ.surveys.services.surveys import (
    survey_close,
    survey_create,
    survey_latest_version,
    survey_open,
    survey_results_publish,
    survey_settings_update,
)
from shequ.surveys.services.weights import survey_weights_compute
from shequ.surveys.xlsform_export import build_xlsform

PAGE_SIZE = 50


def _managed(request: HttpRequest, survey_id: int) -> Survey:
    survey = selectors.survey_get_for(request.user, survey_id)
    if not can_manage_survey(request.user, survey):
        raise DjangoPermissionDenied
    return survey


def _saved_message(request: HttpRequest, before: int, version: SurveyVersion) -> None:
    """Say plainly when an edit made a new version because the old one has answers."""
    if version.number > before:
        messages.warning(
            request,
            _(
                "Version %(old)s already has responses, so this change was saved as version "
                "%(new)s. Responses given so far stay with version %(old)s; new ones use "
                "version %(new)s."
            )
            % {"old": before, "new": version.number},
        )
    else:
        messages.success(request, _("Saved."))


@staff_required
@require_http_methods(["GET", "POST"])
def survey_list(request: HttpRequest) -> HttpResponse:
    areas = selectors.owner_area_choices(request.user)
    create_form = SurveyCreateForm(
        request.POST if request.POST.get("form") == "create" else None, areas=areas
    )
    import_form = XLSFormImportForm(
        request.POST if request.POST.get("form") == "import" else None,
        request.FILES if request.POST.get("form") == "import" else None,
        areas=areas,
    )
    if request.method == "POST":
        if not can_create_survey(request.user):
            raise DjangoPermissionDenied
        try:
            if request.POST.get("form") == "import" and import_form.is_valid():
                data = import_form.cleaned_data
                survey = survey_import_xlsform(
                    actor=request.user,
                    content=data["file"].read(),
                    division_code=data["division_code"],
                    series=data["series"],
                    wave=data["wave"],
                    title_zh=data["title_zh"],
                    ip=client_ip(request),
                )
                messages.success(request, _("The questionnaire was imported."))
                return redirect("surveys_console:detail", survey_id=survey.pk)
            if request.POST.get("form") == "create" and create_form.is_valid():
                survey = survey_create(
                    actor=request.user, ip=client_ip(request), **create_form.cleaned_data
                )
                return redirect("surveys_console:detail", survey_id=survey.pk)
        except DomainError as error:
            add_domain_error(
                import_form if request.POST.get("form") == "import" else create_form, error
            )
    page = Paginator(selectors.survey_list_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "surveys/console/list.html",
        {
            "page": page,
            "create_form": create_form,
            "import_form": import_form,
            "may_create": can_create_survey(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def survey_detail(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = selectors.survey_get_for(request.user, survey_id)
    may_manage = can_manage_survey(request.user, survey)
    settings_form = SettingsForm(
        request.POST if request.POST.get("form") == "settings" else None,
        initial={
            "recognition_threshold": survey.recognition_threshold,
            "min_cell_size": survey.min_cell_size,
            "open_link_enabled": survey.open_link_enabled,
            "open_link_daily_limit": survey.open_link_daily_limit,
        },
    )
    question_form = QuestionAddForm(
        request.POST if request.POST.get("form") == "question" else None
    )
    if request.method == "POST":
        if not may_manage:
            raise DjangoPermissionDenied
        action = request.POST.get("form")
        ip = client_ip(request)
        try:
            if action == "open":
                survey_open(actor=request.user, survey_id=survey.pk, ip=ip)
            elif action == "close":
                survey_close(actor=request.user, survey_id=survey.pk, ip=ip)
            elif action == "settings" and settings_form.is_valid():
                survey_settings_update(
                    actor=request.user, survey_id=survey.pk, ip=ip, **settings_form.cleaned_data
                )
            elif action == "question" and question_form.is_valid():
                data = question_form.cleaned_data
                choices = parse_lines(data["choices"])
                before = survey_latest_version(survey).number
                saved = survey_question_add(
                    actor=request.user,
                    survey_id=survey.pk,
                    section_name=data["section"],
                    question=QuestionDef(
                        name=data["name"],
                        qtype=data["qtype"],
                        label_zh=data["label_zh"],
                        label_en=data["label_en"],
                        required=data["required"],
                        relevant=data["relevant"],
                        constraint=data["constraint"],
                        items=[ItemDef(*row) for row in parse_lines(data["items"])],
                        score_weight=data["score_weight"],
                    ),
                    new_list=ListDef(f"{data['name']}_list", [ChoiceDef(*row) for row in choices])
                    if choices
                    else None,
                    ip=ip,
                )
                _saved_message(request, before, saved)
                return redirect("surveys_console:detail", survey_id=survey.pk)
            else:
                raise DomainError("invalid_input", _("Check the form."))
        except DomainError as error:
            if isinstance(error, NotFound):
                raise
            target = question_form if action == "question" else settings_form
            add_domain_error(target, error)
            messages.error(request, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("surveys_console:detail", survey_id=survey.pk)
    version = survey_latest_version(survey)
    return render(
        request,
        "surveys/console/detail.html",
        {
            "survey": survey,
            "version": version,
            "versions": survey.versions.order_by("number"),
            "questions": Question.objects.filter(version=version)
            .select_related("section")
            .order_by("position"),
            "sections": Section.objects.filter(version=version).order_by("position"),
            "frozen": version.responses.exists(),
            "may_manage": may_manage,
            "may_edit": may_manage and survey.status != Survey.Status.CLOSED,
            "section_form": SectionForm(),
            "settings_form": settings_form,
            "question_form": question_form,
            "open_url": request.build_absolute_uri(
                reverse("surveys:open", args=[survey.open_link_slug])
            )
            if survey.open_link_enabled and survey.open_link_slug
            else "",
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, survey_id: int, name: str) -> HttpResponse:
    """Edit one question of the latest version (a new version when that one has answers)."""
    survey = _managed(request, survey_id)
    version = survey_latest_version(survey)
    question = Question.objects.filter(version=version, name=name).select_related("section").first()
    if question is None:
        raise NotFound("question_not_found", _("No such question."))
    choices = (
        list(
            question.choice_list.choices.order_by("position").values_list(
                "name", "label_zh", "label_en"
            )
        )
        if question.choice_list_id and question.choice_list
        else []
    )
    initial = {
        "name": question.name,
        "label_zh": question.label_zh,
        "label_en": question.label_en,
        "required": question.required,
        "relevant": question.relevant,
        "constraint": question.constraint,
        "choices": unparse_lines(choices),
        "items": unparse_lines(
            [(i["name"], i["label_zh"], i.get("label_en", "")) for i in question.items]
        ),
        "score_weight": question.score_weight,
    }
    form = QuestionEditForm(request.POST or None, initial=initial, qtype=question.qtype)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = survey_question_update(
                    actor=request.user,
                    survey_id=survey.pk,
                    name=question.name,
                    new_name=data["name"],
                    label_zh=data["label_zh"],
                    label_en=data["label_en"],
                    required=data["required"],
                    relevant=data["relevant"],
                    constraint=data["constraint"],
                    choices=[ChoiceDef(*row) for row in parse_lines(data["choices"])]
                    if "choices" in data
                    else None,
                    items=[ItemDef(*row) for row in parse_lines(data["items"])]
                    if "items" in data
                    else None,
                    score_weight=data["score_weight"],
                    ip=client_ip(request),
                )
            except DomainError as error:
                if isinstance(error, NotFound):
                    raise
                add_domain_error(form, error)
            else:
                _saved_message(request, version.number, saved)
                return redirect("surveys_console:detail", survey_id=survey.pk)
    return render(
        request,
        "surveys/console/question_edit.html",
        {
            "survey": survey,
            "version": version,
            "question": question,
            "form": form,
            "frozen": version.responses.exists(),
            "closed": survey.status == Survey.Status.CLOSED,
        },
        status=status,
    )


@staff_required
@require_POST
def builder(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Move, delete and section changes from the questionnaire page (one button each)."""
    survey = _managed(request, survey_id)
    before = survey_latest_version(survey).number
    action = request.POST.get("action", "")
    name = request.POST.get("name", "")
    common: dict[str, Any] = {
        "actor": request.user,
        "survey_id": survey.pk,
        "ip": client_ip(request),
    }
    try:
        if action in ("question_up", "question_down"):
            saved = survey_question_move(
                name=name, direction=action.removeprefix("question_"), **common
            )
        elif action == "question_delete":
            saved = survey_question_delete(name=name, **common)
        elif action in ("section_up", "section_down"):
            saved = survey_section_move(
                name=name, direction=action.removeprefix("section_"), **common
            )
        elif action == "section_delete":
            saved = survey_section_delete(name=name, **common)
        elif action == "section_save":
            form = SectionForm(request.POST)
            if not form.is_valid():
                raise DomainError("invalid_input", _("Give the section a name."))
            data = form.cleaned_data
            saved = survey_section_save(
                name=name or data["section_name"],
                new_name=data["section_name"] if name else None,
                label_zh=data["label_zh"],
                label_en=data["label_en"],
                repeat=data["repeat"],
                repeat_count=data["repeat_count"],
                required=data["required"],
                **common,
            )
        else:
            raise DomainError("invalid_input", _("Check the form."))
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        messages.error(request, str(error))
    else:
        _saved_message(request, before, saved)
    return redirect(reverse("surveys_console:detail", args=[survey.pk]) + "#builder")


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "heic": "image/heic"}


@staff_required
def survey_photo(request: HttpRequest, survey_id: int, answer_id: int) -> HttpResponseBase:
    """A resident's photo answer, for officers who may read the survey's responses."""
    survey = selectors.survey_get_for(request.user, survey_id)
    answer = selectors.photo_answer_for(request.user, survey, answer_id)
    storage = photo_storage()
    with storage_reads():
        if not storage.exists(answer.value_text):
            raise NotFound("photo_not_found", _("No such photo."))
    extension = answer.value_text.rsplit(".", 1)[-1]
    return stored_file_response(
        storage,
        answer.value_text,
        content_type=PHOTO_TYPES.get(extension, "application/octet-stream"),
    )


@staff_required
def survey_xlsform(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = selectors.survey_get_for(request.user, survey_id)
    version = survey_latest_version(survey)
    content = build_xlsform(
        definition_of(version), title=survey.title_zh, form_id=survey.series, version=version.number
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{survey.series}-w{survey.wave}-v{version.number}.xlsx"'
    )
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def survey_sample(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = selectors.survey_get_for(request.user, survey_id)
    may_manage = can_manage_survey(request.user, survey)
    plan = SamplingPlan.objects.filter(survey=survey).first()
    initial = (
        {
            "target_n": plan.target_n,
            "stratum_level": plan.stratum_level,
            "min_per_stratum": plan.min_per_stratum,
            "seed": plan.seed,
        }
        if plan
        else {"target_n": 10000, "stratum_level": "district", "min_per_stratum": 30, "seed": 2018}
    )
    form = PlanForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not may_manage:
            raise DjangoPermissionDenied
        if form.is_valid():
            try:
                sampling_plan_set(
                    actor=request.user,
                    survey_id=survey.pk,
                    ip=client_ip(request),
                    **form.cleaned_data,
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = 400
            else:
                messages.success(request, _("The sampling plan is set."))
                return redirect("surveys_console:sample", survey_id=survey.pk)
        else:
            status = 400
    strata = list(plan.strata.select_related("division")) if plan else []
    return render(
        request,
        "surveys/console/sample.html",
        {"survey": survey, "plan": plan, "strata": strata, "form": form, "may_manage": may_manage},
        status=status,
    )


@staff_required
@require_POST
def survey_sample_draw(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _managed(request, survey_id)
    plan = SamplingPlan.objects.filter(survey=survey).first()
    if plan is None or plan.drawn_at is not None:
        messages.error(request, _("Set a plan first; a sample is drawn only once."))
        return redirect("surveys_console:sample", survey_id=survey.pk)
    link_base = request.build_absolute_uri("/surveys/i/")
    result = tasks.sample_draw_and_send.enqueue(
        survey_id=survey.pk, actor_id=cast(User, request.user).pk, link_base=link_base
    )
    return redirect("surveys_console:task", task_id=result.id)


@staff_required
def survey_quota(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = selectors.survey_get_for(request.user, survey_id)
    rows = selectors.quota_board(request.user, survey)
    totals = {
        "allocated": sum(r.allocated for r in rows),
        "complete": sum(r.complete for r in rows),
        "partial": sum(r.partial for r in rows),
        "invited": sum(r.invited for r in rows),
    }
    template = (
        "surveys/console/_quota_table.html"
        if request.headers.get("HX-Request")
        else "surveys/console/quota.html"
    )
    return render(request, template, {"survey": survey, "rows": rows, "totals": totals})


@staff_required
def survey_results(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = selectors.survey_get_for(request.user, survey_id)
    results = selectors.survey_results(request.user, survey)
    districts = [r for r in results.breakdowns.get("district", []) if not r.suppressed and r.index]
    chart = {
        "districts": [r.name for r in districts],
        "index": [round(r.index.value or 0, 2) for r in districts if r.index],
        "low": [round(r.index.low or 0, 2) for r in districts if r.index],
        "high": [round(r.index.high or 0, 2) for r in districts if r.index],
        "distributions": [
            {
                "name": d["label_zh"],
                "labels": [c["label_zh"] for c in d["choices"]],
                "counts": [c["n"] for c in d["choices"]],
            }
            for d in results.distributions
        ],
    }
    level = request.GET.get("level", "district")
    if level not in results.breakdowns:
        level = "district"
    return render(
        request,
        "surveys/console/results.html",
        {
            "survey": survey,
            "results": results,
            "rows": results.breakdowns[level],
            "level": level,
            "trend": selectors.survey_trend(request.user, survey),
            "methods": selectors.methods_note(survey, results),
            "chart_data": chart,
            "map_data": selectors.district_map(survey, results),
            "may_manage": can_manage_survey(request.user, survey),
            "synthetic": selectors.is_synthetic(survey),
        },
    )


@staff_required
def survey_results_xlsx(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The results tables (index with CI and n by district, street, community) as Excel."""
    survey = selectors.survey_get_for(request.user, survey_id)
    results = selectors.survey_results(request.user, survey, distributions=False)
    content = results_workbook(survey, results, selectors.methods_note(survey, results))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{survey.series}-w{survey.wave}-results.xlsx"'
    )
    return response


@staff_required
@require_POST
def survey_weights(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _managed(request, survey_id)
    try:
        survey_weights_compute(actor=request.user, survey_id=survey.pk, ip=client_ip(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Weights recomputed."))
    return redirect("surveys_console:results", survey_id=survey.pk)


@staff_required
@require_POST
def survey_publish(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Publish a closed survey's results to the public dashboards, or withdraw them."""
    survey = _managed(request, survey_id)
    publish = request.POST.get("publish") == "1"
    try:
        survey_results_publish(
            actor=request.user, survey_id=survey.pk, publish=publish, ip=client_ip(request)
        )
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        messages.error(request, str(error))
        return redirect("surveys_console:results", survey_id=survey.pk)
    # The public dashboards read frozen snapshots: freeze the survey results now.
    from shequ.portal.services import snapshot_take

    snapshot = snapshot_take(dataset="survey-results", actor=request.user)
    if snapshot.status != snapshot.Status.COMPLETE:
        messages.warning(
            request,
            _("The results' dataset could not be frozen now; the nightly snapshot will retry."),
        )
    messages.success(
        request,
        _("The results are published on the public dashboards.")
        if publish
        else _("The results are no longer on the public dashboards."),
    )
    return redirect("surveys_console:results", survey_id=survey.pk)


@staff_required
def interview_list(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = selectors.survey_get_for(request.user, survey_id)
    invitations = selectors.invitations_for(request.user, survey)
    page = Paginator(invitations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "surveys/console/interview_list.html", {"survey": survey, "page": page})


@staff_required
@require_http_methods(["GET", "POST"])
def interview(request: HttpRequest, survey_id: int, invitation_id: int) -> HttpResponse:
    invitation = (
        Invitation.objects.select_related("survey", "resident")
        .filter(pk=invitation_id, survey_id=survey_id)
        .first()
    )
    if invitation is None or not can_interview(request.user, invitation):
        raise NotFound("invitation_not_found", _("No such invitation in your area."))
    response = Response.objects.filter(invitation=invitation).first()
    version = response.version if response else survey_latest_version(invitation.survey)
    values: dict[str, Any] = response_answers(response) if response else {}
    errors: list[DomainError] = []
    status = 200
    if request.method == "POST":
        questions = list(
            Question.objects.filter(version=version).select_related("section").order_by("position")
        )
        values = answers_from_post(questions, request.POST, request.FILES)
        action = request.POST.get("action", "")
        if is_entry_action(action):
            # Adding or removing an entry without the page's script: shown again, not saved.
            values = entries_changed(values, action, questions)
        else:
            try:
                saved = response_save_by_interviewer(
                    actor=request.user,
                    invitation_id=invitation.pk,
                    answers=values,
                    submit=action == "submit",
                    ip=client_ip(request),
                )
            except AnswersInvalid as error:
                errors, status = list(error.errors), 400
            except DomainError as error:
                if isinstance(error, NotFound):
                    raise
                errors, status = [error], 400
            else:
                messages.success(
                    request, _("Submitted.") if saved.status == "complete" else _("Saved.")
                )
                return redirect("surveys_console:interviews", survey_id=survey_id)
    return render(
        request,
        "surveys/answer.html",
        {
            "survey": invitation.survey,
            "sections": questionnaire(version, values, errors),
            "general_errors": [str(e) for e in errors if not e.field],
            "submitted": response is not None and response.status == "complete",
            "interviewing": invitation,
        },
        status=status,
    )


@staff_required
@require_POST
def export_start(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = selectors.survey_get_for(request.user, survey_id)
    fmt = "csv" if request.POST.get("format") == "csv" else "xlsx"
    result = tasks.responses_export.enqueue(
        survey_id=survey.pk, actor_id=cast(User, request.user).pk, fmt=fmt
    )
    return redirect("surveys_console:task", task_id=result.id)


def _own_task(request: HttpRequest, task_id: str) -> TaskRecord:
    record = TaskRecord.objects.filter(
        pk=task_id, task_path__startswith="shequ.surveys.tasks."
    ).first()
    if record is None or record.kwargs.get("actor_id") != request.user.pk:
        raise NotFound("task_not_found", _("No such task."))
    return record


@staff_required
def task_status(request: HttpRequest, task_id: str) -> HttpResponse:
    record = _own_task(request, task_id)
    template = (
        "surveys/console/_task.html"
        if request.headers.get("HX-Request")
        else "surveys/console/task.html"
    )
    return render(request, template, {"record": record, "percent": round(record.progress * 100)})


@staff_required
def task_download(request: HttpRequest, task_id: str) -> HttpResponseBase:
    """An export, for the officer who asked for it only (``_own_task``)."""
    record = _own_task(request, task_id)
    if (
        record.status != TaskRecord.Status.SUCCESSFUL
        or not record.result
        or "file" not in record.result
    ):
        raise NotFound("task_not_found", _("No such task."))
    fmt = record.result["format"]
    name = tasks.export_name(record.pk, fmt)
    storage = private_storage()
    with storage_reads():
        if not storage.exists(name):
            raise NotFound("task_not_found", _("No such task."))
    return stored_file_response(
        storage,
        name,
        content_type=EXPORT_TYPES.get(fmt, "application/octet-stream"),
        filename=f"responses.{fmt}",
        as_attachment=True,
    )
