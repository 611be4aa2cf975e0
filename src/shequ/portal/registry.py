"""The registry of searchable kinds: each app plugs what residents may find into the
site-wide search by registering a ``SearchKind`` (see docs/portal.md).

This module imports no app: any app may import it (in its ``AppConfig.ready``) without an
import circle. The portal registers the kinds of the apps that existed before it in
``shequ.portal.kinds``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

PUBLIC = "public"
COMMUNITY = "community"


@dataclass(frozen=True)
class IndexedItem:
    """What the index keeps of one object.

    ``audience`` PUBLIC: anyone finds it; COMMUNITY: only the residents of ``community``
    (a 12-digit division code) and staff whose area covers it. ``keywords`` are searched but
    never shown (colloquial words, the place's name)."""

    key: str
    title: str
    url: str
    text: str = ""
    audience: str = PUBLIC
    community: str = ""
    keywords: str = ""


@dataclass(frozen=True)
class SearchKind:
    """One kind of result, e.g. "notice".

    ``items`` yields every item of the kind that may be found (a full rebuild);
    ``item_of`` turns one saved object of ``models`` into its item, or None when it must not
    be found (a draft, hidden, unpublished): the index then drops it. Saves and deletions of
    ``models`` re-index the object at once (saves of fields outside ``reads`` excepted).
    ``leads_to_form``: each item is a form to fill (a task, a request category); the best hit
    of the first such group is offered as the search page's big button."""

    code: str
    label: Any  # a lazy translated string
    order: int
    items: Callable[[], Iterable[IndexedItem]]
    models: tuple[type[Model], ...] = ()
    item_of: Callable[[Any], IndexedItem | None] | None = None
    key_of: Callable[[Any], str] = field(default=lambda obj: str(obj.pk))
    leads_to_form: bool = False
    # The fields ``item_of`` reads (a foreign key by its name): a save that names only
    # other fields (``update_fields``) leaves the index as it is. Empty: every save
    # re-indexes.
    reads: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Task:
    """Something a resident comes to do ("路灯坏了" → report it): found by its words,
    leading straight to the form. ``url_name`` names the form's URL; ``title`` and ``text``
    may be lazy translations (shown in the reader's language); ``keywords`` are what people
    type."""

    code: str
    title: Any
    url_name: str
    keywords: str
    text: Any = ""


_KINDS: dict[str, SearchKind] = {}
_TASKS: dict[str, Task] = {}


def register_kind(kind: SearchKind) -> None:
    """Add (or replace, by code) a kind of searchable thing."""
    _KINDS[kind.code] = kind


def unregister_kind(code: str) -> None:
    """Forget a kind (its documents stay until the next rebuild of it)."""
    _KINDS.pop(code, None)


def register_task(task: Task, *, replace: bool = True) -> None:
    """Add (or replace, by code) a task; an app replacing the portal's fallback form for
    a task registers it again under the same code. The portal registers its fallbacks with
    ``replace=False``, so an app whose ``ready`` ran first keeps its own."""
    if replace or task.code not in _TASKS:
        _TASKS[task.code] = task


def kinds() -> list[SearchKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.code))


def kind_get(code: str) -> SearchKind | None:
    return _KINDS.get(code)


def tasks() -> list[Task]:
    return sorted(_TASKS.values(), key=lambda t: t.code)


def kinds_of_model(model: type[Model]) -> list[SearchKind]:
    return [k for k in _KINDS.values() if model in k.models] if _KINDS else []
