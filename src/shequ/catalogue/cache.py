"""The catalogue's reads, kept in the shared cache (Redis in production) until it changes.

Every cached value's key holds the catalogue's version number, itself kept in the cache.
Any write to a service, topic, policy document, search entry or department bumps the
version (signal receivers below, so services, seeders and the admin all do it without
remembering to), and the next read computes afresh under the new key; old entries are
never read again and age out. Nothing here needs deleting key by key, so it works the same
on several app servers sharing one Redis. Without a shared cache (each process its own
memory) entries live only a few seconds, since another process's write cannot reach them.
"""

import hashlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import translation

from shequ.catalogue.models import PolicyDocument, SearchEntry, Service, Topic
from shequ.people.models import Department

VERSION_KEY = "catalogue:version"
# Old versions' entries are never read again: they only need to live long enough to serve.
TIMEOUT_SECONDS = 60 * 60
# In a per-process cache (the laptop default without ``CACHE_URL``) a write bumps only its
# own process's version: the other processes' entries must expire soon on their own.
LOCAL_TIMEOUT_SECONDS = 5
T = TypeVar("T")


def _fresh_version() -> int:
    # Not 1: if the version key were evicted while entries of version 1 were still cached,
    # starting again from 1 would serve them. Nanoseconds never repeat.
    return time.time_ns()


def catalogue_version() -> int:
    """The current version; a new one if the cache has none (first start, eviction)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, _fresh_version(), timeout=None)
        version = cache.get(VERSION_KEY)
    return int(version) if version is not None else _fresh_version()


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (or evicted): any new one differs from the old
        cache.set(VERSION_KEY, _fresh_version(), timeout=None)


def bump_catalogue_version() -> None:
    """Every cached catalogue read is stale from now on.

    Bumped at once (this request and tests see the change) and again when the transaction
    commits: a request that read the old rows in between would otherwise have cached them
    under the new version.
    """
    _bump()
    transaction.on_commit(_bump)


def cache_seconds() -> int:
    """How long a cached catalogue read or page fragment may live (see the module doc)."""
    shared = getattr(settings, "SHEQU_CACHE_SHARED", False)
    return TIMEOUT_SECONDS if shared else LOCAL_TIMEOUT_SECONDS


def fragment_context() -> dict[str, int]:
    """What the catalogue templates' ``{% cache %}`` fragments are keyed and timed by."""
    return {"catalogue_version": catalogue_version(), "catalogue_cache_seconds": cache_seconds()}


def cached(name: str, params: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``'s value for ``params`` in the current language and catalogue version."""
    digest = hashlib.sha256(repr(params).encode()).hexdigest()[:32]
    language = translation.get_language() or "-"
    key = f"catalogue:{catalogue_version()}:{language}:{name}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=cache_seconds())
    return value


def _changed(sender: Any, **kwargs: Any) -> None:
    bump_catalogue_version()


def connect_signals() -> None:
    """Called from the app's ``ready()``: every write of what the catalogue shows bumps."""
    for model in (Service, Topic, PolicyDocument, SearchEntry, Department):
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalogue-bump-save-{model}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalogue-bump-delete-{model}")
    m2m_changed.connect(
        _changed, sender=Service.topics.through, dispatch_uid="catalogue-bump-topics"
    )
