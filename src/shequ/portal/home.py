"""Reads behind the portal home: a resident's to-dos and their community's card.

Both are kept in the shared cache (per person, per community and language), so the home
page of a signed-in resident asks the database the same few questions however much they
have; a change bumps the version of what it touches (``receivers``), and nothing is kept
longer than a few minutes anyway.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.appeals.selectors import open_public_in
from shequ.bookings.models import Booking
from shequ.casework.models import Application, Status
from shequ.core.names import shown_name
from shequ.funds.selectors import balances_of, public_spending
from shequ.notices.models import CommunityNotice
from shequ.participation.models import Proposal, Round
from shequ.payments.models import Bill
from shequ.projects.models import Project
from shequ.surveys.models import Invitation, Response, Survey

TO_DOS_CACHE_SECONDS = 120
CARD_SECONDS = 300
OPEN_ROUND_PHASES = (Round.Phase.COLLECT, Round.Phase.REVIEW, Round.Phase.VOTING)


@dataclass(frozen=True)
class Todo:
    code: str
    label: str
    count: int
    url: str
    detail: str = ""


@dataclass(frozen=True)
class Line:
    title: str
    url: str
    note: str = ""


@dataclass
class CommunityCard:
    code: str
    name: str
    notices: list[Line] = field(default_factory=list)
    proposals: list[Line] = field(default_factory=list)
    open_proposals: int = 0
    rounds: list[Line] = field(default_factory=list)
    balance: Decimal | None = None
    latest_spending: Line | None = None
    projects: list[Line] = field(default_factory=list)
    open_requests: int = 0
    requests: list[Line] = field(default_factory=list)
    requests_url: str = ""
    report_url: str = ""
    links: list[Line] = field(default_factory=list)


def _version(name: str) -> int:
    return int(cache.get(f"portal:v:{name}") or 0)


def bump(name: str) -> None:
    """Mark ``name`` ("todo:<user id>" or "card:<community>") as changed."""
    key = f"portal:v:{name}"
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=None)


def todos_for(user: Any, resident: Any) -> list[Todo]:
    """What the signed-in resident has to do now, from the cache when unchanged."""
    language = translation.get_language() or "-"
    community = getattr(resident, "community_id", None) or "-"
    versions = f"{_version(f'todo:{user.pk}')}.{_version(f'todo-community:{community}')}"
    key = f"portal:todos:{user.pk}:{versions}:{language}"
    found = cache.get(key)
    if found is None:
        found = _todos(user, resident)
        cache.set(key, found, timeout=TO_DOS_CACHE_SECONDS)
    return list(found)


def _todos(user: Any, resident: Any) -> list[Todo]:
    now = timezone.now()
    todos: list[Todo] = []
    more_info = Application.objects.filter(applicant_id=user.pk, status=Status.MORE_INFO).count()
    if more_info:
        todos.append(
            Todo("cases", _("Applications waiting for you"), more_info, reverse("casework:my_list"))
        )
    bills = list(
        Bill.objects.filter(user_id=user.pk, status=Bill.Status.UNPAID).values_list(
            "amount", flat=True
        )
    )
    if bills:
        total = sum(bills, Decimal(0))
        todos.append(
            Todo(
                "bills",
                _("Bills to pay"),
                len(bills),
                reverse("payments:bill_list"),
                _("%(total)s yuan in all") % {"total": f"{total:.2f}"},
            )
        )
    bookings = Booking.objects.filter(
        user_id=user.pk, status=Booking.Status.CONFIRMED, slot__starts_at__gte=now
    ).count()
    if bookings:
        todos.append(Todo("bookings", _("Coming bookings"), bookings, reverse("bookings:mine")))
    if resident is not None:
        surveys = (
            Invitation.objects.filter(resident=resident, survey__status=Survey.Status.OPEN)
            .exclude(response__status=Response.Status.COMPLETE)
            .count()
        )
        if surveys:
            todos.append(Todo("surveys", _("Surveys to answer"), surveys, reverse("surveys:mine")))
        if resident.community_id:
            voting = list(
                Round.objects.filter(
                    community_id=resident.community_id, phase=Round.Phase.VOTING
                ).values_list("pk", flat=True)[:5]
            )
            if voting:
                todos.append(
                    Todo(
                        "votes",
                        _("Votes open in your community"),
                        len(voting),
                        reverse("participation:round", args=[voting[0]]),
                    )
                )
    return todos


def community_card(code: str, name: str) -> CommunityCard:
    """The community's card, from the cache when unchanged."""
    language = translation.get_language() or "-"
    key = f"portal:card:{code}:{_version(f'card:{code}')}:{language}"
    found = cache.get(key)
    if found is None:
        found = _card(code, name)
        cache.set(key, found, timeout=CARD_SECONDS)
    return found


