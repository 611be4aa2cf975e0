"""Reads of the registry and the calls, each scoped to who asks."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.civil.models import (
    Application,
    Call,
    Contract,
    Engagement,
    Evaluation,
    Expert,
    Inspection,
    Invitation,
    Membership,
    Organisation,
    Rating,
    Review,
)
from shequ.civil.permissions import REGISTRARS
from shequ.civil.ranking import rank
from shequ.core.errors import DomainError
from shequ.core.scopes import Role, code_prefix, within
from shequ.people.permissions import READERS, areas_of


def _with_details(rows: QuerySet[Organisation]) -> QuerySet[Organisation]:
    return rows.select_related("authority").prefetch_related(
        Prefetch("ratings", queryset=Rating.objects.order_by("-year", "-id")),
        Prefetch("inspections", queryset=Inspection.objects.order_by("-year")),
        "service_areas",
    )


def organisation_search(
    rows: QuerySet[Organisation], *, q: str = "", kind: str = "", field: str = ""
) -> QuerySet[Organisation]:
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(credit_code=q.upper()))
    if kind:
        rows = rows.filter(kind=kind)
    if field:
        # JSON containment is not on SQLite: the list of fields is short, a text match is
        # exact enough because every code is quoted in the stored JSON.
        rows = rows.filter(fields__icontains=f'"{field}"')
    return rows


def organisation_list_public(
    *, q: str = "", kind: str = "", field: str = ""
) -> QuerySet[Organisation]:
    """Every organisation not deregistered (public register: names, codes, grades)."""
    rows = Organisation.objects.exclude(status=Organisation.Status.DEREGISTERED)
    return _with_details(organisation_search(rows, q=q, kind=kind, field=field))


def organisation_get_public(organisation_id: int) -> Organisation | None:
    return _with_details(Organisation.objects.filter(pk=organisation_id)).first()


def organisation_list_for(
    *, user: Any, q: str = "", kind: str = "", field: str = ""
) -> QuerySet[Organisation]:
    """The organisations registered in the user's areas or serving them (console)."""
    condition = Q(pk__in=[])
    for area in areas_of(user):
        if area.is_everywhere:
            condition = Q()
            break
        if area.role in READERS and area.division_code:
            condition |= within("authority_id", area.division_code)
            condition |= Q(
                pk__in=Organisation.service_areas.through.objects.filter(
                    within("division_id", area.division_code)
                ).values("organisation_id")
            )
    rows = Organisation.objects.filter(condition)
    return _with_details(organisation_search(rows, q=q, kind=kind, field=field))


def may_register_somewhere(user: Any) -> bool:
    return any(a.role in REGISTRARS or a.role == Role.SYSTEM_ADMIN for a in areas_of(user))


def current_rating(organisation: Organisation, on: date | None = None) -> Rating | None:
    """The newest grade still valid on ``on`` (today)."""
    day = on or timezone.localdate()
    for rating in organisation.ratings.all():
        if rating.expires_on >= day:
            return rating
    return None


