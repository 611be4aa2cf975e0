"""Reads of the story archive: a community's public gallery, an item's page (and its QR
label), the donor's own items, and the workers' review queue scoped to their area."""

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import NotFound
from shequ.people.models import Resident
from shequ.people.permissions import READERS, covers
from shequ.people.selectors import scope_queryset
from shequ.places.models import Division
from shequ.stories.models import Item

GALLERY_PAGE = 48


def _home_community(user: Any) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Resident.objects.filter(user_id=user.pk).values_list("community_id", flat=True).first()


def _audiences(user: Any, community_code: str) -> list[str]:
    """Everyone sees public items; residents of the community and its staff see the rest."""
    if _home_community(user) == community_code or covers(user, community_code, READERS):
        return [Item.Audience.PUBLIC, Item.Audience.COMMUNITY]
    return [Item.Audience.PUBLIC]


def gallery(*, community_code: str, user: Any) -> QuerySet[Item]:
    """Published items of a community the user may see, newest first (withdrawn never)."""
    return (
        Item.objects.filter(
            community_id=community_code,
            status=Item.Status.PUBLISHED,
            audience__in=_audiences(user, community_code),
        )
        .only("id", "title", "era", "kind", "thumbnail", "community_id", "published_at")
        .order_by("-published_at", "-id")
    )


def communities_with_stories() -> list[tuple[Division, int]]:
    """Communities with published items and how many, largest first."""
    counts = dict(
        Item.objects.filter(status=Item.Status.PUBLISHED, audience=Item.Audience.PUBLIC)
        .values_list("community_id")
        .annotate(n=Count("id"))
        .values_list("community_id", "n")
    )
    divisions = Division.objects.filter(pk__in=counts).select_related("parent__parent")
    return sorted(((d, counts[d.pk]) for d in divisions), key=lambda x: -x[1])


def item_page(*, item_id: int, user: Any) -> Item:
    """A published item the user may see. Raises: NotFound."""
    item = (
        Item.objects.select_related("community__parent__parent")
        .filter(pk=item_id, status=Item.Status.PUBLISHED)
        .first()
    )
    if item is None or item.audience not in _audiences(user, item.community_id):
        raise NotFound("item_not_found", _("No such item."))
    return item


def item_by_label(*, code: str) -> Item:
    """The published item behind a QR label. Raises: NotFound."""
    item = Item.objects.filter(label_code=code, status=Item.Status.PUBLISHED).first()
    if item is None:
        raise NotFound("item_not_found", _("No such item."))
    return item


def my_items(*, user: Any) -> QuerySet[Item]:
    return Item.objects.filter(donor_id=user.pk).select_related("community").order_by("-id")


def media_item(*, item_id: int, user: Any) -> Item:
    """An item whose photo or recording the user may fetch: visible to them on its public
    page, their own donation, or one they review. Raises: NotFound."""
    item = Item.objects.filter(pk=item_id).exclude(status=Item.Status.WITHDRAWN).first()
    if item is None:
        raise NotFound("item_not_found", _("No such item."))
    if item.donor_id is not None and item.donor_id == getattr(user, "pk", None):
        return item
    if covers(user, item.community_id, READERS):
        return item
    if item.status == Item.Status.PUBLISHED and item.audience in _audiences(
        user, item.community_id
    ):
        return item
    raise NotFound("item_not_found", _("No such item."))


def review_queue_for(user: Any, *, status: str = Item.Status.SUBMITTED) -> QuerySet[Item]:
    """Items of the user's areas in ``status`` (oldest waiting first)."""
    queryset = Item.objects.filter(status=status).select_related("community")
    return scope_queryset(queryset, user, division_field="community_id").order_by("id")


def item_get_for(user: Any, *, item_id: int) -> Item:
    """An item of the user's areas. Raises: NotFound."""
    item = (
        scope_queryset(
            Item.objects.select_related("community"), user, division_field="community_id"
        )
        .filter(Q(pk=item_id))
        .first()
    )
    if item is None:
        raise NotFound("item_not_found", _("No such item."))
    return item
