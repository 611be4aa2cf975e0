"""Writes of applications: an organisation's staff save a draft (editable, invisible to
reviewers), attach the documents of the call's checklist, and submit before the deadline; or
submit in one step. Submission checks everything: eligibility from the registry, the budget,
the partner community and self-funding of a community-making grant, and every required
document attached (the refusal lists what is missing).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.civil import selectors
from shequ.civil.models import Application, ApplicationDocument, Call, Lot, Organisation
from shequ.civil.permissions import is_member
from shequ.civil.services.calls import _budget_lines, _money, _prefix
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.core.uploads import accept_upload
from shequ.notices.services import plain_text
from shequ.places.models import Division

DOCUMENT_TYPES = ("pdf", "jpg", "png", "docx")
DOCUMENT_MAX_KB = 10240


@dataclass
class Proposal:
    """What an application says, as typed (cleaned by the services)."""

    title: str
    summary: str = ""
    amount: Any = "0"
    budget_lines: Sequence[Mapping[str, Any]] = ()
    self_funding: Any = "0"
    community_code: str = ""
    lot_id: int | None = None


def _lot(call: Call, lot_id: int | None) -> Lot | None:
    """The lot named, which must be one of the call's; a call with lots needs one."""
    lots = list(call.lots.all())
    if not lots and lot_id is None:
        return None
    lot = next((x for x in lots if x.pk == lot_id), None)
    if lot is None:
        raise DomainError("lot_invalid", _("Choose one of this call's lots."), field="lot")
    return lot


def _organisation(actor: Any, organisation_id: int) -> Organisation:
    organisation = (
        selectors.organisation_get_public(organisation_id)
        if is_member(actor, organisation_id)
        else None
    )
    if organisation is None:
        raise NotFound("organisation_not_found", _("No such organisation of yours."))
    return organisation


def _open_call(call_id: int, moment: datetime) -> Call:
    call = Call.objects.filter(pk=call_id).first()
    if call is None:
        raise NotFound("call_not_found", _("No such call."))
    if call.stage != Call.Stage.OPEN or not call.opens_at <= moment <= call.closes_at:
        raise DomainError(
            "call_closed",
            _("This call does not take applications now: the deadline was %(deadline)s."),
            deadline=timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M"),
        )
    return call


def _community(call: Call, code: str) -> Division | None:
    """The partner community named, when it lies inside the call's area (None otherwise)."""
    if not code:
        return None
    community = Division.objects.filter(code=code, level=Division.Level.COMMUNITY).first()
    if community is None or not community.code.startswith(_prefix(call.division_id)):
        return None
    return community


def _draft(actor: Any, application_id: int) -> Application:
    application = (
        Application.objects.select_for_update()
        .select_related("call")
        .filter(pk=application_id, status=Application.Status.DRAFT)
        .first()
    )
    if application is None or not is_member(actor, application.organisation_id):
        raise NotFound("application_not_found", _("No such draft of yours."))
    return application


def missing_documents(call: Call, attached: set[str]) -> list[str]:
    """The names of the call's checklist not yet attached, in the checklist's order."""
    return [name for name in call.required_documents if name not in attached]


def _check(
    call: Call,
    organisation: Organisation,
    proposal: Proposal,
    *,
    has_minutes: bool,
    attached: set[str],
    draft_id: int | None = None,
) -> tuple[Decimal, Decimal, list[dict[str, str]], Division | None]:
    """Every rule of a submission; returns the cleaned amount, self-funding, budget lines and
    partner community. Raises the first DomainError found."""
    reasons = selectors.eligibility_reasons(organisation, call)
    if reasons:
        raise DomainError(
            "not_eligible",
            _("The organisation cannot apply to this call: %(reasons)s"),
            reasons="；".join(str(r) for r in reasons),
        )
    others = call.applications.filter(organisation_id=organisation.pk).exclude(
        status=Application.Status.DRAFT
    )
    if draft_id is not None:
        others = others.exclude(pk=draft_id)
    if others.exists():
        raise DomainError(
            "already_applied", _("The organisation has already applied to this call.")
        )
    plain_text(proposal.title, field="title", max_length=120)
    plain_text(proposal.summary, field="summary", max_length=4000)
    _lot(call, proposal.lot_id)
    requested = _money(proposal.amount, field="amount")
    if requested > call.max_award:
        raise DomainError(
            "over_max_award",
            _("This call gives at most %(max)s yuan to a project."),
            field="amount",
            max=f"{call.max_award:,.2f}",
        )
    own = _money(proposal.self_funding or "0", field="self_funding", allow_zero=True)
    lines, total = _budget_lines(proposal.budget_lines)
    if not lines or total != requested + own:
        raise DomainError(
            "budget_lines_sum",
            _(
                "The budget lines add up to %(total)s yuan, but the project costs %(whole)s "
                "yuan (requested plus self-funding)."
            ),
            field="budget_lines",
            total=f"{total:,.2f}",
            whole=f"{requested + own:,.2f}",
        )
    community = None
    if call.kind == Call.Kind.COMMUNITY_MAKING:
        community = _community(call, proposal.community_code)
        if community is None:
            raise DomainError(
                "community_required",
                _("Choose the partner community inside the call's area."),
                field="community",
            )
        if own * 100 < (requested + own) * call.min_self_share:
            raise DomainError(
                "self_share_low",
                _("This call asks at least %(share)s %% of the project to be self-funded."),
                field="self_funding",
                share=call.min_self_share,
            )
        if not has_minutes:
            raise DomainError(
                "minutes_required",
                _("Attach the residents' council decision."),
                field="council_minutes",
            )
    missing = missing_documents(call, attached)
    if missing:
        raise DomainError(
            "documents_missing",
            _("Attach these documents before submitting: %(names)s."),
            field="documents",
            names="、".join(missing),
        )
    return requested, own, lines, community


