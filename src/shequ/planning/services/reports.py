"""Think-tank experts' policy evaluation reports (政策评估报告): drafting, publishing,
editing and withdrawal. A report shows on the pages of the policies it assesses only while
published; a withdrawn report stays, with its reason, in the console."""

from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record, changes_between
from shequ.indicators.models import Indicator
from shequ.people.models import User
from shequ.planning.models import Publication, Report
from shequ.planning.permissions import is_expert
from shequ.planning.services._common import _document, _ensure_author, _text, _withdraw_reason
from shequ.policies.models import Policy

TEXTS = (("title", 160), ("summary", 2000), ("findings", 8000), ("recommendations", 8000))


def _checked(
    *,
    texts: dict[str, str],
    policy_ids: Sequence[int],
    indicator_ids: Sequence[int],
    upload: UploadedFile | None,
) -> tuple[dict[str, str], list[Policy], list[Indicator], tuple[Any, str, str] | None]:
    """Every field checked before anything is written."""
    cleaned = {name: _text(texts.get(name, ""), name, limit) for name, limit in TEXTS}
    policies = list(Policy.objects.filter(pk__in=list(policy_ids), is_published=True))
    if not policies or len(policies) != len(set(policy_ids)):
        raise DomainError(
            "policies_needed", _("Choose the published policies it assesses."), field="policies"
        )
    indicators = list(Indicator.objects.filter(pk__in=list(indicator_ids)))
    if len(indicators) != len(set(indicator_ids)):
        raise DomainError("unknown_indicator", _("Choose indicators."), field="indicators")
    document = _document(upload, "file") if upload is not None else None
    return cleaned, policies, indicators, document


def _snapshot(report: Report) -> dict[str, Any]:
    return {
        **{name: getattr(report, name) for name, _limit in TEXTS},
        "policies": sorted(p.pk for p in report.policies.all()),
        "indicators": sorted(i.pk for i in report.indicators.all()),
        "file": report.file.name if report.file else "",
        "status": report.status,
    }


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
    draft: bool = False,
    ip: str | None = None,
) -> Report:
    """An expert publishes a policy evaluation report (it shows on each policy's page), or
    saves it as a draft that only they see.

    Raises: PermissionDenied ``not_an_expert``, DomainError on fields, policies, the file."""
    if not is_expert(actor):
        raise PermissionDenied("not_an_expert", _("Only think-tank experts write reports."))
    texts = {
        "title": title,
        "summary": summary,
        "findings": findings,
        "recommendations": recommendations,
    }
    cleaned, policies, indicators, document = _checked(
        texts=texts, policy_ids=policy_ids, indicator_ids=indicator_ids, upload=upload
    )
    from shequ.civil.models import Expert

    pooled = Expert.objects.filter(user=actor).values_list("display_name", flat=True).first()
    report = Report(
        expert=actor,
        author_name=pooled or actor.get_full_name() or actor.get_username(),
        status=Publication.DRAFT if draft else Publication.PUBLISHED,
        **cleaned,
    )
    if document is not None:
        stored, content_type, name = document
        report.content_type = content_type
        report.file.save(name, stored, save=False)
    report.save()
    report.policies.set(policies)
    report.indicators.set(indicators)
    verb = "planning.report_draft" if draft else "planning.report_publish"
    audit_record(actor=actor, verb=verb, target=report, ip=ip)
    return report


def _own_report(actor: User, report_id: int) -> Report:
    report = Report.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise NotFound("not_found", _("No such report."))
    _ensure_author(
        report.expert_id, actor, _("Only the author of this report may edit or withdraw it.")
    )
    if report.status == Publication.WITHDRAWN:
        raise DomainError("withdrawn", _("This report has been withdrawn."))
    return report


@transaction.atomic
def report_update(
    *,
    actor: User,
    report_id: int,
    title: str,
    summary: str,
    findings: str,
    recommendations: str,
    policy_ids: Sequence[int],
    indicator_ids: Sequence[int] = (),
    upload: UploadedFile | None = None,
    publish: bool = False,
    ip: str | None = None,
) -> Report:
    """Its author edits a draft or published report (a new file replaces the old one);
    ``publish`` also publishes a draft. What changed is in the audit trail.

    Raises: NotFound, PermissionDenied ``not_the_author``, DomainError ``withdrawn`` and on
    the fields."""
    report = _own_report(actor, report_id)
    texts = {
        "title": title,
        "summary": summary,
        "findings": findings,
        "recommendations": recommendations,
    }
    cleaned, policies, indicators, document = _checked(
        texts=texts, policy_ids=policy_ids, indicator_ids=indicator_ids, upload=upload
    )
    before = _snapshot(report)
    for name, value in cleaned.items():
        setattr(report, name, value)
    if document is not None:
        stored, content_type, name = document
        report.content_type = content_type
        report.file.save(name, stored, save=False)
    if publish and report.status == Publication.DRAFT:
        report.status = Publication.PUBLISHED
        report.published_at = timezone.now()
    report.updated_at = timezone.now()
    report.save()
    report.policies.set(policies)
    report.indicators.set(indicators)
    changes = changes_between(before, _snapshot(report))
    audit_record(
        actor=actor,
        verb="planning.report_publish" if "status" in changes else "planning.report_update",
        target=report,
        changes=changes,
        ip=ip,
    )
    return report


@transaction.atomic
def report_withdraw(*, actor: User, report_id: int, reason: str, ip: str | None = None) -> Report:
    """Its author withdraws a report: it leaves the policies' pages and its public page but
    stays in the console, with the reason.

    Raises: NotFound, PermissionDenied ``not_the_author``, DomainError ``withdrawn``,
    ``required`` (no reason)."""
    report = _own_report(actor, report_id)
    report.withdrawn_reason = _withdraw_reason(reason)
    before = report.status
    report.status = Publication.WITHDRAWN
    report.withdrawn_at = timezone.now()
    report.save(update_fields=["status", "withdrawn_reason", "withdrawn_at"])
    audit_record(
        actor=actor,
        verb="planning.report_withdraw",
        target=report,
        reason=report.withdrawn_reason,
        changes={"status": [before, report.status]},
        ip=ip,
    )
    return report
