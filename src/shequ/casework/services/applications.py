"""Applications moving through their states: submit, resubmit, withdraw, and the staff's steps.

State machine (办件流程): submitted → accepted → (more_info ↔ resubmitted) → approved /
rejected → completed; a resident may withdraw while the case is open. Every step is taken by
an authorised person, written to the case history and the audit trail, and messaged to the
applicant.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import (
    OPEN_STATUSES,
    Application,
    ApplicationEvent,
    FormDefinition,
    Status,
)
from shequ.casework.permissions import may_act
from shequ.casework.services.answers import _store, _validate
from shequ.casework.services.deadlines import _deadline_pause, _deadline_set
from shequ.casework.services.definitions import current_form, requestable_items
from shequ.catalogue.models import Service
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record
from shequ.notices.models import Category
from shequ.notices.services import message_send, plain_text
from shequ.people.identity import age_on
from shequ.people.models import Resident, User


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    by_resident: bool = False
    needs_note: bool = False


TRANSITIONS = {
    t.action: t
    for t in (
        Transition("accept", (Status.SUBMITTED,), Status.ACCEPTED),
        Transition("request_info", (Status.ACCEPTED, Status.RESUBMITTED), Status.MORE_INFO),
        Transition("resubmit", (Status.MORE_INFO,), Status.RESUBMITTED, by_resident=True),
        Transition("approve", (Status.ACCEPTED, Status.RESUBMITTED), Status.APPROVED),
        Transition(
            "reject",
            (Status.SUBMITTED, Status.ACCEPTED, Status.RESUBMITTED),
            Status.REJECTED,
            needs_note=True,
        ),
        Transition("complete", (Status.APPROVED,), Status.COMPLETED),
        Transition("withdraw", tuple(OPEN_STATUSES), Status.WITHDRAWN, by_resident=True),
    )
}
STAFF_ACTIONS = tuple(a for a, t in TRANSITIONS.items() if not t.by_resident)

MESSAGES = {
    Status.SUBMITTED: _("Your application %(ref)s for %(service)s was received"),
    Status.ACCEPTED: _("Your application %(ref)s for %(service)s was accepted"),
    Status.MORE_INFO: _("Your application %(ref)s needs more information"),
    Status.RESUBMITTED: _("Your application %(ref)s was resubmitted"),
    Status.APPROVED: _("Your application %(ref)s for %(service)s was approved"),
    Status.REJECTED: _("Your application %(ref)s for %(service)s was rejected"),
    Status.COMPLETED: _("Your application %(ref)s for %(service)s is completed"),
    Status.WITHDRAWN: _("Your application %(ref)s was withdrawn"),
}


def _notify(application: Application, status: str, note: str = "") -> None:
    title = MESSAGES[Status(status)] % {
        "ref": application.reference,
        "service": application.service.name,
    }
    message_send(
        user_id=application.applicant_id,
        category=Category.APPLICATION,
        title=title,
        body=note,
        url=f"/casework/{application.pk}/",
    )


def _record(
    application: Application,
    *,
    actor: User | None,
    action: str,
    from_status: str,
    note: str,
    ip: str | None,
    requested: list[str] | None = None,
) -> None:
    changes: dict[str, Any] = {"status": [from_status or None, application.status]}
    if requested is not None:
        changes["requested"] = [None, requested]
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=application.status,
        note=note,
    )
    audit_record(
        actor=actor,
        verb=f"application.{action}",
        target=application,
        division_code=application.community_id or "",
        reason=note,
        changes=changes,
        ip=ip,
    )
    _notify(application, application.status, note)


def _check_eligibility(
    eligibility: Mapping[str, Any], resident: Resident | None, today: date
) -> None:
    """Refuse an applicant the registry shows not eligible, naming the unmet condition.

    Raises: DomainError (age or residence condition not met, or not on the registry).
    """
    min_level = eligibility.get("min_level")
    if min_level is not None and (resident is None or resident.verification_level < min_level):
        from shequ.people.models import VerificationLevel

        raise DomainError(
            "verification_required",
            _(
                "This form needs the verification level “%(level)s”. "
                "Please complete the real-name check."
            ),
            level=str(VerificationLevel(min_level).label),
        )
    min_age, max_age = eligibility.get("min_age"), eligibility.get("max_age")
    if min_age is not None or max_age is not None:
        birth = resident.birth_date if resident is not None else None
        if birth is None:
            raise DomainError(
                "age_unknown",
                _(
                    "This service has an age condition and the registry has no date of birth "
                    "for you. Please complete the real-name check."
                ),
            )
        age = age_on(birth, today)
        if min_age is not None and age < min_age:
            raise DomainError(
                "too_young",
                _(
                    "This service is for people aged %(min)s or over; the registry gives your "
                    "age as %(age)s."
                ),
                min=min_age,
                age=age,
            )
        if max_age is not None and age > max_age:
            raise DomainError(
                "too_old",
                _(
                    "This service is for people aged %(max)s or under; the registry gives your "
                    "age as %(age)s."
                ),
                max=max_age,
                age=age,
            )
    residence = eligibility.get("residence", "")
    community = resident.community_id if resident is not None else None
    if residence == "city" and not community:
        raise DomainError(
            "residence_required",
            _("This service is for residents of the city registered in one of its communities."),
        )
    if residence == "community" and community not in eligibility.get("communities", []):
        from shequ.places.models import Division

        names = Division.objects.filter(code__in=eligibility.get("communities", []))
        raise DomainError(
            "residence_required",
            _("This service is only for residents of %(communities)s."),
            communities="、".join(sorted(d.name for d in names)),
        )


@transaction.atomic
def application_submit(
    *,
    actor: User,
    service_id: int,
    data: Mapping[str, Any],
    files: Mapping[str, UploadedFile],
    ip: str | None = None,
) -> Application:
    """A resident applies with the service's current form; routed to department (+community).

    Raises: NotFound, DomainError (not verified enough, no form), InvalidApplication.
    """
    service = Service.objects.filter(pk=service_id, is_published=True).first()
    if service is None or service.kind != Service.Kind.APPLICATION:
        raise NotFound("service_not_found", _("No such service."))
    definition = current_form(service)
    if definition is None:
        raise DomainError("no_form", _("This service does not take online applications yet."))
    if actor.verification_level < service.min_level:
        raise DomainError(
            "verification_required",
            _(
                "This service needs a higher verification level. "
                "Please complete the real-name check."
            ),
        )
    resident = getattr(actor, "resident", None)
    _check_eligibility(definition.eligibility or {}, resident, timezone.localdate())
    if service.community_level and (resident is None or not resident.community_id):
        raise DomainError(
            "community_required", _("Tell us your community first (real-name check).")
        )
    clean, uploads = _validate(definition, data, files, resident=resident)
    application = Application.objects.create(
        service=service,
        form=definition,
        applicant=actor,
        resident=resident,
        department_id=service.department_id,
        community_id=resident.community_id
        if resident is not None and service.community_level
        else None,
        data=clean,
        submitted_at=timezone.now(),
    )
    application.reference = f"SQ{timezone.localdate():%Y%m%d}{application.pk:06d}"
    application.save(update_fields=["reference"])
    _store(application, uploads)
    _record(application, actor=actor, action="submit", from_status="", note="", ip=ip)
    return application


def _locked_for_applicant(actor: User, application_id: int) -> Application:
    application = (
        Application.objects.select_for_update()
        .filter(pk=application_id, applicant_id=actor.pk)
        .first()
    )
    if application is None:
        raise NotFound("application_not_found", _("No such application."))
    return application


def _check_transition(application: Application, action: str) -> Transition:
    transition = TRANSITIONS[action]
    if application.status not in transition.sources:
        raise DomainError(
            "invalid_transition",
            _("This application is %(status)s; that step is not possible now."),
            status=application.get_status_display(),
        )
    return transition


@transaction.atomic
def application_resubmit(
    *,
    actor: User,
    application_id: int,
    data: Mapping[str, Any],
    files: Mapping[str, UploadedFile],
    ip: str | None = None,
) -> Application:
    """The applicant answers a request for more information (补正材料).

    Raises: NotFound (not yours), DomainError (wrong state), InvalidApplication.
    """
    application = _locked_for_applicant(actor, application_id)
    _check_transition(application, "resubmit")
    uploaded = set(application.documents.values_list("slot", flat=True))
    clean, uploads = _validate(
        application.form,
        data,
        files,
        already_uploaded=uploaded,
        previous=application.data,
        only=set(application.requested) if application.requested else None,
        resident=application.resident,
    )
    before = application.status
    application.data = clean
    application.status = Status.RESUBMITTED
    if application.days_left_when_paused is not None:
        _deadline_set(application, timezone.localdate(), application.days_left_when_paused)
        application.days_left_when_paused = None
    elif application.deadline_pending_from is not None:
        _deadline_set(
            application,
            application.deadline_pending_from,
            application.deadline_pending_days or 0,
        )
    application.save(
        update_fields=[
            "data",
            "status",
            "due_date",
            "days_left_when_paused",
            "deadline_pending_from",
            "deadline_pending_days",
            "updated_at",
        ]
    )
    _store(application, uploads)
    _record(application, actor=actor, action="resubmit", from_status=before, note="", ip=ip)
    return application


@transaction.atomic
def application_withdraw(*, actor: User, application_id: int, ip: str | None = None) -> Application:
    """The applicant withdraws an open application. Raises: NotFound, DomainError."""
    application = _locked_for_applicant(actor, application_id)
    _check_transition(application, "withdraw")
    before = application.status
    application.status = Status.WITHDRAWN
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_at", "updated_at"])
    _record(application, actor=actor, action="withdraw", from_status=before, note="", ip=ip)
    return application


def _requested_items(definition: FormDefinition, requested: Sequence[str]) -> list[str]:
    """The named items of a request for more information, in form order.

    Raises: DomainError (none named, or a name the form does not have).
    """
    names = [name for name, _label in requestable_items(definition)]
    asked = {str(n) for n in requested}
    if not asked:
        raise DomainError(
            "nothing_requested",
            _("Choose at least one field or document the applicant must correct or supply."),
            field="requested",
        )
    unknown = sorted(asked - set(names))
    if unknown:
        raise DomainError(
            "unknown_item",
            _("The application form has no field or document %(names)s."),
            field="requested",
            names=", ".join(unknown),
        )
    return [n for n in names if n in asked]


@transaction.atomic
def application_act(
    *,
    actor: User,
    application_id: int,
    action: str,
    note: str = "",
    requested: Sequence[str] = (),
    ip: str | None = None,
) -> Application:
    """A staff step: accept, request_info (naming the fields and document slots to correct or
    supply in ``requested``, note optional), approve, reject (with reason) or complete.

    Raises: NotFound (outside the actor's department/community), PermissionDenied,
    DomainError (out of order, reason missing, nothing or an unknown item requested).
    """
    if action not in STAFF_ACTIONS:
        raise DomainError("bad_action", _("Unknown action."), field="action")
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("service", "form")
        .filter(pk=application_id)
        .first()
    )
    from shequ.casework.selectors import application_queue_for

    if (
        application is None
        or not application_queue_for(user=actor).filter(pk=application_id).exists()
    ):
        raise NotFound("application_not_found", _("No such application."))
    if not may_act(actor, application, action):
        raise PermissionDenied("not_allowed", _("You may not take this step on this application."))
    transition = _check_transition(application, action)
    clean_note = plain_text(note, field="note", max_length=1000, required=transition.needs_note)
    before = application.status
    now = timezone.now()
    application.status = transition.target
    if action == "accept":
        application.accepted_at = now
        days = application.service.time_limit_days or 0
        _deadline_set(application, timezone.localdate(now), days)
    if action == "request_info":
        application.requested = _requested_items(application.form, requested)
        _deadline_pause(application, timezone.localdate(now))
    if action in ("approve", "reject"):
        application.decided_at = now
        application.reason = clean_note
    application.save()
    _record(
        application,
        actor=actor,
        action=action,
        from_status=before,
        note=clean_note,
        ip=ip,
        requested=application.requested if action == "request_info" else None,
    )
    return application


@dataclass(frozen=True)
class BulkOutcome:
    done: list[int]
    refused: dict[int, str]


def application_bulk_act(
    *,
    actor: User,
    application_ids: list[int],
    action: str,
    note: str = "",
    requested: Sequence[str] = (),
    ip: str | None = None,
) -> BulkOutcome:
    """The same step on many applications; each succeeds or fails on its own (own transaction).

    ``requested`` names what ``request_info`` asks for: an item one application's form does
    not have refuses that application only.
    """
    done: list[int] = []
    refused: dict[int, str] = {}
    for application_id in application_ids[:200]:
        try:
            application_act(
                actor=actor,
                application_id=application_id,
                action=action,
                note=note,
                requested=requested,
                ip=ip,
            )
        except DomainError as error:
            refused[application_id] = str(error)
        else:
            done.append(application_id)
    return BulkOutcome(done=done, refused=refused)
