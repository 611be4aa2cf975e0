"""Reads of the policy library: the public library with search and filters, a policy with
its validity, structure and links, and the console lists scoped to the author's area.

Validity is computed on the day asked (``today``, the local date by default) from the dates
and from the published documents that amend or repeal a policy and are themselves in force.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from shequ.catalogue.search import ParsedQuery, highlight, parse_query
from shequ.core.errors import NotFound
from shequ.core.scopes import areas_q
from shequ.policies.models import Attachment, Policy, Relation, Validity
from shequ.policies.permissions import author_areas

SEARCH_LIMIT = 200
BADGE = {
    Validity.IN_FORCE: "text-bg-success",
    Validity.AMENDED: "text-bg-warning",
    Validity.NOT_YET: "text-bg-info",
    Validity.REPEALED: "text-bg-secondary",
    Validity.EXPIRED: "text-bg-secondary",
}


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _superseding(today: date, kind: str) -> Exists:
    return Exists(
        Relation.objects.filter(
            target=OuterRef("pk"),
            kind=kind,
            source__is_published=True,
            source__effective_on__lte=today,
        )
    )


def validity_q(validity: str, today: date) -> Q:
    """Policies whose validity on ``today`` is ``validity`` (the same rules as
    ``Policy.validity_on``, as a database filter)."""
    repealed = Q(_superseding(today, Relation.Kind.REPEALS))
    expired = Q(expires_on__lt=today)
    not_yet = Q(effective_on__gt=today)
    amended = Q(_superseding(today, Relation.Kind.AMENDS))
    if validity == Validity.REPEALED:
        return repealed
    if validity == Validity.EXPIRED:
        return ~repealed & expired
    if validity == Validity.NOT_YET:
        return ~repealed & ~expired & not_yet
    if validity == Validity.AMENDED:
        return ~repealed & ~expired & ~not_yet & amended
    if validity == Validity.IN_FORCE:
        return ~repealed & ~expired & ~not_yet & ~amended
    return Q()


def validity_map(policies: list[Policy], *, today: date | None = None) -> dict[int, str]:
    """Each policy's validity on ``today`` (one query for all of them)."""
    day = _today(today)
    ids = [p.pk for p in policies]
    superseded: dict[int, set[str]] = {}
    for target_id, kind in Relation.objects.filter(
        target_id__in=ids, source__is_published=True, source__effective_on__lte=day
    ).values_list("target_id", "kind"):
        superseded.setdefault(target_id, set()).add(kind)
    return {
        p.pk: p.validity_on(
            day,
            repealed=Relation.Kind.REPEALS in superseded.get(p.pk, ()),
            amended=Relation.Kind.AMENDS in superseded.get(p.pk, ()),
        )
        for p in policies
    }


# Two passes, both walking the index newest first without scoring every match (bm25 or
# ts_rank over tens of thousands of hits of a common word costs hundreds of milliseconds):
# documents whose title has the words come first, then those with the words anywhere.
POSTGRES_SEARCH = (
    "SELECT p.id FROM policies_policy p WHERE p.vector @@ to_tsquery('simple', %s) "
    "ORDER BY p.id DESC LIMIT %s"
)
# The titles' own vector (migration 0003), whose statistics the planner reads right.
POSTGRES_TITLE_SEARCH = (
    "SELECT p.id FROM policies_policy p WHERE p.title_vector @@ to_tsquery('simple', %s) "
    "ORDER BY p.id DESC LIMIT %s"
)
SQLITE_SEARCH = (
    "SELECT rowid FROM policies_policy_fts WHERE policies_policy_fts MATCH %s "
    "ORDER BY rowid DESC LIMIT %s"
)
SQLITE_TITLE_SEARCH = (
    "SELECT rowid FROM policies_title_fts WHERE policies_title_fts MATCH %s "
    "ORDER BY rowid DESC LIMIT %s"
)


# (PostgreSQL?, titles only?) -> statement.
SEARCH_SQL = {
    (True, True): POSTGRES_TITLE_SEARCH,
    (True, False): POSTGRES_SEARCH,
    (False, True): SQLITE_TITLE_SEARCH,
    (False, False): SQLITE_SEARCH,
}