def memberships_of(user: Any) -> list[Membership]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Membership.objects.filter(user=user, ended_on__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def members_of(organisation_id: int) -> list[Membership]:
    return list(
        Membership.objects.filter(organisation_id=organisation_id)
        .select_related("user")
        .order_by("ended_on", "id")
    )


def invitations_for(user: Any) -> list[Invitation]:
    """Open invitations to the user's own mobile number."""
    if not getattr(user, "is_authenticated", False) or not user.phone_index:
        return []
    return list(
        Invitation.objects.filter(phone_index=user.phone_index, accepted_at__isnull=True)
        .select_related("organisation")
        .order_by("-id")
    )


def organisation_for_payment(organisation_id: int) -> Organisation:
    """An organisation that may be paid: in the registry, not blacklisted nor deregistered.

    Raises: DomainError ``organisation_invalid``.
    """
    organisation = Organisation.objects.filter(
        pk=organisation_id, status=Organisation.Status.ACTIVE
    ).first()
    if organisation is None:
        raise DomainError(
            "organisation_invalid",
            _("Choose an active organisation from the registry."),
            field="organisation",
        )
    return organisation


def organisation_choices_for(community_code: str) -> list[tuple[int, str]]:
    """Active organisations serving a community or registered in its district (pickers)."""
    district = community_code[:6]
    rows = (
        Organisation.objects.filter(status=Organisation.Status.ACTIVE)
        .filter(Q(service_areas__code=community_code) | within("authority_id", district + "000000"))
        .distinct()
        .order_by("name")
        .values_list("pk", "name", "credit_code")[:300]
    )
    return [(pk, f"{name} · {code}" if code else name) for pk, name, code in rows]


def eligibility_reasons(organisation: Organisation, call: Any, on: date | None = None) -> list[Any]:
    """Why the organisation may not apply to the call (empty: eligible). Computed from the
    registry: status, kind, a grade valid when the call opens, last year's inspection and, for
    a call restricted to an area, a service area inside it or containing it. Expects ratings,
    inspections and service areas prefetched (``_with_details``)."""
    reasons: list[Any] = []
    day = on or timezone.localtime(call.opens_at).date()
    if organisation.status != Organisation.Status.ACTIVE:
        reasons.append(
            _("the organisation is not active (%(status)s)")
            % {"status": organisation.get_status_display()}
        )
    if organisation.kind not in call.eligible_kinds:
        reasons.append(_("the call is not open to this kind of organisation"))
    if call.min_grade:
        rating = current_rating(organisation, day)
        if rating is None or rating.grade < call.min_grade:
            reasons.append(
                _("the call asks for a grade of at least %(grade)sA valid when it opens")
                % {"grade": call.min_grade}
            )
    if call.inspection_required:
        year = day.year - 1
        passed = any(
            i.year == year and i.result != Inspection.Result.FAILED
            for i in organisation.inspections.all()
        )
        if not passed:
            reasons.append(_("the annual inspection of %(year)s was not passed") % {"year": year})
    if call.area_id:
        served = [d.code for d in organisation.service_areas.all()]
        if not serves(served, call.area_id):
            names = "、".join(d.name for d in organisation.service_areas.all()) or "—"
            reasons.append(
                _(
                    "the call is restricted to %(area)s, which the organisation's service "
                    "areas (%(served)s) do not cover"
                )
                % {"area": call.area.name, "served": names}
            )
    return reasons


def ancestors(code: str) -> list[str]:
    """The codes of the divisions containing ``code`` (not itself), nearest first."""
    out = []
    for keep in (9, 6, 4):
        parent = code[:keep] + "0" * (12 - keep)
        if parent != code and code_prefix(parent) != code_prefix(code) and parent not in out:
            out.append(parent)
    return out


def serves(service_codes: list[str], area_code: str) -> bool:
    """True when a service area lies in the area or contains it."""
    prefix = code_prefix(area_code)
    above = set(ancestors(area_code))
    return any(c.startswith(prefix) or c in above for c in service_codes)


def eligible_ids(call: Any, on: date | None = None) -> list[int]:
    """Every organisation of the registry eligible for the call, in a few set queries (the
    benchmark runs it over 50,000)."""
    day = on or timezone.localtime(call.opens_at).date()
    rows = Organisation.objects.filter(
        status=Organisation.Status.ACTIVE, kind__in=list(call.eligible_kinds)
    )
    if call.min_grade:
        rows = rows.filter(
            pk__in=Rating.objects.filter(grade__gte=call.min_grade, expires_on__gte=day).values(
                "organisation_id"
            )
        )
    if call.inspection_required:
        rows = rows.filter(
            pk__in=Inspection.objects.filter(year=day.year - 1)
            .exclude(result=Inspection.Result.FAILED)
            .values("organisation_id")
        )
    if call.area_id:
        through = Organisation.service_areas.through.objects
        rows = rows.filter(
            pk__in=through.filter(
                within("division_id", call.area_id) | Q(division_id__in=ancestors(call.area_id))
            ).values("organisation_id")
        )
    return list(rows.values_list("pk", flat=True))


def expert_links(
    user_ids: list[int], organisation_ids: list[int], *, since: date
) -> dict[tuple[int, int], str]:
    """For each (expert's account, organisation) pair linked in the registry, why the expert
    must be recused: they act or acted for it (staff, administrator) or founded it, in an
    account that was active on or after ``since``, or a recorded engagement (employed,
    founder, paid by it directly or through the expert's organisation) lasted to ``since`` or
    later. Two indexed queries by the experts."""
    labels = dict(Membership.Role.choices)
    links: dict[tuple[int, int], str] = {}
    wanted = set(organisation_ids)
    # By the experts' accounts only (indexed on user, organisation): a handful of rows each,
    # whatever the size of the registry; the applicants are matched in Python.
    rows = (
        Membership.objects.filter(user_id__in=user_ids)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=since) | Q(role="founder"))
        .values_list("user_id", "organisation_id", "role")
    )
    for user_id, organisation_id, role in rows:
        if organisation_id not in wanted:
            continue
        links[(user_id, organisation_id)] = str(
            _("linked to the applicant in the registry: %(role)s")
            % {"role": labels.get(role, role)}
        )
    # The experts' recorded engagements (employed, founder, paid, directly or through the
    # expert's organisation): also by the experts only, indexed on (expert, organisation).
    kinds = dict(Engagement.Kind.choices)
    engagements = (
        Engagement.objects.filter(expert__user_id__in=user_ids)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=since) | Q(kind="founder"))
        .values_list("expert__user_id", "organisation_id", "kind", "via__name", "ended_on")
    )
    for user_id, organisation_id, kind, via, ended in engagements:
        if organisation_id not in wanted or (user_id, organisation_id) in links:
            continue
        what = str(kinds.get(kind, kind))
        if via:
            what = str(_("paid the expert's organisation %(via)s") % {"via": via})
        until = ended.isoformat() if ended else str(_("now"))
        links[(user_id, organisation_id)] = str(
            _("engaged with the applicant: %(what)s (until %(until)s)")
            % {"what": what, "until": until}
        )
    return links