def _card(code: str, name: str) -> CommunityCard:
    card = CommunityCard(code=code, name=name)
    for notice in CommunityNotice.objects.filter(community_id=code).only("title", "published_at")[
        :3
    ]:
        card.notices.append(
            Line(
                notice.title,
                reverse("notices:community_detail", args=[notice.pk]),
                f"{timezone.localtime(notice.published_at):%m-%d}",
            )
        )
    proposals = Proposal.objects.filter(community_id=code, status=Proposal.Status.OPEN)
    card.open_proposals = proposals.count()
    for proposal in proposals.order_by("-supports", "-id")[:3]:
        card.proposals.append(
            Line(
                proposal.title,
                reverse("participation:proposal", args=[proposal.pk]),
                _("%(n)s supports") % {"n": proposal.supports},
            )
        )
    for budget_round in Round.objects.filter(community_id=code, phase__in=OPEN_ROUND_PHASES)[:2]:
        card.rounds.append(
            Line(
                budget_round.title,
                reverse("participation:round", args=[budget_round.pk]),
                str(budget_round.get_phase_display()),
            )
        )
    balances = balances_of(code)
    if balances:
        card.balance = balances[0].available
    spending = public_spending(code).first()
    if spending is not None:
        card.latest_spending = Line(
            str(spending), reverse("funds:community", args=[code]), f"{spending.amount:.2f}"
        )
    projects = Project.objects.filter(division_id=code).order_by("-year", "code")[:3]
    for project in projects:
        card.projects.append(
            Line(
                project.name,
                reverse("projects:detail", args=[project.code]),
                str(project.get_status_display()),
            )
        )
    _requests(card, code)
    card.links = [
        Line(_("Funds"), reverse("funds:community", args=[code])),
        Line(_("Proposals and votes"), reverse("participation:community", args=[code])),
        Line(_("Projects"), reverse("projects:list") + f"?district={code[:6]}000000"),
        Line(_("Notices"), reverse("notices:community_list")),
        Line(_("Dashboard"), reverse("portal:dashboard_division", args=[code])),
        Line(_("Open data"), reverse("portal:open_data")),
    ]
    return card


REQUESTS_ON_CARD = 3


def _requests(card: CommunityCard, code: str) -> None:
    """Open public requests in the community: how many, the latest few, where to report."""
    requests = open_public_in(code)
    card.open_requests = requests.count()
    if card.open_requests:
        for appeal in requests.only(
            "pk", "category__name", "category__name_en", "status", "created_at", "description"
        )[:REQUESTS_ON_CARD]:
            card.requests.append(
                Line(
                    f"{shown_name(appeal.category)} · {appeal.description[:24]}",
                    reverse("appeals:detail", args=[appeal.pk]),
                    f"{timezone.localtime(appeal.created_at):%m-%d} {appeal.get_status_display()}",
                )
            )
    district = code[:6] + "000000"
    card.requests_url = f"{reverse('appeals:list')}?status=open&district={district}"
    card.report_url = reverse("appeals:new")
