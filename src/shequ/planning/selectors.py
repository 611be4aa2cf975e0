"""Reads of the planners' and experts' work, each scoped to who asks: staff see their
area, a planner sees the communities they are (or were) assigned to, residents see the
consultations of their own community, everyone sees the reports on a published policy."""

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import NotFound
from shequ.core.pii import mask_name
from shequ.core.scopes import Role
from shequ.people.models import Resident
from shequ.people.permissions import READERS, has_role
from shequ.people.selectors import scope_queryset
from shequ.planning.models import (
    Assignment,
    Attendance,
    Consultation,
    ConsultationRating,
    Plan,
    Publication,
    Report,
    Suggestion,
    WorkLog,
)


def _planner_communities(user: Any) -> list[str]:
    if not has_role(user, Role.PLANNER):
        return []
    return list(
        Assignment.objects.filter(planner_id=user.pk)
        .values_list("community_id", flat=True)
        .distinct()
    )


def _scoped(queryset: QuerySet[Any], user: Any, field: str) -> QuerySet[Any]:
    """Rows of the user's areas (reading roles) or of communities they plan for."""
    area = scope_queryset(queryset, user, division_field=field, roles=READERS)
    mine = _planner_communities(user)
    if not mine:
        return area
    return (area | queryset.filter(**{f"{field}__in": mine})).distinct()


def assignment_list_for(user: Any) -> QuerySet[Assignment]:
    queryset = Assignment.objects.select_related("planner", "community", "organisation")
    return _scoped(queryset, user, "community_id").order_by("-term_start", "-id")


def consultation_list_for(user: Any) -> QuerySet[Consultation]:
    queryset = Consultation.objects.select_related("community", "planner").annotate(
        n_attendees=Count("attendances", distinct=True),
        n_suggestions=Count("suggestions", distinct=True),
    )
    return _scoped(queryset, user, "community_id").order_by("-starts_at", "-id")


def consultation_get_for(user: Any, *, consultation_id: int) -> Consultation:
    """A consultation of the user's areas. Raises: NotFound."""
    consultation = (
        _scoped(Consultation.objects.select_related("community", "planner"), user, "community_id")
        .filter(pk=consultation_id)
        .first()
    )
    if consultation is None:
        raise NotFound("not_found", _("No such consultation in your area."))
    return consultation


def suggestion_list_for(user: Any) -> QuerySet[Suggestion]:
    queryset = Suggestion.objects.select_related("consultation__community", "proposal")
    return _scoped(queryset, user, "consultation__community_id").order_by("-created_at", "-id")


def plan_list_for(user: Any) -> QuerySet[Plan]:
    queryset = Plan.objects.select_related("community").prefetch_related("versions", "projects")
    return _scoped(queryset, user, "community_id").order_by("-created_at", "-id")


def plan_get_for(user: Any, *, plan_id: int) -> Plan:
    """Raises: NotFound."""
    plan = plan_list_for(user).filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("not_found", _("No such plan in your area."))
    return plan


def worklog_list_for(user: Any) -> QuerySet[WorkLog]:
    """A planner sees their own log; staff of the area see their planners' logs."""
    queryset = WorkLog.objects.select_related("community", "planner")
    area = scope_queryset(queryset, user, division_field="community_id", roles=READERS)
    return (area | queryset.filter(planner_id=user.pk)).distinct().order_by("-date", "-id")


def worklog_months(user: Any) -> list[dict[str, Any]]:
    """Hours logged per planner, community and month against the hours committed then."""
    rows = (
        worklog_list_for(user)
        .order_by()
        .annotate(month=TruncMonth("date"))
        .values("planner_id", "planner__username", "community_id", "community__name", "month")
        .annotate(hours=Sum("hours"))
        .order_by("-month", "community_id")
    )
    committed: dict[tuple[int, str], list[Assignment]] = defaultdict(list)
    keys = {(r["planner_id"], r["community_id"]) for r in rows}
    for assignment in Assignment.objects.filter(
        planner_id__in={k[0] for k in keys}, community_id__in={k[1] for k in keys}
    ):
        committed[(assignment.planner_id, assignment.community_id)].append(assignment)
    out = []
    for row in rows:
        month: date = row["month"] if isinstance(row["month"], date) else row["month"].date()
        promised = sum(
            a.hours_per_month
            for a in committed[(row["planner_id"], row["community_id"])]
            if a.term_start <= _month_end(month) and a.term_end >= month
        )
        out.append(
            {
                "planner": row["planner__username"],
                "community": row["community__name"],
                "month": month,
                "hours": row["hours"] or Decimal(0),
                "committed": promised,
                "short": promised and (row["hours"] or 0) < promised,
            }
        )
    return out


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def reports_published() -> QuerySet[Report]:
    """The reports on public pages: published ones (not drafts, not withdrawn)."""
    return (
        Report.objects.filter(status=Publication.PUBLISHED)
        .prefetch_related("policies", "indicators")
        .order_by("-published_at", "-id")
    )


def report_list_for(user: Any) -> QuerySet[Report]:
    """The console's list: published and withdrawn reports (withdrawn ones keep their
    reason), and the user's own drafts."""
    queryset = Report.objects.prefetch_related("policies", "indicators")
    visible = ~Q(status=Publication.DRAFT)
    if getattr(user, "is_authenticated", False):
        visible |= Q(expert_id=user.pk)
    return queryset.filter(visible).order_by("-published_at", "-id")


def report_get_for(user: Any, *, report_id: int) -> Report:
    """A report in the console (see :func:`report_list_for`). Raises: NotFound."""
    report = report_list_for(user).filter(pk=report_id).first()
    if report is None:
        raise NotFound("not_found", _("No such report."))
    return report


