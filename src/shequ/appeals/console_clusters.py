"""Staff: problem clusters (问题簇) of their area with counts, newest request first; one
cluster with its requests, a map link, and "link the whole cluster" to a proposal or project
of its community."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.appeals.forms import ClusterLinkForm
from shequ.appeals.permissions import console_user, may_link_outcome
from shequ.appeals.selectors import clusters as cluster_selectors
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


def _targets(community_code: str) -> list[Any]:
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
    ]


@staff_required
def cluster(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """One cluster: its requests (open and handled), what it led to, and the link form."""
    user = console_user(request)
    found = cluster_selectors.cluster_get_for_staff(user=user, cluster_id=cluster_id)
    may_link = may_link_outcome(user, found.community_id)
    targets = _targets(found.community_id) if may_link else []
    form = ClusterLinkForm(request.POST or None, targets=targets)
    status = 200
    if request.method == "POST":
        if not may_link:
            raise DjangoPermissionDenied
        try:
            proposal_id, project_id = cluster_target(request.POST.get("target"))
            made = cluster_link(
                actor=user,
                cluster_id=found.pk,
                proposal_id=proposal_id,
                project_id=project_id,
                ip=client_ip(request),
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status
        else:
            messages.success(
                request,
                _("%(n)s requests linked; their residents are told.") % {"n": len(made)},
            )
            return redirect("appeals_console:cluster", cluster_id=found.pk)
    members = list(cluster_selectors.cluster_members(found))
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
            "form": form,
            "may_link": may_link,
            "has_targets": any(t[1] for t in targets),
            "district": found.community_id[:6] + "000000",
        },
        status=status,
    )
