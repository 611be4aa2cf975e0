"""What residents find of the policy library in the site-wide search
(``shequ.portal.registry``): every published policy, by its title, number, issuing body and
text. It takes the portal's ``policy`` kind over (the library is where policies live; the
catalogue's own policy notes stay searchable in the catalogue)."""

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.policies.models import Policy
from shequ.portal.registry import IndexedItem, SearchKind, register_kind

POLICY_WORDS = "政策 文件 法规 通知 办法"


def policy_item(policy: Policy) -> IndexedItem | None:
    if not policy.is_published:
        return None
    heading = " · ".join(part for part in (policy.doc_number, policy.issuer) if part)
    return IndexedItem(
        key=str(policy.pk),
        title=policy.title,
        url=reverse("policies:detail", args=[policy.pk]),
        text=f"{heading} · {(policy.summary or policy.full_text)[:240]}",
        keywords=(
            f"{policy.doc_number} {policy.issuer} {policy.summary} {policy.interpretation} "
            f"{policy.full_text[:4000]} {POLICY_WORDS}"
        ),
    )


def _policies() -> Iterator[IndexedItem]:
    for policy in Policy.objects.filter(is_published=True).iterator():
        item = policy_item(policy)
        if item is not None:
            yield item


def register() -> None:
    """Called from ``PoliciesConfig.ready`` (after the portal's, so this kind wins)."""
    register_kind(SearchKind("policy", _("Policies"), 20, _policies, (Policy,), policy_item))