def _check_files(
    call: Call, council_minutes: UploadedFile | None, documents: Mapping[str, UploadedFile]
) -> None:
    for name in documents:
        if name not in call.required_documents:
            raise DomainError(
                "document_unknown",
                _("“%(name)s” is not on this call's list of documents."),
                field="documents",
                name=name,
            )
        accept_upload(
            documents[name], field="documents", types=DOCUMENT_TYPES, max_kb=DOCUMENT_MAX_KB
        )
    if council_minutes is not None:
        accept_upload(
            council_minutes, field="council_minutes", types=("pdf", "jpg", "png"), max_kb=10240
        )


def _store_files(
    actor: Any,
    application: Application,
    council_minutes: UploadedFile | None,
    documents: Mapping[str, UploadedFile],
) -> None:
    if council_minutes is not None:
        stored, _type = accept_upload(
            council_minutes, field="council_minutes", types=("pdf", "jpg", "png"), max_kb=10240
        )
        application.council_minutes.save(stored.name or "minutes", stored, save=True)
    for name, upload in documents.items():
        _attach(actor, application, name, upload)


def _attach(
    actor: Any, application: Application, name: str, upload: UploadedFile
) -> ApplicationDocument:
    stored, content_type = accept_upload(
        upload, field="documents", types=DOCUMENT_TYPES, max_kb=DOCUMENT_MAX_KB
    )
    old = ApplicationDocument.objects.filter(application=application, name=name).first()
    if old is not None:
        old.file.delete(save=False)
        old.delete()
    document = ApplicationDocument(
        application=application, name=name, content_type=content_type, uploaded_by=actor
    )
    document.file.save(stored.name or "document", stored, save=True)
    return document


@transaction.atomic
def application_submit(
    *,
    actor: Any,
    call_id: int,
    organisation_id: int,
    title: str,
    summary: str,
    amount: Any,
    budget_lines: Sequence[Mapping[str, Any]],
    self_funding: Any = "0",
    community_code: str = "",
    council_minutes: UploadedFile | None = None,
    documents: Mapping[str, UploadedFile] | None = None,
    lot_id: int | None = None,
    now: datetime | None = None,
    ip: str | None = None,
) -> Application:
    """An organisation's account submits a proposal in one step, before the deadline, with
    every document of the call's checklist.

    Raises: NotFound (not the actor's organisation, no such call); DomainError
    ``call_closed``, ``not_eligible`` (with the reasons), ``amount_invalid``,
    ``over_max_award``, ``budget_lines_sum``, ``self_share_low``, ``community_required``,
    ``minutes_required``, ``documents_missing`` (with the names), ``document_unknown``,
    ``file_type_not_allowed``, ``already_applied``, ``lot_invalid`` (no lot, or one of
    another call).
    """
    organisation = _organisation(actor, organisation_id)
    moment = now or timezone.now()
    call = _open_call(call_id, moment)
    files = dict(documents or {})
    proposal = Proposal(title, summary, amount, budget_lines, self_funding, community_code, lot_id)
    requested, own, lines, community = _check(
        call,
        organisation,
        proposal,
        has_minutes=council_minutes is not None,
        attached=set(files),
    )
    _check_files(call, council_minutes, files)
    application = Application.objects.create(
        call=call,
        organisation=organisation,
        community=community,
        lot=_lot(call, lot_id),
        title=plain_text(title, field="title", max_length=120),
        summary=plain_text(summary, field="summary", max_length=4000),
        budget_lines=lines,
        amount=requested,
        self_funding=own,
        status=Application.Status.SUBMITTED,
        submitted_at=moment,
        created_by=actor,
    )
    _store_files(actor, application, council_minutes, files)
    audit_record(
        actor=actor,
        verb="civil.application_submit",
        target=application,
        division_code=community.code if community else call.division_id,
        changes={"amount": [None, str(requested)]},
        ip=ip,
    )
    return application


