"""What residents find of requests in the site-wide search (``shequ.portal.registry``).

Categories lead straight to the intake with the category chosen ("路灯坏了" → 路灯故障 →
``/appeals/new/?category=ludeng``); public requests lead to their public pages (private ones
and their reporters never: the public page shows no personal data, and neither does the
index). Saves re-index at once (the portal listens to every registered model); the nightly
``portal.reindex`` re-reads both kinds.
"""

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import Appeal, Category
from shequ.portal.registry import IndexedItem, SearchKind, Task, register_kind, register_task

# What residents call the problems of every category (searched, never shown).
REQUEST_WORDS = "诉求 反映 12345 网络理政"


def category_url(category: Category) -> str:
    return f"{reverse('appeals:new')}?category={category.code}"


def category_item(category: Category) -> IndexedItem | None:
    if not category.is_active:
        return None
    if category.out_of_scope:
        text = category.redirect_text
    else:
        text = str(_("Report it: %(nature)s, %(deadline)s")) % {
            "nature": category.get_nature_display(),
            "deadline": category.get_deadline_class_display(),
        }
    return IndexedItem(
        key=category.code,
        title=category.name,
        url=category_url(category),
        text=text,
        keywords=f"{category.get_nature_display()} {REQUEST_WORDS}",
    )


def _categories() -> Iterator[IndexedItem]:
    for category in Category.objects.filter(is_active=True).iterator():
        item = category_item(category)
        if item is not None:
            yield item


def appeal_item(appeal: Appeal) -> IndexedItem | None:
    """A public request as anyone sees it on its page: number, category, description."""
    if appeal.is_private:
        return None
    category = appeal.category
    return IndexedItem(
        key=str(appeal.pk),
        title=f"{appeal.number} {category.name}",
        url=reverse("appeals:detail", args=[appeal.pk]),
        text=f"{appeal.get_status_display()} · {appeal.description[:280]}",
        keywords=appeal.description,
        community=appeal.community_id,
    )


def _appeals() -> Iterator[IndexedItem]:
    public = Appeal.objects.filter(is_private=False).select_related("category")
    for appeal in public.only(
        "pk", "is_private", "status", "description", "community_id", "category__name"
    ).iterator(chunk_size=2000):
        item = appeal_item(appeal)
        if item is not None:
            yield item


def register() -> None:
    """Called from ``AppealsConfig.ready``."""
    register_task(
        Task(
            code="report",
            title=_("Report a problem (12345)"),
            url_name="appeals:new",
            keywords=(
                "路灯 坏了 损坏 故障 报修 维修 井盖 漏水 垃圾 噪音 反映 问题 投诉 建议 诉求 12345"
            ),
            text=_("One window for every department: it is routed, timed and answered."),
        )
    )
    register_kind(
        SearchKind(
            "appeal_category",
            _("Report a problem"),
            -10,  # before everything: the form a resident came for
            _categories,
            (Category,),
            category_item,
            key_of=lambda category: str(category.code),
            leads_to_form=True,
        )
    )
    register_kind(
        SearchKind(
            "appeal",
            _("Residents' requests"),
            35,
            _appeals,
            (Appeal,),
            appeal_item,
            # a foreign key may be saved by its name or its column
            reads=frozenset(
                {"is_private", "status", "description", "category", "category_id"}
                | {"community", "community_id"}
            ),
        )
    )
