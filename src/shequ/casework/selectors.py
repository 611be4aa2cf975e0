"""Reads of casework: a resident's own applications, staff queues scoped to their area."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import OPEN_STATUSES, Application, FormDefinition, Status
from shequ.casework.permissions import is_supervisor
from shequ.core.errors import NotFound
from shequ.core.pii import unseal
from shequ.core.scopes import Role, within
from shequ.people.permissions import WORKERS
from shequ.people.selectors import scope_queryset

QUEUE_FIELDS = (
    "id",
    "reference",
    "status",
    "submitted_at",
    "due_date",
    "escalated_at",
    "community_id",
    "department_id",
    "service_id",
    "service__name",
    "service__community_level",
    "service__department_id",
    "community__name",
    "department__short_name",
    "applicant_id",
    "applicant__username",
)
DUE_FILTERS = ("overdue", "today", "week")


def application_list_for_applicant(*, user: Any) -> QuerySet[Application]:
    """The user's own applications, newest first (办理进度)."""
    return (
        Application.objects.filter(applicant_id=user.pk)
        .select_related("service", "department")
        .order_by("-submitted_at", "-id")
    )


def application_get_for_applicant(*, user: Any, application_id: int) -> Application:
    """Raises: NotFound for anybody else's application."""
    application = (
        Application.objects.filter(pk=application_id, applicant_id=user.pk)
        .select_related("service", "department", "form")
        .prefetch_related("events", "documents")
        .first()
    )
    if application is None:
        raise NotFound("application_not_found", _("No such application."))
    return application


def application_queue_for(
    *,
    user: Any,
    status: str | None = None,
    due: str | None = None,
    area: str | None = None,
    escalated: bool = False,
    service_id: int | None = None,
) -> QuerySet[Application]:
    """Applications the staff member works: their department's, or their community's for
    community-level services; supervisors see every escalated case. Filtered and ordered by
    deadline. Constant queries whatever the page size.
    """
    queryset = scope_queryset(
        Application.objects.all(),
        user,
        division_field="community_id",
        department_field="department_id",
        roles=WORKERS | {Role.DEPARTMENT_STAFF},
    )
    if escalated:
        base = Application.objects.filter(escalated_at__isnull=False)
        queryset = base if is_supervisor(user) else queryset.filter(escalated_at__isnull=False)
    if status in Status.values:
        queryset = queryset.filter(status=status)
    if due in DUE_FILTERS:
        today = timezone.localdate()
        queryset = queryset.filter(status__in=OPEN_STATUSES)
        if due == "overdue":
            queryset = queryset.filter(due_date__lt=today)
        elif due == "today":
            queryset = queryset.filter(due_date=today)
        else:
            queryset = queryset.filter(due_date__gte=today, due_date__lte=today + timedelta(days=7))
    if area and area.isdigit() and len(area) == 12:
        queryset = queryset.filter(within("community_id", area))
    if service_id:
        queryset = queryset.filter(service_id=service_id)
    return (
        queryset.select_related("service", "community", "department", "applicant")
        .only(*QUEUE_FIELDS)
        .order_by("due_date", "id")
    )


def application_get_for_staff(*, user: Any, application_id: int) -> Application:
    """Raises: NotFound outside the user's department/community (or escalated, for supervisors)."""
    found = (
        application_queue_for(user=user).filter(pk=application_id).exists()
        or application_queue_for(user=user, escalated=True).filter(pk=application_id).exists()
    )
    application = (
        Application.objects.filter(pk=application_id)
        .select_related("service", "department", "community", "applicant", "resident", "form")
        .prefetch_related("events__actor", "documents")
        .first()
        if found
        else None
    )
    if application is None:
        raise NotFound("application_not_found", _("No such application."))
    return application


@dataclass(frozen=True)
class AnswerShown:
    name: str
    label: str
    value: Any  # a personal number is a PIIValue: it prints masked
    revealable: bool


def application_answers(application: Application) -> list[AnswerShown]:
    """The answers in the order of the form; personal numbers masked, never decrypted here."""
    shown = []
    for spec in application.form.fields:
        raw = application.data.get(spec["name"])
        sealed = unseal(raw)
        shown.append(
            AnswerShown(
                name=spec["name"],
                label=spec["label"],
                value=sealed if sealed is not None else raw,
                revealable=sealed is not None,
            )
        )
    return shown


def answers_masked(data: dict[str, Any]) -> dict[str, Any]:
    """Answers for the API: a sealed personal number becomes its masked text."""
    return {
        name: (sealed.masked if (sealed := unseal(value)) is not None else value)
        for name, value in data.items()
    }


def form_versions_for(*, service_id: int) -> QuerySet[FormDefinition]:
    return FormDefinition.objects.filter(service_id=service_id).order_by("-version")
