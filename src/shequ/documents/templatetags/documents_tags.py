"""``{% case_result_document application %}``: on the staff's case page, the case's result
document (number, download, revoke) or the 出具结果文书 button when it may be issued."""

from typing import Any

from django import template

from shequ.casework.models import Status
from shequ.casework.permissions import may_act
from shequ.documents.models import ResultTemplate
from shequ.documents.services import document_for_source

register = template.Library()


@register.inclusion_tag("documents/_case_document.html", takes_context=True)
def case_result_document(context: dict[str, Any], application: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    issues = ResultTemplate.objects.filter(service_id=application.service_id).exists()
    document = document_for_source(application) if issues else None
    return {
        "application": application,
        "issues": issues,
        "document": document,
        "may_issue": issues
        and document is None
        and application.status == Status.COMPLETED
        and user is not None
        and may_act(user, application, "complete"),
        "csrf_token": context.get("csrf_token"),
        "path": getattr(request, "path", ""),
    }
