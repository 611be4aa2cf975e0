"""Think-tank experts' policy evaluation reports (政策评估报告): publishing, editing and
withdrawal."""

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.services import audit_record
from shequ.indicators.models import Indicator
from shequ.people.models import User
from shequ.planning.models import (
    Report,
)
from shequ.planning.permissions import is_expert
from shequ.planning.services._common import _document, _text
from shequ.policies.models import Policy


@transaction.atomic
def report_publish(
    *,
    actor: User,
    title: str,
    summary: str,
    findings: str,
    recommendations: str,
    policy_ids: Sequence[int],
    indicator_ids: Sequence[int] = (),
    upload: UploadedFile | None = None,
    ip: str | None = None,
) -> Report:
    """An expert publishes a policy evaluation report; it shows on each policy's page.

    Raises: PermissionDenied ``not_an_expert``, DomainError on fields, policies, the file."""
    if not is_expert(actor):
        raise PermissionDenied("not_an_expert", _("Only think-tank experts write reports."))
    policies = list(Policy.objects.filter(pk__in=list(policy_ids), is_published=True))
    if not policies or len(policies) != len(set(policy_ids)):
        raise DomainError(
            "policies_needed", _("Choose the published policies it assesses."), field="policies"
        )
    indicators = list(Indicator.objects.filter(pk__in=list(indicator_ids)))
    if len(indicators) != len(set(indicator_ids)):
        raise DomainError("unknown_indicator", _("Choose indicators."), field="indicators")
    from shequ.civil.models import Expert

    pooled = Expert.objects.filter(user=actor).values_list("display_name", flat=True).first()
    report = Report(
        expert=actor,
        author_name=pooled or actor.get_full_name() or actor.get_username(),
        title=_text(title, "title", 160),
        summary=_text(summary, "summary", 2000),
        findings=_text(findings, "findings", 8000),
        recommendations=_text(recommendations, "recommendations", 8000),
    )
    if upload is not None:
        stored, content_type, name = _document(upload, "file")
        report.content_type = content_type
        report.file.save(name, stored, save=False)
    report.save()
    report.policies.set(policies)
    report.indicators.set(indicators)
    audit_record(actor=actor, verb="planning.report_publish", target=report, ip=ip)
    return report
