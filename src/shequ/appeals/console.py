"""Staff: queues (dispatch, unit, area) with counts, overdue first; one request with its
actions; hotline calls; categories, units and the dispatch catalogue."""

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.appeals import selectors
from shequ.appeals.console_clusters import outcome_targets
from shequ.appeals.forms import (
    AssignForm,
    CategoryForm,
    CloseForm,
    DispatchForm,
    ExtensionDecisionForm,
    ExtensionForm,
    IntakeForm,
    NoteForm,
    Open311KeyForm,
    OutcomeForm,
    ReferForm,
    ReturnForm,
    RoutingRowForm,
    RulingForm,
    UnitForm,
)
from shequ.appeals.models import (
    Appeal,
    AppealExtension,
    AppealPhoto,
    CatalogueVersion,
    Category,
)
from shequ.appeals.permissions import (
    console_user,
    may_decide_extension,
    may_dispatch,
    may_edit_catalogue,
    may_link_outcome,
    may_rule,
    unit_ids_of,
)
from shequ.appeals.services.arbitration import REFERABLE, appeal_refer, appeal_rule
from shequ.appeals.services.assignment import appeal_assign, may_assign
from shequ.appeals.services.catalogue import (
    RowIn,
    category_save,
    routing_row_retire,
    routing_rows_add,
    unit_save,
)
from shequ.appeals.services.cluster_links import cluster_target
from shequ.appeals.services.extensions import EXTENDABLE, extension_ask, extension_decide
from shequ.appeals.services.handling import (
    appeal_close,
    appeal_dispatch,
    appeal_return,
    appeal_sign,
)
from shequ.appeals.services.intake import Caller, appeal_submit
from shequ.appeals.services.open311 import open311_key_create, open311_key_revoke
from shequ.appeals.services.outcomes import appeals_link
from shequ.appeals.services.replies import appeal_note_add
from shequ.appeals.views import intake_context
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.permissions import staff_required
from shequ.web.pickers import bind_pickers


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """A queue with the counts of every queue; the soonest deadline (overdue) first."""
    user = console_user(request)
    name = request.GET.get("queue", "")
    counts = selectors.queue_counts(user=user)
    if name not in selectors.QUEUES:
        name = next(
            (q for q in ("assigned", "unit", "ruling", "dispatch") if counts[q]["total"]), "area"
        )
    page = Paginator(selectors.queue_for(user=user, queue=name), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "appeals/console/queue.html",
        {
            "page": page,
            "queue": name,
            "queues": [(q, label, counts[q]) for q, label in selectors.QUEUES.items()],
            "now": timezone.now(),
            "may_take_calls": may_dispatch(user, None),
            "may_edit": may_edit_catalogue(user),
        },
    )


def _detail(request: HttpRequest, appeal: Appeal, **forms: Any) -> HttpResponse:
    user = cast(User, request.user)
    member = appeal.unit_id is not None and appeal.unit_id in unit_ids_of(user)
    photos = list(appeal.photos.all())
    extensions = selectors.extensions_of(appeal=appeal)
    pending = next((e for e in extensions if e.status == AppealExtension.Status.PENDING), None)
    templates = (
        [
            (str(t.pk), t.title)
            for t in selectors.reply_templates_for(user=user, unit_id=appeal.unit_id)
        ]
        if member and appeal.status == Appeal.Status.IN_PROGRESS
        else []
    )
    assigner = member and may_assign(user, appeal)
    # The unit named by the committee's ruling cannot return it: no 退单 form to fail on.
    ruled_here = appeal.ruling_unit_id is not None and appeal.ruling_unit_id == appeal.unit_id
    officers = selectors.officer_choices(appeal) if assigner else []
    return render(
        request,
        "appeals/console/detail.html",
        {
            "appeal": appeal,
            "events": selectors.timeline(appeal=appeal, staff=True),
            "problem_photos": [p for p in photos if p.kind == AppealPhoto.Kind.PROBLEM],
            "fix_photos": [p for p in photos if p.kind == AppealPhoto.Kind.FIX],
            "may_dispatch": may_dispatch(user, appeal.community_id)
            and appeal.status
            in (Appeal.Status.AWAITING_DISPATCH, Appeal.Status.RETURNED, Appeal.Status.DISPATCHED),
            "may_sign": member and appeal.status == Appeal.Status.DISPATCHED,
            "may_return": member
            and appeal.status in (Appeal.Status.DISPATCHED, Appeal.Status.IN_PROGRESS)
            and not ruled_here,
            "ruled_here": member and ruled_here,
            "may_close": member and appeal.status == Appeal.Status.IN_PROGRESS,
            "dispatch_form": forms.get("dispatch_form") or DispatchForm(),
            "return_form": forms.get("return_form") or ReturnForm(),
            "close_form": forms.get("close_form") or CloseForm(templates=templates),
            "may_refer": may_dispatch(user, appeal.community_id) and appeal.status in REFERABLE,
            "refer_form": forms.get("refer_form") or ReferForm(),
            "may_rule": may_rule(user) and appeal.status == Appeal.Status.RULING,
            "ruling_form": forms.get("ruling_form") or RulingForm(),
            "may_assign": assigner,
            "assign_form": forms.get("assign_form")
            or AssignForm(
                officers=officers,
                initial={"officer": str(appeal.assignee_id or "")},
            ),
            "note_form": forms.get("note_form") or NoteForm(),
            "assignee_label": selectors.officer_label(appeal.assignee) if appeal.assignee else "",
            "extensions": extensions,
            "may_extend": member and appeal.status in EXTENDABLE and not pending,
            "may_decide": pending is not None
            and pending.requested_by_id != user.pk
            and may_decide_extension(user, appeal.community_id),
            "pending_extension": pending,
            "extension_form": forms.get("extension_form") or ExtensionForm(),
            "decision_form": forms.get("decision_form") or ExtensionDecisionForm(),
            "outcomes": selectors.outcomes_of(appeal),
            "may_link_outcome": may_link_outcome(user, appeal.community_id),
        },
        status=forms.get("status", 200),
    )