def _expression(query: ParsedQuery, *, all_words: bool) -> str:
    postgres = connection.vendor == "postgresql"
    join_alt, join_group = ("&", "|") if postgres else ("AND", "OR")
    parts = []
    for group in query.groups:
        alts = []
        for alt in group:
            words = ["".join(ch for ch in t if ch.isalnum()) for t in alt]
            words = [w for w in words if w]
            if words:
                quoted = [f"'{w}'" if postgres else f'"{w}"' for w in words]
                alts.append("(" + f" {join_alt} ".join(quoted) + ")")
        if alts:
            parts.append("(" + f" {join_group} ".join(alts) + ")")
    conjunction = join_alt if all_words else join_group
    expression = f" {conjunction} ".join(parts)
    return expression


def _matching(query: ParsedQuery, *, all_words: bool, limit: int) -> list[int]:
    postgres = connection.vendor == "postgresql"
    ids: list[int] = []
    for title_only in (True, False):
        sql = SEARCH_SQL[(postgres, title_only)]
        expression = _expression(query, all_words=all_words)
        if not expression:
            return []
        with connection.cursor() as cursor:
            cursor.execute(sql, [expression, limit])
            found = [row[0] for row in cursor.fetchall()]
        seen = set(ids)
        ids.extend(pk for pk in found if pk not in seen)
        if len(ids) >= limit:
            break
    return ids[:limit]


def policy_search_ids(query: str, *, limit: int = SEARCH_LIMIT) -> list[int]:
    """Ids of policies matching ``query`` (drafts too: callers filter), title matches first,
    newest first within each; all words must match, else any word."""
    parsed = parse_query(query)
    if not parsed.groups:
        return []
    ids = _matching(parsed, all_words=True, limit=limit)
    if ids or len(parsed.groups) < 2:
        return ids
    return _matching(parsed, all_words=False, limit=limit)


@dataclass(frozen=True)
class PolicyRow:
    """One policy in a list, with its validity and (when searched) highlighted text."""

    policy: Policy
    validity: str
    title_html: SafeString
    snippet_html: SafeString

    @property
    def validity_label(self) -> str:
        return str(Validity(self.validity).label)

    @property
    def validity_class(self) -> str:
        return BADGE[Validity(self.validity)]


def policy_library(
    *,
    query: str = "",
    level: str = "",
    kind: str = "",
    structure: str = "",
    validity: str = "",
    today: date | None = None,
    limit: int = 50,
) -> list[PolicyRow]:
    """Published policies for everyone: searched (ranked) or newest first, filtered."""
    day = _today(today)
    queryset = Policy.objects.filter(is_published=True)
    query = query.strip()[:100]
    ids: list[int] = []
    if query:
        ids = policy_search_ids(query)
        queryset = queryset.filter(pk__in=ids)
    if level:
        queryset = queryset.filter(level=level)
    if kind:
        queryset = queryset.filter(kind=kind)
    if structure:
        queryset = queryset.filter(structure=structure)
    if validity:
        queryset = queryset.filter(validity_q(validity, day))
    light = ("full_text", "title_tokens", "body_tokens", "interpretation")
    if query:
        # Filters first over the ranked candidates (ids only), then the page's rows in rank order.
        allowed = set(queryset.values_list("pk", flat=True))
        chosen = [pk for pk in ids if pk in allowed][:limit]
        by_id = {p.pk: p for p in Policy.objects.filter(pk__in=chosen).defer(*light)}
        policies = [by_id[pk] for pk in chosen if pk in by_id]
    else:
        policies = list(queryset.defer(*light)[:limit])
    validities = validity_map(policies, today=day)
    terms = parse_query(query).terms if query else []
    return [
        PolicyRow(
            policy=p,
            validity=validities[p.pk],
            title_html=highlight(p.title, terms),
            snippet_html=highlight(p.summary, terms, window=120),
        )
        for p in policies
    ]


@dataclass(frozen=True)
class PolicyPage:
    """A policy with everything its page shows."""

    policy: Policy
    validity: str
    parent: Policy | None
    children: list[PolicyRow]
    amends: list[Relation]
    amended_by: list[Relation]
    attachments: list[Any]

    @property
    def validity_label(self) -> str:
        return str(Validity(self.validity).label)

    @property
    def validity_class(self) -> str:
        return BADGE[Validity(self.validity)]


