"""Staff: problem clusters (问题簇) of their area with counts, newest request first; one
cluster with its requests, a map link, and "link the whole cluster" to a proposal or project
of its community; staff correct clusters (merge two, take a request out)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.appeals.forms import ClusterDetachForm, ClusterLinkForm, ClusterMergeForm
from shequ.appeals.models import AppealCluster
from shequ.appeals.permissions import console_user, may_link_outcome
from shequ.appeals.selectors import clusters as cluster_selectors
from shequ.appeals.services.cluster_edits import cluster_detach, cluster_merge
from shequ.appeals.services.cluster_links import cluster_link, cluster_target
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.participation import selectors as participation_selectors
from shequ.people.permissions import staff_required
from shequ.projects import selectors as project_selectors


@staff_required
def clusters(request: HttpRequest) -> HttpResponse:
    """Clusters of the staff member's area with their counts, the newest request first."""
    user = console_user(request)
    return render(
        request,
        "appeals/console/clusters.html",
        {
            "rows": Paginator(cluster_selectors.clusters_for_staff(user=user), 50).get_page(
                request.GET.get("page")
            ),
            "cluster_days": cluster_selectors.CLUSTER_DAYS,
            "cluster_metres": cluster_selectors.CLUSTER_METRES,
        },
    )


def outcome_targets(community_code: str) -> list[Any]:
    """What a community's requests may lead to, grouped for the picker: its visible
    proposals, its projects and the spending items of its fund (with the amount)."""
    return [
        (
            _("Residents' proposals"),
            [
                (f"proposal:{p.pk}", f"#{p.pk} {p.title}")
                for p in participation_selectors.proposal_choices(community_code=community_code)[
                    :200
                ]
            ],
        ),
        (
            _("Community projects"),
            [
                (f"project:{p.pk}", f"{p.code} {p.name}")
                for p in project_selectors.project_choices_in(community_code)[:200]
            ],
        ),
        (
            _("Spending from the community fund"),
            [
                (f"spending:{c.pk}", f"{c.project} · ¥{c.amount:,.2f} · {c.approval.subject}")
                for c in cluster_selectors.spending_choices(community_code)[:200]
            ],
        ),
    ]


def _merge_choices(user: Any, found: Any) -> list[tuple[str, str]]:
    return [
        (
            str(c.cluster.pk),
            _("%(community)s · %(n)s requests · newest %(last)s")
            % {
                "community": c.cluster.community.name,
                "n": c.requests,
                "last": date_format(localtime(c.last_at), "Y-m-d"),
            },
        )
        for c in cluster_selectors.cluster_merge_choices(user=user, cluster=found)
    ]


def _detach_choices(members: list[Any]) -> list[tuple[str, str]]:
    return [
        (str(a.pk), f"{a.number} · {date_format(localtime(a.created_at), 'Y-m-d')}")
        for a in members
    ]


def _page(
    request: HttpRequest,
    user: Any,
    found: Any,
    *,
    form: ClusterLinkForm | None = None,
    merge_form: ClusterMergeForm | None = None,
    detach_form: ClusterDetachForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_link = may_link_outcome(user, found.community_id)
    targets = outcome_targets(found.community_id) if may_link else []
    members = list(cluster_selectors.cluster_members(found))
    merge_choices = _merge_choices(user, found) if may_link else []
    return render(
        request,
        "appeals/console/cluster.html",
        {
            "cluster": found,
            "summary": cluster_selectors.cluster_summary(found.pk),
            "members": members,
            "complainants": cluster_selectors.cluster_complainants(found),
            "elsewhere": sum(1 for a in members if a.community_id != found.community_id),
            "outcomes": cluster_selectors.cluster_outcomes(found.pk),
            "form": form or ClusterLinkForm(targets=targets),
            "merge_form": merge_form or ClusterMergeForm(choices=merge_choices),
            "detach_form": detach_form
            or ClusterDetachForm(
                choices=_detach_choices(
                    [a for a in members if may_link_outcome(user, a.community_id)]
                )
            ),
            "may_link": may_link,
            "has_targets": any(t[1] for t in targets),
            "has_merge_choices": bool(merge_choices),
            "district": found.community_id[:6] + "000000",
        },
        status=status,
    )


@staff_required
def cluster(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """One cluster: its requests (open and handled), what it led to, the link form, and the
    corrections (merge another cluster in, take a request out)."""
    user = console_user(request)
    found = cluster_selectors.cluster_get_for_staff(user=user, cluster_id=cluster_id)
    if request.method != "POST":
        return _page(request, user, found)
    if not may_link_outcome(user, found.community_id):
        raise DjangoPermissionDenied
    targets = outcome_targets(found.community_id)
    form = ClusterLinkForm(request.POST, targets=targets)
    try:
        proposal_id, project_id, commitment_id = cluster_target(request.POST.get("target"))
        made = cluster_link(
            actor=user,
            cluster_id=found.pk,
            proposal_id=proposal_id,
            project_id=project_id,
            commitment_id=commitment_id,
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        add_domain_error(form, error)
        return _page(request, user, found, form=form, status=error.status)
    messages.success(
        request,
        _("%(n)s requests linked; their residents are told.") % {"n": len(made)},
    )
    return redirect("appeals_console:cluster", cluster_id=found.pk)


def _int_or_none(value: Any) -> int | None:
    raw = str(value or "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


@staff_required
@require_POST
def cluster_merge_view(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """Merge the cluster picked from the candidates into this one."""
    user = console_user(request)
    found = cluster_selectors.cluster_get_for_staff(user=user, cluster_id=cluster_id)
    if not may_link_outcome(user, found.community_id):
        raise DjangoPermissionDenied
    form = ClusterMergeForm(request.POST, choices=_merge_choices(user, found))
    try:
        cluster_merge(
            actor=user,
            cluster_id=found.pk,
            other_id=_int_or_none(request.POST.get("other")),
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        add_domain_error(form, error)
        return _page(request, user, found, merge_form=form, status=error.status)
    messages.success(request, _("The clusters are merged."))
    return redirect("appeals_console:cluster", cluster_id=found.pk)


@staff_required
@require_POST
def cluster_detach_view(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """Take one request of this cluster out of it (alone, or into a new cluster)."""
    user = console_user(request)
    found = cluster_selectors.cluster_get_for_staff(user=user, cluster_id=cluster_id)
    if not may_link_outcome(user, found.community_id):
        raise DjangoPermissionDenied
    members = list(cluster_selectors.cluster_members(found))
    form = ClusterDetachForm(request.POST, choices=_detach_choices(members))
    appeal_id = _int_or_none(request.POST.get("appeal"))
    if appeal_id is None or appeal_id not in {a.pk for a in members}:
        form.is_valid()
        form.errors.clear()
        form.add_error("appeal", _("Choose a request of this cluster from the list."))
        return _page(request, user, found, detach_form=form, status=400)
    try:
        new = cluster_detach(
            actor=user,
            appeal_id=appeal_id,
            new_cluster=request.POST.get("new_cluster") in ("on", "true", "1"),
            ip=client_ip(request),
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _page(request, user, found, detach_form=form, status=error.status)
    messages.success(request, _("The request is taken out of the cluster."))
    if new is not None:
        return redirect("appeals_console:cluster", cluster_id=new.pk)
    if AppealCluster.objects.filter(pk=found.pk).exists():
        return redirect("appeals_console:cluster", cluster_id=found.pk)
    return redirect("appeals_console:clusters")