@staff_required
def detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = selectors.appeal_get_for_staff(user=console_user(request), appeal_id=appeal_id)
    return _detail(request, appeal)


@staff_required
def outcome(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """Link the request and those like it to a proposal or project of its community."""
    user = console_user(request)
    appeal = selectors.appeal_get_for_staff(user=user, appeal_id=appeal_id)
    if not may_link_outcome(user, appeal.community_id):
        raise DjangoPermissionDenied
    like = selectors.requests_like(appeal)
    targets = outcome_targets(appeal.community_id)
    form = OutcomeForm(
        request.POST or None,
        targets=targets,
        like=[
            (
                str(a.pk),
                f"{a.number} · {timezone.localdate(a.created_at):%Y-%m-%d} · "
                f"{a.get_status_display()} · {a.description[:60]}",
            )
            for a in like
        ],
        initial={"also": [str(a.pk) for a in like]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            proposal_id, project_id, commitment_id = cluster_target(form.cleaned_data["target"])
            made = appeals_link(
                actor=user,
                appeal_id=appeal.pk,
                also=form.cleaned_data["also"],
                proposal_id=proposal_id,
                project_id=project_id,
                commitment_id=commitment_id,
                ip=client_ip(request),
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(n)s requests linked; their residents are told.") % {"n": len(made)},
            )
            return redirect("appeals_console:detail", appeal_id=appeal.pk)
    return render(
        request,
        "appeals/console/outcome.html",
        {"appeal": appeal, "form": form, "has_targets": any(t[1] for t in targets)},
        status=400 if form.errors else 200,
    )


@staff_required
@require_POST
def act(request: HttpRequest, appeal_id: int, action: str) -> HttpResponse:
    """派单/重派, 签收, 退单, 办结, 送审定, 审定, 指派 and internal notes from the request's
    page."""
    user = console_user(request)
    appeal = selectors.appeal_get_for_staff(user=user, appeal_id=appeal_id)
    ip = client_ip(request)
    forms: dict[str, Any] = {}
    try:
        if action == "dispatch":
            forms["dispatch_form"] = DispatchForm(request.POST)
            appeal_dispatch(
                actor=user,
                appeal_id=appeal.pk,
                unit_id=request.POST.get("unit"),
                note=request.POST.get("note", ""),
                ip=ip,
            )
            done = _("Dispatched.")
        elif action == "sign":
            appeal_sign(actor=user, appeal_id=appeal.pk, ip=ip)
            done = _("Signed for: the request is yours to handle.")
        elif action == "return":
            forms["return_form"] = ReturnForm(request.POST)
            appeal_return(
                actor=user,
                appeal_id=appeal.pk,
                reason=request.POST.get("reason", ""),
                text=request.POST.get("text", ""),
                ip=ip,
            )
            done = _("Returned to the dispatchers.")
        elif action == "close":
            templates = [
                (str(t.pk), t.title)
                for t in selectors.reply_templates_for(user=user, unit_id=appeal.unit_id)
            ]
            forms["close_form"] = CloseForm(request.POST, templates=templates)
            appeal_close(
                actor=user,
                appeal_id=appeal.pk,
                reply=request.POST.get("reply", ""),
                photos=request.FILES.getlist("photos"),
                template_id=request.POST.get("template") or None,
                ip=ip,
            )
            done = _("Reported handled; the resident is asked to rate it.")
        elif action == "extend":
            forms["extension_form"] = ExtensionForm(request.POST)
            extension_ask(
                actor=user,
                appeal_id=appeal.pk,
                new_deadline=request.POST.get("new_deadline", ""),
                reason=request.POST.get("reason", ""),
                ip=ip,
            )
            done = _("More time asked for: the supervising desk decides.")
        elif action == "refer":
            forms["refer_form"] = ReferForm(request.POST)
            appeal_refer(actor=user, appeal_id=appeal.pk, note=request.POST.get("note", ""), ip=ip)
            done = _("Sent to the city committee's ruling.")
        elif action == "rule":
            forms["ruling_form"] = RulingForm(request.POST)
            ruled = appeal_rule(
                actor=user,
                appeal_id=appeal.pk,
                unit_id=request.POST.get("unit"),
                ruling=request.POST.get("ruling", ""),
                ip=ip,
            )
            done = _("Ruled: dispatched to %(unit)s.") % {
                "unit": ruled.unit.name if ruled.unit else "-"
            }
        elif action == "assign":
            forms["assign_form"] = AssignForm(
                request.POST, officers=selectors.officer_choices(appeal)
            )
            appeal_assign(
                actor=user,
                appeal_id=appeal.pk,
                officer_id=request.POST.get("officer"),
                note=request.POST.get("note", ""),
                ip=ip,
            )
            done = _("Assigned: the officer is told.")
        elif action == "note":
            forms["note_form"] = NoteForm(request.POST)
            appeal_note_add(
                actor=user, appeal_id=appeal.pk, text=request.POST.get("text", ""), ip=ip
            )
            done = _("Internal note added.")
        else:
            raise NotFound("no_such_action", _("No such action."))
    except NotFound:
        raise
    except DomainError as error:
        form = next(iter(forms.values()), None)
        if form is not None:
            add_domain_error(form, error)
        else:
            messages.error(request, str(error))
        appeal = selectors.appeal_get_for_staff(user=user, appeal_id=appeal_id)
        return _detail(request, appeal, status=error.status, **forms)
    messages.success(request, done)
    return redirect("appeals_console:detail", appeal_id=appeal.pk)


@staff_required
def extensions(request: HttpRequest) -> HttpResponse:
    """The supervising desk's queue: pending requests for more time, oldest first."""
    user = console_user(request)
    if not may_dispatch(user, None):
        raise DjangoPermissionDenied
    page = Paginator(selectors.extension_queue_for(user=user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "appeals/console/extensions.html",
        {"page": page, "counts": selectors.extension_counts(user=user), "now": timezone.now()},
    )


@staff_required
@require_POST
def extension_decide_view(request: HttpRequest, extension_id: int) -> HttpResponse:
    """Grant or refuse more time, with a reason, from the request's page."""
    user = console_user(request)
    extension = AppealExtension.objects.filter(pk=extension_id).first()
    if extension is None:
        raise NotFound("extension_not_found", _("No such request for more time."))
    appeal = selectors.appeal_get_for_staff(user=user, appeal_id=extension.appeal_id)
    form = ExtensionDecisionForm(request.POST)
    approve = request.POST.get("decision") == "approve"
    try:
        extension_decide(
            actor=user,
            extension_id=extension.pk,
            approve=approve,
            reason=request.POST.get("reason", ""),
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        add_domain_error(form, error)
        appeal = selectors.appeal_get_for_staff(user=user, appeal_id=appeal.pk)
        return _detail(request, appeal, status=error.status, decision_form=form)
    messages.success(request, _("More time granted.") if approve else _("More time refused."))
    return redirect("appeals_console:extensions")


@staff_required
def call(request: HttpRequest) -> HttpResponse:
    """The hotline desk enters a call for a caller (no account needed)."""
    user = console_user(request)
    if not may_dispatch(user, None):
        raise DjangoPermissionDenied
    form = IntakeForm(request.POST or None)
    community = request.POST.get("community", "")
    status = 200
    if request.method == "POST":
        try:
            appeal = appeal_submit(
                actor=user,
                category_id=request.POST.get("category"),
                description=request.POST.get("description", ""),
                community_code=community,
                longitude=request.POST.get("longitude"),
                latitude=request.POST.get("latitude"),
                address=request.POST.get("address", ""),
                photos=request.FILES.getlist("photos"),
                is_private=request.POST.get("is_private") == "1",
                caller=Caller(
                    name=request.POST.get("caller_name", ""),
                    phone=request.POST.get("caller_phone", ""),
                ),
                ip=client_ip(request),
            )
        except DomainError as error:
            if error.status == 404:
                raise
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(request, _("Received as %(number)s.") % {"number": appeal.number})
            return redirect("appeals_console:detail", appeal_id=appeal.pk)
    context = intake_context(request, form, community)
    context["hotline"] = True
    return render(request, "appeals/console/call.html", context, status=status)


def _editor(request: HttpRequest) -> User:
    user = console_user(request)
    if not may_edit_catalogue(user):
        raise DjangoPermissionDenied
    return user


@staff_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """The dispatch catalogue: live rows, versions, a form to add a row."""
    user = console_user(request)
    editor = may_edit_catalogue(user)
    form = RoutingRowForm(request.POST or None)
    bind_pickers(form, user)
    status = 200
    if request.method == "POST":
        if not editor:
            raise DjangoPermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = routing_rows_add(
                    actor=user,
                    rows=[
                        RowIn(
                            category_id=data["category"].pk,
                            place_code=data["place"],
                            unit_id=data["unit"].pk,
                        )
                    ],
                    note=data["note"],
                    ip=client_ip(request),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Saved as catalogue v%(n)s.") % {"n": version.number})
                return redirect("appeals_console:catalogue")
        status = 400
    page = Paginator(selectors.routing_rows_live(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "appeals/console/catalogue.html",
        {
            "page": page,
            "form": form,
            "editor": editor,
            "versions": CatalogueVersion.objects.select_related("created_by")[:10],
        },
        status=status,
    )


@staff_required
@require_POST
def retire_row(request: HttpRequest, row_id: int) -> HttpResponse:
    user = _editor(request)
    version = routing_row_retire(actor=user, row_id=row_id, ip=client_ip(request))
    messages.success(request, _("Saved as catalogue v%(n)s.") % {"n": version.number})
    return redirect("appeals_console:catalogue")


@staff_required
def open311_keys(request: HttpRequest) -> HttpResponse:
    """The committee's keys for Open311 client applications; a new key is shown once."""
    user = _editor(request)
    form = Open311KeyForm(request.POST or None)
    status, created, raw = 200, None, ""
    if request.method == "POST":
        if form.is_valid():
            try:
                created, raw = open311_key_create(
                    actor=user,
                    name=form.cleaned_data["name"],
                    unit_id=form.cleaned_data["unit"].pk,
                    ip=client_ip(request),
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = 400
            else:
                form = Open311KeyForm()
        else:
            status = 400
    response = render(
        request,
        "appeals/console/open311_keys.html",
        {
            "keys": selectors.open311_key_list(),
            "form": form,
            "created": created,
            "raw_key": raw,
            "endpoint": request.build_absolute_uri("/open311/v2/"),
        },
        status=status,
    )
    # The key is on this page only: never kept by a cache or the browser's history.
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_POST
def open311_key_revoke_view(request: HttpRequest, key_id: int) -> HttpResponse:
    user = _editor(request)
    key = open311_key_revoke(actor=user, key_id=key_id, ip=client_ip(request))
    messages.success(request, _("Key of %(name)s revoked.") % {"name": key.name})
    return redirect("appeals_console:open311_keys")


@staff_required
def categories(request: HttpRequest) -> HttpResponse:
    user = console_user(request)
    return render(
        request,
        "appeals/console/categories.html",
        {
            "categories": selectors.category_list(include_inactive=True),
            "editor": may_edit_catalogue(user),
        },
    )


@staff_required
def category_edit(request: HttpRequest, category_id: int | None = None) -> HttpResponse:
    user = _editor(request)
    category = None
    if category_id is not None:
        category = Category.objects.filter(pk=category_id).first()
        if category is None:
            raise NotFound("category_not_found", _("No such category."))
    initial = (
        {f: getattr(category, f) for f in CategoryForm.base_fields} if category is not None else {}
    )
    form = CategoryForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                category_save(
                    actor=user,
                    category_id=category_id,
                    data=form.cleaned_data,
                    ip=client_ip(request),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Category saved."))
                return redirect("appeals_console:categories")
        status = 400
    return render(
        request,
        "appeals/console/category_form.html",
        {"form": form, "category": category},
        status=status,
    )


@staff_required
def units(request: HttpRequest) -> HttpResponse:
    user = console_user(request)
    editor = may_edit_catalogue(user)
    form = UnitForm(request.POST or None)
    bind_pickers(form, user)
    status = 200
    if request.method == "POST":
        if not editor:
            raise DjangoPermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                unit_save(
                    actor=user,
                    name=data["name"],
                    kind=data["kind"],
                    department_id=data["department"].pk if data["department"] else None,
                    division_code=data["division"] or None,
                    ip=client_ip(request),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Unit saved."))
                return redirect("appeals_console:units")
        status = 400
    return render(
        request,
        "appeals/console/units.html",
        {"units": selectors.unit_list(), "form": form, "editor": editor},
        status=status,
    )