def reports_on_policy(policy_id: int) -> list[Report]:
    """The published evaluation reports that assess a policy, newest first (its page)."""
    return list(
        Report.objects.filter(policies=policy_id, status=Publication.PUBLISHED)
        .only("id", "title", "summary", "author_name", "published_at")
        .order_by("-published_at", "-id")
    )


def report_get(*, report_id: int) -> Report:
    """A published report (its public page). Raises: NotFound."""
    report = reports_published().filter(pk=report_id).first()
    if report is None:
        raise NotFound("not_found", _("No such report."))
    return report


# --- residents ---------------------------------------------------------------------------


def home_community(user: Any) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Resident.objects.filter(user_id=user.pk).values_list("community_id", flat=True).first()


def consultations_for_resident(user: Any) -> QuerySet[Consultation]:
    """The consultations of the resident's own community, newest first."""
    community = home_community(user)
    if community is None:
        return Consultation.objects.none()
    return Consultation.objects.filter(community_id=community).order_by("-starts_at", "-id")


def consultation_for_resident(user: Any, *, consultation_id: int) -> dict[str, Any]:
    """A consultation of the resident's community and what they did there. Raises: NotFound."""
    consultation = consultations_for_resident(user).filter(pk=consultation_id).first()
    if consultation is None:
        raise NotFound("not_found", _("No such consultation."))
    return {
        "consultation": consultation,
        "signed_in": Attendance.objects.filter(consultation=consultation, user=user).exists(),
        "rating": ConsultationRating.objects.filter(consultation=consultation, user=user).first(),
        "mine": list(
            Suggestion.objects.filter(consultation=consultation, author=user).select_related(
                "proposal"
            )
        ),
    }


def consultation_detail(consultation: Consultation) -> dict[str, Any]:
    """The sign-in list, suggestions, photos and the ratings of a consultation (staff)."""
    ratings = consultation.ratings.aggregate(avg=Avg("stars"), n=Count("id"))
    return {
        "attendances": list(consultation.attendances.all()),
        "suggestions": list(consultation.suggestions.select_related("proposal")),
        "photos": list(consultation.photos.all()),
        "ratings": ratings,
        "comments": list(consultation.ratings.exclude(comment="").values_list("comment", "stars")),
    }


def media_for(user: Any, *, kind: str, pk: int) -> Any:
    """The stored file a user may fetch. Raises: NotFound."""
    from shequ.planning.models import ConsultationPhoto, PlanVersion

    if kind == "photo":
        photo = ConsultationPhoto.objects.filter(pk=pk).select_related("consultation").first()
        if photo is not None:
            consultation_get_for(user, consultation_id=photo.consultation_id)
            return photo.file
    elif kind == "suggestion":
        suggestion = Suggestion.objects.filter(pk=pk).first()
        mine = suggestion is not None and suggestion.author_id == user.pk
        if (
            suggestion is not None
            and suggestion.photo
            and (mine or suggestion_list_for(user).filter(pk=pk).exists())
        ):
            return suggestion.photo
    elif kind == "plan":
        version = PlanVersion.objects.filter(pk=pk).first()
        if version is not None:
            plan_get_for(user, plan_id=version.plan_id)
            return version.file
    elif kind == "report":
        report = report_list_for(user).filter(pk=pk).exclude(file="").first()
        if report is not None and report.status != Publication.PUBLISHED:
            report = report if report.expert_id == user.pk else None
        if report is not None:
            return report.file
    elif kind == "worklog":
        entry = worklog_list_for(user).filter(pk=pk).exclude(photo="").first()
        if entry is not None:
            return entry.photo
    raise NotFound("not_found", _("No such file."))


# --- ticking residents in ------------------------------------------------------------------

PEOPLE_LIMIT = 10
PEOPLE_TAIL_CANDIDATES = 300


@dataclass(frozen=True)
class PlanningPerson:
    """A resident as the planner's search shows them: masked name and ID number only."""

    id: int
    name_masked: str
    id_masked: str
    has_account: bool
    signed_in: bool


def split_query(query: str) -> tuple[str, str]:
    """``"张三 1234"`` → (``"张三"``, ``"1234"``): the name and the mobile tail typed after it."""
    text = str(query or "").strip()
    name = "".join(ch for ch in text if not ch.isdigit() and not ch.isspace())
    return name, "".join(ch for ch in text if ch.isdigit())


def consultation_people(
    consultation: Consultation, query: str
) -> tuple[list[PlanningPerson], bool]:
    """Residents of the consultation's community whose name starts with the name typed
    (and whose mobile number ends with the digits typed after it). Returns at most
    ``PEOPLE_LIMIT`` people, masked, and whether there were more."""
    name, tail = split_query(query)
    if not name:
        return [], False
    queryset = Resident.objects.filter(
        community_id=consultation.community_id, real_name__startswith=name
    ).order_by("real_name", "id")
    if tail:
        found = [
            r
            for r in queryset[:PEOPLE_TAIL_CANDIDATES]
            if r.phone and r.phone.reveal().endswith(tail)
        ]
    else:
        found = list(queryset[: PEOPLE_LIMIT + 1])
    signed = set(
        Attendance.objects.filter(
            consultation=consultation, user_id__in=[r.user_id for r in found if r.user_id]
        ).values_list("user_id", flat=True)
    )
    people = [
        PlanningPerson(
            id=r.pk,
            name_masked=mask_name(r.real_name),
            id_masked=r.id_number.masked if r.id_number else "",
            has_account=r.user_id is not None,
            signed_in=r.user_id in signed,
        )
        for r in found[:PEOPLE_LIMIT]
    ]
    return people, len(found) > PEOPLE_LIMIT
