"""Reads of co-governance: every console list scoped to the user's areas; the public pages
show a community's three lists and the demonstration communities, never members' names."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from shequ.cogovernance.matching import Verdict, judge, street_of
from shequ.cogovernance.models import (
    Agreement,
    AreaOrganisation,
    Commitment,
    Delivery,
    Designation,
    Member,
    Need,
    Project,
    ProjectResource,
    Resource,
)
from shequ.cogovernance.permissions import can_read
from shequ.cogovernance.services._common import not_found
from shequ.core.pii import mask_name
from shequ.core.scopes import within
from shequ.people.selectors import scope_queryset
from shequ.places.models import Division

ZERO_Q = Decimal("0")
_RESOURCE_ORG = "resource__organisation"


def _scoped(queryset: QuerySet[Any], user: Any, division_field: str) -> QuerySet[Any]:
    return scope_queryset(queryset, user, division_field=division_field)


def _in(queryset: QuerySet[Any], field_name: str, code: str) -> QuerySet[Any]:
    return queryset.filter(within(field_name, code)) if code else queryset


# Organisations -------------------------------------------------------------------------


def organisation_list_for(user: Any, *, area: str = "") -> QuerySet[AreaOrganisation]:
    """Organisations inside the user's areas (and inside ``area`` when given)."""
    queryset = AreaOrganisation.objects.select_related("division", "parent")
    return _in(_scoped(queryset, user, "division_id"), "division_id", area).order_by(
        "division_id", "kind", "name"
    )


def member_name(member: Member, viewer: Any) -> str:
    """A member's name: in full for staff of the organisation's area, else masked (张*)."""
    if member.resident_id is not None:
        name = member.resident.real_name if member.resident else ""
    else:
        name = member.outside_name.reveal() if member.outside_name else ""
    return name if can_read(viewer, member.organisation.division_id) else mask_name(name)


def organisation_get_for(user: Any, *, organisation_id: int) -> AreaOrganisation:
    """An organisation of the user's areas with its members. Raises: NotFound."""
    org = (
        organisation_list_for(user)
        .select_related("civil_organisation")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Member.objects.select_related("resident", "organisation").order_by(
                    "ceased_on", "position", "id"
                ),
            )
        )
        .filter(pk=organisation_id)
        .first()
    )
    if org is None:
        raise not_found()
    return org


@dataclass
class GraphNode:
    org: AreaOrganisation
    children: list["GraphNode"] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)


@dataclass
class AreaGraph:
    community: Division
    roots: list[GraphNode]
    shared: list[tuple[str, list[AreaOrganisation]]]
    agreements: list[Agreement]


def graph_for(user: Any, *, community_code: str) -> AreaGraph:
    """The organisations of a community and its street as a tree by parent, the people who
    sit in more than one of them, and the co-building agreements. Raises: NotFound."""
    community = Division.objects.filter(pk=community_code, level=Division.Level.COMMUNITY).first()
    if community is None or not can_read(user, community_code):
        raise not_found()
    street = street_of(community_code)
    orgs = list(
        AreaOrganisation.objects.filter(Q(division_id=community_code) | Q(division_id=street))
        .select_related("division")
        .order_by("kind", "name")
    )
    agreements = list(Agreement.objects.filter(community_id=community_code).select_related("unit"))
    nodes = {o.pk: GraphNode(o) for o in orgs}
    for agreement in agreements:
        if agreement.unit_id in nodes:
            nodes[agreement.unit_id].agreements.append(agreement)
    roots: list[GraphNode] = []
    for node in nodes.values():
        parent = nodes.get(node.org.parent_id or 0)
        (parent.children if parent else roots).append(node)
    seats: dict[str, list[AreaOrganisation]] = defaultdict(list)
    members = Member.objects.filter(organisation__in=orgs, ceased_on__isnull=True).select_related(
        "resident", "organisation"
    )
    for member in members:
        seats[member_name(member, user)].append(member.organisation)
    shared = sorted((name, os) for name, os in seats.items() if len({o.pk for o in os}) > 1)
    return AreaGraph(community=community, roots=roots, shared=shared, agreements=agreements)