def call_ranking(call_id: int) -> list[Any]:
    """The ranking of a call's applications by normalised score (``ranking.rank``). A call
    with lots is ranked within each lot (each expert normalised over the lot's applications,
    ranks starting at 1 in every lot)."""
    rows = Review.objects.filter(
        application__call_id=call_id, status=Review.Status.SCORED
    ).values_list("application__lot_id", "application_id", "expert_id", "total")
    per_lot: dict[int | None, list[tuple[int, int, Any]]] = {}
    for lot_id, app, expert, total in rows:
        if total is not None:
            per_lot.setdefault(lot_id, []).append((app, expert, total))
    ranked: list[Any] = []
    for key in sorted(per_lot, key=lambda k: (k is not None, k or 0)):
        ranked.extend(rank(per_lot[key]))
    return ranked


def call_list_public() -> QuerySet[Call]:
    return (
        Call.objects.select_related("division", "area")
        .prefetch_related("lots")
        .order_by("-opens_at", "-id")
    )


def call_list_for(user: Any) -> QuerySet[Call]:
    """Calls issued in the user's areas (console)."""
    condition = Q(pk__in=[])
    for area in areas_of(user):
        if area.is_everywhere:
            return call_list_public()
        if area.division_code:
            condition |= within("division_id", area.division_code)
    return call_list_public().filter(condition)


def call_breakdown(call: Call) -> list[dict[str, Any]]:
    """Each application of a determined call with its reviews' scores per criterion and the
    ranking figures: what the public notice shows. Reviewers appear by number only."""
    criteria = list(call.criteria.all())
    ranking = {r.application_id: r for r in call_ranking(call.pk)}
    applications = list(
        call.applications.exclude(status=Application.Status.DRAFT)
        .select_related("organisation", "community", "lot")
        .prefetch_related(Prefetch("reviews", queryset=Review.objects.order_by("id")))
    )
    out: list[dict[str, Any]] = []
    for application in applications:
        reviews = []
        for number, review in enumerate(application.reviews.all(), start=1):
            reviews.append(
                {
                    "number": number,
                    "status": review.status,
                    "recused": review.status == Review.Status.RECUSED,
                    "scores": [review.scores.get(str(c.pk)) for c in criteria],
                    "total": review.total,
                }
            )
        row = ranking.get(application.pk)
        out.append(
            {
                "application": application,
                "reviews": reviews,
                "rank": row.rank if row else None,
                "raw_mean": row.raw_mean if row else None,
                "z_mean": row.z_mean if row else None,
            }
        )

    def order(r: dict[str, Any]) -> tuple[int, bool, int]:
        lot = r["application"].lot
        return (lot.number if lot else 0, r["rank"] is None, r["rank"] or 0)

    out.sort(key=order)
    return out


