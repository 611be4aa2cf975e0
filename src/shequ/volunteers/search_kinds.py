"""What residents find of volunteering in the site-wide search (``shequ.portal.registry``):
activities that are recruiting, with their place and service field (searched in Chinese,
whatever the reader's language)."""

from collections.abc import Iterator

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from shequ.portal.registry import IndexedItem, SearchKind, register_kind
from shequ.volunteers.models import FIELDS, Activity

VOLUNTEER_WORDS = "志愿 志愿者 志愿服务 招募 报名"


def activity_item(activity: Activity) -> IndexedItem | None:
    """A recruiting activity; drafts and cancelled ones are not found."""
    if activity.status != Activity.Status.PUBLISHED:
        return None
    with translation.override("zh-hans"):
        field = str(FIELDS.get(activity.field, ""))
    return IndexedItem(
        key=str(activity.pk),
        title=activity.title,
        url=reverse("volunteers:activity", args=[activity.pk]),
        text=f"{activity.place} · {activity.description[:240]}",
        keywords=f"{field} {activity.place} {activity.description} {VOLUNTEER_WORDS}",
        community=activity.community_id,
    )


def _activities() -> Iterator[IndexedItem]:
    for activity in Activity.objects.filter(status=Activity.Status.PUBLISHED).iterator():
        item = activity_item(activity)
        if item is not None:
            yield item


def register() -> None:
    """Called from ``VolunteersConfig.ready``."""
    register_kind(
        SearchKind(
            "activity", _("Volunteer activities"), 55, _activities, (Activity,), activity_item
        )
    )
