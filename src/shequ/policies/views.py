"""Public pages of the policy library: search and filter, a policy's page, its files."""

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.planning.selectors import reports_on_policy
from shequ.policies import selectors
from shequ.policies.models import Kind, Level, Structure, Validity


def library(request: HttpRequest) -> HttpResponse:
    filters = {
        "query": request.GET.get("q", "")[:100],
        "level": request.GET.get("level", "") if request.GET.get("level") in Level.values else "",
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in Kind.values else "",
        "structure": request.GET.get("structure", "")
        if request.GET.get("structure") in Structure.values
        else "",
        "validity": request.GET.get("validity", "")
        if request.GET.get("validity") in Validity.values
        else "",
    }
    rows = selectors.policy_library(
        query=filters["query"],
        level=filters["level"],
        kind=filters["kind"],
        structure=filters["structure"],
        validity=filters["validity"],
    )
    return render(
        request,
        "policies/library.html",
        {
            "rows": rows,
            "filters": filters,
            "levels": Level.choices,
            "kinds": Kind.choices,
            "structures": Structure.choices,
            "validities": Validity.choices,
        },
    )


def policy_detail(request: HttpRequest, policy_id: int) -> HttpResponse:
    page = selectors.policy_page(policy_id=policy_id)
    reports = reports_on_policy(page.policy.pk)
    return render(request, "policies/detail.html", {"page": page, "reports": reports})


def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = selectors.attachment_get(attachment_id=attachment_id, user=request.user)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=attachment.content_type != "application/pdf",
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
