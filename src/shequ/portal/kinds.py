"""The searchable kinds of the apps that came before the portal, and the portal's tasks.

Newer apps register their own kinds in their ``AppConfig.ready`` (docs/portal.md); nothing
here has to change for them.
"""

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.bookings.models import Venue
from shequ.catalogue.models import Service
from shequ.notices.models import CommunityNotice
from shequ.participation.models import Proposal, Round
from shequ.portal.registry import (
    COMMUNITY,
    IndexedItem,
    SearchKind,
    Task,
    register_kind,
    register_task,
    tasks,
)
from shequ.projects.models import Project

PUBLIC_PROPOSAL_STATUSES = {
    Proposal.Status.OPEN,
    Proposal.Status.ON_AGENDA,
    Proposal.Status.DECIDED,
}


def _task_items() -> Iterator[IndexedItem]:
    for task in tasks():
        yield IndexedItem(
            key=task.code,
            title=str(task.title),
            url=reverse(task.url_name),
            text=str(task.text),
            keywords=task.keywords,
        )


def _service_item(service: Service) -> IndexedItem | None:
    if not service.is_published:
        return None
    return IndexedItem(
        key=str(service.pk),
        title=service.name,
        url=reverse("catalogue:service", args=[service.pk]),
        text=service.summary,
        keywords=f"{service.description} {service.eligibility}",
    )


def _services() -> Iterator[IndexedItem]:
    for service in Service.objects.filter(is_published=True).iterator():
        item = _service_item(service)
        if item is not None:
            yield item


def _notice_item(notice: CommunityNotice) -> IndexedItem:
    # A community's notices are for its residents (and its staff), never for the whole web.
    return IndexedItem(
        key=str(notice.pk),
        title=notice.title,
        url=reverse("notices:community_detail", args=[notice.pk]),
        text=notice.body[:300],
        keywords=notice.body,
        audience=COMMUNITY,
        community=notice.community_id,
    )


def _notices() -> Iterator[IndexedItem]:
    for notice in CommunityNotice.objects.iterator():
        yield _notice_item(notice)


def _proposal_item(proposal: Proposal) -> IndexedItem | None:
    if proposal.status not in PUBLIC_PROPOSAL_STATUSES:
        return None
    return IndexedItem(
        key=str(proposal.pk),
        title=proposal.title,
        url=reverse("participation:proposal", args=[proposal.pk]),
        text=proposal.description[:300],
        keywords=f"{proposal.description} {proposal.get_category_display()}",
        community=proposal.community_id,
    )


def _proposals() -> Iterator[IndexedItem]:
    for proposal in Proposal.objects.filter(status__in=PUBLIC_PROPOSAL_STATUSES).iterator():
        item = _proposal_item(proposal)
        if item is not None:
            yield item


def _round_item(budget_round: Round) -> IndexedItem | None:
    if budget_round.phase == Round.Phase.DRAFT:
        return None
    return IndexedItem(
        key=str(budget_round.pk),
        title=budget_round.title,
        url=reverse("participation:round", args=[budget_round.pk]),
        text=str(budget_round.get_phase_display()),
        keywords="预算 投票 参与式预算",
        community=budget_round.community_id,
    )


def _rounds() -> Iterator[IndexedItem]:
    for budget_round in Round.objects.exclude(phase=Round.Phase.DRAFT).iterator():
        item = _round_item(budget_round)
        if item is not None:
            yield item


def _project_item(project: Project) -> IndexedItem:
    return IndexedItem(
        key=project.code,
        title=project.name,
        url=reverse("projects:detail", args=[project.code]),
        text=f"{project.year} · {project.get_status_display()} · {project.implementer}",
        keywords=project.implementer,
        community=project.division_id,
    )


def _projects() -> Iterator[IndexedItem]:
    for project in Project.objects.iterator():
        yield _project_item(project)


def _venue_item(venue: Venue) -> IndexedItem:
    return IndexedItem(
        key=str(venue.pk),
        title=venue.name,
        url=reverse("bookings:venue_list"),
        text=venue.address,
        keywords="预约 场地 活动室",
        community=venue.community_id or "",
    )


def _venues() -> Iterator[IndexedItem]:
    for venue in Venue.objects.iterator():
        yield _venue_item(venue)


def register_existing_kinds() -> None:
    """The kinds and tasks of the apps on main when the portal came."""
    register_task(
        Task(
            code="report",
            title=_("Report a problem in your community (street light, manhole, leak…)"),
            url_name="portal:report",
            keywords="路灯 坏了 损坏 报修 维修 井盖 漏水 垃圾 噪音 反映 问题 投诉 建议 诉求 12345",
            text=_("Tell your community what needs fixing; it goes to the residents' council."),
        ),
        replace=False,  # the requests app (12345) registers its own form under this code
    )
    register_kind(SearchKind("task", _("Things to do"), 0, _task_items, leads_to_form=True))
    register_kind(SearchKind("service", _("Services"), 10, _services, (Service,), _service_item))
    register_kind(
        SearchKind("notice", _("Community notices"), 30, _notices, (CommunityNotice,), _notice_item)
    )
    register_kind(
        SearchKind("proposal", _("Proposals"), 40, _proposals, (Proposal,), _proposal_item)
    )
    register_kind(SearchKind("round", _("Budgeting rounds"), 45, _rounds, (Round,), _round_item))
    register_kind(
        SearchKind(
            "project",
            _("Projects"),
            50,
            _projects,
            (Project,),
            _project_item,
            key_of=lambda project: str(project.code),
        )
    )
    register_kind(SearchKind("venue", _("Places to book"), 60, _venues, (Venue,), _venue_item))
