"""Staff pages of calls: issue, start the review, rank, determine, answer objections, sign
contracts, accept milestone reports and pay tranches; the expert pool."""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.civil import selectors
from shequ.civil.forms import (
    ROWS,
    AnswerForm,
    AssignForm,
    CallForm,
    ContractForm,
    DetermineForm,
    EngagementForm,
    EvaluationForm,
    ExpertForm,
)
from shequ.civil.models import Application, Call, Contract, Expert, Tranche
from shequ.civil.permissions import CALL_ISSUERS, can_manage_calls, may_use_civil_console
from shequ.civil.services import calls, contracts, evaluations, reviews
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.permissions import has_role, staff_required
from shequ.web.pickers import bind_pickers


def _act(request: HttpRequest, form: Any, action: Callable[[], object], done: str) -> bool:
    try:
        action()
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        if form is not None:
            add_domain_error(form, error)
        else:
            messages.error(request, str(error))
        return False
    messages.success(request, done)
    return True


@staff_required
def call_list(request: HttpRequest) -> HttpResponse:
    if not may_use_civil_console(request.user):
        raise DjangoPermissionDenied
    issuer = has_role(request.user, *CALL_ISSUERS, "system_admin")
    form = ExpertForm(request.POST or None, prefix="expert")
    bind_pickers(form, request.user)
    if request.method == "POST":
        if not issuer:
            raise DjangoPermissionDenied
        if form.is_valid() and _act(
            request,
            form,
            lambda: calls.expert_add(
                actor=request.user,
                resident_id=form.cleaned_data["person"],
                display_name=form.cleaned_data["display_name"],
                ip=client_ip(request),
            ),
            _("Added to the expert pool."),
        ):
            return redirect("civil_console:calls")
    return render(
        request,
        "civil/console/calls.html",
        {
            "calls": selectors.call_list_for(request.user)[:100],
            "issuer": issuer,
            "experts": Expert.objects.filter(is_active=True).order_by("display_name")[:200],
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@staff_required
def call_new(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, *CALL_ISSUERS, "system_admin"):
        raise DjangoPermissionDenied
    form = CallForm(request.POST or None, initial={"year": timezone.localdate().year})
    bind_pickers(form, request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        criteria = [
            calls.CriterionData(
                name=data.get(f"c{i}_name") or "", weight=data.get(f"c{i}_weight") or 0
            )
            for i in range(1, ROWS + 1)
        ]
        created: list[Call] = []
        if _act(
            request,
            form,
            lambda: created.append(
                calls.call_create(
                    actor=request.user,
                    title=data["title"],
                    kind=data["kind"],
                    division_code=data["division"],
                    field=data["field"],
                    budget=data["budget"],
                    max_award=data["max_award"],
                    year=data["year"],
                    opens_at=data["opens_at"],
                    closes_at=data["closes_at"],
                    criteria=criteria,
                    eligible_kinds=data.get("eligible_kinds") or [],
                    min_grade=data.get("min_grade"),
                    inspection_required=bool(data.get("inspection_required")),
                    min_self_share=data.get("min_self_share") or 0,
                    objection_days=data.get("objection_days") or 5,
                    required_documents=form.documents(),
                    area_code=data.get("area") or "",
                    lots=[calls.LotData(name, budget or "0") for name, budget in form.lots()],
                    ip=client_ip(request),
                )
            ),
            _("The call is published."),
        ):
            return redirect("civil_console:call", call_id=created[0].pk)
    return render(
        request, "civil/console/call_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _managed_call(request: HttpRequest, call_id: int) -> Call:
    call = Call.objects.select_related("division").filter(pk=call_id).first()
    if call is None or not can_manage_calls(request.user, call.division_id):
        raise Http404
    return call


@staff_required
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    """Applications with their ranking; start review, determine, answer objections."""
    call = _managed_call(request, call_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    determine = DetermineForm(request.POST if action == "determine" else None, prefix="det")
    answer = AnswerForm(request.POST if action == "answer" else None, prefix="ans")
    ip = client_ip(request)
    if action == "review" and _act(
        request,
        None,
        lambda: calls.review_start(actor=request.user, call_id=call.pk, ip=ip),
        _("Review started: experts are assigned, the linked ones recused."),
    ):
        return redirect("civil_console:call", call_id=call.pk)
    if action == "determine" and determine.is_valid():
        awards = {
            int(key[6:]): value
            for key, value in request.POST.items()
            if key.startswith("award_") and key[6:].isdigit() and str(value).strip()
        }
        if _act(
            request,
            determine,
            lambda: calls.call_determine(
                actor=request.user,
                call_id=call.pk,
                awards=awards,
                reason=determine.cleaned_data["reason"],
                ip=ip,
            ),
            _("Determined: the public notice is open."),
        ):
            return redirect("civil_console:call", call_id=call.pk)
    if action == "answer" and answer.is_valid():
        objection_id = int(request.POST.get("objection") or 0)
        if _act(
            request,
            answer,
            lambda: calls.objection_answer(
                actor=request.user,
                objection_id=objection_id,
                answer=answer.cleaned_data["answer"],
                ip=ip,
            ),
            _("The answer is published."),
        ):
            return redirect("civil_console:call", call_id=call.pk)
    return render(
        request,
        "civil/console/call.html",
        {
            "call": call,
            "criteria": list(call.criteria.all()),
            "rows": selectors.call_breakdown(call),
            "objections": list(call.objections.select_related("application")),
            "determine": determine,
            "answer": answer,
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    """An application: its reviewers (assign from the expert pool, remove before scoring) and,
    once selected, its contract."""
    application = (
        Application.objects.select_related("call", "organisation", "community")
        .exclude(status=Application.Status.DRAFT)
        .filter(pk=application_id)
        .first()
    )
    if application is None or not can_manage_calls(request.user, application.call.division_id):
        raise Http404
    action = request.POST.get("action", "") if request.method == "POST" else ""
    eligible, recused = selectors.expert_choices(application)
    assign = AssignForm(
        request.POST if action == "assign" else None, choices=eligible, prefix="assign"
    )
    ip = client_ip(request)
    if (
        action == "assign"
        and assign.is_valid()
        and _act(
            request,
            assign,
            lambda: reviews.review_assign(
                actor=request.user,
                application_id=application.pk,
                expert_id=assign.cleaned_data["expert"],
                ip=ip,
            ),
            _("The reviewer is assigned."),
        )
    ):
        return redirect("civil_console:application", application_id=application.pk)
    if action == "unassign":
        review_id = int(request.POST.get("review") or 0)
        if not application.reviews.filter(pk=review_id).exists():
            raise Http404
        _act(
            request,
            None,
            lambda: reviews.review_unassign(actor=request.user, review_id=review_id, ip=ip),
            _("The reviewer is removed."),
        )
        return redirect("civil_console:application", application_id=application.pk)
    form = ContractForm(request.POST if action == "contract" else None)
    if action == "contract" and form.is_valid():
        data = form.cleaned_data
        tranches = [
            contracts.TrancheData(
                milestone=data.get(f"t{i}_milestone") or "",
                amount=data.get(f"t{i}_amount") or "0",
                due_on=data.get(f"t{i}_due") or date.max,
            )
            for i in range(1, 4)
            if data.get(f"t{i}_milestone")
        ]
        signed: list[Contract] = []
        if _act(
            request,
            form,
            lambda: signed.append(
                contracts.contract_sign(
                    actor=request.user,
                    application_id=application.pk,
                    signed_on=data["signed_on"],
                    ends_on=data["ends_on"],
                    tranches=tranches,
                    ip=client_ip(request),
                )
            ),
            _("The contract is signed and its money committed."),
        ):
            return redirect("civil_console:contract", contract_id=signed[0].pk)
    return render(
        request,
        "civil/console/application.html",
        {
            "application": application,
            "contract": getattr(application, "contract", None),
            "form": form,
            "assign": assign,
            "reviewers": selectors.reviewers_of(application),
            "can_assign": application.call.stage == Call.Stage.REVIEW
            and application.status == Application.Status.SUBMITTED,
            "recused_experts": recused,
        },
        status=400 if form.errors or assign.errors else 200,
    )


@staff_required
def contract_detail(request: HttpRequest, contract_id: int) -> HttpResponse:
    """Milestones of a contract: accept a report, pay the tranche; record the mid-term and
    final evaluations."""
    contract = selectors.contract_get_public(contract_id)
    if contract is None or not can_manage_calls(
        request.user, contract.application.call.division_id
    ):
        raise Http404
    ip = client_ip(request)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    contractor = contract.application.organisation_id
    evaluate = EvaluationForm(
        request.POST if action == "evaluate" else None,
        request.FILES if action == "evaluate" else None,
        experts=list(
            Expert.objects.filter(is_active=True)
            .order_by("display_name")
            .values_list("pk", "display_name")[:300]
        ),
        organisations=[
            (pk, name)
            for pk, name in selectors.organisation_list_public()
            .filter(status="active")
            .exclude(pk=contractor)
            .values_list("pk", "name")[:500]
        ],
        prefix="ev",
    )
    if action == "evaluate" and evaluate.is_valid():
        data = evaluate.cleaned_data
        if _act(
            request,
            evaluate,
            lambda: evaluations.evaluation_record(
                actor=request.user,
                contract_id=contract.pk,
                stage=data["stage"],
                score=data["score"],
                summary=data["summary"],
                report=data.get("report"),
                evaluated_on=data["evaluated_on"],
                expert_id=data.get("expert"),
                evaluator_id=data.get("evaluator"),
                ip=ip,
            ),
            _("The evaluation is recorded and published on the contract's page."),
        ):
            return redirect("civil_console:contract", contract_id=contract.pk)
    elif request.method == "POST" and action != "evaluate":
        tranche_id = int(request.POST.get("tranche") or 0)
        if action == "accept":
            _act(
                request,
                None,
                lambda: contracts.tranche_accept(actor=request.user, tranche_id=tranche_id, ip=ip),
                _("The report is accepted."),
            )
        elif action == "pay":
            _act(
                request,
                None,
                lambda: contracts.tranche_pay(actor=request.user, tranche_id=tranche_id, ip=ip),
                _("The tranche is paid and posted to the ledger."),
            )
        return redirect("civil_console:contract", contract_id=contract.pk)
    return render(
        request,
        "civil/console/contract.html",
        {"contract": contract, "statuses": Tranche.Status, "evaluate": evaluate},
        status=400 if evaluate.errors else 200,
    )


@staff_required
def expert_detail(request: HttpRequest, expert_id: int) -> HttpResponse:
    """An expert of the pool: the engagements that recuse them (record one)."""
    if not has_role(request.user, *CALL_ISSUERS, "system_admin"):
        raise DjangoPermissionDenied
    expert = Expert.objects.filter(pk=expert_id).first()
    if expert is None:
        raise Http404
    organisations = [
        (pk, name)
        for pk, name in selectors.organisation_list_for(user=request.user)
        .order_by("name")
        .values_list("pk", "name")[:500]
    ]
    form = EngagementForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _act(
            request,
            form,
            lambda: reviews.engagement_record(
                actor=request.user,
                expert_id=expert.pk,
                organisation_id=data["organisation"],
                kind=data["kind"],
                started_on=data["started_on"],
                ended_on=data.get("ended_on"),
                via_organisation_id=data.get("via"),
                note=data.get("note") or "",
                ip=client_ip(request),
            ),
            _("The engagement is recorded: the expert is recused from that organisation."),
        ):
            return redirect("civil_console:expert", expert_id=expert.pk)
    return render(
        request,
        "civil/console/expert.html",
        {
            "expert": expert,
            "engagements": expert.engagements.select_related("organisation", "via"),
            "form": form,
        },
        status=400 if form.errors else 200,
    )
