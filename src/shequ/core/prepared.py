"""Querysets compiled to SQL once per process, for the few queries every page runs.

Django compiles a queryset's SQL again each time it is evaluated. For most pages that is
noise, but the frame of every signed-in page reads the user with two subqueries (staff roles,
unread messages), and compiling that statement took longer than the database took to answer
it (1.5 ms against 0.3 ms, measured on the serving benchmark's machine). A ``PreparedQuery``
compiles its queryset once per database connection settings, with a marker standing for the
one value that changes (a user's id), and runs the SQL with the value put in its place through
``QuerySet.raw``: the rows come back as model instances with the field converters applied
(sealed personal numbers stay sealed), and each annotation as an attribute.
"""

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

# A value no id takes: its place in the compiled parameters is where the real value goes.
_MARKER = -7_392_164_085


class PreparedQuery(Generic[M]):
    """``build(value)`` returns the queryset; ``run(value)`` its rows, compiled only once.

    ``build`` must use ``value`` only as a parameter (a filter value), never to choose the
    query's shape; everything else in it is fixed when first compiled.
    """

    def __init__(self, build: Callable[[Any], QuerySet[M]]) -> None:
        self._build = build
        self._compiled: dict[tuple[str, str], tuple[QuerySet[M], str, tuple[Any, ...]]] = {}
        self._lock = threading.Lock()

    def _compile(self, using: str) -> tuple[QuerySet[M], str, tuple[Any, ...]]:
        key = (using, connections[using].vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            queryset = self._build(_MARKER).using(using)
            sql, params = queryset.query.get_compiler(using).as_sql()
            if _MARKER not in params:
                raise ValueError("build() must filter on its argument")
            compiled = (queryset, sql, tuple(params))
            with self._lock:
                self._compiled.setdefault(key, compiled)
        return compiled

    def run(self, value: Any, using: str = "default") -> list[M]:
        queryset, sql, params = self._compile(using)
        values = [value if p == _MARKER else p for p in params]
        return list(queryset.model._default_manager.db_manager(using).raw(sql, values))