# Three lists ---------------------------------------------------------------------------


def need_list_for(user: Any, *, area: str = "") -> QuerySet[Need]:
    queryset = Need.objects.select_related("community").prefetch_related("projects")
    return _in(_scoped(queryset, user, "community_id"), "community_id", area)


def resource_list_for(user: Any, *, area: str = "") -> QuerySet[Resource]:
    queryset = _with_taken(Resource.objects.select_related("organisation", "division"))
    return _in(_scoped(queryset, user, "division_id"), "division_id", area)


def project_list_for(user: Any, *, area: str = "") -> QuerySet[Project]:
    queryset = Project.objects.select_related("need", "commitment__agreement").prefetch_related(
        Prefetch("uses", queryset=ProjectResource.objects.select_related("resource__organisation"))
    )
    return _in(_scoped(queryset, user, "community_id"), "community_id", area)


def _with_taken(queryset: QuerySet[Resource]) -> QuerySet[Resource]:
    return queryset.annotate(
        taken_quantity=Coalesce(Sum("uses__quantity"), ZERO_Q),
        taken_amount=Coalesce(Sum("uses__amount"), ZERO_Q),
    )


def need_get_for(user: Any, *, need_id: int) -> Need:
    need = (
        need_list_for(user)
        .select_related("appeal", "survey", "merged_into")
        .filter(pk=need_id)
        .first()
    )
    if need is None:
        raise not_found()
    return need


def resource_get_for(user: Any, *, resource_id: int) -> Resource:
    resource = resource_list_for(user).filter(pk=resource_id).first()
    if resource is None:
        raise not_found()
    return resource


def project_get_for(user: Any, *, project_id: int) -> Project:
    project = project_list_for(user).filter(pk=project_id).first()
    if project is None:
        raise not_found()
    return project


def suggestions(need: Need) -> list[tuple[Resource, Verdict]]:
    """Resources that fit ``need`` by the matching rule, best place first."""
    street = street_of(need.community_id)
    candidates = _with_taken(
        Resource.objects.filter(
            within("division_id", street),
            category=need.category,
            status=Resource.Status.AVAILABLE,
        ).select_related("organisation", "division", "commitment__agreement")
    )
    today = timezone.localdate()
    found = []
    for resource in candidates:
        verdict = judge(
            need,
            resource,
            today=today,
            taken_quantity=resource.taken_quantity,  # type: ignore[attr-defined]
            taken_amount=resource.taken_amount,  # type: ignore[attr-defined]
        )
        if verdict.fits:
            found.append((resource, verdict))
    return sorted(found, key=lambda pair: (pair[1].rank, pair[0].pk))


def commitment_choices(community_code: str) -> QuerySet[Commitment]:
    return (
        Commitment.objects.filter(agreement__community_id=community_code)
        .select_related("agreement__unit")
        .order_by("agreement_id", "id")
    )


@dataclass
class PublicLists:
    community: Division
    needs: list[Need]
    resources: list[Resource]
    projects: list[Project]

    @property
    def active_projects(self) -> list[Project]:
        return [p for p in self.projects if p.status != Project.Status.DONE]

    @property
    def done_projects(self) -> list[Project]:
        return [p for p in self.projects if p.status == Project.Status.DONE]


def public_lists(*, community_code: str) -> PublicLists:
    """A community's three lists as residents see them: titles, kinds, who offers what, and
    the matches. No requests' text, no names of people. Raises: NotFound."""
    community = (
        Division.objects.select_related("parent__parent")
        .filter(pk=community_code, level=Division.Level.COMMUNITY)
        .first()
    )
    if community is None:
        raise not_found()
    street = street_of(community_code)
    needs = list(
        Need.objects.filter(community_id=community_code)
        .exclude(status=Need.Status.CLOSED)
        .only("id", "title", "category", "status", "source", "community_id", "created_at")
    )
    resources = list(
        _with_taken(
            Resource.objects.filter(
                Q(division_id=community_code) | Q(division_id=street),
                status=Resource.Status.AVAILABLE,
            ).select_related("organisation")
        )
    )
    projects = list(
        Project.objects.filter(community_id=community_code)
        .select_related("need", "commitment__agreement__unit")
        .prefetch_related(
            Prefetch(
                "uses", queryset=ProjectResource.objects.select_related("resource__organisation")
            )
        )
    )
    return PublicLists(community, needs, resources, projects)


