"""The story archive over the API: a community's published items and one item (Dublin Core
names), as the public pages show them; items for residents only need the resident's session."""

from datetime import datetime

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema
from ninja.pagination import paginate

from shequ.stories import selectors
from shequ.stories.models import Item

router = Router(tags=["stories"])


class StoryItemOut(Schema):
    """Dublin Core: title, creator, date (era), description, subject, coverage, rights."""

    id: int
    community_code: str
    kind: str
    title: str
    description: str
    creator: str
    era: str
    place: str
    subject: str
    rights: str
    contributor: str
    published_at: datetime | None
    photo_url: str
    audio_url: str

    @staticmethod
    def resolve_community_code(obj: Item) -> str:
        return obj.community_id

    @staticmethod
    def resolve_rights(obj: Item) -> str:
        return obj.licence

    @staticmethod
    def resolve_contributor(obj: Item) -> str:
        return obj.credit

    @staticmethod
    def resolve_photo_url(obj: Item) -> str:
        return reverse("stories:media", args=[obj.pk, "photo"]) if obj.photo else ""

    @staticmethod
    def resolve_audio_url(obj: Item) -> str:
        return reverse("stories:media", args=[obj.pk, "audio"]) if obj.audio else ""


@router.get("", response=list[StoryItemOut])
@paginate
def list_items(request: HttpRequest, community: str) -> object:
    """A community's published items the caller may see, newest first."""
    return selectors.gallery(community_code=community, user=request.user).defer(None)


@router.get("/{item_id}", response=StoryItemOut)
def get_item(request: HttpRequest, item_id: int) -> Item:
    return selectors.item_page(item_id=item_id, user=request.user)
