"""What residents find of the community story archive in the site-wide search
(``shequ.portal.registry``): published items, each seen by whom its donor chose (everyone,
or the community's residents and its staff). The donor's name is never indexed."""

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.portal.registry import COMMUNITY, PUBLIC, IndexedItem, SearchKind, register_kind
from shequ.stories.models import Item

STORY_WORDS = "老照片 老物件 社区记忆 故事 档案"


def story_item(item: Item) -> IndexedItem | None:
    if item.status != Item.Status.PUBLISHED:
        return None
    return IndexedItem(
        key=str(item.pk),
        title=item.title,
        url=reverse("stories:item", args=[item.pk]),
        text=" · ".join(part for part in (item.era, item.place, item.description[:240]) if part),
        keywords=f"{item.subject} {item.era} {item.place} {item.description} {STORY_WORDS}",
        audience=COMMUNITY if item.audience == Item.Audience.COMMUNITY else PUBLIC,
        community=item.community_id,
    )


def _stories() -> Iterator[IndexedItem]:
    for item in Item.objects.filter(status=Item.Status.PUBLISHED).iterator():
        found = story_item(item)
        if found is not None:
            yield found


def register() -> None:
    """Called from ``StoriesConfig.ready``."""
    register_kind(SearchKind("story", _("Community stories"), 70, _stories, (Item,), story_item))
