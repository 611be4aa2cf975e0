"""Keeping the site-wide index in step: a save or deletion of a registered model re-indexes
that object at once (in the same transaction); ``rebuild`` re-reads every kind (the
``portal_reindex`` command and the nightly task, for bulk updates that send no signals)."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.utils import translation

from shequ.portal.models import SearchDocument
from shequ.portal.registry import IndexedItem, SearchKind, kinds, kinds_of_model
from shequ.portal.search import body_tokens, title_tokens

BATCH = 500


def _document(kind: SearchKind, item: IndexedItem) -> SearchDocument:
    return SearchDocument(
        kind=kind.code,
        key=item.key[:64],
        title=item.title[:200],
        text=item.text[:1000],
        url=item.url[:300],
        audience=item.audience,
        community=item.community or "",
        title_tokens=title_tokens(item.title),
        body_tokens=body_tokens(item.text, item.keywords),
    )


# What an item's row is rewritten with when it is indexed again.
_REFRESHED = ("title", "text", "url", "audience", "community", "title_tokens", "body_tokens")


def index_item(kind: SearchKind, item: IndexedItem) -> None:
    """Add or refresh one item: one upsert on (kind, key). A request filed by a resident is
    saved twice in its transaction (filed, then clustered: the second save names fields the
    index does not read, see ``SearchKind.reads``); a read, a savepoint and a write for each
    of three saves was a fifth of the intake's time."""
    with translation.override(settings.LANGUAGE_CODE):
        doc = _document(kind, item)
    SearchDocument.objects.bulk_create(
        [doc],
        update_conflicts=True,
        unique_fields=["kind", "key"],
        update_fields=[*_REFRESHED, "updated_at"],
    )


def index_object(obj: Model, update_fields: Iterable[str] | None = None) -> None:
    """Re-index ``obj`` for every kind its model belongs to (dropping it where it must not be
    found any more). ``update_fields``: what a save changed, when it said so; a kind that
    reads none of them is left alone."""
    changed = None if update_fields is None else frozenset(update_fields)
    for kind in kinds_of_model(type(obj)):
        if changed is not None and kind.reads and not changed & kind.reads:
            continue
        item = kind.item_of(obj) if kind.item_of is not None else None
        if item is None:
            SearchDocument.objects.filter(kind=kind.code, key=kind.key_of(obj)).delete()
        else:
            index_item(kind, item)


def forget_object(obj: Model) -> None:
    for kind in kinds_of_model(type(obj)):
        SearchDocument.objects.filter(kind=kind.code, key=kind.key_of(obj)).delete()


def rebuild(kind_code: str | None = None) -> dict[str, int]:
    """Re-read every item of one kind (or all): returns the number indexed per kind."""
    counts: dict[str, int] = {}
    chosen = [k for k in kinds() if kind_code in (None, k.code)]
    with translation.override(settings.LANGUAGE_CODE):
        for kind in chosen:
            with transaction.atomic():
                SearchDocument.objects.filter(kind=kind.code).delete()
                batch: list[SearchDocument] = []
                seen: set[str] = set()
                for item in kind.items():
                    doc = _document(kind, item)
                    if doc.key in seen:
                        continue
                    seen.add(doc.key)
                    batch.append(doc)
                    if len(batch) >= BATCH:
                        SearchDocument.objects.bulk_create(batch)
                        batch = []
                SearchDocument.objects.bulk_create(batch)
            counts[kind.code] = len(seen)
    return counts


def _saved(
    sender: type[Model],
    instance: Model,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    if not raw and kinds_of_model(sender):
        index_object(instance, update_fields)


def _deleted(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    if kinds_of_model(sender):
        forget_object(instance)


def connect_signals() -> None:
    """Listen to every model's saves, so a kind registered by any app, at any time, is kept
    in step (a dictionary look-up for models of no kind)."""
    post_save.connect(_saved, dispatch_uid="portal-index-save")
    post_delete.connect(_deleted, dispatch_uid="portal-index-delete")