def communities_with_lists() -> QuerySet[Division]:
    codes = Need.objects.values("community_id")
    return Division.objects.filter(pk__in=codes).select_related("parent__parent").order_by("code")


# Agreements ----------------------------------------------------------------------------


@dataclass
class CommitmentRow:
    commitment: Commitment
    delivered_quantity: Decimal
    delivered_amount: Decimal

    @property
    def rate(self) -> int:
        """Percent delivered: quantity against quantity and amount against amount (the lower
        of the two when both are committed), at most 100."""
        parts = []
        if self.commitment.quantity:
            parts.append(self.delivered_quantity / self.commitment.quantity)
        if self.commitment.amount:
            parts.append(self.delivered_amount / self.commitment.amount)
        if not parts:
            return 0
        return int(min(Decimal(1), min(parts)) * 100)


def agreement_rate(rows: list[CommitmentRow]) -> int:
    """An agreement's delivery rate: the mean of its commitments' rates."""
    return sum(r.rate for r in rows) // len(rows) if rows else 0


def agreement_list_for(user: Any, *, area: str = "") -> QuerySet[Agreement]:
    queryset = Agreement.objects.select_related("community", "unit")
    return _in(_scoped(queryset, user, "community_id"), "community_id", area)


def commitment_rows(agreement: Agreement) -> list[CommitmentRow]:
    commitments = Commitment.objects.filter(agreement=agreement).annotate(
        dq=Coalesce(Sum("deliveries__quantity"), ZERO_Q),
        da=Coalesce(Sum("deliveries__amount"), ZERO_Q),
    )
    return [CommitmentRow(c, c.dq, c.da) for c in commitments]


def agreement_get_for(user: Any, *, agreement_id: int) -> Agreement:
    agreement = agreement_list_for(user).filter(pk=agreement_id).first()
    if agreement is None:
        raise not_found()
    return agreement


def commitment_get_for(user: Any, *, commitment_id: int) -> Commitment:
    commitment = (
        Commitment.objects.select_related("agreement__unit", "agreement__community")
        .filter(pk=commitment_id)
        .first()
    )
    if commitment is None or not can_read(user, commitment.agreement.community_id):
        raise not_found()
    return commitment


def deliveries_of(agreement: Agreement) -> QuerySet[Any]:
    return Delivery.objects.filter(commitment__agreement=agreement).select_related("commitment")


# Designations --------------------------------------------------------------------------


def designation_years() -> list[int]:
    return list(
        Designation.objects.filter(revoked_at__isnull=True)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def designations_public(*, year: int | None, district: str = "") -> QuerySet[Designation]:
    """Demonstration communities of ``year`` (every year when None), in ``district``; a
    revoked designation is not shown."""
    queryset = Designation.objects.filter(revoked_at__isnull=True).select_related(
        "community__parent__parent"
    )
    if year:
        queryset = queryset.filter(year=year)
    return _in(queryset, "community_id", district).order_by("-year", "community_id")


def designation_list_for(user: Any) -> QuerySet[Designation]:
    return _scoped(
        Designation.objects.select_related("community__parent__parent"), user, "community_id"
    ).order_by("-year", "community_id")


def districts() -> QuerySet[Division]:
    return Division.objects.filter(level=Division.Level.DISTRICT).order_by("code")


def designation_get_for(user: Any, *, designation_id: int) -> Designation:
    designation = designation_list_for(user).filter(pk=designation_id).first()
    if designation is None:
        raise not_found()
    return designation


def member_get_for(user: Any, *, member_id: int) -> Member:
    member = Member.objects.select_related("organisation", "resident").filter(pk=member_id).first()
    if member is None or not can_read(user, member.organisation.division_id):
        raise not_found()
    return member
