"""What residents find of social organisations in the site-wide search
(``shequ.portal.registry``): the public registry entry of every organisation not
deregistered (one on the list of serious violations is found too, and says so), by its name,
kind and fields of service. Nothing of its legal representative is indexed."""

from collections.abc import Iterator

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from shequ.civil.models import Organisation
from shequ.portal.registry import IndexedItem, SearchKind, register_kind

ORGANISATION_WORDS = "社会组织 社区社会组织 社工 机构"


def organisation_item(organisation: Organisation) -> IndexedItem | None:
    if organisation.status == Organisation.Status.DEREGISTERED:
        return None
    with translation.override("zh-hans"):
        kind = organisation.get_kind_display()
        fields = " ".join(organisation.field_labels)
        status = (
            f" · {organisation.get_status_display()}"
            if organisation.status == Organisation.Status.BLACKLISTED
            else ""
        )
    return IndexedItem(
        key=str(organisation.pk),
        title=organisation.name,
        url=reverse("civil:detail", args=[organisation.pk]),
        text=f"{kind}{status} · {fields}",
        keywords=f"{kind} {fields} {ORGANISATION_WORDS}",
    )


def _organisations() -> Iterator[IndexedItem]:
    live = Organisation.objects.exclude(status=Organisation.Status.DEREGISTERED)
    for organisation in live.iterator():
        item = organisation_item(organisation)
        if item is not None:
            yield item


def register() -> None:
    """Called from ``CivilConfig.ready``."""
    register_kind(
        SearchKind(
            "organisation",
            _("Social organisations"),
            65,
            _organisations,
            (Organisation,),
            organisation_item,
        )
    )