def _page(policy: Policy, *, day: date, published_only: bool) -> PolicyPage:
    children_qs = policy.children.all()
    if published_only:
        children_qs = children_qs.filter(is_published=True)
    children = list(children_qs.order_by("structure", "-issued_on"))
    child_validity = validity_map(children, today=day)
    outgoing = policy.outgoing.select_related("target").order_by("target__effective_on")
    incoming = policy.incoming.select_related("source").order_by("source__effective_on")
    if published_only:
        outgoing = outgoing.filter(target__is_published=True)
        incoming = incoming.filter(source__is_published=True)
    parent = policy.parent if policy.parent_id else None
    if parent is not None and published_only and not parent.is_published:
        parent = None
    return PolicyPage(
        policy=policy,
        validity=validity_map([policy], today=day)[policy.pk],
        parent=parent,
        children=[
            PolicyRow(
                policy=c,
                validity=child_validity[c.pk],
                title_html=highlight(c.title, []),
                snippet_html=highlight(c.summary, []),
            )
            for c in children
        ],
        amends=list(outgoing),
        amended_by=list(incoming),
        attachments=list(policy.attachments.all()),
    )


def policy_page(*, policy_id: int, today: date | None = None) -> PolicyPage:
    """A published policy and its links, for everyone. Raises: NotFound."""
    policy = (
        Policy.objects.filter(pk=policy_id, is_published=True)
        .select_related("division", "parent")
        .prefetch_related("services", "projects", "fund_formulas__district")
        .first()
    )
    if policy is None:
        raise NotFound("policy_not_found", _("No such policy."))
    return _page(policy, day=_today(today), published_only=True)


def policies_governing_service(*, service_id: int, today: date | None = None) -> list[PolicyRow]:
    """Published policies linked to a catalogue service, with their validity."""
    policies = list(
        Policy.objects.filter(is_published=True, services__pk=service_id).order_by("-issued_on")
    )
    validities = validity_map(policies, today=today)
    return [
        PolicyRow(p, validities[p.pk], highlight(p.title, []), highlight(p.summary, []))
        for p in policies
    ]


def policy_list_for(user: Any, *, today: date | None = None) -> list[PolicyRow]:
    """Every policy (drafts too) of the author's areas, newest first."""
    condition = areas_q(author_areas(user), division_field="division_id")
    if not author_areas(user):
        return []
    queryset = Policy.objects.all() if condition is None else Policy.objects.filter(condition)
    policies = list(
        queryset.select_related("division").defer("full_text", "title_tokens", "body_tokens")
    )
    validities = validity_map(policies, today=today)
    return [
        PolicyRow(p, validities[p.pk], highlight(p.title, []), highlight(p.summary, []))
        for p in policies
    ]


def policy_get_for(user: Any, *, policy_id: int, today: date | None = None) -> PolicyPage:
    """A policy of the author's areas, drafts too. Raises: NotFound."""
    condition = areas_q(author_areas(user), division_field="division_id")
    queryset = Policy.objects.all() if condition is None else Policy.objects.filter(condition)
    policy = (
        queryset.filter(pk=policy_id)
        .select_related("division", "parent")
        .prefetch_related("services", "projects", "fund_formulas__district")
        .first()
        if author_areas(user)
        else None
    )
    if policy is None:
        raise NotFound("policy_not_found", _("No such policy."))
    return _page(policy, day=_today(today), published_only=False)


def policy_choices() -> QuerySet[Policy]:
    """Every policy, for the parent and relation pickers (titles and numbers only)."""
    return Policy.objects.only("id", "title", "doc_number").order_by("-issued_on")


def attachment_get(*, attachment_id: int, user: Any) -> Attachment:
    """An attachment of a published policy (or of a draft the user may author).
    Raises: NotFound."""
    attachment = Attachment.objects.select_related("policy").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("attachment_not_found", _("No such file."))
    if not attachment.policy.is_published:
        condition = areas_q(author_areas(user), division_field="division_id")
        if not author_areas(user) or (
            condition is not None
            and not Policy.objects.filter(condition, pk=attachment.policy_id).exists()
        ):
            raise NotFound("attachment_not_found", _("No such file."))
    return attachment