@transaction.atomic
def draft_save(
    *,
    actor: Any,
    call_id: int,
    organisation_id: int,
    proposal: Proposal,
    council_minutes: UploadedFile | None = None,
    documents: Mapping[str, UploadedFile] | None = None,
    application_id: int | None = None,
    now: datetime | None = None,
    ip: str | None = None,
) -> Application:
    """Save (or update, ``application_id``) a draft before the deadline. Only the title is
    required and amounts must read as amounts; every other rule waits for submission.
    A draft is seen and edited by the organisation's accounts only.

    Raises: NotFound (not the actor's organisation or draft); DomainError ``call_closed``,
    ``already_applied``, ``amount_invalid``, ``document_unknown``, ``file_type_not_allowed``,
    text errors.
    """
    organisation = _organisation(actor, organisation_id)
    moment = now or timezone.now()
    if application_id is not None:
        application = _draft(actor, application_id)
        if application.organisation_id != organisation.pk or application.call_id != call_id:
            raise NotFound("application_not_found", _("No such draft of yours."))
    call = _open_call(call_id, moment)
    if (
        call.applications.filter(organisation_id=organisation.pk)
        .exclude(status=Application.Status.DRAFT)
        .exists()
    ):
        raise DomainError(
            "already_applied", _("The organisation has already applied to this call.")
        )
    files = dict(documents or {})
    _check_files(call, council_minutes, files)
    values = {
        "title": plain_text(proposal.title, field="title", max_length=120),
        "summary": plain_text(proposal.summary, field="summary", max_length=4000, required=False),
        "amount": _money(proposal.amount or "0", field="amount", allow_zero=True),
        "self_funding": _money(proposal.self_funding or "0", field="self_funding", allow_zero=True),
        "budget_lines": _budget_lines(proposal.budget_lines)[0],
        "community": _community(call, proposal.community_code),
        "lot": _lot(call, proposal.lot_id) if proposal.lot_id is not None else None,
    }
    if application_id is None:
        application = Application.objects.create(
            call=call,
            organisation=organisation,
            status=Application.Status.DRAFT,
            created_by=actor,
            **values,
        )
    else:
        for key, value in values.items():
            setattr(application, key, value)
        application.save(update_fields=[*values])
    _store_files(actor, application, council_minutes, files)
    audit_record(
        actor=actor,
        verb="civil.draft_save",
        target=application,
        division_code=call.division_id,
        ip=ip,
    )
    return application


@transaction.atomic
def document_attach(
    *, actor: Any, application_id: int, name: str, upload: UploadedFile, ip: str | None = None
) -> ApplicationDocument:
    """Attach one document of the call's checklist to a draft (replacing an earlier one).

    Raises: NotFound; DomainError ``document_unknown``, ``file_type_not_allowed``,
    ``file_too_large``.
    """
    application = _draft(actor, application_id)
    _check_files(application.call, None, {name: upload})
    document = _attach(actor, application, name, upload)
    audit_record(
        actor=actor,
        verb="civil.document_attach",
        target=application,
        division_code=application.call.division_id,
        changes={"document": [None, name]},
        ip=ip,
    )
    return document


@transaction.atomic
def draft_submit(
    *, actor: Any, application_id: int, now: datetime | None = None, ip: str | None = None
) -> Application:
    """Submit a draft before the deadline: every rule of ``application_submit`` applies to
    what the draft holds; a missing document is named in the refusal.

    Raises: as ``application_submit``.
    """
    application = _draft(actor, application_id)
    organisation = _organisation(actor, application.organisation_id)
    moment = now or timezone.now()
    call = _open_call(application.call_id, moment)
    proposal = Proposal(
        application.title,
        application.summary,
        application.amount,
        application.budget_lines,
        application.self_funding,
        application.community_id or "",
        application.lot_id,
    )
    requested, _own, _lines, community = _check(
        call,
        organisation,
        proposal,
        has_minutes=bool(application.council_minutes),
        attached=set(application.documents.values_list("name", flat=True)),
        draft_id=application.pk,
    )
    application.status = Application.Status.SUBMITTED
    application.submitted_at = moment
    application.save(update_fields=["status", "submitted_at"])
    audit_record(
        actor=actor,
        verb="civil.application_submit",
        target=application,
        division_code=community.code if community else call.division_id,
        changes={"amount": [None, str(requested)]},
        ip=ip,
    )
    return application