def lots_breakdown(call: Call, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The breakdown rows grouped by lot (one group without a name for a call without lots),
    with each lot's winners and the money awarded in it."""
    groups: list[dict[str, Any]] = []
    lots: list[Any] = list(call.lots.all()) or [None]
    for lot in lots:
        mine = [r for r in rows if r["application"].lot_id == (lot.pk if lot else None)]
        winners = [r for r in mine if r["application"].status == Application.Status.AWARDED]
        groups.append(
            {
                "lot": lot,
                "rows": mine,
                "winners": winners,
                "awarded": sum((r["application"].award_amount or 0 for r in winners), Decimal(0)),
            }
        )
    return groups


def may_read_application(user: Any, application: Application) -> bool:
    """The organisation's accounts always; once submitted, the managers of the call and the
    experts reviewing it (not recused)."""
    from shequ.civil.permissions import can_manage_calls, is_member

    if is_member(user, application.organisation_id):
        return True
    if application.status == Application.Status.DRAFT:
        return False
    if can_manage_calls(user, application.call.division_id):
        return True
    return application.reviews.filter(
        expert__user=user, expert__is_active=True, status__in=["assigned", "scored"]
    ).exists()


def reviewers_of(application: Application) -> list[Review]:
    """The reviews of an application with their experts and declarations (console)."""
    return list(
        application.reviews.select_related("expert", "declaration").order_by(
            "expert__display_name", "id"
        )
    )


def expert_choices(application: Application) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
    """The active experts the officer can still assign to an application (id, name), and
    those the registry recuses from it (name, reason); assigned experts are left out."""
    assigned = set(application.reviews.values_list("expert_id", flat=True))
    experts = [
        e
        for e in Expert.objects.filter(is_active=True).order_by("display_name", "id")
        if e.pk not in assigned
    ]
    since = timezone.localdate() - timedelta(days=365 * application.call.recusal_years)
    links = expert_links([e.user_id for e in experts], [application.organisation_id], since=since)
    eligible: list[tuple[int, str]] = []
    recused: list[tuple[str, str]] = []
    for expert in experts:
        reason = links.get((expert.user_id, application.organisation_id))
        if reason:
            recused.append((expert.display_name, reason))
        else:
            eligible.append((expert.pk, expert.display_name))
    return eligible, recused


def reviews_for_expert(user: Any) -> QuerySet[Review]:
    """The reviews assigned to the user as an expert: nothing else is theirs to see."""
    return (
        Review.objects.filter(expert__user=user, expert__is_active=True)
        .select_related("application__call", "application__organisation", "declaration")
        .order_by("status", "-id")
    )


def contract_get_public(contract_id: int) -> Contract | None:
    return (
        Contract.objects.select_related(
            "application__organisation", "application__call", "division"
        )
        .prefetch_related(
            "tranches",
            Prefetch(
                "evaluations",
                queryset=Evaluation.objects.select_related("expert", "evaluator"),
            ),
        )
        .filter(pk=contract_id)
        .first()
    )


def partner_communities(organisation_ids: list[int], division_code: str) -> list[tuple[str, str]]:
    """Communities the organisations serve inside a call's area: the partners they may name."""
    from shequ.places.models import Division

    rows = (
        Division.objects.filter(
            level=Division.Level.COMMUNITY,
            pk__in=Organisation.service_areas.through.objects.filter(
                organisation_id__in=organisation_ids
            ).values("division_id"),
        )
        .filter(within("code", division_code))
        .order_by("code")
    )
    return [(d.code, d.short_name or d.name) for d in rows]
