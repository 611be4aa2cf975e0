"""Public pages of the registry and an organisation's own accounts ("my organisations")."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.civil import selectors
from shequ.civil.forms import (
    ROWS,
    ApplicationForm,
    DeclarationForm,
    InviteForm,
    ObjectionForm,
    ReportForm,
)
from shequ.civil.models import (
    Application,
    ApplicationDocument,
    Call,
    Contract,
    Evaluation,
    Field,
    Kind,
)
from shequ.civil.permissions import is_expert, is_member
from shequ.civil.services import applications, calls, contracts, members, reviews
from shequ.civil.statistics import civil_statistics
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.core.storage import stored_file_response


def organisation_list(request: HttpRequest) -> HttpResponse:
    """The public register: names, kinds, codes, grades, fields."""
    q = request.GET.get("q", "").strip()[:60]
    kind = request.GET.get("kind", "")
    field = request.GET.get("field", "")
    rows = selectors.organisation_list_public(q=q, kind=kind, field=field)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "civil/list.html",
        {
            "page": page,
            "q": q,
            "kind": kind,
            "field": field,
            "kinds": Kind.choices,
            "fields": Field.choices,
        },
    )


def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = selectors.organisation_get_public(organisation_id)
    if organisation is None or organisation.status == organisation.Status.DEREGISTERED:
        raise Http404
    return render(
        request,
        "civil/detail.html",
        {"organisation": organisation, "rating": selectors.current_rating(organisation)},
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The organisations the user acts for, open invitations, and (admins) inviting staff."""
    form = InviteForm(request.POST or None, prefix="invite")
    if request.method == "POST" and form.is_valid():
        organisation_id = int(request.POST.get("organisation") or 0)
        if not is_member(request.user, organisation_id, admin=True):
            raise Http404
        try:
            members.invitation_send(
                actor=request.user,
                organisation_id=organisation_id,
                phone=form.cleaned_data["phone"],
                role=form.cleaned_data["role"],
                ip=client_ip(request),
            )
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            if error.field == "phone":
                add_domain_error(form, error)
            else:
                messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Invitation sent. The holder of that number sees it after signing in."),
            )
            return redirect("civil:mine")
    memberships = selectors.memberships_of(request.user)
    return render(
        request,
        "civil/mine.html",
        {
            "memberships": memberships,
            "invitations": selectors.invitations_for(request.user),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def invitation_accept(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        members.invitation_accept(
            actor=request.user, invitation_id=invitation_id, ip=client_ip(request)
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You now act for the organisation."))
    return redirect("civil:mine")


def call_list(request: HttpRequest) -> HttpResponse:
    return render(request, "civil/calls.html", {"calls": selectors.call_list_public()[:100]})


def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    """A call; during and after the public notice, each application's score breakdown."""
    call = selectors.call_list_public().filter(pk=call_id).first()
    if call is None:
        raise Http404
    form = ObjectionForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect("people:login")
        if form.is_valid():
            try:
                calls.objection_raise(
                    actor=request.user,
                    call_id=call.pk,
                    text=form.cleaned_data["text"],
                    ip=client_ip(request),
                )
            except NotFound:
                raise Http404 from None
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request, _("Your objection is recorded; the answer will be shown here.")
                )
                return redirect("civil:call", call_id=call.pk)
    shown = call.stage in (Call.Stage.NOTICE, Call.Stage.AWARDED)
    rows = selectors.call_breakdown(call) if shown else []
    lots = list(call.lots.all())
    return render(
        request,
        "civil/call.html",
        {
            "call": call,
            "criteria": list(call.criteria.all()),
            "rows": rows,
            "lots": lots,
            "groups": selectors.lots_breakdown(call, rows) if lots and rows else [],
            "objections": list(call.objections.all()) if shown else [],
            "contracts": list(
                Contract.objects.filter(application__call=call).select_related(
                    "application__organisation"
                )
            ),
            "form": form,
            "may_apply": call.stage == Call.Stage.OPEN
            and bool(selectors.memberships_of(request.user)),
        },
        status=400 if form.errors else 200,
    )


def _application_form(
    request: HttpRequest, call: Call, memberships: list[Any], initial: dict[str, Any] | None = None
) -> ApplicationForm:
    form = ApplicationForm(
        request.POST or None,
        request.FILES or None,
        documents=call.required_documents,
        initial=initial,
    )
    form.fields["organisation"].choices = [  # type: ignore[attr-defined]
        (m.organisation_id, m.organisation.name) for m in memberships
    ]
    form.fields["community"].choices = [  # type: ignore[attr-defined]
        ("", "—"),
        *selectors.partner_communities([m.organisation_id for m in memberships], call.division_id),
    ]
    lots = [(lot.pk, str(lot)) for lot in call.lots.all()]
    if lots:
        form.fields["lot"].choices = [("", "—"), *lots]  # type: ignore[attr-defined]
    else:
        del form.fields["lot"]
    return form


def _proposal(form: ApplicationForm) -> applications.Proposal:
    data = form.cleaned_data
    amount = data.get("amount")
    return applications.Proposal(
        title=data["title"],
        summary=data.get("summary") or "",
        amount="" if amount is None else amount,
        budget_lines=form.budget_lines(),
        self_funding=data.get("self_funding") or "0",
        community_code=data.get("community") or "",
        lot_id=data.get("lot"),
    )


@login_required
def apply(request: HttpRequest, call_id: int) -> HttpResponse:
    """An organisation's account saves a draft of an application, or submits it at once
    with the call's documents."""
    call = selectors.call_list_public().filter(pk=call_id).first()
    if call is None:
        raise Http404
    memberships = selectors.memberships_of(request.user)
    if not memberships:
        raise Http404
    form = _application_form(request, call, memberships)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        proposal = _proposal(form)
        try:
            if request.POST.get("action") == "draft":
                draft = applications.draft_save(
                    actor=request.user,
                    call_id=call.pk,
                    organisation_id=data["organisation"],
                    proposal=proposal,
                    council_minutes=data.get("council_minutes"),
                    documents=form.documents(),
                    ip=client_ip(request),
                )
            else:
                applications.application_submit(
                    actor=request.user,
                    call_id=call.pk,
                    organisation_id=data["organisation"],
                    title=proposal.title,
                    summary=proposal.summary,
                    amount=proposal.amount,
                    self_funding=proposal.self_funding,
                    budget_lines=proposal.budget_lines,
                    community_code=proposal.community_code,
                    council_minutes=data.get("council_minutes"),
                    documents=form.documents(),
                    lot_id=proposal.lot_id,
                    ip=client_ip(request),
                )
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if request.POST.get("action") == "draft":
                messages.success(request, _("The draft is saved: only your organisation sees it."))
                return redirect("civil:draft", application_id=draft.pk)
            messages.success(request, _("The application is submitted."))
            return redirect("civil:org_applications", organisation_id=data["organisation"])
    return render(
        request,
        "civil/apply.html",
        {"call": call, "form": form, "draft": None},
        status=400 if form.errors else 200,
    )


@login_required
def draft(request: HttpRequest, application_id: int) -> HttpResponse:
    """Edit a draft, attach the checklist's documents, submit it before the deadline."""
    application = (
        Application.objects.select_related("call")
        .prefetch_related("documents")
        .filter(pk=application_id, status=Application.Status.DRAFT)
        .first()
    )
    if application is None or not is_member(request.user, application.organisation_id):
        raise Http404
    call = application.call
    memberships = [
        m
        for m in selectors.memberships_of(request.user)
        if m.organisation_id == application.organisation_id
    ]
    initial: dict[str, Any] = {
        "organisation": application.organisation_id,
        "community": application.community_id or "",
        "lot": application.lot_id,
        "title": application.title,
        "summary": application.summary,
        "amount": application.amount,
        "self_funding": application.self_funding,
    }
    for i, line in enumerate(application.budget_lines[:ROWS], start=1):
        initial[f"b{i}_item"] = line.get("item", "")
        initial[f"b{i}_amount"] = line.get("amount", "")
    form = _application_form(request, call, memberships, initial)
    if request.method == "POST" and form.is_valid():
        submitting = request.POST.get("action") == "submit"
        try:
            applications.draft_save(
                actor=request.user,
                call_id=call.pk,
                organisation_id=application.organisation_id,
                proposal=_proposal(form),
                council_minutes=form.cleaned_data.get("council_minutes"),
                documents=form.documents(),
                application_id=application.pk,
                ip=client_ip(request),
            )
            if submitting:
                applications.draft_submit(
                    actor=request.user, application_id=application.pk, ip=client_ip(request)
                )
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if submitting:
                messages.success(request, _("The application is submitted."))
                return redirect(
                    "civil:org_applications", organisation_id=application.organisation_id
                )
            messages.success(request, _("The draft is saved: only your organisation sees it."))
            return redirect("civil:draft", application_id=application.pk)
    attached = {d.name: d for d in application.documents.all()}
    return render(
        request,
        "civil/apply.html",
        {
            "call": call,
            "form": form,
            "draft": application,
            "checklist": [(name, attached.get(name)) for name in call.required_documents],
        },
        status=400 if form.errors else 200,
    )


@login_required
def org_applications(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """An organisation's applications, contracts and milestone reports (its accounts only)."""
    if not is_member(request.user, organisation_id):
        raise Http404
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contracts.tranche_report(
                actor=request.user,
                tranche_id=int(request.POST.get("tranche") or 0),
                report=form.cleaned_data["report"],
                people_served=form.cleaned_data.get("people_served"),
                ip=client_ip(request),
            )
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The report is sent for checking."))
            return redirect("civil:org_applications", organisation_id=organisation_id)
    applications = list(
        Application.objects.filter(organisation_id=organisation_id)
        .select_related("call", "community", "contract")
        .prefetch_related("contract__tranches")
        .order_by("-id")
    )
    return render(
        request,
        "civil/org_applications.html",
        {"applications": applications, "form": form, "organisation_id": organisation_id},
        status=400 if form.errors else 200,
    )


def contract_detail(request: HttpRequest, contract_id: int) -> HttpResponse:
    """The public page of a contract: milestones, reports, tranches and their ledger entries."""
    contract = selectors.contract_get_public(contract_id)
    if contract is None:
        raise Http404
    return render(request, "civil/contract.html", {"contract": contract})


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    if not is_expert(request.user):
        raise Http404
    return render(
        request, "civil/reviews.html", {"reviews": selectors.reviews_for_expert(request.user)}
    )


@login_required
def review_score(request: HttpRequest, review_id: int) -> HttpResponse:
    """An assigned expert declares a conflict of interest (or none), then scores the
    application per criterion (empty = not applicable)."""
    review = selectors.reviews_for_expert(request.user).filter(pk=review_id).first()
    if review is None:
        raise Http404
    criteria = list(review.application.call.criteria.all())
    error = ""
    action = request.POST.get("action", "") if request.method == "POST" else ""
    declare = DeclarationForm(request.POST if action == "declare" else None, prefix="coi")
    if action == "declare" and declare.is_valid():
        try:
            reviews.conflict_declare(
                actor=request.user,
                review_id=review.pk,
                has_conflict=declare.cleaned_data["conflict"] == "yes",
                reason=declare.cleaned_data.get("reason") or "",
                ip=client_ip(request),
            )
        except NotFound:
            raise Http404 from None
        except DomainError as failure:
            add_domain_error(declare, failure)
        else:
            messages.success(request, _("Your declaration is recorded."))
            return redirect("civil:review", review_id=review.pk)
    elif request.method == "POST" and action != "declare":
        scores = {c.pk: request.POST.get(f"c{c.pk}", "") for c in criteria}
        try:
            calls.review_score(
                actor=request.user,
                review_id=review.pk,
                scores=scores,
                comment=request.POST.get("comment", ""),
                ip=client_ip(request),
            )
        except NotFound:
            raise Http404 from None
        except DomainError as failure:
            error = str(failure)
        else:
            messages.success(request, _("Your scores are saved."))
            return redirect("civil:reviews")
    declaration = review.declaration if hasattr(review, "declaration") else None
    return render(
        request,
        "civil/review.html",
        {
            "review": review,
            "criteria": [(c, (review.scores or {}).get(str(c.pk))) for c in criteria],
            "error": error,
            "declare": declare,
            "declaration": declaration,
        },
        status=400 if error or declare.errors else 200,
    )


@login_required
def document(request: HttpRequest, document_id: int) -> HttpResponseBase:
    """An application's document: for the organisation's accounts, the call's managers and
    the experts reviewing it (not recused); drafts for the organisation only."""
    row = (
        ApplicationDocument.objects.select_related("application__call")
        .filter(pk=document_id)
        .first()
    )
    if row is None or not selectors.may_read_application(request.user, row.application):
        raise Http404
    return stored_file_response(
        row.file.storage,
        row.file.name,
        content_type=row.content_type,
        filename=row.file.name.rsplit("/", 1)[-1],
    )


def evaluation_report(request: HttpRequest, evaluation_id: int) -> HttpResponseBase:
    """An evaluation's report: public, as the contract's page is."""
    row = Evaluation.objects.filter(pk=evaluation_id).first()
    if row is None:
        raise Http404
    return stored_file_response(
        row.report.storage,
        row.report.name,
        content_type=row.report_type,
        filename=row.report.name.rsplit("/", 1)[-1],
    )


def statistics_page(request: HttpRequest) -> HttpResponse:
    """Public figures: organisations per 10,000 residents, grades, money per field and area."""
    return render(request, "civil/statistics.html", {"stats": civil_statistics()})
